/* accounts_int: the accounts bridge's state, shared by its files: accounts.c (the registry and
 * the hub's requests), accounts_guard.c (throttles and the grace before a rename) and nickserv.c
 * (the service bot). Internal to bridge/accounts/. */
#ifndef CHARLA_BRIDGE_ACCOUNTS_ACCOUNTS_INT_H
#define CHARLA_BRIDGE_ACCOUNTS_ACCOUNTS_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "auth/pwhash.h"
#include "base/list.h"
#include "base/map.h"
#include "bridge/accounts/accounts.h"
#include "hub/account.h"
#include "hub/hub.h"
#include "store/db.h"

enum {
	ACCOUNTS_SWEEP_MS = 250,     /* the grace and throttle sweep */
	ACCOUNTS_GUEST_TRIES = 32,   /* random guest names tried before giving up this sweep */
	ACCOUNTS_GUEST_MOD = 100000, /* Guest00000..Guest99999 */
	ACCOUNTS_ADDR_MAX = 64,      /* bytes of an address key */
	ACCOUNTS_INBOX_MAX = 256,    /* NickServ's unread messages; beyond, dropped */
	ACCOUNTS_NS_TEXT_MAX = 1024, /* bytes of one message to NickServ kept */
	ACCOUNTS_DECOY_BYTES = 32,   /* random bytes whose hash unknown names are checked against */
};

/* A throttle's count in its window; the map's key lives here. */
struct accounts_count {
	uint64_t start_ms;
	unsigned n;
	char key[];
};

/* A session using a name registered to an account it is not logged in to, until the deadline. */
struct accounts_grace {
	struct list_node node;
	uint64_t sid;        /* the session's id: the session may be gone (looked up by name) */
	char *name;          /* the name it was warned about */
	uint64_t deadline_ms;
	bool warned;         /* told yet (on the loop turn after its naming: after a face's own
			      * welcome, such as IRC's 001 burst) */
};

/* A request waiting for its hash. */
struct accounts_job {
	struct list_node node;
	struct accounts *a;
	struct session *s;
	enum hub_account_op op;
	hub_account_fn cb;
	void *ctx;
	struct pwhash_job *pj;
	char *folded;        /* the account it is about */
	char *name;          /* REGISTER: the name as typed */
	char *email;
	char *new_password;  /* PASSWORD: hashed once the old one is checked; wiped */
	size_t new_len;
	char addr[ACCOUNTS_ADDR_MAX];
	bool counted;        /* LOGIN, PASSWORD: an attempt counted at submit, given back on success */
	bool decoy;          /* LOGIN of an unknown name: checked against a->decoy, fails whatever */
};

/* A private message to NickServ, waiting for the next loop turn (a bot's event runs inside a
 * fan-out and may not call the hub). The text is wiped when done: it may hold a password. */
struct accounts_ns_msg {
	struct list_node node;
	uint64_t sid;
	char *from;
	char *text;
	size_t len;
};

struct accounts {
	uv_loop_t *loop;
	struct hub *hub;
	struct store *store;       /* NULL: memory only */
	struct pwhash *pw;
	struct accounts_config cfg;
	const struct logger *log;
	struct map byname;         /* folded name -> struct db_account */
	struct map bycert;         /* fingerprint -> struct db_account */
	size_t count;
	struct list jobs;          /* struct accounts_job waiting for pwhash: one per session */
	char decoy[PWHASH_STR_LEN]; /* a hash of random bytes at the accounts' cost: an unknown
				     * name is checked against it, so that it costs a real one's time */
	struct map fails;          /* "a folded" / "h addr" -> struct accounts_count */
	struct map regs;           /* addr -> struct accounts_count */
	struct list graces;        /* struct accounts_grace */
	uv_timer_t sweep;
	uv_timer_t warn;           /* 0 ms: the graces not yet told */
	struct hub_account_provider provider;
	uint64_t rng;              /* guest names */
	/* NickServ */
	struct session ns;
	bool ns_on;
	struct list ns_inbox;
	size_t ns_queued;
	uv_idle_t ns_idle;
	int closing;               /* handles still to close (accounts_shutdown) */
	bool shut;
};

/* accounts.c */
struct db_account *accounts_find(struct accounts *a, const char *name, size_t len);
/* The folded form of a user name into out[NAME_MAX_BYTES + 1]; false when it is no valid name. */
bool accounts_fold(const char *name, size_t len, char *out);
/* Writes the account to the store (if any). */
void accounts_save(struct accounts *a, const struct db_account *acc);

/* accounts_guard.c */
void accounts_guard_init(struct accounts *a);
void accounts_guard_free(struct accounts *a);
/* The address key of s (its face's addr_key: an IPv4 address, an IPv6 /64), or "" when its
 * face knows none. */
void accounts_addr(const struct session *s, char out[ACCOUNTS_ADDR_MAX]);
/* Seconds until a login of folded from addr may be tried (0: now). */
unsigned accounts_login_wait(struct accounts *a, const char *folded, const char *addr);
void accounts_login_failed(struct accounts *a, const char *folded, const char *addr);
/* Gives back one attempt accounts_login_failed counted (a login that succeeded). */
void accounts_login_forgiven(struct accounts *a, const char *folded, const char *addr);
/* Seconds until addr may register (0: now); accounts_registered counts one. */
unsigned accounts_register_wait(struct accounts *a, const char *addr);
void accounts_registered(struct accounts *a, const char *addr);
/* The provider's name hooks. */
bool accounts_name_refused(void *impl, const struct session *s, const char *folded);
void accounts_named(void *impl, struct session *s);
/* s logged in: its warnings are void (a later logout warns afresh). */
void accounts_grace_end(struct accounts *a, const struct session *s);
void accounts_sweep(uv_timer_t *t);

/* nickserv.c */
int nickserv_open(struct accounts *a);
void nickserv_close(struct accounts *a);

#endif
