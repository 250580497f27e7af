/* server_auth: the hub's secrets' checks (hub/auth.h), implemented with Argon2id on the thread
 * pool (auth/pwhash.h) against the operators' file, and a throttle of failed attempts per address.
 *
 * Throttle. An address may fail SERVER_AUTH_FREE_FAILS times; after that each further failure
 * doubles a wait (SERVER_AUTH_DELAY_MS, then twice that, ... at most SERVER_AUTH_DELAY_MAX_MS)
 * during which its attempts are answered THROTTLED without hashing anything, so a guesser gets a
 * handful of tries a minute and costs no Argon2id work while it waits. A success forgets the
 * address. The table holds at most SERVER_AUTH_MAX_ADDRS addresses; when it is full, entries whose
 * wait is over are dropped, and if none is, the new address is not tracked (the pwhash queue's own
 * bound still holds the cost).
 *
 * Ownership. struct server_auth is server/'s, embedded in struct server; it points at the server's
 * pwhash and operators' list (server_auth_set_opers on a reload) and owns its throttle table and
 * its jobs' wrappers. server_auth_free cancels nothing: pwhash_close has (callbacks never run). */
#ifndef CHARLA_SERVER_SERVER_AUTH_H
#define CHARLA_SERVER_SERVER_AUTH_H

#include <stddef.h>
#include <stdint.h>

#include "auth/pwhash.h"
#include "base/map.h"
#include "hub/auth.h"
#include "server/files.h"

enum {
	SERVER_AUTH_FREE_FAILS = 5,
	SERVER_AUTH_DELAY_MS = 2000,
	SERVER_AUTH_DELAY_MAX_MS = 60000,
	SERVER_AUTH_MAX_ADDRS = 4096,
};

struct server_auth {
	struct hub_auth iface;       /* what the hub holds; ctx is this */
	struct pwhash *pw;
	const struct files_opers *opers;
	struct map fails;            /* address -> struct server_auth_fail */
	uint64_t (*now_ms)(void *clock);
	void *clock;
	uint64_t failed;             /* wrong passwords (for /metrics) */
	uint64_t throttled;          /* attempts answered THROTTLED */
};

void server_auth_init(struct server_auth *a, struct pwhash *pw, const struct files_opers *opers,
		      uint64_t (*now_ms)(void *clock), void *clock, uint64_t seed);
void server_auth_set_opers(struct server_auth *a, const struct files_opers *opers);
void server_auth_free(struct server_auth *a);

#endif
