/* server_store: charlad's store and history bridge, wired: where the database lives, what a
 * failure at start means, and the order of start and stop.
 *
 * At start (server_init, before any listener opens) it creates the data directory (0700), opens
 * the database, applies its migrations, restores the saved rooms and reads the accounts (for
 * server.c to hand to the accounts bridge) on the main thread: that may
 * block on the disk, and may, because the loop serves nobody yet. Then the writer thread starts.
 *   - --no-store: nothing of this; the hub has no history provider.
 *   - A directory or file it cannot create or write: logged with the path, and the chat runs
 *     without history (the provider answers "unavailable", which the faces tell users).
 *   - A file that is not a database, a damaged one or one from a newer charlad: charlad refuses
 *     to start (server_init fails with SERVER_STORE_REFUSED, exit code 2), never replacing it.
 *
 * Ownership. The store and the bridge are the server's (struct server_store, embedded);
 * server_store_stop, before the loop's handles are closed, unregisters the bridge and writes what
 * is queued. */
#ifndef CHARLA_SERVER_SERVER_STORE_H
#define CHARLA_SERVER_SERVER_STORE_H

#include <stdbool.h>
#include <stddef.h>

#include <uv.h>

#include "bridge/history/history.h"
#include "hub/hub.h"
#include "server/config.h"
#include "store/store.h"

struct logger;

enum {
	SERVER_STORE_REFUSED = -2,  /* server_store_start: a database it will not touch */
	SERVER_STORE_PATH_MAX = 4096,
};

struct server_store {
	struct store store;
	struct history history;
	bool store_open, history_on;
	struct db_ban *bans;        /* read at start for server_bans_start, which takes them */
	size_t nbans;
	char path[SERVER_STORE_PATH_MAX];
	/* The saved accounts, read at start for the accounts bridge, which takes them over. */
	struct db_account *accounts;
	size_t naccounts;
};

/* Returns 0 (history or not, see above) or SERVER_STORE_REFUSED with err filled. */
int server_store_start(struct server_store *ss, const struct config *cfg, struct hub *hub,
		       uv_loop_t *loop, const struct logger *log, uint64_t (*clock_ms)(void),
		       char *err, size_t errlen);
void server_store_stop(struct server_store *ss);

#endif
