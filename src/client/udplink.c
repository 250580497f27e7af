#include "client/udplink.h"

#include <stdlib.h>
#include <string.h>

#include "base/xalloc.h"

/* User-facing: where parts of a split line never came. */
#define MISSING_PART "[\xe2\x80\xa6]"

static void udplink_refill(struct udplink *u, uint64_t now);
static uint64_t udplink_backoff(const struct udplink *u);
static void udplink_gather(struct udplink *u, const struct udp_parsed *p, uint64_t now,
			   struct buf *show);
static void udplink_flush_parts(struct udplink *u, struct buf *show);

void udplink_defaults(struct udplink_config *cfg)
{
	cfg->keepalive_ms = 20000;
	cfg->retry_ms = 500;
	cfg->retry_max_ms = 4000;
	cfg->tries = 4;
	cfg->rate = 10;
	cfg->burst = 20;
	cfg->max_queued = 256 * 1024;
	cfg->parts_ms = 2000;
}

void udplink_init(struct udplink *u, const struct udplink_config *cfg, const char *name,
		  uint64_t now)
{
	memset(u, 0, sizeof *u);
	u->cfg = *cfg;
	if (name)
		u->name = xstrdup(name);
	buf_init(&u->queue);
	for (int i = 0; i < UDP_MAX_PARTS; i++)
		buf_init(&u->part[i]);
	seqstat_init(&u->seq);
	u->tokens = (uint64_t)cfg->burst * 1000;
	u->bucket_ms = now;
	udplink_restart(u, now);
}

void udplink_free(struct udplink *u)
{
	free(u->name);
	u->name = NULL;
	buf_free(&u->queue);
	for (int i = 0; i < UDP_MAX_PARTS; i++)
		buf_free(&u->part[i]);
}

void udplink_set_name(struct udplink *u, const char *name)
{
	if (u->name && name && strcmp(u->name, name) == 0)
		return;
	free(u->name);
	u->name = name ? xstrdup(name) : NULL;
}

void udplink_restart(struct udplink *u, uint64_t now)
{
	u->state = UDPLINK_ASKING;
	u->tries = 0;
	u->retry_at = now;
}

void udplink_lost(struct udplink *u, uint64_t now)
{
	if (u->state == UDPLINK_ON)
		udplink_restart(u, now);
}

/* The wait before the next /hello: retry_ms, doubling with each unanswered one. */
static uint64_t udplink_backoff(const struct udplink *u)
{
	uint64_t wait = u->cfg.retry_ms;
	for (unsigned i = 1; i < u->tries && wait < u->cfg.retry_max_ms; i++)
		wait *= 2;
	return wait < u->cfg.retry_max_ms ? wait : u->cfg.retry_max_ms;
}

unsigned udplink_input(struct udplink *u, const char *dg, size_t len, uint64_t now,
		       struct buf *show)
{
	u->received++;
	struct udp_parsed p;
	switch (udp_codec_reply(dg, len, &p)) {
	case UDP_REPLY_BAD:
		return 0;
	case UDP_REPLY_COOKIE:
		if (u->state == UDPLINK_ASKING || u->state == UDPLINK_ECHOING) {
			/* Echo it at once. */
			u->cookie = p.cookie;
			if (u->state == UDPLINK_ASKING) {
				seqstat_restart(&u->seq);
				udplink_flush_parts(u, show);
			}
			u->state = UDPLINK_ECHOING;
			u->tries = 0;
			u->retry_at = now;
		}
		return 0;
	case UDP_REPLY_HELLO:
		if (u->state != UDPLINK_ON)
			return 0;
		udplink_restart(u, now);
		return UDPLINK_FORGOTTEN;
	case UDP_REPLY_ERROR:
		buf_append(show, p.text, p.len);
		buf_putc(show, '\n');
		return 0;
	case UDP_REPLY_SESSION:
		break;
	}
	unsigned ev = 0;
	enum seqstat_verdict v = seqstat_add(&u->seq, p.seq);
	if (v == SEQSTAT_DUPLICATE || v == SEQSTAT_TOO_OLD)
		return 0;
	if (u->state == UDPLINK_ECHOING) {
		u->state = UDPLINK_ON;
		u->ever = true;
		u->registrations++;
		u->tries = 0;
		u->last_sent = now;
		ev |= UDPLINK_REGISTERED;
	}
	if (p.parts == 1) {
		buf_append(show, p.text, p.len);
		buf_putc(show, '\n');
	} else {
		udplink_gather(u, &p, now, show);
	}
	return ev;
}

/* Puts a part in its place. The parts of a line carry consecutive numbers, so the line is known by
 * the number of its first part. A part of another line ends the wait for this one. */
static void udplink_gather(struct udplink *u, const struct udp_parsed *p, uint64_t now,
			   struct buf *show)
{
	if (p->seq < p->part) {
		/* Impossible numbering: show it as it came. */
		buf_append(show, p->text, p->len);
		buf_putc(show, '\n');
		return;
	}
	uint64_t first = p->seq - (p->part - 1);
	if (u->parts && (u->first != first || u->parts != p->parts))
		udplink_flush_parts(u, show);
	if (!u->parts) {
		u->first = first;
		u->parts = p->parts;
		u->have = 0;
		u->parts_deadline = now + u->cfg.parts_ms;
	}
	uint32_t bit = (uint32_t)1 << (p->part - 1);
	if (!(u->have & bit)) {
		buf_clear(&u->part[p->part - 1]);
		buf_append(&u->part[p->part - 1], p->text, p->len);
		u->have |= bit;
	}
	uint32_t all = u->parts == 32 ? UINT32_MAX : ((uint32_t)1 << u->parts) - 1;
	if (u->have == all)
		udplink_flush_parts(u, show);
}

/* Shows the line being gathered, with a mark where a part is missing, and forgets it. */
static void udplink_flush_parts(struct udplink *u, struct buf *show)
{
	if (!u->parts)
		return;
	for (unsigned i = 0; i < u->parts; i++) {
		if (u->have & ((uint32_t)1 << i))
			buf_append(show, u->part[i].data, u->part[i].len);
		else
			buf_puts(show, MISSING_PART);
	}
	buf_putc(show, '\n');
	u->parts = 0;
	u->first = 0;
	u->have = 0;
}

void udplink_poll(struct udplink *u, uint64_t now, struct buf *show)
{
	if (u->parts && now >= u->parts_deadline)
		udplink_flush_parts(u, show);
}

bool udplink_queue(struct udplink *u, const char *line, size_t len)
{
	if (len > UDPLINK_LINE_MAX || u->queue.len + len + 1 > u->cfg.max_queued)
		return false;
	buf_append(&u->queue, line, len);
	buf_putc(&u->queue, '\n');
	return true;
}

void udplink_hold(struct udplink *u, bool hold)
{
	u->hold = hold;
}

size_t udplink_queued(const struct udplink *u)
{
	return u->queue.len;
}

static void udplink_refill(struct udplink *u, uint64_t now)
{
	uint64_t cap = (uint64_t)u->cfg.burst * 1000;
	if (now > u->bucket_ms) {
		uint64_t add = (now - u->bucket_ms) * u->cfg.rate;
		u->tokens = cap - u->tokens <= add ? cap : u->tokens + add;
		u->bucket_ms = now;
	}
}

bool udplink_output(struct udplink *u, uint64_t now, struct buf *dg)
{
	switch (u->state) {
	case UDPLINK_GAVE_UP:
		return false;
	case UDPLINK_ASKING:
	case UDPLINK_ECHOING:
		if (now < u->retry_at)
			return false;
		if (!u->ever && u->tries >= u->cfg.tries) {
			u->state = UDPLINK_GAVE_UP;
			return false;
		}
		udp_codec_hello(dg, u->name, u->state == UDPLINK_ECHOING ? &u->cookie : NULL);
		u->tries++;
		u->retry_at = now + udplink_backoff(u);
		break;
	case UDPLINK_ON: {
		bool keepalive = now >= u->last_sent + u->cfg.keepalive_ms;
		bool lines = u->queue.len > 0 && !u->hold;
		if (!lines && !keepalive)
			return false;
		udplink_refill(u, now);
		if (u->tokens < 1000)
			return false;
		u->tokens -= 1000;
		if (lines) {
			const char *lf = memchr(u->queue.data, '\n', u->queue.len);
			size_t n = (size_t)(lf - u->queue.data) + 1;
			buf_append(dg, u->queue.data, n);
			buf_consume(&u->queue, n);
		} else {
			buf_puts(dg, UDP_KEEPALIVE "\n");
		}
		break;
	}
	}
	u->last_sent = now;
	u->sent++;
	return true;
}

uint64_t udplink_wakeup(const struct udplink *u, uint64_t now)
{
	uint64_t at = UINT64_MAX;
	switch (u->state) {
	case UDPLINK_GAVE_UP:
		break;
	case UDPLINK_ASKING:
	case UDPLINK_ECHOING:
		at = u->retry_at; /* a retry, or giving up */
		break;
	case UDPLINK_ON: {
		at = u->queue.len && !u->hold ? now : u->last_sent + u->cfg.keepalive_ms;
		/* Not before the bucket holds a whole datagram. */
		uint64_t tokens = u->tokens;
		uint64_t cap = (uint64_t)u->cfg.burst * 1000;
		if (now > u->bucket_ms) {
			uint64_t add = (now - u->bucket_ms) * u->cfg.rate;
			tokens = cap - tokens <= add ? cap : tokens + add;
		}
		if (tokens < 1000) {
			uint64_t ready = now + (1000 - tokens + u->cfg.rate - 1) / u->cfg.rate;
			if (ready > at)
				at = ready;
		}
		break;
	}
	}
	if (u->parts && u->parts_deadline < at)
		at = u->parts_deadline;
	return at;
}
