#include "face/irc/irc.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/frame.h"
#include "base/log.h"
#include "base/utf8.h"
#include "base/xalloc.h"
#include "face/irc/irc_int.h"
#include "net/listener.h"
#include "hub/auth.h"
#include "net/net.h"
#include "net/netlim.h"
#include "net/ws_frame.h"

/* User-facing text of the IRC face's connection handling, in one place for translation. */
static const char T_SHUTDOWN[] = "Server shutting down";
static const char T_PING_TIMEOUT[] = "Ping timeout: %llu seconds";
static const char T_REGISTER_TIMEOUT[] = "Registration timeout";
static const char T_SENDQ[] = "SendQ exceeded";
static const char T_TOO_LONG[] = "Input line too long";
static const char T_BAD_UTF8[] = "Message rejected, your IRC software MUST use UTF-8 encoding on "
				 "this network";
static const char T_UNKNOWN[] = "Unknown command";
static const char R_CLOSED[] = "Connection closed";
static const char R_RESET[] = "Connection reset by peer";
/* The real name shown for users who gave none: line and UDP users, and bots. */
static const char T_REAL_BOT[] = "charla bot";
static const char T_REAL_USER[] = "charla user";

enum {
	IRC_INPUT_MAX = IRC_TAGS_CLIENT_MAX + IRC_LINE_MAX, /* a line with its tags, CR LF aside */
	IRC_STANDIN_HOST_MAX = 64,
	IRC_COMMAND_QUOTE_MAX = 64, /* bytes of an unknown command quoted back in 421 */
	IRC_FLOOD_TICK_MIN_MS = 10, /* the flood timer's shortest period, for very high rates */
};

const char *irc_server(const struct irc_face *f)
{
	return f->hub->cfg.server_name;
}

/* ---- identity as IRC shows it ---- */

/* Line and UDP users, and bots, have no host the hub knows: the hub's stand-ins say what they
 * are, are valid hosts for masks, and are what bans match. */
const char *irc_user_of(const struct session *s)
{
	return session_user_shown(s);
}

const char *irc_host_of(const struct session *s)
{
	return session_host_shown(s);
}

const char *irc_real_of(const struct session *s)
{
	if (s->info && s->info->realname)
		return s->info->realname;
	return s->bot ? T_REAL_BOT : T_REAL_USER;
}

void irc_mask(const struct session *s, struct buf *out)
{
	buf_printf(out, "%s!%s@%s", s->name ? s->name : "*", irc_user_of(s), irc_host_of(s));
}

/* ---- sending ---- */

void irc_write(struct irc_client *c, const char *data, size_t len)
{
	if (c->capture) {
		buf_append(c->capture, data, len);
		return;
	}
	conn_send_str(c->conn, data, len);
}

/* Ends a line built in b at the IRC limit: cut at a character boundary, then CR LF. */
static void irc_end_line(struct buf *b, size_t start)
{
	size_t max = IRC_LINE_MAX - 2;
	if (b->len - start > max)
		b->len = start + utf8_boundary(b->data + start, b->len - start, max);
	buf_puts(b, "\r\n");
}

__attribute__((format(printf, 3, 0)))
static void irc_vline(struct irc_client *c, const char *head, const char *fmt, va_list ap)
{
	struct buf b = BUF_INIT;
	buf_puts(&b, head);
	buf_vprintf(&b, fmt, ap);
	irc_end_line(&b, 0);
	irc_write(c, b.data, b.len);
	buf_free(&b);
}

void irc_num(struct irc_client *c, const char *num, const char *fmt, ...)
{
	struct buf head = BUF_INIT;
	buf_printf(&head, ":%s %s %s ", irc_server(c->f), num, irc_nick(c));
	va_list ap;
	va_start(ap, fmt);
	irc_vline(c, head.data, fmt, ap);
	va_end(ap);
	buf_free(&head);
}

size_t irc_num_room(const struct irc_client *c, size_t middle)
{
	size_t head = 1 + strlen(irc_server(c->f)) + sizeof(" 000 ") - 1 + strlen(irc_nick(c)) +
		      middle + sizeof(" :") - 1;
	return head + 2 < IRC_LINE_MAX ? IRC_LINE_MAX - 2 - head : 0;
}

void irc_serverf(struct irc_client *c, const char *fmt, ...)
{
	struct buf head = BUF_INIT;
	buf_printf(&head, ":%s ", irc_server(c->f));
	va_list ap;
	va_start(ap, fmt);
	irc_vline(c, head.data, fmt, ap);
	va_end(ap);
	buf_free(&head);
}

static void irc_label_end(struct irc_client *c);

/* irc_close, with the close code a WebSocket client is sent after the ERROR line. */
static void irc_close_code(struct irc_client *c, const char *reason, unsigned ws_code)
{
	if (conn_is_closing(c->conn))
		return;
	struct buf b = BUF_INIT;
	buf_printf(&b, "ERROR :Closing Link: %s (%s)", irc_nick(c), reason);
	irc_end_line(&b, 0);
	/* The link closes whatever command is running: a labeled one (QUIT, a refused PASS) ends
	 * here, with the ERROR as the last line of its response, so that nothing (not even its
	 * ACK) comes after the ERROR. */
	if (c->label) {
		buf_append(c->capture, b.data, b.len);
		irc_label_end(c);
	} else {
		conn_send_str(c->conn, b.data, b.len);
	}
	buf_free(&b);
	session_close(c->f->hub, &c->sess, reason, strlen(reason));
	if (c->ws)
		conn_ws_close(c->conn, ws_code, reason);
	else
		conn_close_after_flush(c->conn);
}

void irc_close(struct irc_client *c, const char *reason)
{
	irc_close_code(c, reason, WS_CLOSE_NORMAL);
}

/* ---- labeled-response: what a labeled command says, sent at its end ---- */

/* Starts capturing c's output for the label of m, if c negotiated labeled-response and m has one. */
static void irc_label_begin(struct irc_client *c, const struct irc_msg *m)
{
	if (!irc_has(c, IRC_CAP_LABELED_RESPONSE))
		return;
	struct buf label = BUF_INIT;
	if (!irc_msg_tag(m, "label", &label) || !label.len || label.len > 64) {
		buf_free(&label);
		return;
	}
	c->label = label.data;
	c->capture = xcalloc(1, sizeof(*c->capture));
}

/* Adds a tag to the front of one captured line. */
static void irc_label_tag_line(struct buf *out, const char *line, size_t len, const char *tag)
{
	if (len && line[0] == '@') {
		buf_putc(out, '@');
		buf_puts(out, tag);
		buf_putc(out, ';');
		buf_append(out, line + 1, len - 1);
	} else {
		buf_putc(out, '@');
		buf_puts(out, tag);
		buf_putc(out, ' ');
		buf_append(out, line, len);
	}
}

char *irc_label_take(struct irc_client *c)
{
	char *label = c->label;
	c->label = NULL;
	return label;
}

static void irc_label_end(struct irc_client *c)
{
	if (!c->capture)
		return;
	struct buf *cap = c->capture;
	c->capture = NULL;
	if (!c->label) { /* taken (irc_label_take): what was captured goes as it is */
		if (cap->len)
			conn_send_str(c->conn, cap->data, cap->len);
		buf_free(cap);
		free(cap);
		return;
	}
	struct buf out = BUF_INIT, tag = BUF_INIT;
	buf_puts(&tag, "label=");
	irc_tag_escape(c->label, strlen(c->label), &tag);
	size_t lines = 0;
	for (size_t i = 0; i < cap->len; i++)
		lines += cap->data[i] == '\n';
	if (lines == 0) {
		buf_printf(&out, "@%s :%s ACK\r\n", tag.data, irc_server(c->f));
	} else if (lines == 1) {
		irc_label_tag_line(&out, cap->data, cap->len, tag.data);
	} else if (irc_has(c, IRC_CAP_BATCH)) {
		char ref[24];
		snprintf(ref, sizeof(ref), "L%llu", (unsigned long long)++c->f->batch_seq);
		buf_printf(&out, "@%s :%s BATCH +%s labeled-response\r\n", tag.data,
			   irc_server(c->f), ref);
		struct buf bt = BUF_INIT;
		buf_printf(&bt, "batch=%s", ref);
		for (size_t at = 0; at < cap->len;) {
			const char *lf = memchr(cap->data + at, '\n', cap->len - at);
			size_t n = (size_t)(lf - (cap->data + at)) + 1;
			irc_label_tag_line(&out, cap->data + at, n, bt.data);
			at += n;
		}
		buf_free(&bt);
		buf_printf(&out, ":%s BATCH -%s\r\n", irc_server(c->f), ref);
	} else {
		buf_append(&out, cap->data, cap->len); /* no batch: the label cannot be said */
	}
	conn_send_str(c->conn, out.data, out.len);
	buf_free(&out);
	buf_free(&tag);
	buf_free(cap);
	free(cap);
	free(c->label);
	c->label = NULL;
}

/* ---- session ops: what the hub calls ---- */

static void irc_deliver(struct session *s, struct frame *f)
{
	struct irc_client *c = irc_client_of(s);
	if (c->capture && !c->capture_skip && c->ws)
		ws_frame_unframe(c->capture, f->data, f->len); /* back to lines, to label */
	else if (c->capture && !c->capture_skip)
		buf_append(c->capture, f->data, f->len);
	else
		conn_send(c->conn, f);
	c->capture_skip = false;
}

static void irc_admitted(struct session *s)
{
	struct irc_client *c = irc_client_of(s);
	/* Lines sent while waiting in the queue are read now (deferred to the next flush). */
	if (!c->holds)
		conn_resume(c->conn);
}

void irc_hold(struct irc_client *c)
{
	c->holds++;
	conn_pause(c->conn);
}

void irc_release(struct irc_client *c)
{
	if (!c->holds || --c->holds)
		return;
	if (!c->throttled && c->sess.state != SESSION_WAITING)
		conn_resume(c->conn);
}

static void irc_disconnect(struct session *s)
{
	struct irc_client *c = irc_client_of(s);
	conn_close_after_flush(c->conn);
}

static const char *irc_addr_key(const struct session *s)
{
	return irc_client_const_of(s)->conn->stream.throttle;
}

static const struct session_ops irc_session_ops = {
	.face = &irc_codec_face,
	.deliver = irc_deliver,
	.admitted = irc_admitted,
	.disconnect = irc_disconnect,
	.no_lobby = true,
	.addr_key = irc_addr_key,
	.certfp = irc_auth_certfp,
};

bool irc_session_is_ours(const struct session *s)
{
	return s->ops == &irc_session_ops;
}

/* ---- flood control: a token bucket per client, refilled as time passes ---- */

static void irc_refill(struct irc_client *c, uint64_t now)
{
	const struct irc_config *cfg = &c->f->cfg;
	if (!cfg->flood_rate)
		return;
	c->tokens += (double)(now - c->tokens_ms) * cfg->flood_rate / 1000.0;
	if (c->tokens > cfg->flood_burst)
		c->tokens = cfg->flood_burst;
	c->tokens_ms = now;
}

/* Resumes the throttled clients whose budget has come back; stops when none is left. */
static void irc_on_flood_tick(uv_timer_t *t)
{
	struct irc_face *f = t->data;
	uint64_t now = uv_now(f->net->loop);
	list_each_safe(node, &f->throttled) {
		struct irc_client *c = list_entry(node, struct irc_client, throttle_link);
		irc_refill(c, now);
		if (c->tokens < 1)
			continue;
		c->throttled = false;
		list_remove(&c->throttle_link);
		if (!c->holds) /* else the answer owed resumes it (irc_release) */
			conn_resume(c->conn);
	}
	if (list_empty(&f->throttled))
		uv_timer_stop(&f->flood);
}

/* Takes cost from c's budget; false when it is spent: input pauses until it comes back (the
 * client is slowed, as IRC servers' fake lag does, and nobody else is). The flood timer ticks
 * once per command's worth of budget, so a throttled client goes on at the configured rate. */
static bool irc_spend(struct irc_client *c, unsigned cost, uint64_t now)
{
	struct irc_face *f = c->f;
	if (!f->cfg.flood_rate)
		return true;
	irc_refill(c, now);
	c->tokens -= cost;
	if (c->tokens >= 0)
		return true;
	conn_pause(c->conn);
	if (c->throttled)
		return false;
	c->throttled = true;
	if (list_empty(&f->throttled) && !uv_is_closing((uv_handle_t *)&f->flood)) {
		uint64_t period = 1000 / f->cfg.flood_rate;
		if (period < IRC_FLOOD_TICK_MIN_MS)
			period = IRC_FLOOD_TICK_MIN_MS;
		uv_timer_start(&f->flood, irc_on_flood_tick, period, period);
	}
	list_push_back(&f->throttled, &c->throttle_link);
	return false;
}

/* ---- conn ops: what the connection calls ---- */

static bool irc_on_line(struct conn *conn, char *line, size_t len, bool too_long)
{
	struct irc_client *c = conn->owner;
	if (c->sess.state == SESSION_GONE || conn_is_closing(conn))
		return false;
	uint64_t now = uv_now(conn->net->loop);
	c->last_input_ms = now;
	c->ping_sent_ms = 0;
	if (too_long) {
		irc_num(c, "417", ":%s", T_TOO_LONG);
		return true;
	}
	if (c->sess.state == SESSION_WAITING)
		return false; /* read after admission */
	if (!irc_msg_clean(line, len))
		return true; /* a NUL or a CR inside a line: not IRC */
	struct irc_msg m;
	enum irc_parse r = irc_msg_parse(line, len, &m);
	switch (r) {
	case IRC_PARSE_OK:
		break;
	case IRC_PARSE_BAD_COMMAND:
		/* Not a command IRC could have (letters, or three digits): unknown, said so (with
		 * the label, if any), unless it cannot be quoted. */
		if (m.command.len <= IRC_COMMAND_QUOTE_MAX && utf8_is_valid(m.command.p, m.command.len)) {
			irc_label_begin(c, &m);
			irc_num(c, "421", "%.*s :%s", (int)m.command.len, m.command.p, T_UNKNOWN);
			irc_label_end(c);
		}
		return irc_spend(c, 1, now);
	case IRC_PARSE_EMPTY:
	case IRC_PARSE_NO_COMMAND:
	case IRC_PARSE_BAD_TAGS:
		return true;
	case IRC_PARSE_TOO_LONG:
	case IRC_PARSE_TAGS_TOO_LONG:
		irc_num(c, "417", ":%s", T_TOO_LONG);
		return true;
	}
	if (!utf8_is_valid(line, len)) {
		irc_serverf(c, "FAIL %.*s INVALID_UTF8 :%s", (int)m.command.len, m.command.p,
			    T_BAD_UTF8);
		return true;
	}
	irc_label_begin(c, &m);
	unsigned cost = irc_reg_dispatch(c, &m);
	irc_label_end(c);
	if (c->sess.state == SESSION_GONE || conn_is_closing(conn))
		return false;
	/* Every command costs; one that goes over the budget is still run, and the next waits;
	 * so does the next of one whose answer is owed (irc_hold). */
	return irc_spend(c, cost, now) && !c->holds;
}

static void irc_on_gone(struct conn *conn, int status)
{
	struct irc_client *c = conn->owner;
	const char *why = status == UV_EOF ? R_CLOSED : status == UV_ECONNRESET ? R_RESET
										: uv_strerror(status);
	log_debug(c->f->log, "%s (irc): %s", conn->peer, why);
	session_close(c->f->hub, &c->sess, why, strlen(why));
}

static void irc_on_overflow(struct conn *conn, enum outq_verdict v)
{
	struct irc_client *c = conn->owner;
	log_info(c->f->log, "%s (irc %s): disconnecting a slow reader: %zu bytes queued (%s limit)",
		 conn->peer, irc_nick(c), conn_queued(conn), v == OUTQ_OVER_HARD ? "hard" : "soft");
	c->f->stats[c->ws].slow++; /* ws is 0 or 1: IRC_TRANSPORT_TCP or IRC_TRANSPORT_WS */
	conn_drop_unsent(conn);
	irc_close_code(c, T_SENDQ, WS_CLOSE_POLICY);
}

static void irc_on_tick(struct conn *conn, uint64_t now)
{
	struct irc_client *c = conn->owner;
	const struct irc_config *cfg = &c->f->cfg;
	if (!(c->reg & IRC_REG_DONE)) {
		if (cfg->register_timeout_ms && now - c->opened_ms >= cfg->register_timeout_ms &&
		    c->sess.state != SESSION_WAITING)
			irc_close(c, T_REGISTER_TIMEOUT);
		return;
	}
	if (c->ping_sent_ms) {
		if (now - c->ping_sent_ms >= cfg->ping_timeout_ms) {
			char why[64];
			snprintf(why, sizeof(why), T_PING_TIMEOUT,
				 (unsigned long long)((now - c->last_input_ms) / 1000));
			irc_close(c, why);
		}
	} else if (cfg->ping_ms && now - c->last_input_ms >= cfg->ping_ms) {
		c->ping_sent_ms = now;
		struct buf b = BUF_INIT;
		buf_printf(&b, "PING :%s\r\n", irc_server(c->f));
		conn_send_str(conn, b.data, b.len);
		buf_free(&b);
	}
}

static void irc_on_closed(struct conn *conn)
{
	struct irc_client *c = conn->owner;
	session_close(c->f->hub, &c->sess, R_CLOSED, sizeof(R_CLOSED) - 1);
	irc_auth_forget(c);
	irc_monitor_forget(c);
	irc_history_forget(c);
	list_remove(&c->throttle_link);
	list_remove(&c->link);
	c->f->nclients--;
	c->f->stats[c->ws].open--;
	free(c->pass);
	free(c->label);
	if (c->capture) {
		buf_free(c->capture);
		free(c->capture);
	}
	free(c);
}

static const struct conn_ops irc_conn_ops = {
	.line = irc_on_line,
	.gone = irc_on_gone,
	.overflow = irc_on_overflow,
	.tick = irc_on_tick,
	.closed = irc_on_closed,
};

/* ---- accepting ---- */

/* Makes c, whose conn is set, a client: budget, host, the list, the session. */
static void irc_client_start(struct irc_client *c)
{
	struct irc_face *f = c->f;
	c->conn->in.max = IRC_INPUT_MAX;
	list_init(&c->history);
	uint64_t now = uv_now(f->net->loop);
	c->opened_ms = c->last_input_ms = c->tokens_ms = now;
	c->tokens = f->cfg.flood_burst;
	if (!f->cfg.password)
		c->reg |= IRC_REG_PASS;
	/* The host as IRC shows it: the peer's address without its port (a stand-in for
	 * reverse DNS, which would cost a lookup off the loop per connection). */
	const char *peer = c->conn->peer;
	const char *colon = strrchr(peer, ':');
	size_t hl = colon ? (size_t)(colon - peer) : strlen(peer);
	if (hl && peer[0] == '[' && peer[hl - 1] == ']') {
		peer++;
		hl -= 2;
	}
	if (hl && hl < IRC_STANDIN_HOST_MAX) {
		/* An IPv6 address starting with ':' would read as a trailing parameter. */
		struct buf host = BUF_INIT;
		if (peer[0] == ':')
			buf_putc(&host, '0');
		buf_append(&host, peer, hl);
		session_set_host(&c->sess, host.data, host.len);
		buf_free(&host);
	}
	list_push_front(&f->clients, &c->link);
	f->nclients++;
	f->stats[c->ws].accepted++;
	f->stats[c->ws].open++;
	log_debug(f->log, "%s: connected (irc%s)", c->conn->peer, c->ws ? " over WebSocket" : "");
	switch (session_open(f->hub, &c->sess)) {
	case SESSION_ADMITTED:
		break;
	case SESSION_QUEUED:
		conn_pause(c->conn);
		break;
	case SESSION_FULL:
		conn_close_after_flush(c->conn);
		break;
	}
}

/* One ERROR line, then the close: no session, no hub. */
static void irc_refuse(struct conn *conn)
{
	unsigned limit;
	int v = conn_refused(conn, &limit);
	const char *reason;
	uint64_t until_ms;
	if (v == NETLIM_BANNED && net_banned(conn->net, &conn->stream.addr, &reason, &until_ms)) {
		struct buf b = BUF_INIT;
		char host[NETLIM_KEY_LEN];
		netlim_key(&conn->stream.addr, 0, host);
		irc_codec_banned(&b, host, reason, until_ms / 1000);
		conn_refuse(conn, b.data, b.len);
		buf_free(&b);
		return;
	}
	const char *why = v == NETLIM_RATE	  ? "Too many connections from your address at once"
			  : v == NETLIM_PER_NET ? "Too many connections from your network"
						: "Too many connections from your address";
	char host[64];
	snprintf(host, sizeof(host), "%s", conn->peer);
	char *colon = strrchr(host, ':');
	if (colon)
		*colon = '\0'; /* the address without its port */
	char text[256];
	int n = snprintf(text, sizeof(text), "ERROR :Closing Link: %s (%s)\r\n", host, why);
	if (n < 0 || (size_t)n >= sizeof(text))
		n = 0;
	conn_refuse(conn, text, (size_t)n);
}

static void irc_on_connection(struct listener *l)
{
	struct irc_face *f = l->owner;
	struct irc_client *c = xcalloc(1, sizeof(*c));
	c->f = f;
	session_init(f->hub, &c->sess, &irc_session_ops);
	session_set_variant(f->hub, &c->sess, irc_cap_variant(c)); /* the server's language */
	int r = conn_accept(f->net, (uv_stream_t *)&l->tcp, &irc_conn_ops, c, &c->conn);
	if (r < 0) {
		listener_error(l, r);
		free(c);
		return;
	}
	if (r == CONN_REFUSED) {
		irc_refuse(c->conn);
		free(c);
		return;
	}
	irc_client_start(c);
}

void irc_face_each(struct irc_face *f,
		   void (*fn)(struct session *s, const struct netlim_addr *a, void *arg), void *arg)
{
	list_each_safe(node, &f->clients) {
		struct irc_client *c = list_entry(node, struct irc_client, link);
		if (c->sess.state != SESSION_GONE && !conn_is_closing(c->conn))
			fn(&c->sess, &c->conn->stream.addr, arg);
	}
}

void irc_face_adopt(struct irc_face *f, struct conn *conn)
{
	struct irc_client *c = xcalloc(1, sizeof(*c));
	c->f = f;
	c->ws = true;
	session_init(f->hub, &c->sess, &irc_session_ops);
	c->conn = conn;
	conn_adopt(conn, &irc_conn_ops, c);
	/* Every line it is sent is a WebSocket message: the variants with IRC_V_WS. */
	session_set_variant(f->hub, &c->sess, irc_cap_variant(c));
	irc_client_start(c);
}

int irc_face_init(struct irc_face *f, const struct irc_config *cfg, struct hub *hub,
		  struct net *net, const struct logger *log, char *err, size_t errlen)
{
	(void)err;
	(void)errlen;
	memset(f, 0, sizeof(*f));
	f->cfg = *cfg;
	f->hub = hub;
	f->net = net;
	f->log = log;
	list_init(&f->clients);
	list_init(&f->throttled);
	buf_init(&f->scratch);
	map_init(&f->monitors, uv_hrtime());
	if (f->cfg.whowas_max)
		f->whowas = xcalloc(f->cfg.whowas_max, sizeof(*f->whowas));
	f->started_ms = uv_now(net->loop);
	time_t t = time(NULL);
	struct tm tm;
	gmtime_r(&t, &tm);
	strftime(f->created, sizeof(f->created), "%a %b %d %Y at %H:%M:%S UTC", &tm);
	hub_add_face(hub, &irc_codec_face);
	f->ears = (struct hub_observer){
		.mask = HUB_MASK(HUB_EV_ARRIVE) | HUB_MASK(HUB_EV_NICK) | HUB_MASK(HUB_EV_QUIT),
		.event = irc_monitor_hears,
		.ctx = f,
	};
	hub_observe(hub, &f->ears);
	uv_timer_init(net->loop, &f->flood);
	f->flood.data = f;
	uv_unref((uv_handle_t *)&f->flood); /* like the net's handles: never what keeps the loop */
	return 0;
}

int irc_face_listen(struct irc_face *f, const char *spec, char *err, size_t errlen)
{
	return listener_open_spec(f->net->loop, spec, f->cfg.backlog, irc_on_connection, f,
				  &f->listeners, f->log, "listening on ", " (irc)", err, errlen);
}

void irc_face_shutdown(struct irc_face *f)
{
	for (struct listener *l = f->listeners, *next; l; l = next) {
		next = l->next;
		listener_close(l);
	}
	f->listeners = NULL;
	hub_unobserve(f->hub, &f->ears);
	if (!uv_is_closing((uv_handle_t *)&f->flood))
		uv_close((uv_handle_t *)&f->flood, NULL);
	list_each(node, &f->clients) {
		struct irc_client *c = list_entry(node, struct irc_client, link);
		if (!conn_is_closing(c->conn))
			irc_close_code(c, T_SHUTDOWN, WS_CLOSE_GOING_AWAY);
	}
}

void irc_face_free(struct irc_face *f)
{
	irc_monitor_free(f);
	buf_free(&f->scratch);
}
