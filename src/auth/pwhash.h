/* pwhash: Argon2id password hashes (libsodium's crypto_pwhash_str), computed off the event loop
 * on libuv's thread pool. The loop never waits for a hash: a request returns at once and its
 * callback runs on the loop when the thread is done.
 *
 * Cost. A hash takes PWHASH_COST_* of time and memory (libsodium's INTERACTIVE limits by default:
 * 2 passes over 64 MiB, some 50-100 ms of one core). A verification uses the cost written in the
 * stored hash, so hashes made at a low cost (tests) verify as fast as they were made. At most
 * PWHASH_MAX_ACTIVE jobs run at once (each holds its memory limit); the others wait in this
 * module's queue, so a burst of logins cannot take the whole thread pool (which DNS and the
 * file system share) nor GiBs of memory. A queue longer than PWHASH_MAX_QUEUED refuses new jobs
 * (PWHASH_BUSY): the caller tells the client to try again; nothing grows without end.
 *
 * Secrets. The password is copied into the job and wiped (sodium_memzero) as soon as the thread
 * is done with it, success or not; nothing here logs. Verification is libsodium's, which compares
 * in constant time.
 *
 * Ownership. struct pwhash is its owner's (server/), initialised on a loop and closed before the
 * loop ends (pwhash_close cancels what waits and lets running jobs finish without callbacks).
 * Jobs are this module's: a caller keeps the struct pwhash_job pointer only to cancel it (for
 * instance when its client goes away); after the callback or pwhash_cancel the pointer is dead.
 * A cancelled job's callback never runs. */
#ifndef CHARLA_AUTH_PWHASH_H
#define CHARLA_AUTH_PWHASH_H

#include <stdbool.h>
#include <stddef.h>

#include <uv.h>

#include "base/list.h"

enum {
	PWHASH_MAX_PASSWORD = 512, /* bytes; longer passwords are refused, not truncated */
	PWHASH_STR_LEN = 128,      /* crypto_pwhash_STRBYTES: a hash string and its NUL fit */
	PWHASH_MAX_ACTIVE = 2,     /* jobs on the thread pool at once */
	PWHASH_MAX_QUEUED = 256,   /* jobs waiting beyond those */
};

/* How costly new hashes are. Verification always follows the stored hash. */
enum pwhash_cost {
	PWHASH_COST_INTERACTIVE, /* libsodium's INTERACTIVE limits: the default */
	PWHASH_COST_MODERATE,    /* MODERATE: 3 passes over 256 MiB, for operators' passwords */
	PWHASH_COST_MIN,         /* the least Argon2id allows: tests only (--pwhash-cost min) */
};

enum pwhash_status {
	PWHASH_OK = 0,
	PWHASH_MISMATCH,   /* verify: the password is not that hash's */
	PWHASH_BAD_HASH,   /* verify: the stored string is no Argon2id hash */
	PWHASH_BUSY,       /* refused: too many jobs queued */
	PWHASH_TOO_LONG,   /* refused: over PWHASH_MAX_PASSWORD */
	PWHASH_FAILED,     /* libsodium failed (out of memory) */
};

struct pwhash_job;

/* hash: the new hash string (PWHASH_OK only; valid during the call). */
typedef void (*pwhash_done_fn)(void *arg, enum pwhash_status st, const char *hash);

struct pwhash {
	uv_loop_t *loop;
	enum pwhash_cost cost;
	size_t active;           /* jobs on the thread pool */
	size_t queued;           /* jobs on `waiting` */
	struct list waiting;
	struct list running;
	bool closing;
};

/* Calls sodium_init (once per process is libsodium's rule; repeated calls are harmless). Returns
 * 0, or -1 when libsodium cannot start. */
int pwhash_init(struct pwhash *p, uv_loop_t *loop, enum pwhash_cost cost);
/* Cancels waiting jobs (no callbacks); running ones finish on their thread and are freed without
 * a callback. The loop must run on until they have (uv_run after uv_close of everything else does). */
void pwhash_close(struct pwhash *p);

/* Hashes `pw` (len bytes, any bytes). On a refusal (BUSY, TOO_LONG) returns NULL and calls
 * nothing: *st says why. Otherwise returns the job, and `done` runs later on the loop. */
struct pwhash_job *pwhash_hash(struct pwhash *p, const char *pw, size_t len, pwhash_done_fn done,
                               void *arg, enum pwhash_status *st);
/* Checks `pw` against `hash` (a NUL-terminated Argon2id string): `done` gets OK, MISMATCH or
 * BAD_HASH (hash is NULL). Refusals as for pwhash_hash. */
struct pwhash_job *pwhash_verify(struct pwhash *p, const char *hash, const char *pw, size_t len,
                                 pwhash_done_fn done, void *arg, enum pwhash_status *st);
/* The callback will not run; the memory goes when the thread is done with it. */
void pwhash_cancel(struct pwhash_job *j);

/* True when s is an Argon2id hash string ("$argon2id$v=19$m=...,t=...,p=...$salt$hash"). */
bool pwhash_is_argon2id(const char *s);
/* On the calling thread (not the loop's: for `charlad --hash-password` and config checks at start):
 * writes the hash of pw into out[PWHASH_STR_LEN]. Returns 0 or -1. */
int pwhash_hash_now(enum pwhash_cost cost, const char *pw, size_t len, char out[PWHASH_STR_LEN]);
/* The same for a check: PWHASH_OK, PWHASH_MISMATCH or PWHASH_BAD_HASH. */
enum pwhash_status pwhash_verify_now(const char *hash, const char *pw, size_t len);

#endif
