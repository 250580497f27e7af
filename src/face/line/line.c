#include "face/line/line.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "base/frame.h"
#include "base/i18n.h"
#include "base/log.h"
#include "base/utf8.h"
#include "base/xalloc.h"
#include "text/cmd.h"
#include "text/text_codec.h"
#include "text/text_stable.h"
#include "net/addr.h"
#include "net/listener.h"
#include "net/net.h"
#include "net/netlim.h"

/* User-facing text of the line face, in one place, marked for translation (looked up in the
 * session's language where it is used). The R_ reasons are for the log and others' quit news. */
static const char T_TOO_LONG[] = N_("Line too long (max %zu bytes); it was dropped.");
static const char T_TOO_SLOW[] = N_("! You are too slow to read the chat; disconnecting.\n");
static const char T_NO_NAME[] = N_("No name given in time.");
static const char T_IDLE[] = N_("Idle for too long; disconnecting.");
static const char T_SHUTDOWN[] = TEXT_STABLE_SHUTDOWN;
static const char T_MAX_PER_IP[] = N_("! Too many connections from your address (at most %u).\n");
static const char T_MAX_PER_NET[] = N_("! Too many connections from your network (at most %u).\n");
static const char T_RATE[] = N_("! Too many connections from your address at once (at most %u a "
				"second); try again later.\n");
static const char R_CLOSED[] = "connection closed";
static const char R_RESET[] = "connection reset";
static const char R_TIMEOUT[] = "connection timed out";
static const char R_SLOW[] = "too slow";
static const char R_IDLE[] = "idle timeout";
static const char R_SHUTDOWN[] = "server shutting down";

struct line_client {
	struct session sess;
	struct conn *conn;
	struct line_face *lf;
	struct list_node link; /* on lf->clients */
	uint64_t admitted_ms;
};

static struct line_client *line_client_of(struct session *s)
{
	return list_entry(s, struct line_client, sess);
}

/* Unlinks the session for good with a reason (a C string). */
static void line_close_session(struct line_client *lc, const char *reason)
{
	session_close(lc->lf->hub, &lc->sess, reason, strlen(reason));
}

/* ---- session ops: what the hub calls ---- */

static void line_deliver(struct session *s, struct frame *f)
{
	struct line_client *lc = line_client_of(s);
	conn_send(lc->conn, f);
}

static void line_admitted(struct session *s)
{
	struct line_client *lc = line_client_of(s);
	lc->admitted_ms = uv_now(lc->lf->net->loop);
	cmd_greet(lc->lf->hub, s, lc->lf->cfg.version);
	/* Lines typed while waiting in the queue are read now (conn_resume defers the work to the
	 * next flush, outside whatever hub call admitted us). */
	conn_resume(lc->conn);
}

static void line_disconnect(struct session *s)
{
	struct line_client *lc = line_client_of(s);
	conn_close_after_flush(lc->conn);
}

static const char *line_addr_key(const struct session *s)
{
	return list_entry_const(s, struct line_client, sess)->conn->stream.throttle;
}

/* The client certificate's fingerprint on a TLS connection (NickServ CERT ADD, /login by
 * certificate), or NULL. */
static const char *line_certfp(const struct session *s)
{
	return conn_certfp(list_entry_const(s, struct line_client, sess)->conn);
}

static const struct session_ops line_session_ops = {
	.face = &text_codec_face,
	.deliver = line_deliver,
	.admitted = line_admitted,
	.disconnect = line_disconnect,
	.addr_key = line_addr_key,
	.certfp = line_certfp,
};

/* ---- conn ops: what the connection calls ---- */

static bool line_on_line(struct conn *c, char *line, size_t len, bool too_long)
{
	struct line_client *lc = c->owner;
	struct line_face *lf = lc->lf;
	if (lc->sess.state == SESSION_GONE)
		return false;
	if (too_long) {
		text_codec_tell(&lc->sess, TEXT_ERROR, i18n_tr(text_codec_lang(&lc->sess), T_TOO_LONG), lf->net->cfg.max_line);
		return true;
	}
	if (!utf8_is_clean(line, len)) {
		buf_clear(&lf->clean);
		utf8_sanitize(line, len, &lf->clean);
		line = lf->clean.data;
		len = lf->clean.len;
	}
	return cmd_line(lf->hub, &lc->sess, line, len, lc->conn->stream.throttle);
}

static const char *line_reason(int status)
{
	switch (status) {
	case UV_EOF:
		return R_CLOSED;
	case UV_ECONNRESET:
	case UV_EPIPE:
		return R_RESET;
	case UV_ETIMEDOUT:
		return R_TIMEOUT;
	default:
		return uv_strerror(status);
	}
}

static void line_on_gone(struct conn *c, int status)
{
	struct line_client *lc = c->owner;
	log_debug(lc->lf->log, "%s: %s", c->peer, line_reason(status));
	line_close_session(lc, line_reason(status));
}

/* Unlinks the session with `reason`, sends one last line and closes after the flush. */
static void line_kick(struct line_client *lc, const char *reason, const char *line, size_t len)
{
	line_close_session(lc, reason);
	conn_close_after_flush(lc->conn); /* first, so this last line is not judged by the limits */
	conn_send_str(lc->conn, line, len);
}

static void line_on_overflow(struct conn *c, enum outq_verdict v)
{
	struct line_client *lc = c->owner;
	log_info(lc->lf->log, "%s (%s): disconnecting a slow reader: %zu bytes queued (%s limit)",
		 c->peer, lc->sess.name ? lc->sess.name : "-", conn_queued(c),
		 v == OUTQ_OVER_HARD ? "hard" : "soft");
	/* What has not started to be written is dropped, so the reason is the next thing it reads. */
	lc->lf->stats.slow++;
	conn_drop_unsent(c);
	const char *slow = i18n_tr(text_codec_lang(&lc->sess), T_TOO_SLOW);
	line_kick(lc, R_SLOW, slow, strlen(slow));
}

static void line_kick_with_error(struct line_client *lc, const char *reason, const char *text)
{
	text_codec_tell(&lc->sess, TEXT_ERROR, "%s", i18n_tr(text_codec_lang(&lc->sess), text));
	line_close_session(lc, reason);
	conn_close_after_flush(lc->conn);
}

static void line_on_tick(struct conn *c, uint64_t now)
{
	struct line_client *lc = c->owner;
	const struct line_config *cfg = &lc->lf->cfg;
	if (lc->sess.state == SESSION_NAMING && cfg->name_timeout_ms &&
	    now - lc->admitted_ms >= cfg->name_timeout_ms) {
		line_kick_with_error(lc, R_IDLE, T_NO_NAME);
	} else if (lc->sess.state == SESSION_ACTIVE && cfg->idle_timeout_ms &&
		   now - c->last_input_ms >= cfg->idle_timeout_ms) {
		line_kick_with_error(lc, R_IDLE, T_IDLE);
	}
}

static void line_on_closed(struct conn *c)
{
	struct line_client *lc = c->owner;
	line_close_session(lc, R_CLOSED); /* a no-op unless something was missed */
	list_remove(&lc->link);
	lc->lf->stats.open--;
	free(lc);
}

static const struct conn_ops line_conn_ops = {
	.line = line_on_line,
	.gone = line_on_gone,
	.overflow = line_on_overflow,
	.tick = line_on_tick,
	.closed = line_on_closed,
};

/* ---- accepting ---- */

/* One line in the server's language, then the close: no session, no hub. */
static void line_refuse(struct line_client *lc, struct conn *c)
{
	unsigned limit;
	int v = conn_refused(c, &limit);
	enum lang lang = text_codec_lang(&lc->sess);
	const char *reason;
	uint64_t until_ms;
	if (v == NETLIM_BANNED && net_banned(c->net, &c->stream.addr, &reason, &until_ms)) {
		struct buf b = BUF_INIT;
		text_codec_banned(&b, lang, reason, until_ms / 1000);
		buf_putc(&b, '\n');
		conn_refuse(c, b.data, b.len);
		buf_free(&b);
		log_debug(lc->lf->log, "%s: refused (banned)", c->peer);
		return;
	}
	char text[256];
	int n;
	if (v == NETLIM_RATE)
		n = snprintf(text, sizeof(text), i18n_tr(lang, T_RATE), limit);
	else if (v == NETLIM_PER_NET)
		n = snprintf(text, sizeof(text), i18n_tr(lang, T_MAX_PER_NET), limit);
	else
		n = snprintf(text, sizeof(text), i18n_tr(lang, T_MAX_PER_IP), limit);
	if (n < 0 || (size_t)n >= sizeof(text))
		n = 0;
	conn_refuse(c, text, (size_t)n);
	log_debug(lc->lf->log, "%s: refused (over a connection limit)", c->peer);
}

static void line_on_connection(struct listener *l)
{
	struct line_face *lf = l->owner;
	struct line_client *lc = xcalloc(1, sizeof(*lc));
	lc->lf = lf;
	session_init(lf->hub, &lc->sess, &line_session_ops);
	text_codec_set_lang(lf->hub, &lc->sess, text_codec_lang(&lc->sess)); /* the server's */
	int r = conn_accept(lf->net, (uv_stream_t *)&l->tcp, &line_conn_ops, lc, &lc->conn);
	if (r < 0) {
		listener_error(l, r);
		free(lc);
		return;
	}
	if (r == CONN_REFUSED) {
		line_refuse(lc, lc->conn);
		free(lc);
		return;
	}
	list_push_front(&lf->clients, &lc->link);
	lf->stats.accepted++;
	lf->stats.open++;
	log_debug(lf->log, "%s: connected", lc->conn->peer);
	switch (session_open(lf->hub, &lc->sess)) {
	case SESSION_ADMITTED:
		break;
	case SESSION_QUEUED:
		conn_pause(lc->conn);
		break;
	case SESSION_FULL:
		conn_close_after_flush(lc->conn);
		break;
	}
}

void line_face_init(struct line_face *lf, const struct line_config *cfg, struct hub *hub,
		    struct net *net, const struct logger *log)
{
	memset(lf, 0, sizeof(*lf));
	lf->cfg = *cfg;
	lf->hub = hub;
	lf->net = net;
	lf->log = log;
	list_init(&lf->clients);
	buf_init(&lf->clean);
	hub_add_face(hub, &text_codec_face);
}

int line_face_listen(struct line_face *lf, const char *spec, char *err, size_t errlen)
{
	return listener_open_spec(lf->net->loop, spec, lf->cfg.backlog, line_on_connection, lf,
				  &lf->listeners, lf->log, "listening on ", " (tcp line)", err, errlen);
}

void line_face_each(struct line_face *lf,
		    void (*fn)(struct session *s, const struct netlim_addr *a, void *arg), void *arg)
{
	list_each_safe(node, &lf->clients) {
		struct line_client *lc = list_entry(node, struct line_client, link);
		if (lc->sess.state != SESSION_GONE && !conn_is_closing(lc->conn))
			fn(&lc->sess, &lc->conn->stream.addr, arg);
	}
}

void line_face_shutdown(struct line_face *lf)
{
	for (struct listener *l = lf->listeners, *next; l; l = next) {
		next = l->next;
		listener_close(l);
	}
	lf->listeners = NULL;
	list_each(node, &lf->clients) {
		struct line_client *lc = list_entry(node, struct line_client, link);
		if (conn_is_closing(lc->conn))
			continue;
		line_close_session(lc, R_SHUTDOWN);
		const char *bye = i18n_tr(text_codec_lang(&lc->sess), T_SHUTDOWN);
		conn_send_str(lc->conn, bye, strlen(bye));
		conn_close_after_flush(lc->conn);
	}
}

void line_face_free(struct line_face *lf)
{
	buf_free(&lf->clean);
}
