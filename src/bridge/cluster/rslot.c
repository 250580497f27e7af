/* rslot: Redis Cluster's slots (rslot.h). */
#include "bridge/cluster/rslot.h"

#include <arpa/inet.h>
#include <string.h>

enum {
	RSLOT_FIELDS_MIN = 8,   /* a line's fields before its slots */
	RSLOT_WORD_MAX = 512,   /* bytes of one field of a line */
	RSLOT_PORT_MAX = 65535,
};

uint16_t rslot_crc16(const char *p, size_t len)
{
	uint16_t crc = 0;
	for (size_t i = 0; i < len; i++) {
		crc ^= (uint16_t)((uint8_t)p[i] << 8);
		for (int b = 0; b < 8; b++)
			crc = (uint16_t)(crc & 0x8000 ? (crc << 1) ^ 0x1021 : crc << 1);
	}
	return crc;
}

unsigned rslot_of(const char *key, size_t len)
{
	const char *open = memchr(key, '{', len);
	if (open) {
		size_t rest = len - (size_t)(open - key) - 1;
		const char *close = memchr(open + 1, '}', rest);
		if (close && close > open + 1)
			return rslot_crc16(open + 1, (size_t)(close - open - 1)) % RSLOT_SLOTS;
	}
	return rslot_crc16(key, len) % RSLOT_SLOTS;
}

/* A word of a line: [p, p + len). */
struct rslot_word {
	const char *p;
	size_t len;
};

static bool rslot_has_flag(struct rslot_word flags, const char *flag)
{
	size_t n = strlen(flag);
	const char *p = flags.p, *end = flags.p + flags.len;
	while (p <= end) {
		const char *comma = memchr(p, ',', (size_t)(end - p));
		const char *stop = comma ? comma : end;
		if ((size_t)(stop - p) == n && memcmp(p, flag, n) == 0)
			return true;
		p = stop + 1;
	}
	return false;
}

/* Decimal digits only, at most max: true with *out. */
static bool rslot_number(const char *p, size_t len, unsigned max, unsigned *out)
{
	unsigned v = 0;
	if (len == 0)
		return false;
	for (size_t i = 0; i < len; i++) {
		if (p[i] < '0' || p[i] > '9')
			return false;
		v = v * 10 + (unsigned)(p[i] - '0');
		if (v > max)
			return false;
	}
	*out = v;
	return true;
}

/* IP:PORT@CPORT[,HOSTNAME] into m; the IP may be empty for the node that answered. */
static bool rslot_address(struct rslot_word a, bool myself, const char *seed_host,
			  struct rslot_master *m, const char **err)
{
	const char *at = memchr(a.p, '@', a.len);
	size_t n = at ? (size_t)(at - a.p) : a.len;
	const char *colon = NULL;
	for (size_t i = 0; i < n; i++)
		if (a.p[i] == ':')
			colon = a.p + i;
	unsigned port;
	if (!colon || !rslot_number(colon + 1, n - (size_t)(colon - a.p) - 1, RSLOT_PORT_MAX,
				    &port) || port == 0) {
		*err = "a node's address has no valid port";
		return false;
	}
	size_t hlen = (size_t)(colon - a.p);
	const char *host = a.p;
	if (hlen == 0 && myself) {
		host = seed_host;
		hlen = strlen(seed_host);
	}
	if (hlen == 0 || hlen > RSLOT_HOST_MAX) {
		*err = "a node's address is empty or too long";
		return false;
	}
	memcpy(m->host, host, hlen);
	m->host[hlen] = '\0';
	unsigned char bin[sizeof(struct in6_addr)];
	if (inet_pton(AF_INET, m->host, bin) != 1 && inet_pton(AF_INET6, m->host, bin) != 1) {
		*err = "a node's address is not a numeric IP address";
		return false;
	}
	m->port = (uint16_t)port;
	return true;
}

/* One slot entry (N or N-M) of master k. */
static bool rslot_range(struct rslot_word w, uint8_t k, struct rslot_map *out, const char **err)
{
	if (w.len && w.p[0] == '[')
		return true; /* migrating or importing: the owner is still the one that serves it */
	const char *dash = memchr(w.p, '-', w.len);
	unsigned lo, hi;
	bool ok = dash ? rslot_number(w.p, (size_t)(dash - w.p), RSLOT_SLOTS - 1, &lo) &&
				 rslot_number(dash + 1, w.len - (size_t)(dash - w.p) - 1,
					      RSLOT_SLOTS - 1, &hi)
		       : rslot_number(w.p, w.len, RSLOT_SLOTS - 1, &lo) && (hi = lo, true);
	if (!ok || lo > hi) {
		*err = "a slot range is not valid";
		return false;
	}
	for (unsigned s = lo; s <= hi; s++) {
		if (out->owner[s] == RSLOT_NONE)
			out->covered++;
		out->owner[s] = k;
	}
	return true;
}

/* One line's words into w[]; returns how many (at most cap), or cap + 1 if there are more. */
static size_t rslot_split(const char *p, size_t len, struct rslot_word *w, size_t cap)
{
	size_t n = 0, i = 0;
	while (i < len) {
		while (i < len && p[i] == ' ')
			i++;
		if (i == len)
			break;
		size_t start = i;
		while (i < len && p[i] != ' ')
			i++;
		if (n == cap)
			return cap + 1;
		w[n++] = (struct rslot_word){p + start, i - start};
	}
	return n;
}

/* A line: a master with its slots added to out, or nothing (a replica, a failed master). */
static bool rslot_line(const char *p, size_t len, const char *seed_host, struct rslot_map *out,
		       const char **err)
{
	struct rslot_word w[RSLOT_FIELDS_MIN + 1];
	size_t n = rslot_split(p, len, w, RSLOT_FIELDS_MIN);
	if (n == 0)
		return true;
	if (n < RSLOT_FIELDS_MIN) {
		*err = "a line has too few fields";
		return false;
	}
	for (size_t i = 0; i < RSLOT_FIELDS_MIN; i++) {
		if (w[i].len > RSLOT_WORD_MAX) {
			*err = "a field is too long";
			return false;
		}
	}
	struct rslot_word flags = w[2];
	if (!rslot_has_flag(flags, "master") || rslot_has_flag(flags, "fail") ||
	    rslot_has_flag(flags, "noaddr") || rslot_has_flag(flags, "handshake"))
		return true;
	const char *slots = w[RSLOT_FIELDS_MIN - 1].p + w[RSLOT_FIELDS_MIN - 1].len;
	size_t rest = len - (size_t)(slots - p);
	struct rslot_word s[1];
	if (rslot_split(slots, rest, s, 1) == 0)
		return true; /* a master without slots serves nothing */
	if (out->masters == RSLOT_MASTERS_MAX) {
		*err = "the cluster has more masters than charlad links to";
		return false;
	}
	struct rslot_master *m = &out->master[out->masters];
	if (!rslot_address(w[1], rslot_has_flag(flags, "myself"), seed_host, m, err))
		return false;
	uint8_t k = (uint8_t)out->masters++;
	for (size_t i = 0; i < rest;) {
		while (i < rest && slots[i] == ' ')
			i++;
		size_t start = i;
		while (i < rest && slots[i] != ' ')
			i++;
		if (i > start &&
		    !rslot_range((struct rslot_word){slots + start, i - start}, k, out, err))
			return false;
	}
	return true;
}

bool rslot_parse_nodes(const char *text, size_t len, const char *seed_host, struct rslot_map *out,
		       const char **err)
{
	out->masters = 0;
	out->covered = 0;
	memset(out->owner, RSLOT_NONE, sizeof(out->owner));
	if (len > RSLOT_TEXT_MAX) {
		*err = "the answer is too long";
		return false;
	}
	for (size_t i = 0; i < len;) {
		const char *nl = memchr(text + i, '\n', len - i);
		size_t end = nl ? (size_t)(nl - text) : len;
		size_t n = end - i;
		if (n && text[i + n - 1] == '\r')
			n--;
		if (memchr(text + i, '\0', n)) {
			*err = "the answer holds a NUL byte";
			return false;
		}
		if (!rslot_line(text + i, n, seed_host, out, err))
			return false;
		i = end + 1;
	}
	return true;
}
