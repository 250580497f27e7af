/* netlim: connection limits per address, shared by every stream face on one net.
 *
 * One table (a map, keyed by the normalized address as text) counts the open connections of each
 * address ("192.0.2.7", "2001:db8::1") and of each IPv4 /24 and IPv6 /64 ("192.0.2.0/24",
 * "2001:db8::/64"); an IPv4-mapped IPv6 address counts as the IPv4 address it carries. Each
 * address also has a token bucket for its connection rate (rate per second, a burst of twice
 * that). Addresses on the exempt list (CIDRs) are neither counted nor throttled.
 *
 * netlim_admit is called once per accepted connection and netlim_release once per admitted one
 * when its close callback ran; both are O(1). An address whose connections are all closed keeps
 * its entry only while its bucket is refilling: it waits on the `idle` list (in the order it went
 * idle) and netlim_sweep, from the net's once-a-second sweep, frees those whose bucket is full
 * again. Memory therefore follows the open connections plus the last couple of seconds' callers.
 * Counts never go negative: a release of an address not counted is ignored. Pure: no loop, no
 * sockets; the caller passes the time. */
#ifndef CHARLA_NET_NETLIM_H
#define CHARLA_NET_NETLIM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "base/list.h"
#include "base/map.h"
#include "base/tbucket.h"

enum {
	NETLIM_MAX_EXEMPT = 16,
	NETLIM_KEY_LEN = 56,
	NETLIM_DEFAULT_PER_IP = 16,
	NETLIM_DEFAULT_PER_NET = 64,
	NETLIM_DEFAULT_RATE = 10,
	/* IPv6 clients are throttled by their /64: one host is usually given a whole /64, and
	 * rotating addresses inside it must not reset its failed logins. */
	NETLIM_THROTTLE_PREFIX6 = 64,
};

enum netlim_verdict {
	NETLIM_OK,      /* admitted and counted: netlim_release it once closed */
	NETLIM_EXEMPT,  /* admitted, not counted */
	NETLIM_PER_IP,  /* refused: too many connections from the address */
	NETLIM_PER_NET, /* refused: too many from its /24 (IPv4) or /64 (IPv6) */
	NETLIM_RATE,    /* refused: connecting too fast */
	NETLIM_BANNED,  /* refused: the address is banned (net.gate) */
	NETLIM_VERDICTS
};

/* A normalized address: family is AF_INET (bytes[0..3]) or AF_INET6 (bytes[0..15]). */
struct netlim_addr {
	int family;
	uint8_t bytes[16];
};

struct netlim_cidr {
	struct netlim_addr addr;
	unsigned prefix;
};

struct netlim_config {
	unsigned max_per_ip;   /* 0: no limit */
	unsigned max_per_ip24;
	unsigned max_per_ip64;
	unsigned rate;         /* connections per second per address, burst 2 x rate; 0: off */
	struct netlim_cidr exempt[NETLIM_MAX_EXEMPT];
	size_t nexempt;
};

struct netlim {
	struct netlim_config cfg;
	struct map map;
	struct list idle;
};

/* Normalizes sa (IPv4, IPv6, or IPv4-mapped IPv6, which becomes IPv4). False for other families. */
bool netlim_addr_from(const struct sockaddr *sa, struct netlim_addr *out);
/* The table's key: the address, or with prefix > 0 its network ("10.1.2.0/24"). */
void netlim_key(const struct netlim_addr *a, unsigned prefix, char out[NETLIM_KEY_LEN]);
/* The key under which a client's failed logins, OPER attempts and registrations are throttled:
 * an IPv4 address ("192.0.2.7"), an IPv6 /64 ("2001:db8:1:2::/64"). The only place that says so. */
void netlim_throttle_key(const struct netlim_addr *a, char out[NETLIM_KEY_LEN]);
bool netlim_in_cidr(const struct netlim_addr *a, const struct netlim_cidr *c);
/* One block, s[0..len): "ADDR" or "ADDR/PREFIX" (decimal digits only), IPv4 or IPv6, no blanks.
 * False when it is not one. Shared by every address list (--limit-exempt, --metrics-allow). */
bool netlim_cidr_parse(const char *s, size_t len, struct netlim_cidr *c);
/* Parses "127.0.0.0/8,::1" (addresses or CIDRs, comma-separated; "" for none) into cfg->exempt.
 * Returns 0, or -1 with the reason in err. */
int netlim_parse_exempt(const char *spec, struct netlim_config *cfg, char *err, size_t errlen);

void netlim_init(struct netlim *t, const struct netlim_config *cfg, uint64_t seed);
void netlim_free(struct netlim *t);
/* Judges a new connection from a; *limit gets the limit that refused it. */
enum netlim_verdict netlim_admit(struct netlim *t, const struct netlim_addr *a, uint64_t now_ms,
				 unsigned *limit);
void netlim_release(struct netlim *t, const struct netlim_addr *a);
void netlim_sweep(struct netlim *t, uint64_t now_ms);
/* Open connections counted for a's address (prefix 0) or network (24 or 64). */
unsigned netlim_count(const struct netlim *t, const struct netlim_addr *a, unsigned prefix);
/* Entries in the table (addresses and networks). */
size_t netlim_entries(const struct netlim *t);

#endif
