#include "face/udp/udp_peers.h"

#include <netinet/in.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/xalloc.h"
#include "net/addr.h"

/* ---- SipHash-2-4 ---- */

static uint64_t udp_peers_rotl(uint64_t x, unsigned b)
{
	return (x << b) | (x >> (64 - b));
}

static void udp_peers_sipround(uint64_t v[4])
{
	v[0] += v[1];
	v[1] = udp_peers_rotl(v[1], 13);
	v[1] ^= v[0];
	v[0] = udp_peers_rotl(v[0], 32);
	v[2] += v[3];
	v[3] = udp_peers_rotl(v[3], 16);
	v[3] ^= v[2];
	v[0] += v[3];
	v[3] = udp_peers_rotl(v[3], 21);
	v[3] ^= v[0];
	v[2] += v[1];
	v[1] = udp_peers_rotl(v[1], 17);
	v[1] ^= v[2];
	v[2] = udp_peers_rotl(v[2], 32);
}

static uint64_t udp_peers_le64(const unsigned char *p, size_t n)
{
	uint64_t v = 0;
	for (size_t i = 0; i < n; i++)
		v |= (uint64_t)p[i] << (8 * i);
	return v;
}

uint64_t udp_peers_siphash(uint64_t k0, uint64_t k1, const void *data, size_t len)
{
	const unsigned char *m = data;
	uint64_t v[4] = {k0 ^ 0x736f6d6570736575ull, k1 ^ 0x646f72616e646f6dull,
			 k0 ^ 0x6c7967656e657261ull, k1 ^ 0x7465646279746573ull};
	size_t full = len - len % 8;
	for (size_t i = 0; i < full; i += 8) {
		uint64_t w = udp_peers_le64(m + i, 8);
		v[3] ^= w;
		udp_peers_sipround(v);
		udp_peers_sipround(v);
		v[0] ^= w;
	}
	uint64_t b = (uint64_t)len << 56 | udp_peers_le64(m + full, len - full);
	v[3] ^= b;
	udp_peers_sipround(v);
	udp_peers_sipround(v);
	v[0] ^= b;
	v[2] ^= 0xff;
	for (int i = 0; i < 4; i++)
		udp_peers_sipround(v);
	return v[0] ^ v[1] ^ v[2] ^ v[3];
}

/* The bytes that identify an address, after a domain byte (what the hash is for) and before a
 * period number: family, port, address, scope. */
static size_t udp_peers_addr_bytes(const struct sockaddr *sa, unsigned char domain, uint64_t period,
				   unsigned char out[48])
{
	size_t n = 0;
	out[n++] = domain;
	out[n++] = (unsigned char)sa->sa_family;
	if (sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *a = (const struct sockaddr_in6 *)sa;
		memcpy(out + n, &a->sin6_port, 2);
		n += 2;
		memcpy(out + n, &a->sin6_addr, 16);
		n += 16;
		memcpy(out + n, &a->sin6_scope_id, 4);
		n += 4;
	} else {
		const struct sockaddr_in *a = (const struct sockaddr_in *)sa;
		memcpy(out + n, &a->sin_port, 2);
		n += 2;
		memcpy(out + n, &a->sin_addr, 4);
		n += 4;
	}
	for (int i = 0; i < 8; i++)
		out[n++] = (unsigned char)(period >> (8 * i));
	return n;
}

static uint64_t udp_peers_hash(const struct udp_peers *t, const struct sockaddr *sa,
			       unsigned char domain, uint64_t period)
{
	unsigned char bytes[48];
	size_t n = udp_peers_addr_bytes(sa, domain, period, bytes);
	return udp_peers_siphash(t->k0, t->k1, bytes, n);
}

/* ---- lists ---- */

/* Moves n to the back of l (or puts it there): its time is the newest. O(1). */
static void udp_peers_renew(struct list *l, struct list_node *n)
{
	list_remove(n);
	list_push_back(l, n);
}

/* The peer at the front of l (the oldest there) through its member `field`, or NULL. */
#define udp_peers_first(l, field) \
	(list_first(l) ? list_entry(list_first(l), struct udp_peer, field) : NULL)

/* ---- the table ---- */

void udp_peers_init(struct udp_peers *t, const uint64_t secret[2], const struct udp_timeouts *to,
		    unsigned rate, unsigned burst)
{
	memset(t, 0, sizeof(*t));
	t->k0 = secret[0];
	t->k1 = secret[1];
	t->to = *to;
	t->rate = rate;
	t->burst = burst;
	map_init(&t->map, t->k0 ^ udp_peers_rotl(t->k1, 17));
	list_init(&t->idle);
	list_init(&t->naming);
	list_init(&t->quiet);
	t->buckets = xcalloc(UDP_PEERS_BUCKETS, sizeof(*t->buckets));
}

void udp_peers_free(struct udp_peers *t)
{
	map_free(&t->map);
	free(t->buckets);
	t->buckets = NULL;
}

void udp_peers_key(const struct sockaddr *sa, char out[UDP_KEY_MAX])
{
	addr_format(sa, out, UDP_KEY_MAX);
	if (sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *a = (const struct sockaddr_in6 *)sa;
		if (a->sin6_scope_id) {
			/* Link-local addresses of two interfaces differ only by scope. */
			size_t n = strlen(out);
			snprintf(out + n, UDP_KEY_MAX - n, "%%%u", (unsigned)a->sin6_scope_id);
		}
	}
}

struct udp_peer *udp_peers_find(const struct udp_peers *t, const struct sockaddr *sa)
{
	char key[UDP_KEY_MAX];
	udp_peers_key(sa, key);
	return map_get(&t->map, key);
}

void udp_peers_add(struct udp_peers *t, struct udp_peer *p, const struct sockaddr *sa, uint64_t now)
{
	size_t salen = sa->sa_family == AF_INET6 ? sizeof(struct sockaddr_in6)
						  : sizeof(struct sockaddr_in);
	memset(&p->addr, 0, sizeof(p->addr));
	memcpy(&p->addr, sa, salen);
	udp_peers_key(sa, p->key);
	struct netlim_addr a;
	p->throttle[0] = '\0';
	if (netlim_addr_from(sa, &a))
		netlim_throttle_key(&a, p->throttle);
	p->last_ms = now;
	map_put(&t->map, p->key, p);
	list_push_back(&t->idle, &p->by_idle);
	t->count++;
}

void udp_peers_remove(struct udp_peers *t, struct udp_peer *p)
{
	if (!list_linked(&p->by_idle))
		return;
	map_del(&t->map, p->key);
	list_remove(&p->by_idle);
	list_remove(&p->by_name);
	list_remove(&p->by_quiet);
	t->count--;
}

void udp_peers_touch(struct udp_peers *t, struct udp_peer *p, uint64_t now)
{
	p->last_ms = now;
	udp_peers_renew(&t->idle, &p->by_idle);
}

void udp_peers_said(struct udp_peers *t, struct udp_peer *p, uint64_t now)
{
	if (!list_linked(&p->by_quiet))
		return;
	p->said_ms = now;
	udp_peers_renew(&t->quiet, &p->by_quiet);
}

void udp_peers_naming(struct udp_peers *t, struct udp_peer *p, bool naming, uint64_t now)
{
	if (naming) {
		p->named_ms = now;
		list_remove(&p->by_quiet);
		udp_peers_renew(&t->naming, &p->by_name);
	} else {
		list_remove(&p->by_name);
		p->said_ms = now;
		udp_peers_renew(&t->quiet, &p->by_quiet);
	}
}

struct udp_peer *udp_peers_oldest(const struct udp_peers *t)
{
	return udp_peers_first(&t->idle, by_idle);
}

/* The deadlines of the first (oldest) peer of each list, in the order they are reported. */
static void udp_peers_heads(const struct udp_peers *t, uint64_t dl[3], struct udp_peer *who[3])
{
	memset(who, 0, 3 * sizeof(*who));
	for (int i = 0; i < 3; i++)
		dl[i] = UINT64_MAX;
	if ((who[0] = udp_peers_first(&t->idle, by_idle)))
		dl[0] = who[0]->last_ms + t->to.idle_ms;
	if (t->to.name_ms && (who[1] = udp_peers_first(&t->naming, by_name)))
		dl[1] = who[1]->named_ms + t->to.name_ms;
	if (t->to.quiet_ms && (who[2] = udp_peers_first(&t->quiet, by_quiet)))
		dl[2] = who[2]->said_ms + t->to.quiet_ms;
}

struct udp_peer *udp_peers_expired(const struct udp_peers *t, uint64_t now, enum udp_expiry *why)
{
	uint64_t dl[3];
	struct udp_peer *who[3];
	udp_peers_heads(t, dl, who);
	static const enum udp_expiry reason[3] = {UDP_EXPIRE_IDLE, UDP_EXPIRE_NAME, UDP_EXPIRE_QUIET};
	int best = -1;
	for (int i = 0; i < 3; i++)
		if (who[i] && dl[i] <= now && (best < 0 || dl[i] < dl[best]))
			best = i;
	*why = best < 0 ? UDP_EXPIRE_NONE : reason[best];
	return best < 0 ? NULL : who[best];
}

uint64_t udp_peers_deadline(const struct udp_peers *t)
{
	uint64_t dl[3];
	struct udp_peer *who[3];
	udp_peers_heads(t, dl, who);
	uint64_t m = dl[0];
	for (int i = 1; i < 3; i++)
		if (dl[i] < m)
			m = dl[i];
	return m;
}

/* ---- cookies ---- */

uint64_t udp_peers_cookie(const struct udp_peers *t, const struct sockaddr *sa, uint64_t now)
{
	return udp_peers_hash(t, sa, 'c', now / UDP_COOKIE_PERIOD_MS);
}

bool udp_peers_cookie_valid(const struct udp_peers *t, const struct sockaddr *sa, uint64_t now,
			    uint64_t cookie)
{
	uint64_t period = now / UDP_COOKIE_PERIOD_MS;
	if (udp_peers_hash(t, sa, 'c', period) == cookie)
		return true;
	return period > 0 && udp_peers_hash(t, sa, 'c', period - 1) == cookie;
}

/* ---- rate limits ---- */

static bool udp_peers_take(struct udp_bucket *b, uint64_t now, unsigned rate, unsigned burst)
{
	uint64_t cap = (uint64_t)burst * 1000;
	if (!b->used) {
		b->used = true;
		b->tokens = cap;
	} else if (now > b->last_ms) {
		uint64_t add = (now - b->last_ms) * rate;
		b->tokens = cap - b->tokens <= add ? cap : b->tokens + add;
	}
	b->last_ms = now > b->last_ms ? now : b->last_ms;
	if (b->tokens < 1000)
		return false;
	b->tokens -= 1000;
	return true;
}

bool udp_peers_allow(struct udp_peers *t, struct udp_peer *p, const struct sockaddr *sa,
		     uint64_t now)
{
	struct udp_bucket *b = p ? &p->bucket
				 : &t->buckets[udp_peers_hash(t, sa, 'r', 0) % UDP_PEERS_BUCKETS];
	return udp_peers_take(b, now, t->rate, t->burst);
}
