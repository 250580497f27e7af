/* resp: Redis pub/sub in RESP. A receiver SUBSCRIBEs to the channel and is ready at the
 * confirmation; a sender only PUBLISHes (ready at once, its integer replies counted). Deliveries
 * are ["message", channel, payload] arrays. The parser handles the few reply shapes pub/sub uses,
 * up to 4 elements, and needs the whole reply in the buffer (the rest waits for the next read). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"

/* A RESP reply: up to 4 top-level elements (strings or integers). */
struct resp {
	char type;                /* '*', '+', '-', ':' or '$' */
	unsigned n;
	const char *v[4];
	size_t len[4];
};

static void resp_hello(struct bench *b, struct client *c, uint64_t now)
{
	if (c->role == ROLE_SEND) {
		/* A publisher needs no set-up. */
		bench_mark_ready(b, c, now);
		return;
	}
	char cmd[128];
	size_t rl = strlen(b->o.room);
	snprintf(cmd, sizeof(cmd), "*2\r\n$9\r\nSUBSCRIBE\r\n$%zu\r\n%s\r\n", rl, b->o.room);
	client_out_str(c, cmd);
}

/* The length of one "<type>...\r\n" header line at p, with its CRLF; 0 if incomplete. */
static size_t resp_line(const char *p, size_t len)
{
	const char *cr = memchr(p, '\n', len);
	return cr ? (size_t)(cr - p) + 1 : 0;
}

/* Parses one reply at p. Returns bytes consumed, 0 if incomplete, -1 if malformed. */
static long resp_reply(const char *p, size_t len, struct resp *r)
{
	size_t hl = resp_line(p, len);
	if (!hl)
		return len > MAX_STASH ? -1 : 0;
	memset(r, 0, sizeof(*r));
	r->type = p[0];
	long count = strtol(p + 1, NULL, 10);
	switch (p[0]) {
	case '+':
	case '-':
	case ':':
		r->n = 1;
		r->v[0] = p + 1;
		r->len[0] = hl - 3;
		return (long)hl;
	case '$':
		if (count < 0 || (size_t)count + 2 > len - hl)
			return count < 0 ? (long)hl : 0;
		r->n = 1;
		r->v[0] = p + hl;
		r->len[0] = (size_t)count;
		return (long)(hl + (size_t)count + 2);
	case '*':
		break;
	default:
		return -1;
	}
	if (count < 0 || count > 4)
		return -1;
	size_t off = hl;
	for (long i = 0; i < count; i++) {
		size_t el = resp_line(p + off, len - off);
		if (!el)
			return 0;
		const char *e = p + off;
		if (e[0] == '$') {
			long bl = strtol(e + 1, NULL, 10);
			if (bl < 0)
				return -1;
			if (off + el + (size_t)bl + 2 > len)
				return 0;
			r->v[i] = e + el;
			r->len[i] = (size_t)bl;
			off += el + (size_t)bl + 2;
		} else if (e[0] == ':' || e[0] == '+') {
			r->v[i] = e + 1;
			r->len[i] = el - 3;
			off += el;
		} else {
			return -1;
		}
	}
	r->n = (unsigned)count;
	return (long)off;
}

static void resp_in(struct bench *b, struct client *c, const struct resp *r, uint64_t now)
{
	if (r->type == '-') {
		bench_error_line(b, r->v[0], r->len[0]);
		return;
	}
	if (r->type == ':') {
		b->pub_replies++;
		return;
	}
	if (r->type == '*' && r->n == 3 && r->len[0] == 7 && memcmp(r->v[0], "message", 7) == 0) {
		payload_in(b, c, r->v[2], r->len[2], now);
		return;
	}
	if (r->type == '*' && r->n == 3 && r->len[0] == 9 && memcmp(r->v[0], "subscribe", 9) == 0) {
		bench_mark_ready(b, c, now);
		return;
	}
	b->other_lines++;
}

static size_t resp_parse(struct bench *b, struct client *c, char *buf, size_t len, uint64_t now)
{
	size_t off = 0;
	while (off < len) {
		struct resp r;
		long used = resp_reply(buf + off, len - off, &r);
		if (used < 0) {
			bench_fail(b, "malformed reply from the server (client %u)", (unsigned)(c - b->cl));
			return len;
		}
		if (used == 0)
			break;
		resp_in(b, c, &r, now);
		off += (size_t)used;
	}
	return off;
}

static char *resp_frame(struct bench *b, struct client *c)
{
	if (!b->pub_prefix_len) {
		int r = snprintf(b->pub_prefix, sizeof(b->pub_prefix),
				 "*3\r\n$7\r\nPUBLISH\r\n$%zu\r\n%s\r\n$%u\r\n", strlen(b->o.room),
				 b->o.room, b->o.size);
		if (r < 0 || (size_t)r >= sizeof(b->pub_prefix))
			bench_die("channel name too long");
		b->pub_prefix_len = (size_t)r;
	}
	char *h = client_out(c, b->pub_prefix_len + b->o.size + 2);
	memcpy(h, b->pub_prefix, b->pub_prefix_len);
	memcpy(h + b->pub_prefix_len + b->o.size, "\r\n", 2);
	return h + b->pub_prefix_len;
}

const struct proto resp_proto = {
	.name = "redis",
	.hello = resp_hello,
	.parse = resp_parse,
	.frame = resp_frame,
};
