/* history: how a face asks for what was said before, without knowing who keeps it. The hub holds
 * one provider (the history bridge registers it; server/ wires the store under it) and checks, for
 * every request, that the asker may read what it asks for; the provider answers later, from
 * another turn of the loop (a store reads off the loop), through the callback.
 *
 * Targets. A room ("#dev"): the asker must be a member. A name: the private conversation between
 * the asker's account and that name, kept only with --store-private. Private history belongs to
 * accounts, never to names, which anyone may take once their holder has gone: a private message
 * is kept for each end logged in to an account, and read only by a session logged in to it,
 * which names the other end by its account (or, for an end that was not logged in, by the nick
 * it had). A session not logged in has no private history (HUB_HISTORY_NO_ACCOUNT).
 *
 * Bounds are event ids (hub_event.id: time_ms << HUB_ID_SEQ_BITS | seq, unique and increasing), so
 * a timestamp bound is (ms << HUB_ID_SEQ_BITS): one order serves IRC's msgid= and timestamp=
 * selectors alike. Messages come oldest first, at most `limit` (capped at HUB_HISTORY_MAX).
 *
 * Ownership and lifetime. The query and its strings are the caller's, valid during the call only.
 * The messages handed to a callback are the provider's, valid during the callback only: copy what
 * you keep. Refusals are synchronous: hub_history_query returns a status, and only HUB_HISTORY_OK
 * means a callback will come (the hub has no loop to defer a refusal on, and a face can answer a
 * refusal at once). An accepted request is answered exactly once, from a later turn of the loop,
 * unless cancelled first (hub_history_cancel); the hub cancels every request still pending when
 * its session closes (session_close), so a face need not; a cancelled request's callback is never
 * called. A provider that fails
 * after accepting (the store's disk failed) answers HUB_HISTORY_UNAVAILABLE with no messages. */
#ifndef CHARLA_HUB_HISTORY_H
#define CHARLA_HUB_HISTORY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hub/event.h"

struct hub;
struct session;

enum {
	HUB_HISTORY_MAX = 1000, /* messages of one answer, whatever the limit asked */
};

enum hub_history_kind {
	HUB_HISTORY_LATEST,  /* the newest `limit`, after `from` when from != 0 */
	HUB_HISTORY_BEFORE,  /* the newest `limit` with id < from */
	HUB_HISTORY_AFTER,   /* the oldest `limit` with id > from */
	HUB_HISTORY_AROUND,  /* `limit` around from: about half before it, the rest from it on */
	HUB_HISTORY_BETWEEN, /* ids strictly between from and to (either order), `limit` of them from
			      * the `from` end */
};

enum hub_history_status {
	HUB_HISTORY_OK,
	HUB_HISTORY_REFUSED,     /* the asker may not read the target (not a member) */
	HUB_HISTORY_UNAVAILABLE, /* no history kept (no provider: --no-store), or the store failed */
	HUB_HISTORY_BUSY,        /* too many requests of this asker pending */
	HUB_HISTORY_NO_ACCOUNT,  /* a private conversation asked for by a session not logged in */
};

struct hub_history_query {
	const char *target; /* "#room", or a name for a private conversation */
	size_t target_len;
	enum hub_history_kind kind;
	uint64_t from, to;  /* event ids (see above); 0: unbounded */
	unsigned limit;     /* capped at HUB_HISTORY_MAX; 0 means HUB_HISTORY_MAX */
};

struct hub_history_msg {
	uint64_t id;
	uint64_t time_ms;
	uint8_t kind;       /* enum hub_msg_kind: a message, an action, a notice */
	const char *from;   /* the sender's name when it was said */
	size_t from_len;
	const char *target; /* the room, or the recipient's name */
	size_t target_len;
	const char *text;
	size_t len;
};

/* A conversation with history (IRC's CHATHISTORY TARGETS): its name and its newest message. */
struct hub_history_target {
	const char *name;
	size_t len;
	uint64_t last_id;
	uint64_t last_ms;
};

typedef void (*hub_history_fn)(void *ctx, enum hub_history_status status,
			       const struct hub_history_msg *msgs, size_t n);
typedef void (*hub_history_targets_fn)(void *ctx, enum hub_history_status status,
				       const struct hub_history_target *targets, size_t n);

/* What a provider implements. query and targets return HUB_HISTORY_OK with *req set to a request
 * id (never 0) and answer later through the callback, or another status (BUSY, UNAVAILABLE) and
 * never call it. asker is the session asking (its account is the other party of a private
 * conversation); the hub has already checked that it may read the target (and, for a private
 * one, that it is logged in) and capped the limit.
 * The provider's functions are called on the loop's thread only. */
struct hub_history_provider {
	enum hub_history_status (*query)(void *impl, const struct session *asker,
					 const struct hub_history_query *q, hub_history_fn cb,
					 void *ctx, uint64_t *req);
	/* The rooms the asker is in, and its account's private conversations (none when it is not
	 * logged in), with a message between the ids
	 * from and to (0: unbounded), newest first, at most limit. The provider is told the rooms
	 * (folded names would do; these are as the hub spells them), n of them. */
	enum hub_history_status (*targets)(void *impl, const struct session *asker,
					   const char *const *rooms, size_t nrooms, uint64_t from,
					   uint64_t to, unsigned limit, hub_history_targets_fn cb,
					   void *ctx, uint64_t *req);
	void (*cancel)(void *impl, uint64_t req);
	void *impl;
};

/* Registers the provider (NULL: none); it must outlive its registration. */
void hub_history_set(struct hub *h, const struct hub_history_provider *p);
/* Whether a provider is registered (a face may skip asking, e.g. history on join). */
bool hub_history_available(const struct hub *h);
/* Asks for history on s's behalf. Checks that s (named) may read q->target: a room s is a member
 * of, or a valid user name (the conversation between s's account and that name; it need not be
 * online). Returns HUB_HISTORY_REFUSED when it may not (whether the room exists or not: a refusal
 * does not tell), HUB_HISTORY_NO_ACCOUNT for a name when s is not logged in,
 * HUB_HISTORY_UNAVAILABLE with no provider, or the provider's status; only on
 * HUB_HISTORY_OK is *req set and the callback called later (never inside this call). */
enum hub_history_status hub_history_query(struct hub *h, struct session *s,
					  const struct hub_history_query *q, hub_history_fn cb,
					  void *ctx, uint64_t *req);
/* The conversations of s with history (see the provider's targets); same statuses. */
enum hub_history_status hub_history_targets(struct hub *h, struct session *s, uint64_t from,
					    uint64_t to, unsigned limit,
					    hub_history_targets_fn cb, void *ctx, uint64_t *req);
/* Cancels an accepted request not yet answered (0 and answered ids are ignored). */
void hub_history_cancel(struct hub *h, uint64_t req);

#endif
