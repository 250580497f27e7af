/* history (bridge): keeps what is said and the rooms' state in the store, and answers the hub's
 * history requests from it.
 *
 * An observer writes every room message and action (and notice) with its id, time, room, sender
 * and text; private messages only with store_private (--store-private: off by default, because a
 * private conversation is its two people's business, not the server's disk's). TAGMSG has no text
 * and is not kept. On a topic or mode change it saves the room's state (topic, flag modes, key,
 * limit, ban/exception/invite lists) and keeps the room when it empties, as a registered room;
 * a room back to the defaults is forgotten and let go again. Operators are not saved: they are
 * sessions, which end with the process.
 *
 * It is the hub's history provider (hub/history.h) over the store: each request becomes one store
 * read, answered on a later turn of the loop.
 *
 * Ownership. struct history is its owner's (server/), the store too, which must outlive it;
 * history_free unregisters the observer and the provider. */
#ifndef CHARLA_BRIDGE_HISTORY_H
#define CHARLA_BRIDGE_HISTORY_H

#include <stdbool.h>

#include "hub/history.h"
#include "hub/hub.h"
#include "store/store.h"

struct logger;

struct history_config {
	bool store_private;
};

struct history {
	struct hub *hub;
	struct store *store;
	const struct logger *log;
	struct history_config cfg;
	struct hub_observer obs;
	struct hub_history_provider prov;
	bool healthy; /* the store writes (false after a disk error, until it writes again) */
};

/* Restores the saved rooms into the hub (before the loop serves anyone: the store's thread has
 * not started). Returns the store's status; *n gets how many rooms. */
enum db_status history_restore(struct history *hi, struct hub *h, struct store *st, size_t *n);
/* Observes the hub and registers the provider. */
void history_init(struct history *hi, struct hub *h, struct store *st,
		  const struct history_config *cfg, const struct logger *log);
void history_free(struct history *hi);
/* The store's health callback (store_start's on_health, ctx the history). */
void history_on_health(void *ctx, bool ok);

#endif
