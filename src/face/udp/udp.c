#include "face/udp/udp.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "base/frame.h"
#include "base/i18n.h"
#include "base/log.h"
#include "base/utf8.h"
#include "base/xalloc.h"
#include "face/udp/udp_codec.h"
#include "net/addr.h"
#include "net/dgram.h"
#include "net/listener.h"
#include "net/net.h"
#include "net/netlim.h"
#include "text/cmd.h"
#include "text/text_codec.h"
#include "text/text_stable.h"

/* User-facing text of the UDP face, in one place, marked for translation (looked up in the
 * peer's language where it is used; the server's before there is a peer). */
static const char T_TOO_LONG[] = N_("Line too long (max %zu bytes); it was dropped.");
static const char T_NO_NAME[] = N_("No name given in time.");
static const char T_IDLE[] = N_("Idle for too long; disconnecting.");
static const char T_FORGOTTEN[] = N_("Nothing heard from you for %llu s; you are forgotten. "
				     "Send /hello to register again.");
static const char T_REGISTERED[] = N_("You are registered already.");
static const char T_WAITING[] = N_("You are waiting for a free slot; until then only /quit, "
				   "/help and /lang are taken.");
static const char T_SLOW_DOWN[] = N_("Too many datagrams (at most %u a second); some were "
				     "dropped.");
static const char T_TOO_MANY[] = N_("! The server has too many UDP peers; try again later.\n");
static const char T_SHUTDOWN[] = TEXT_STABLE_SHUTDOWN;
static const char R_IDLE[] = "idle timeout";
static const char R_SHUTDOWN[] = "server shutting down";

static void udp_schedule(struct udp_face *uf);

static struct udp_peer *udp_peer_of(struct session *s)
{
	return list_entry(s, struct udp_peer, sess);
}
static void udp_kick_defer(struct udp_face *uf);

/* ---- sending ---- */

/* An answer outside any session (cookie, HELLO?, an error): head only. */
static void udp_reply(struct dgram *d, const struct sockaddr *to, const char *text, size_t len)
{
	dgram_send(d, to, text, len, NULL, 0, 0, NULL, 0);
}

/* Sends one line of a frame, f->data[from..end) without its LF, to p: one datagram with the next
 * sequence number, or several parts cut at UTF-8 boundaries when it is longer than one datagram
 * takes. The frame is shared with every other recipient: each datagram is a header, a slice of the
 * frame and its LF (the frame's own, or, for a part that does not end the line, one of its own). */
static void udp_send_line(struct udp_peer *p, struct frame *f, size_t from, size_t end, bool lf)
{
	const struct sockaddr *to = (const struct sockaddr *)&p->addr;
	size_t ends[UDP_MAX_PARTS];
	bool cut;
	unsigned n = udp_codec_split(f->data + from, end - from, UDP_PART_MAX, ends, &cut);
	size_t at = from;
	for (unsigned i = 0; i < n; i++) {
		char head[UDP_HEADER_MAX];
		size_t hl = udp_codec_header(head, ++p->seq, i + 1, n);
		size_t stop = from + ends[i];
		bool last = i + 1 == n;
		if (last && !cut && lf) {
			/* The frame's own LF ends the datagram. */
			dgram_send(p->sock, to, head, hl, f, at, stop + 1 - at, NULL, 0);
		} else if (last && cut) {
			static const char mark[] = UDP_CUT_MARK "\n";
			dgram_send(p->sock, to, head, hl, f, at, stop - at, mark, sizeof(mark) - 1);
		} else {
			dgram_send(p->sock, to, head, hl, f, at, stop - at, "\n", 1);
		}
		at = stop;
	}
}

/* Sends a line-format frame to p, one line (or its parts) per datagram: most frames hold one
 * line, a reply such as a names list several. */
static void udp_send_frame(struct udp_peer *p, struct frame *f)
{
	size_t from = 0;
	while (from < f->len) {
		const char *nl = memchr(f->data + from, '\n', f->len - from);
		size_t end = nl ? (size_t)(nl - f->data) : f->len;
		udp_send_line(p, f, from, end, nl != NULL);
		from = end + 1;
	}
}

/* ---- peers' lifetimes ---- */

/* p leaves the table now and is freed by the deferred callback. Its session must be closed. */
static void udp_bury(struct udp_face *uf, struct udp_peer *p)
{
	if (p->dead)
		return;
	p->dead = true;
	udp_peers_remove(&uf->peers, p);
	p->next_dead = uf->dead;
	uf->dead = p;
	udp_kick_defer(uf);
}

static void udp_free_dead(struct udp_face *uf)
{
	while (uf->dead) {
		struct udp_peer *p = uf->dead;
		uf->dead = p->next_dead;
		free(p->name);
		free(p);
	}
}

/* ---- lines from a peer ---- */

static void udp_line(struct udp_face *uf, struct udp_peer *p, const char *line, size_t n,
		     uint64_t now)
{
	if (n > uf->cfg.max_line) {
		text_codec_tell(&p->sess, TEXT_ERROR, i18n_tr(text_codec_lang(&p->sess), T_TOO_LONG), uf->cfg.max_line);
		return;
	}
	if (!utf8_is_clean(line, n)) {
		buf_clear(&uf->clean);
		utf8_sanitize(line, n, &uf->clean);
		line = uf->clean.data;
		n = uf->clean.len;
	}
	if (p->sess.state == SESSION_WAITING) {
		/* A TCP client's lines wait in its socket; a datagram has nowhere to wait. */
		struct cmd_parsed c;
		enum cmd_kind k = cmd_parse(line, n, &c);
		if (k == CMD_EMPTY)
			return;
		if (k != CMD_COMMAND || (c.id != CMD_QUIT && c.id != CMD_HELP && c.id != CMD_LANG)) {
			text_codec_tell(&p->sess, TEXT_ERROR, "%s", i18n_tr(text_codec_lang(&p->sess), T_WAITING));
			return;
		}
	}
	bool named = p->sess.state == SESSION_ACTIVE;
	udp_peers_said(&uf->peers, p, now);
	cmd_line(uf->hub, &p->sess, line, n, p->throttle);
	if (!p->dead && !named && p->sess.state == SESSION_ACTIVE)
		udp_peers_naming(&uf->peers, p, false, now);
}

/* The name from /hello is the first line of an admitted peer, as a TCP client would type it. */
static void udp_give_name(struct udp_face *uf, struct udp_peer *p, uint64_t now)
{
	char *name = p->name;
	if (!name)
		return;
	p->name = NULL;
	udp_line(uf, p, name, strlen(name), now);
	free(name);
}

static void udp_input(struct udp_face *uf, struct udp_peer *p, const char *data, size_t len,
		      uint64_t now)
{
	const char *line;
	size_t n;
	while (!p->dead && udp_codec_next_line(&data, &len, &line, &n)) {
		struct udp_hello h;
		switch (udp_codec_request(line, n, &h)) {
		case UDP_REQ_KEEPALIVE:
			break;
		case UDP_REQ_HELLO:
			/* Most likely our first answer was lost and the peer asks again. */
			text_codec_tell(&p->sess, TEXT_INFO, "%s", i18n_tr(text_codec_lang(&p->sess), T_REGISTERED));
			break;
		case UDP_REQ_LINE:
			udp_line(uf, p, line, n, now);
			break;
		}
	}
}

/* ---- session ops: what the hub calls ---- */

static void udp_deliver(struct session *s, struct frame *f)
{
	struct udp_peer *p = udp_peer_of(s);
	udp_send_frame(p, f);
}

static void udp_admitted(struct session *s)
{
	struct udp_peer *p = udp_peer_of(s);
	struct udp_face *uf = p->uf;
	udp_peers_naming(&uf->peers, p, true, uv_now(uf->loop));
	cmd_greet(uf->hub, s, uf->cfg.version);
	if (uf->opening != p && p->name && !p->admit_later) {
		/* Admitted from the queue, inside whatever hub call freed a slot: the name is given
		 * from the deferred callback, outside it. */
		p->admit_later = true;
		p->next_admit = uf->admit;
		uf->admit = p;
		udp_kick_defer(uf);
	}
	udp_schedule(uf);
}

static void udp_disconnect(struct session *s)
{
	struct udp_peer *p = udp_peer_of(s);
	udp_bury(p->uf, p);
}

/* "addr:port", as the peer table keys it: limits per address (failed logins) use it. */
static const char *udp_addr_key(const struct session *s)
{
	return list_entry_const(s, struct udp_peer, sess)->throttle;
}

static const struct session_ops udp_session_ops = {
	.face = &text_codec_face,
	.deliver = udp_deliver,
	.admitted = udp_admitted,
	.disconnect = udp_disconnect,
	.addr_key = udp_addr_key,
};

/* ---- registration ---- */

/* The address echoed a valid cookie: it receives what we send. It becomes a peer and a session;
 * the rest of its datagram, if any, is its first input. */
static void udp_register(struct udp_face *uf, struct dgram *d, const struct sockaddr *from,
			 const struct udp_hello *h, const char *rest, size_t left, uint64_t now)
{
	if (uf->peers.count >= uf->cfg.max_peers) {
		const char *full = i18n_tr((enum lang)uf->hub->cfg.lang, T_TOO_MANY);
		udp_reply(d, from, full, strlen(full));
		return;
	}
	/* A banned address (net/net.h's gate) is told once, in the server's language. The address
	 * echoed a cookie, so it is not forged: the answer amplifies nothing. */
	struct netlim_addr a;
	const char *reason;
	uint64_t until_ms;
	if (uf->cfg.gate && netlim_addr_from(from, &a) &&
	    uf->cfg.gate->banned(uf->cfg.gate->ctx, &a, &reason, &until_ms)) {
		struct buf b = BUF_INIT;
		text_codec_banned(&b, (enum lang)uf->hub->cfg.lang, reason, until_ms / 1000);
		udp_reply(d, from, b.data, b.len);
		buf_free(&b);
		return;
	}
	struct udp_peer *p = xcalloc(1, sizeof(*p));
	p->uf = uf;
	p->sock = d;
	session_init(uf->hub, &p->sess, &udp_session_ops);
	text_codec_set_lang(uf->hub, &p->sess, text_codec_lang(&p->sess)); /* the server's */
	udp_peers_add(&uf->peers, p, from, now);
	if (h->name)
		p->name = xstrndup(h->name, h->namelen);
	uf->stats.registered++;
	log_debug(uf->log, "udp %s: registered", p->key);
	uf->opening = p;
	enum session_open_result r = session_open(uf->hub, &p->sess);
	uf->opening = NULL;
	switch (r) {
	case SESSION_ADMITTED:
		udp_give_name(uf, p, now);
		break;
	case SESSION_QUEUED:
		break;
	case SESSION_FULL:
		udp_bury(uf, p);
		return;
	}
	udp_input(uf, p, rest, left, now);
}

/* A datagram from an address that is not a peer. Whatever happens, the answer is no longer than
 * the datagram: the address may be forged, and we must not be an amplifier. */
static void udp_stranger(struct udp_face *uf, struct dgram *d, const char *data, size_t len,
			 const struct sockaddr *from, uint64_t now)
{
	const char *rest = data;
	size_t left = len;
	const char *line;
	size_t n;
	if (!udp_codec_next_line(&rest, &left, &line, &n))
		return;
	struct udp_hello h;
	if (udp_codec_request(line, n, &h) != UDP_REQ_HELLO) {
		if (len >= sizeof(UDP_HELLO_AGAIN) - 1)
			udp_reply(d, from, UDP_HELLO_AGAIN, sizeof(UDP_HELLO_AGAIN) - 1);
		return;
	}
	if (h.has_cookie && udp_peers_cookie_valid(&uf->peers, from, now, h.cookie)) {
		udp_register(uf, d, from, &h, rest, left, now);
		return;
	}
	/* No cookie, or a stale or wrong one (a third word used as padding looks the same). */
	if (len >= UDP_COOKIE_REPLY) {
		char reply[UDP_COOKIE_REPLY];
		udp_codec_cookie(reply, udp_peers_cookie(&uf->peers, from, now));
		udp_reply(d, from, reply, sizeof(reply));
		uf->stats.cookies++;
	}
}

static void udp_on_datagram(struct dgram *d, const char *data, size_t len,
			    const struct sockaddr *from)
{
	struct udp_face *uf = d->owner;
	if (uf->stopping)
		return;
	if (from->sa_family != AF_INET && from->sa_family != AF_INET6)
		return;
	uint64_t now = uv_now(uf->loop);
	struct udp_peer *p = udp_peers_find(&uf->peers, from);
	if (!udp_peers_allow(&uf->peers, p, from, now)) {
		uf->stats.rate_dropped++;
		if (p && now - p->warned_ms >= 1000) {
			p->warned_ms = now;
			text_codec_tell(&p->sess, TEXT_ERROR, i18n_tr(text_codec_lang(&p->sess), T_SLOW_DOWN), uf->cfg.rate);
		}
		return;
	}
	if (p) {
		p->sock = d;
		udp_peers_touch(&uf->peers, p, now);
		udp_input(uf, p, data, len, now);
	} else {
		udp_stranger(uf, d, data, len, from, now);
	}
	udp_schedule(uf);
}

/* ---- timers ---- */

static void udp_expiry_cb(uv_timer_t *t)
{
	struct udp_face *uf = t->data;
	uint64_t now = uv_now(uf->loop);
	enum udp_expiry why;
	struct udp_peer *p;
	while ((p = udp_peers_expired(&uf->peers, now, &why))) {
		switch (why) {
		case UDP_EXPIRE_IDLE:
			text_codec_tell(&p->sess, TEXT_ERROR, i18n_tr(text_codec_lang(&p->sess), T_FORGOTTEN),
					(unsigned long long)(uf->cfg.idle_ms / 1000));
			uf->stats.forgotten++;
			break;
		case UDP_EXPIRE_NAME:
			text_codec_tell(&p->sess, TEXT_ERROR, "%s", i18n_tr(text_codec_lang(&p->sess), T_NO_NAME));
			break;
		case UDP_EXPIRE_QUIET:
			text_codec_tell(&p->sess, TEXT_ERROR, "%s", i18n_tr(text_codec_lang(&p->sess), T_IDLE));
			break;
		case UDP_EXPIRE_NONE:
			break;
		}
		log_debug(uf->log, "udp %s (%s): forgotten (%s)", p->key,
			  p->sess.name ? p->sess.name : "-",
			  why == UDP_EXPIRE_IDLE ? "silent" : why == UDP_EXPIRE_NAME ? "no name" : "idle");
		session_close(uf->hub, &p->sess, R_IDLE, sizeof(R_IDLE) - 1);
		/* Should it still be there, it learns at once that it has to register again. */
		udp_reply(p->sock, (const struct sockaddr *)&p->addr, UDP_HELLO_AGAIN,
			  sizeof(UDP_HELLO_AGAIN) - 1);
		udp_bury(uf, p);
	}
	udp_schedule(uf);
}

/* Arms the expiry timer for the earliest deadline, unless it is armed for that or earlier. New
 * entries go to the tails of time-ordered lists, so most calls return at the first test. */
static void udp_schedule(struct udp_face *uf)
{
	if (uf->stopping)
		return;
	uint64_t dl = udp_peers_deadline(&uf->peers);
	if (dl == UINT64_MAX)
		return;
	if (uv_is_active((uv_handle_t *)&uf->expiry) && uf->armed_at <= dl)
		return;
	uint64_t now = uv_now(uf->loop);
	uf->armed_at = dl;
	uv_timer_start(&uf->expiry, udp_expiry_cb, dl > now ? dl - now : 0, 0);
}

static void udp_defer_cb(uv_timer_t *t)
{
	struct udp_face *uf = t->data;
	uint64_t now = uv_now(uf->loop);
	/* Giving a name may admit others (a quit frees a slot); they join this list as we go. */
	while (uf->admit) {
		struct udp_peer *p = uf->admit;
		uf->admit = p->next_admit;
		p->admit_later = false;
		if (!p->dead && p->sess.state == SESSION_NAMING)
			udp_give_name(uf, p, now);
	}
	udp_free_dead(uf);
	udp_schedule(uf);
}

static void udp_kick_defer(struct udp_face *uf)
{
	if (!uv_is_active((uv_handle_t *)&uf->defer) && !uv_is_closing((uv_handle_t *)&uf->defer))
		uv_timer_start(&uf->defer, udp_defer_cb, 0, 0);
}

/* ---- sockets ---- */

static void udp_on_sock_closed(struct dgram *d)
{
	struct udp_face *uf = d->owner;
	for (struct dgram **pp = &uf->socks; *pp; pp = &(*pp)->next) {
		if (*pp == d) {
			*pp = d->next;
			return;
		}
	}
}

static int udp_bind(struct udp_face *uf, const struct sockaddr *sa, char *err, size_t errlen)
{
	struct dgram *d = dgram_open(uf->loop, sa, uf->cfg.max_queued, udp_on_datagram, uf, err,
				     errlen);
	if (!d)
		return -1;
	d->on_closed = udp_on_sock_closed;
	d->next = uf->socks;
	uf->socks = d;
	log_info(uf->log, "receiving datagrams on %s (udp)", d->name);
	return 0;
}

int udp_face_init(struct udp_face *uf, const struct udp_config *cfg, struct hub *hub,
		  uv_loop_t *loop, const struct logger *log, char *err, size_t errlen)
{
	memset(uf, 0, sizeof(*uf));
	uf->cfg = *cfg;
	uf->hub = hub;
	uf->loop = loop;
	uf->log = log;
	buf_init(&uf->clean);
	hub_add_face(hub, &text_codec_face);
	uv_timer_init(loop, &uf->expiry);
	uv_timer_init(loop, &uf->defer);
	uf->expiry.data = uf->defer.data = uf;
	/* Timers never keep the loop alive on their own; the sockets do. */
	uv_unref((uv_handle_t *)&uf->expiry);
	uv_unref((uv_handle_t *)&uf->defer);
	uint64_t secret[2];
	/* getrandom(2) underneath: cookies are only as good as this secret. */
	int r = uv_random(NULL, NULL, secret, sizeof(secret), 0, NULL);
	if (r < 0) {
		snprintf(err, errlen, "no random secret for UDP cookies: %s", uv_strerror(r));
		return -1;
	}
	struct udp_timeouts to = {.idle_ms = cfg->idle_ms, .name_ms = cfg->name_timeout_ms,
				  .quiet_ms = cfg->quiet_ms};
	udp_peers_init(&uf->peers, secret, &to, cfg->rate, cfg->burst);
	return 0;
}

int udp_face_listen(struct udp_face *uf, const char *spec, char *err, size_t errlen)
{
	struct sockaddr_storage addrs[ADDR_MAX_PER_SPEC];
	int n = addr_parse(spec, addrs, err, errlen);
	if (n < 0)
		return -1;
	int opened = 0;
	for (int i = 0; i < n; i++) {
		char why[256];
		if (udp_bind(uf, (struct sockaddr *)&addrs[i], why, sizeof(why)) < 0) {
			/* As for TCP: a wildcard that opens IPv4 but not IPv6 still serves. */
			if (n > 1)
				log_warn(uf->log, "%s", why);
			else
				snprintf(err, errlen, "%s", why);
			continue;
		}
		opened++;
	}
	if (!opened && n > 1)
		snprintf(err, errlen, "cannot bind UDP on any address of '%s'", spec);
	return opened ? 0 : -1;
}

void udp_face_follow(struct udp_face *uf, const struct listener *listeners)
{
	for (const struct listener *l = listeners; l; l = l->next) {
		struct sockaddr_storage ss;
		int len = sizeof(ss);
		if (uv_tcp_getsockname(&l->tcp, (struct sockaddr *)&ss, &len) < 0)
			continue;
		char why[256];
		if (udp_bind(uf, (struct sockaddr *)&ss, why, sizeof(why)) < 0)
			log_warn(uf->log, "%s; no UDP there (--udp chooses another address)", why);
	}
}

void udp_face_each(struct udp_face *uf,
		   void (*fn)(struct session *s, const struct netlim_addr *a, void *arg), void *arg)
{
	list_each_safe(node, &uf->peers.idle) {
		struct udp_peer *p = list_entry(node, struct udp_peer, by_idle);
		struct netlim_addr a;
		if (!p->dead && p->sess.state != SESSION_GONE &&
		    netlim_addr_from((const struct sockaddr *)&p->addr, &a))
			fn(&p->sess, &a, arg);
	}
}

void udp_face_shutdown(struct udp_face *uf)
{
	if (uf->stopping)
		return;
	uf->stopping = true;
	uv_timer_stop(&uf->expiry);
	/* One goodbye frame per language, made when a peer first needs it. */
	struct frame *bye[LANG_COUNT] = {NULL};
	struct udp_peer *p;
	while ((p = udp_peers_oldest(&uf->peers))) {
		enum lang lang = text_codec_lang(&p->sess);
		if (!bye[lang]) {
			const char *t = i18n_tr(lang, T_SHUTDOWN);
			bye[lang] = frame_from(t, strlen(t));
		}
		session_close(uf->hub, &p->sess, R_SHUTDOWN, sizeof(R_SHUTDOWN) - 1);
		udp_send_frame(p, bye[lang]);
		udp_bury(uf, p);
	}
	for (int l = 0; l < LANG_COUNT; l++)
		if (bye[l])
			frame_unref(bye[l]);
	uf->admit = NULL; /* every peer on it is dead now */
	udp_free_dead(uf);
	uv_timer_stop(&uf->defer);
	uint64_t sent = 0, received = 0, dropped = 0;
	for (struct dgram *d = uf->socks; d; d = d->next) {
		sent += d->sent;
		received += d->received;
		dropped += d->dropped;
	}
	if (uf->socks)
		log_info(uf->log, "udp: %llu datagrams in, %llu out, %llu dropped on the way out, "
			 "%llu over the rate limit; %llu peers registered, %llu forgotten",
			 (unsigned long long)received, (unsigned long long)sent,
			 (unsigned long long)dropped, (unsigned long long)uf->stats.rate_dropped,
			 (unsigned long long)uf->stats.registered,
			 (unsigned long long)uf->stats.forgotten);
	for (struct dgram *d = uf->socks; d; d = d->next)
		dgram_close(d, true);
}

static void udp_close_timer(uv_timer_t *t)
{
	if (!uv_is_closing((uv_handle_t *)t))
		uv_close((uv_handle_t *)t, NULL);
}

void udp_face_close(struct udp_face *uf)
{
	if (!uf->loop)
		return; /* never initialised */
	/* Each dgram is unlinked and freed by its close callback, later, from the loop. */
	for (struct dgram *d = uf->socks, *next; d; d = next) {
		next = d->next;
		dgram_close(d, false);
	}
	udp_close_timer(&uf->expiry);
	udp_close_timer(&uf->defer);
}

void udp_face_free(struct udp_face *uf)
{
	udp_free_dead(uf);
	udp_peers_free(&uf->peers);
	buf_free(&uf->clean);
}
