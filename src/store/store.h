/* store: charlad's database, off the event loop. One writer thread owns the SQLite connection
 * (db.h); the loop hands it jobs (a message to keep, a room's state, a history read) through a
 * queue under a mutex, waking it with a condition variable, and takes the answers back through a
 * second queue under the same mutex and a uv_async: no SQLite call runs on the loop once
 * store_start has been called (store_open and store_rooms, before it, read at start: nothing is
 * served yet).
 *
 * Batches. The thread commits messages in batches, one transaction each: it wakes on the first
 * message and waits until STORE_BATCH_MS have passed since then or STORE_BATCH_MAX messages are
 * queued, whichever comes first, or a read or the end comes (a read flushes what was said before
 * it, so one sees what one just said). A kill -9 loses at most the batch being gathered; WAL keeps
 * the file whole. When the disk fails the thread says so once (on_health) and drops what it could
 * not write; the chat goes on. The queue is bounded (STORE_QUEUE_MAX): beyond, messages are
 * dropped and counted rather than memory grown without end.
 *
 * Pruning runs in the thread between batches, in small transactions (STORE_PRUNE_BATCH rows), at
 * most every STORE_PRUNE_MS: messages older than max_age_ms, and beyond max_rows per
 * conversation (for the conversations written since the last pass).
 *
 * Ownership. struct store is its owner's (server/ embeds it through the history bridge); jobs are
 * the store's. A read's callback runs on the loop, with results valid during the call only; a
 * cancelled read's callback never runs. store_close joins the thread after it wrote everything
 * queued. */
#ifndef CHARLA_STORE_STORE_H
#define CHARLA_STORE_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <uv.h>

#include "base/list.h"
#include "store/db.h"

struct logger;

enum {
	STORE_BATCH_MS = 50,       /* the longest a message waits for its commit */
	STORE_BATCH_MAX = 1000,    /* messages in one transaction */
	STORE_QUEUE_MAX = 100000,  /* messages waiting; beyond, dropped (a stuck disk) */
	STORE_READS_MAX = 256,     /* reads pending at once; beyond, BUSY */
	STORE_PRUNE_MS = 1000,     /* between pruning passes */
	STORE_PRUNE_BATCH = 500,   /* rows deleted per transaction */
};

struct store_config {
	uint64_t max_age_ms;   /* 0: forever */
	unsigned max_rows;     /* per conversation; 0: no limit */
	uint64_t (*clock_ms)(void); /* for max_age; NULL: no age pruning */
	unsigned id_seq_bits;  /* ids are time_ms << this | seq (the hub's HUB_ID_SEQ_BITS) */
};

enum store_read_kind { STORE_READ_RANGE, STORE_READ_TARGETS };

struct store_read {
	enum store_read_kind kind;
	/* RANGE: up to three ranges of conv, run in order, results appended (AROUND is two). */
	char *conv;
	char *conv2; /* NULL, or a second conversation read with conv as one (db_range_pair) */
	struct {
		uint64_t lo, hi;
		bool newest;
		unsigned limit;
	} range[2];
	unsigned nranges;
	/* TARGETS: these convs (rooms) and the private ones of `me` (a folded account), lo < id < hi. */
	char **convs;
	size_t nconvs;
	char *me;
	uint64_t lo, hi;
};

/* ok false: the store failed (the results are empty). */
typedef void (*store_read_fn)(void *ctx, bool ok, const struct db_msgs *msgs,
			      const struct db_targets *targets);
typedef void (*store_health_fn)(void *ctx, bool ok);

struct store_job;

struct store {
	struct store_config cfg;
	const struct logger *log;
	struct db db;
	uv_thread_t thread;
	uv_mutex_t lock;
	uv_cond_t wake;
	uv_async_t done_async;
	bool started, stopping, async_open;
	/* Under lock: */
	struct store_job *todo_head, *todo_tail; /* oldest first */
	size_t todo_writes, todo_reads;
	struct store_job *done_head, *done_tail;
	bool healthy;          /* the last batch was written */
	bool health_changed;
	char health_err[DB_ERR_MAX];
	/* The loop's: */
	struct list reads;     /* reads not yet answered, to cancel */
	size_t nreads;
	uint64_t next_req;
	uint64_t dropped;      /* messages dropped for a full queue */
	bool told_healthy;
	store_health_fn on_health;
	void *health_ctx;
	/* The thread's: */
	uint64_t written;      /* messages committed (counted on the thread, read at close) */
	uint64_t last_prune_ms;
	char **touched;        /* convs written since the last pruning pass */
	size_t ntouched, captouched;
};

/* Opens the database file (see db_open) on the calling thread. */
enum db_status store_open(struct store *st, const char *path, const struct store_config *cfg,
			  const struct logger *log, char *err, size_t errlen);
/* The saved rooms, read on the calling thread: before store_start only. */
enum db_status store_rooms(struct store *st, struct db_room **out, size_t *n);
/* Starts the thread and the async on loop. Returns 0 or a negative libuv error. */
int store_start(struct store *st, uv_loop_t *loop, store_health_fn on_health, void *ctx);
/* Writes what is queued, stops the thread and closes the file; the async is closed (the loop
 * must run once more for its close callback). */
void store_close(struct store *st);

/* Queues a message; the store owns m's strings from now on (they were malloc'd). */
void store_put(struct store *st, struct db_msg *m);
/* Queues a room's state (a copy is taken) or forgets a room (by its folded name). */
void store_room_save(struct store *st, const struct db_room *r);
void store_room_delete(struct store *st, const char *folded);
/* Saves a ban or forgets one (by mask), as for rooms; store_bans reads them back at start, on
 * the calling thread, like store_rooms. */
void store_ban_save(struct store *st, const struct db_ban *b);
void store_ban_delete(struct store *st, const char *mask);
enum db_status store_bans(struct store *st, struct db_ban **out, size_t *n);
/* Queues an account's state (a copy is taken: its hash, never a password). */
void store_account_save(struct store *st, const struct db_account *a);
/* The saved accounts, read on the calling thread: before store_start only. */
enum db_status store_accounts(struct store *st, struct db_account **out, size_t *n);
/* Queues a read; the store owns rd's strings from now on. Returns a request id (never 0), or 0
 * when too many reads are pending. */
uint64_t store_read(struct store *st, struct store_read *rd, store_read_fn cb, void *ctx);
/* Cancels a pending read: its callback will not run. Returns the ctx it was given (to free),
 * or NULL if no such read is pending. */
void *store_cancel(struct store *st, uint64_t req);

#endif
