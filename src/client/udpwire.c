/* udpwire: the UDP side of charla --udp. One connected UDP socket per address tried, the
 * protocol in udplink.h driven by the socket and one timer, and what the session's Stable lines
 * mean over datagrams (registering again, joining the room again). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <uv.h>

#include "base/buf.h"
#include "base/xalloc.h"
#include "client/client_private.h"

/* User-facing strings, marked for translation (po/es.po) and translated where they are used. */
#define MSG_UDP_NO_ANSWER N_("cannot register with %s port %s over UDP: %s")
#define MSG_UDP_SILENT N_("no answer")
#define MSG_UDP_FORGOTTEN N_("! The server had forgotten us (it restarted, or heard nothing " \
	"from us for too long); registering again.")
#define MSG_UDP_REFUSED N_("! The server does not answer (%s); trying again until it does.")
#define MSG_UDP_WAITING N_("! Waiting for the server to come back; Ctrl-C leaves.")
#define LOBBY "#lobby"

struct udp_req {
	uv_udp_send_t req;
	struct client *c;
	char data[];
};

static void udpwire_on_closed(uv_handle_t *h);
static void udpwire_drop_address(struct client *c);
static void udpwire_alloc(uv_handle_t *h, size_t hint, uv_buf_t *b);
static void udpwire_on_read(uv_udp_t *h, ssize_t nread, const uv_buf_t *b,
			    const struct sockaddr *addr, unsigned flags);
static void udpwire_refused(struct client *c, int status);
static void udpwire_show(struct client *c);
static void udpwire_lost(struct client *c);
static void udpwire_send(struct client *c, const char *data, size_t len);
static void udpwire_on_sent(uv_udp_send_t *req, int status);
static void udpwire_on_timer(uv_timer_t *t);

/* Tries the addresses in turn, as over TCP: a connected UDP socket per address, kept while the
 * address answers; an address that refuses (ICMP) or stays silent through udplink's tries is
 * dropped for the next. The protocol state carries over from one address to the next. */
void udpwire_try_next(struct client *c)
{
	while (c->next_addr) {
		struct addrinfo *ai = c->next_addr;
		c->next_addr = ai->ai_next;
		int r = uv_udp_init(&c->loop, &c->udp);
		if (r < 0) {
			c->last_error = r;
			continue;
		}
		c->udp.data = c;
		r = uv_udp_connect(&c->udp, ai->ai_addr);
		if (r == 0)
			r = uv_udp_recv_start(&c->udp, udpwire_alloc, udpwire_on_read);
		if (r < 0) {
			c->last_error = r;
			uv_close((uv_handle_t *)&c->udp, udpwire_on_closed);
			return;
		}
		uint64_t now = uv_now(&c->loop);
		if (!c->link_ready) {
			struct udplink_config cfg;
			udplink_defaults(&cfg);
			if (c->opt->keepalive_ms)
				cfg.keepalive_ms = c->opt->keepalive_ms;
			udplink_init(&c->link, &cfg, c->opt->name, now);
			c->link_ready = true;
		} else {
			udplink_restart(&c->link, now);
		}
		udpwire_pump(c);
		return;
	}
	const char *why = c->last_error ? uv_strerror(c->last_error) : client_tr(c, MSG_UDP_SILENT);
	client_finish(c, CLIENT_EXIT_NO_CONNECT, client_tr(c, MSG_UDP_NO_ANSWER), c->opt->host,
		      c->opt->port, why);
}

static void udpwire_on_closed(uv_handle_t *h)
{
	struct client *c = h->data;
	if (!c->finishing)
		udpwire_try_next(c);
}

/* This address never registered us: close its socket and try the next. */
static void udpwire_drop_address(struct client *c)
{
	uv_timer_stop(&c->udp_timer);
	if (!uv_is_closing((uv_handle_t *)&c->udp))
		uv_close((uv_handle_t *)&c->udp, udpwire_on_closed);
}

static void udpwire_alloc(uv_handle_t *h, size_t hint, uv_buf_t *b)
{
	struct client *c = h->data;
	(void)hint;
	*b = uv_buf_init(c->in, IN_MAX);
}

static void udpwire_on_read(uv_udp_t *h, ssize_t nread, const uv_buf_t *b,
			    const struct sockaddr *addr, unsigned flags)
{
	struct client *c = h->data;
	if (c->finishing || uv_is_closing((uv_handle_t *)h))
		return;
	if (nread < 0) {
		/* An ICMP error on our connected socket, reported on a later read. */
		udpwire_refused(c, (int)nread);
		return;
	}
	if ((nread == 0 && !addr) || (flags & UV_UDP_PARTIAL))
		return;
	uint64_t now = uv_now(&c->loop);
	buf_clear(&c->shown);
	unsigned ev = udplink_input(&c->link, b->base, (size_t)nread, now, &c->shown);
	if (ev & UDPLINK_REGISTERED) {
		/* A new session: the server takes the name of our /hello, if any, as our first
		 * line. A script's lines wait until it is taken (see input_feed). */
		const char *name = c->link.name;
		client_start_session(c, name != NULL);
		if (name) {
			login_sent(&c->login, name, strlen(name));
			udplink_hold(&c->link, !c->opt->interactive);
		}
	}
	if ((ev & UDPLINK_REGISTERED) && !c->ui_started) {
		uv_freeaddrinfo(c->addrs);
		c->addrs = NULL;
		c->next_addr = NULL;
		if (client_start_ui(c) < 0)
			return;
	}
	if (ev & UDPLINK_FORGOTTEN) {
		screen_notice(c, client_tr(c, MSG_UDP_FORGOTTEN));
		udpwire_lost(c);
	}
	udpwire_show(c);
	if (c->finishing)
		return;
	if (c->udp_bye && c->quitting) {
		client_finish(c, CLIENT_EXIT_OK, NULL);
		return;
	}
	if (c->udp_shutdown) {
		c->udp_shutdown = false;
		if (c->quitting || c->input_done) {
			client_finish(c, CLIENT_EXIT_OK, NULL);
			return;
		}
		screen_notice(c, client_tr(c, MSG_UDP_WAITING));
		udpwire_lost(c);
	}
	udpwire_pump(c);
}

/* The server's host says nobody listens on its port (an ICMP port unreachable). Before the first
 * registration that rules the address out; after it, the server is away: register again as soon
 * as it is back. */
static void udpwire_refused(struct client *c, int status)
{
	if (!c->link.ever) {
		c->last_error = status;
		udpwire_drop_address(c);
		return;
	}
	if (c->link.state == UDPLINK_ON) {
		screen_notice(c, client_tr(c, MSG_UDP_REFUSED), uv_strerror(status));
		udpwire_lost(c);
	}
	udpwire_pump(c);
}

/* The session is over: remember the room to come back to, and register again. */
static void udpwire_lost(struct client *c)
{
	if (!c->rejoin && c->track.room && strcasecmp(c->track.room, LOBBY) != 0)
		c->rejoin = xstrdup(c->track.room);
	udplink_lost(&c->link, uv_now(&c->loop));
}

/* Shows the lines udplink handed over, one by one, as lines from the server. */
static void udpwire_show(struct client *c)
{
	size_t at = 0;
	buf_clear(&c->out);
	while (at < c->shown.len && !c->finishing) {
		const char *line = c->shown.data + at;
		const char *lf = memchr(line, '\n', c->shown.len - at);
		size_t n = lf ? (size_t)(lf - line) : c->shown.len - at;
		client_receive(c, line, n);
		at += n + 1;
	}
	screen_show(c);
}

void udpwire_fact(struct client *c, enum track_fact fact)
{
	switch (fact) {
	case TRACK_WELCOME:
		udplink_hold(&c->link, false);
		udplink_set_name(&c->link, c->track.name);
		if (c->rejoin) {
			size_t n = strlen(c->rejoin);
			char line[8 + 256];
			if (n < 256) {
				memcpy(line, "/join ", 6);
				memcpy(line + 6, c->rejoin, n);
				udplink_queue(&c->link, line, n + 6);
			}
			free(c->rejoin);
			c->rejoin = NULL;
		}
		break;
	case TRACK_NICK:
		udplink_set_name(&c->link, c->track.name);
		break;
	case TRACK_BYE:
		c->udp_bye = true;
		break;
	case TRACK_SHUTDOWN:
		c->udp_shutdown = true;
		break;
	default:
		break;
	}
}

/* Also handles what follows from an empty queue: the grace after /quit, and reading piped input
 * again. */
void udpwire_pump(struct client *c)
{
	if (c->finishing || !c->link_ready)
		return;
	uint64_t now = uv_now(&c->loop);
	buf_clear(&c->shown);
	udplink_poll(&c->link, now, &c->shown);
	if (c->shown.len)
		udpwire_show(c);
	buf_clear(&c->dgram);
	while (!c->finishing && udplink_output(&c->link, now, &c->dgram)) {
		udpwire_send(c, c->dgram.data, c->dgram.len);
		buf_clear(&c->dgram);
	}
	if (c->finishing)
		return;
	if (c->link.state == UDPLINK_GAVE_UP) {
		udpwire_drop_address(c);
		return;
	}
	if (c->quitting && !c->grace_started && udplink_queued(&c->link) == 0) {
		c->grace_started = true;
		client_start_grace(c);
	}
	if (c->input_paused && udplink_queued(&c->link) < SEND_LOW)
		input_resume(c);
	uint64_t at = udplink_wakeup(&c->link, now);
	if (at == UINT64_MAX)
		uv_timer_stop(&c->udp_timer);
	else
		uv_timer_start(&c->udp_timer, udpwire_on_timer, at > now ? at - now : 0, 0);
}

static void udpwire_on_timer(uv_timer_t *t)
{
	udpwire_pump(t->data);
}

static void udpwire_send(struct client *c, const char *data, size_t len)
{
	struct udp_req *w = xmalloc(sizeof *w + len);
	w->c = c;
	memcpy(w->data, data, len);
	uv_buf_t b = uv_buf_init(w->data, (unsigned)len);
	/* A datagram that cannot go is lost, as UDP allows; the peer's counters will show it. */
	if (uv_udp_send(&w->req, &c->udp, &b, 1, NULL, udpwire_on_sent) < 0)
		free(w);
}

static void udpwire_on_sent(uv_udp_send_t *req, int status)
{
	struct udp_req *w = (struct udp_req *)req;
	struct client *c = w->c;
	free(w);
	if (status == UV_ECONNREFUSED && !c->finishing)
		udpwire_refused(c, status);
}
