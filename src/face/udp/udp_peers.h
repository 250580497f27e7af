/* udp_peers: the UDP face's soft state, without sockets: the verified peers by source address,
 * the orders in which they expire, the registration cookies and the per-address rate limits.
 * Time is passed in (milliseconds of the loop clock), so every rule is unit-tested without a loop.
 *
 * Peers. A peer is an address that proved it receives our datagrams (it echoed a cookie). The face
 * allocates each struct udp_peer, adds it here and removes it before freeing it; the table borrows
 * it (a peer's nodes must start unlinked, as calloc leaves them). Each peer sits in up to three
 * lists (base/list.h), each ordered by time because entries only ever move to the back, so the
 * oldest is always the first, expiry is O(1) per expired peer and nothing scans the table:
 *   - every peer, by its last datagram (forgotten after `idle_ms` without one);
 *   - peers that have no name yet, by when they were admitted (`name_ms`);
 *   - named peers, by their last line, keepalives aside (`quiet_ms`, the --idle-timeout).
 *
 * Cookies. A cookie is SipHash-2-4, keyed with a random per-process secret, of the source address
 * and the current period of UDP_COOKIE_PERIOD_MS; it is accepted in that period and the next. So
 * cookies cost no state at all, cannot be forged without the secret, expire by themselves, and an
 * unverified address occupies no memory.
 *
 * Rate limits. A token bucket of `rate` datagrams a second and bursts of `burst`: each verified peer
 * has its own; unverified addresses share a fixed array of UDP_PEERS_BUCKETS buckets indexed by a
 * keyed hash of the address, so forged sources cannot grow memory (two addresses hashed to one
 * bucket share its limit, which only ever errs on the strict side). */
#ifndef CHARLA_FACE_UDP_PEERS_H
#define CHARLA_FACE_UDP_PEERS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "base/list.h"
#include "base/map.h"
#include "hub/hub.h"
#include "net/netlim.h"

struct dgram;
struct udp_face;

enum {
	UDP_COOKIE_PERIOD_MS = 30000,  /* a cookie lives 30 to 60 s */
	UDP_PEERS_BUCKETS = 1024,
	UDP_KEY_MAX = 64,              /* "[v6 address%scope]:port" */
};

struct udp_bucket {
	uint64_t last_ms;
	uint64_t tokens;   /* in thousandths of a datagram */
	bool used;
};

struct udp_peer {
	/* The face's part. */
	struct session sess;
	struct udp_face *uf;
	struct dgram *sock;         /* where it last wrote to us: we answer from there */
	uint64_t seq;               /* the last sequence number sent */
	char *name;                 /* from /hello, until given to the hub */
	uint64_t warned_ms;         /* last "too many datagrams" notice */
	struct udp_peer *next_admit; /* the face's deferred work */
	struct udp_peer *next_dead;
	bool admit_later;
	bool dead;
	/* The table's part. */
	struct sockaddr_storage addr;
	char key[UDP_KEY_MAX];
	char throttle[NETLIM_KEY_LEN]; /* netlim_throttle_key of its address, or "" */
	uint64_t last_ms;           /* last datagram */
	uint64_t named_ms;          /* admitted (naming list) */
	uint64_t said_ms;           /* last line (quiet list) */
	struct list_node by_idle, by_name, by_quiet; /* by_idle is linked while p is in the table */
	struct udp_bucket bucket;
};

struct udp_timeouts {
	uint64_t idle_ms;   /* > 0 */
	uint64_t name_ms;   /* 0 = none */
	uint64_t quiet_ms;  /* 0 = none */
};

enum udp_expiry {
	UDP_EXPIRE_NONE,
	UDP_EXPIRE_IDLE,
	UDP_EXPIRE_NAME,
	UDP_EXPIRE_QUIET,
};

struct udp_peers {
	struct map map;             /* key -> peer */
	struct list idle, naming, quiet; /* oldest first */
	size_t count;
	struct udp_timeouts to;
	uint64_t k0, k1;            /* the secret */
	unsigned rate, burst;
	struct udp_bucket *buckets; /* UDP_PEERS_BUCKETS, for unverified addresses */
};

/* The table must not be moved (copied) once initialised: its list heads point at themselves. */
void udp_peers_init(struct udp_peers *t, const uint64_t secret[2], const struct udp_timeouts *to,
		    unsigned rate, unsigned burst);
/* Frees the table's own memory; every peer must have been removed. */
void udp_peers_free(struct udp_peers *t);

/* Writes the canonical text of an address ("1.2.3.4:5", "[::1]:5"), the key of the map. */
void udp_peers_key(const struct sockaddr *sa, char out[UDP_KEY_MAX]);
struct udp_peer *udp_peers_find(const struct udp_peers *t, const struct sockaddr *sa);
/* Adds p (the caller filled the face's part) for address sa, heard from at `now`. */
void udp_peers_add(struct udp_peers *t, struct udp_peer *p, const struct sockaddr *sa, uint64_t now);
/* Removes p from the map and from every list. */
void udp_peers_remove(struct udp_peers *t, struct udp_peer *p);
/* A datagram came from p. */
void udp_peers_touch(struct udp_peers *t, struct udp_peer *p, uint64_t now);
/* p said a line (anything but a keepalive). */
void udp_peers_said(struct udp_peers *t, struct udp_peer *p, uint64_t now);
/* p was admitted and has no name yet (naming = true), or it has one now (false). */
void udp_peers_naming(struct udp_peers *t, struct udp_peer *p, bool naming, uint64_t now);
/* The peer heard from longest ago, or NULL: to walk every peer while removing them. */
struct udp_peer *udp_peers_oldest(const struct udp_peers *t);
/* The peer whose time is up at `now`, oldest first, and why; NULL when none. The caller removes it
 * (or the same peer is returned again). */
struct udp_peer *udp_peers_expired(const struct udp_peers *t, uint64_t now, enum udp_expiry *why);
/* When the next peer's time is up; UINT64_MAX when there is no peer. */
uint64_t udp_peers_deadline(const struct udp_peers *t);

uint64_t udp_peers_cookie(const struct udp_peers *t, const struct sockaddr *sa, uint64_t now);
bool udp_peers_cookie_valid(const struct udp_peers *t, const struct sockaddr *sa, uint64_t now,
			    uint64_t cookie);

/* Takes one datagram from the bucket of p, or of sa's shared bucket when p is NULL. False: over
 * the limit, drop the datagram. */
bool udp_peers_allow(struct udp_peers *t, struct udp_peer *p, const struct sockaddr *sa,
		     uint64_t now);

/* SipHash-2-4 (Aumasson and Bernstein), exposed for its test vectors. */
uint64_t udp_peers_siphash(uint64_t k0, uint64_t k1, const void *data, size_t len);

#endif
