/* payload: the bytes every message carries, and the bookkeeping of every delivery.
 *
 * "P" sender(4 hex) " " seq(8 hex) " " send-time-ns(16 hex) " " then filler up to `size` bytes:
 * printable ASCII, so it passes any line protocol unchanged, and fixed-width, so parsing is cheap.
 * A delivery to a receiver yields one latency sample and one bit in the (receiver, sender, seq)
 * bitmap, which shows loss, duplication and reordering; O(1) per delivery, no allocation. */
#include "bench.h"

void payload_make(char *p, uint32_t size, uint32_t sender, uint32_t seq, uint64_t t)
{
	static const char hex[] = "0123456789abcdef";
	p[0] = 'P';
	for (int i = 0; i < 4; i++)
		p[1 + i] = hex[(sender >> (12 - 4 * i)) & 15];
	p[5] = ' ';
	for (int i = 0; i < 8; i++)
		p[6 + i] = hex[(seq >> (28 - 4 * i)) & 15];
	p[14] = ' ';
	for (int i = 0; i < 16; i++)
		p[15 + i] = hex[(t >> (60 - 4 * i)) & 15];
	p[31] = ' ';
	for (uint32_t i = 32; i < size; i++)
		p[i] = (char)('a' + i % 26);
}

static int payload_hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/* Parses n lowercase hex digits; false if any is not one. */
static bool payload_hex(const char *p, unsigned n, uint64_t *out)
{
	uint64_t v = 0;
	for (unsigned i = 0; i < n; i++) {
		int d = payload_hexval(p[i]);
		if (d < 0)
			return false;
		v = v << 4 | (uint64_t)d;
	}
	*out = v;
	return true;
}

void payload_in(struct bench *b, struct client *c, const char *p, size_t len, uint64_t now)
{
	const struct opts *o = &b->o;
	uint64_t snd, seq, t;
	if (len != o->size || p[0] != 'P' || !payload_hex(p + 1, 4, &snd) ||
	    !payload_hex(p + 6, 8, &seq) || !payload_hex(p + 15, 16, &t)) {
		b->bogus++;
		return;
	}
	if (c->role == ROLE_SEND) {
		/* Another sender's message (line, irc: senders are room members too). */
		if (snd == c->sidx)
			b->echoes++;
		else
			b->peer_lines++;
		b->t_last_peer = now;
		return;
	}
	if (snd >= o->s || seq >= o->m) {
		b->bogus++;
		return;
	}
	uint64_t lat = now > t ? now - t : 0;
	hist_add(&b->lat, lat);
	if (b->port_lat)
		hist_add(&b->port_lat[c->port_idx], lat);
	uint64_t r = (uint64_t)(c - b->cl);
	uint64_t pair = r * o->s + snd;
	uint64_t bit = pair * o->m + seq;
	uint8_t mask = (uint8_t)(1u << (bit & 7));
	if (b->seen[bit >> 3] & mask) {
		b->dup++;
		return;
	}
	b->seen[bit >> 3] |= mask;
	b->delivered++;
	b->port_delivered[c->port_idx]++;
	b->t_last = now;
	if (seq < b->maxseq[pair])
		b->reorder++;
	else
		b->maxseq[pair] = (uint32_t)seq + 1;
	if (++b->count[snd * o->m + seq] == o->n)
		b->cl[o->n + snd].done++;
}
