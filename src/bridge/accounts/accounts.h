/* accounts: the accounts bridge. It keeps charlad's accounts (a registered name, its Argon2id
 * hash, an optional e-mail, when it was made and last used, its client certificates), serves the
 * hub's account requests (hub/account.h) through the password hashing of auth/pwhash.h, protects
 * registered names, holds off password guessers, and joins the hub as the NickServ bot for
 * clients that have no SASL (nickserv.c).
 *
 * Memory, not the disk, answers. Every account is kept in memory (loaded at start, like the
 * rooms) and written through to the store as it changes: a name check at naming is a map lookup
 * (naming never waits), and a login needs no read from the store before its hash check, so the
 * only wait a login has is the hash itself. It costs some 300 bytes an account: a million
 * accounts would be 300 MB, far beyond what a server of this kind holds. Without a store
 * (--no-store) accounts live as long as the process.
 *
 * Names. A registered name used by someone not logged in to it is warned once, then renamed to a
 * free guest name (Guest and digits) after --name-grace seconds; with a grace of 0 the name is
 * refused at naming. Logging in sets the session's account and does not rename it: the owner
 * takes the name with /nick (anyone else on it is being renamed already).
 *
 * Throttles. Failed logins are counted per account and per address: --login-fails in
 * --login-window seconds, then every login of that account or from that address is refused,
 * without hashing, until the window that began with the first failure ends. Registrations are
 * counted per address (--register-rate an hour). Every password check goes through pwhash, whose
 * queue is bounded: beyond it the answer is "busy".
 *
 * Ownership. struct accounts is allocated by accounts_new. accounts_shutdown unregisters it from
 * the hub (the provider, the bot), cancels pending hashes and closes its timers; accounts_free,
 * after the loop has run the close callbacks, frees it. The store, the pwhash, the hub and the
 * logger are the caller's and must outlive it. */
#ifndef CHARLA_BRIDGE_ACCOUNTS_ACCOUNTS_H
#define CHARLA_BRIDGE_ACCOUNTS_ACCOUNTS_H

#include <stddef.h>
#include <stdint.h>

#include <uv.h>

struct db_account;
struct hub;
struct logger;
struct pwhash;
struct store;

struct accounts_config {
	unsigned name_grace_s;      /* 0: a registered name is refused outright */
	unsigned login_fails;       /* failed logins per window, per account and per address */
	unsigned login_window_s;
	unsigned register_rate;     /* registrations per address per ACCOUNTS_REGISTER_WINDOW_S */
	uint64_t (*clock_ms)(void); /* wall-clock ms (the accounts' times) */
	const char *nickserv;       /* the service bot's name: "NickServ" */
};

enum {
	ACCOUNTS_REGISTER_WINDOW_S = 3600,
};

struct accounts;

/* Takes over `loaded` (n accounts read from the store at start, or none): the array and its
 * strings are the bridge's from now on. store may be NULL (no persistence). Registers the
 * provider and the NickServ bot with the hub. */
struct accounts *accounts_new(uv_loop_t *loop, struct hub *hub, struct store *store,
			      struct pwhash *pw, const struct accounts_config *cfg,
			      const struct logger *log, struct db_account *loaded, size_t n);
/* Unregisters and closes the timers (NULL, or a second call: nothing). */
void accounts_shutdown(struct accounts *a);
/* Frees, once the loop has closed the timers (NULL: nothing). */
void accounts_free(struct accounts *a);
/* How many accounts there are (tests, the log). */
size_t accounts_count(const struct accounts *a);

#endif
