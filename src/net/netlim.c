#include "net/netlim.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/xalloc.h"

/* One address or network. The key lives inside it (the map borrows keys). */
struct netlim_entry {
	char key[NETLIM_KEY_LEN];
	unsigned count;
	struct tbucket bucket;   /* addresses only */
	struct list_node idle;   /* on t->idle while count is 0 and the bucket refills */
};

bool netlim_addr_from(const struct sockaddr *sa, struct netlim_addr *out)
{
	memset(out, 0, sizeof(*out));
	if (sa->sa_family == AF_INET) {
		out->family = AF_INET;
		memcpy(out->bytes, &((const struct sockaddr_in *)(const void *)sa)->sin_addr, 4);
		return true;
	}
	if (sa->sa_family != AF_INET6)
		return false;
	const struct in6_addr *a6 = &((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr;
	if (IN6_IS_ADDR_V4MAPPED(a6)) {
		out->family = AF_INET;
		memcpy(out->bytes, a6->s6_addr + 12, 4);
	} else {
		out->family = AF_INET6;
		memcpy(out->bytes, a6->s6_addr, 16);
	}
	return true;
}

static void netlim_mask(struct netlim_addr *a, unsigned prefix)
{
	unsigned bits = a->family == AF_INET ? 32 : 128;
	for (unsigned i = 0; i < bits / 8; i++) {
		unsigned from = i * 8;
		if (from >= prefix)
			a->bytes[i] = 0;
		else if (prefix - from < 8)
			a->bytes[i] &= (uint8_t)(0xffu << (8 - (prefix - from)));
	}
}

void netlim_key(const struct netlim_addr *a, unsigned prefix, char out[NETLIM_KEY_LEN])
{
	struct netlim_addr m = *a;
	if (prefix)
		netlim_mask(&m, prefix);
	char text[INET6_ADDRSTRLEN];
	if (!inet_ntop(m.family, m.bytes, text, sizeof(text)))
		strcpy(text, "?");
	/* INET6_ADDRSTRLEN (46) + "/128" fits NETLIM_KEY_LEN only with room to spare: cut. */
	size_t n = strlen(text);
	memcpy(out, text, n + 1);
	if (prefix && n + 5 < NETLIM_KEY_LEN)
		snprintf(out + n, NETLIM_KEY_LEN - n, "/%u", prefix % 1000);
}

void netlim_throttle_key(const struct netlim_addr *a, char out[NETLIM_KEY_LEN])
{
	netlim_key(a, a->family == AF_INET6 ? NETLIM_THROTTLE_PREFIX6 : 0, out);
}

bool netlim_in_cidr(const struct netlim_addr *a, const struct netlim_cidr *c)
{
	if (a->family != c->addr.family)
		return false;
	struct netlim_addr m = *a;
	netlim_mask(&m, c->prefix);
	return memcmp(m.bytes, c->addr.bytes, sizeof(m.bytes)) == 0;
}

bool netlim_cidr_parse(const char *s, size_t len, struct netlim_cidr *c)
{
	char text[INET6_ADDRSTRLEN + 8];
	if (!len || len >= sizeof(text))
		return false;
	memcpy(text, s, len);
	text[len] = '\0';
	char *slash = strchr(text, '/');
	if (slash)
		*slash = '\0';
	memset(c, 0, sizeof(*c));
	if (inet_pton(AF_INET, text, c->addr.bytes) == 1) {
		c->addr.family = AF_INET;
		c->prefix = 32;
	} else if (inet_pton(AF_INET6, text, c->addr.bytes) == 1) {
		c->addr.family = AF_INET6;
		c->prefix = 128;
	} else {
		return false;
	}
	if (slash) {
		const char *p = slash + 1;
		if (*p < '0' || *p > '9') /* strtoul would take blanks, signs */
			return false;
		char *end;
		unsigned long v = strtoul(p, &end, 10);
		if (*end || v > c->prefix)
			return false;
		c->prefix = (unsigned)v;
	}
	netlim_mask(&c->addr, c->prefix);
	return true;
}

static int netlim_parse_one(const char *item, struct netlim_cidr *c, char *err, size_t errlen)
{
	if (netlim_cidr_parse(item, strlen(item), c))
		return 0;
	snprintf(err, errlen, "'%s' is not an address or CIDR (e.g. 127.0.0.0/8, ::1)", item);
	return -1;
}

int netlim_parse_exempt(const char *spec, struct netlim_config *cfg, char *err, size_t errlen)
{
	cfg->nexempt = 0;
	const char *p = spec;
	while (*p) {
		size_t n = strcspn(p, ",");
		char item[INET6_ADDRSTRLEN + 8];
		if (n >= sizeof(item)) {
			snprintf(err, errlen, "'%.*s' is not an address or CIDR", (int)n, p);
			return -1;
		}
		memcpy(item, p, n);
		item[n] = '\0';
		if (n) {
			if (cfg->nexempt == NETLIM_MAX_EXEMPT) {
				snprintf(err, errlen, "at most %d exempt addresses or CIDRs",
					 NETLIM_MAX_EXEMPT);
				return -1;
			}
			if (netlim_parse_one(item, &cfg->exempt[cfg->nexempt], err, errlen) < 0)
				return -1;
			cfg->nexempt++;
		}
		p += n;
		if (*p == ',')
			p++;
	}
	return 0;
}

/* ---- the token bucket ---- */

/* ---- the table ---- */

void netlim_init(struct netlim *t, const struct netlim_config *cfg, uint64_t seed)
{
	t->cfg = *cfg;
	map_init(&t->map, seed);
	list_init(&t->idle);
}

void netlim_free(struct netlim *t)
{
	const char *k;
	void *v;
	for (size_t i = 0; map_next(&t->map, &i, &k, &v);)
		free(v);
	map_free(&t->map);
	map_init(&t->map, 0);
	list_init(&t->idle);
}

static unsigned netlim_burst(const struct netlim *t)
{
	return t->cfg.rate * 2;
}

static struct netlim_entry *netlim_get(struct netlim *t, const char *key, bool create)
{
	struct netlim_entry *e = map_get(&t->map, key);
	if (e || !create)
		return e;
	e = xcalloc(1, sizeof(*e));
	snprintf(e->key, sizeof(e->key), "%s", key);
	map_put(&t->map, e->key, e);
	return e;
}

static void netlim_drop(struct netlim *t, struct netlim_entry *e)
{
	list_remove(&e->idle);
	map_del(&t->map, e->key);
	free(e);
}

/* An address with no connection left waits on `idle` until its bucket is full, or goes now. */
static void netlim_idle(struct netlim *t, struct netlim_entry *e)
{
	list_remove(&e->idle);
	if (!t->cfg.rate)
		netlim_drop(t, e);
	else
		list_push_back(&t->idle, &e->idle);
}

static unsigned netlim_prefix(const struct netlim *t, const struct netlim_addr *a, unsigned *max)
{
	*max = a->family == AF_INET ? t->cfg.max_per_ip24 : t->cfg.max_per_ip64;
	return a->family == AF_INET ? 24 : 64;
}

enum netlim_verdict netlim_admit(struct netlim *t, const struct netlim_addr *a, uint64_t now_ms,
				 unsigned *limit)
{
	for (size_t i = 0; i < t->cfg.nexempt; i++)
		if (netlim_in_cidr(a, &t->cfg.exempt[i]))
			return NETLIM_EXEMPT;
	if (!t->cfg.rate && !t->cfg.max_per_ip && !t->cfg.max_per_ip24 && !t->cfg.max_per_ip64)
		return NETLIM_EXEMPT;
	char key[NETLIM_KEY_LEN];
	netlim_key(a, 0, key);
	struct netlim_entry *e = map_get(&t->map, key);
	if (!e) {
		e = netlim_get(t, key, true);
		tbucket_init(&e->bucket, netlim_burst(t), now_ms);
	}
	enum netlim_verdict v = NETLIM_OK;
	unsigned max;
	unsigned prefix = netlim_prefix(t, a, &max);
	char net[NETLIM_KEY_LEN];
	netlim_key(a, prefix, net);
	struct netlim_entry *n = map_get(&t->map, net);
	if (t->cfg.rate && !tbucket_take(&e->bucket, t->cfg.rate, netlim_burst(t), now_ms)) {
		v = NETLIM_RATE;
		*limit = t->cfg.rate;
	} else if (t->cfg.max_per_ip && e->count >= t->cfg.max_per_ip) {
		v = NETLIM_PER_IP;
		*limit = t->cfg.max_per_ip;
	} else if (max && n && n->count >= max) {
		v = NETLIM_PER_NET;
		*limit = max;
	}
	if (v != NETLIM_OK) {
		if (!e->count)
			netlim_idle(t, e); /* its bucket was touched: it waits from now */
		return v;
	}
	list_remove(&e->idle);
	e->count++;
	if (!n)
		n = netlim_get(t, net, true);
	n->count++;
	return NETLIM_OK;
}

void netlim_release(struct netlim *t, const struct netlim_addr *a)
{
	char key[NETLIM_KEY_LEN];
	unsigned max;
	netlim_key(a, 0, key);
	struct netlim_entry *e = map_get(&t->map, key);
	if (e && e->count && !--e->count)
		netlim_idle(t, e);
	netlim_key(a, netlim_prefix(t, a, &max), key);
	e = map_get(&t->map, key);
	if (e && e->count && !--e->count)
		netlim_drop(t, e);
}

void netlim_sweep(struct netlim *t, uint64_t now_ms)
{
	uint64_t cap = (uint64_t)netlim_burst(t) * 1000;
	struct list_node *node;
	while ((node = list_first(&t->idle))) {
		struct netlim_entry *e = list_entry(node, struct netlim_entry, idle);
		const struct tbucket *b = &e->bucket;
		uint64_t elapsed = now_ms > b->last_ms ? now_ms - b->last_ms : 0;
		if (b->milli + elapsed * t->cfg.rate < cap)
			break; /* still refilling; those behind it went idle later */
		netlim_drop(t, e);
	}
}

unsigned netlim_count(const struct netlim *t, const struct netlim_addr *a, unsigned prefix)
{
	char key[NETLIM_KEY_LEN];
	netlim_key(a, prefix, key);
	const struct netlim_entry *e = map_get(&t->map, key);
	return e ? e->count : 0;
}

size_t netlim_entries(const struct netlim *t)
{
	return t->map.count;
}
