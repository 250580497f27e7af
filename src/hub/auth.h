/* auth: how a face checks a secret without knowing where it is kept or how it is hashed.
 *
 * server/ implements this interface (Argon2id on libuv's thread pool, auth/pwhash.h, and a
 * throttle of failed attempts per address) and hands it to the hub (hub_set_auth); faces reach it
 * through the hub, because a face may not include auth/. The loop never waits: a check returns at
 * once and `done` runs later on the loop. It is one interface for every secret a face is given
 * (operators' passwords now; accounts can add their kind of check beside `oper`).
 *
 * Ownership. The struct hub_auth and its ctx are server/'s and outlive the hub's sessions. A job
 * is the implementation's: the caller keeps the pointer only to cancel it (its client went away);
 * after `done` ran or `cancel` was called, the pointer is dead and `done` never runs. The password
 * is copied and wiped by the implementation; the caller wipes its own copy. Nothing here logs a
 * secret. */
#ifndef CHARLA_HUB_AUTH_H
#define CHARLA_HUB_AUTH_H

#include <stddef.h>

struct hub_auth_job;

enum hub_auth_status {
	HUB_AUTH_OK,        /* the secret is right */
	HUB_AUTH_MISMATCH,  /* wrong secret or unknown name (not told apart) */
	HUB_AUTH_THROTTLED, /* too many failures from this address lately: not checked */
	HUB_AUTH_BUSY,      /* too many checks waiting: try again */
	HUB_AUTH_NONE,      /* nothing to check against (no operators configured) */
};

/* arg is the caller's; st is never HUB_AUTH_THROTTLED/BUSY/NONE here (those are returned at once). */
typedef void (*hub_auth_done_fn)(void *arg, enum hub_auth_status st);

struct hub_auth {
	void *ctx;
	/* Checks operator `name`'s password for a client at `addr` (its address as text, the key
	 * of the throttle). Returns a job whose `done` follows; or NULL with *st saying why it was
	 * answered at once (THROTTLED, BUSY, NONE, or MISMATCH for a password too long). */
	struct hub_auth_job *(*oper)(void *ctx, const char *addr, const char *name, size_t nlen,
				     const char *pw, size_t plen, hub_auth_done_fn done, void *arg,
				     enum hub_auth_status *st);
	void (*cancel)(void *ctx, struct hub_auth_job *j);
};

#endif
