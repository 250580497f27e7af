/* account: how a face logs a session in, without knowing who keeps the accounts. The hub holds one
 * provider (the accounts bridge registers it; server/ wires the store and the password hashing
 * under it) and passes requests to it; the provider answers later, from another turn of the loop
 * (hashing runs off the loop), through the caller's callback. The hub knows no words: a face
 * renders the typed answer (HUB_ERR_* codes) in its own protocol, and a change of a session's
 * account goes out as HUB_EV_ACCOUNT (IRC's account-notify, RPL_LOGGEDIN).
 *
 * Names. An account is a user name (hub/name.h's rules) registered with a password; its folded
 * name is its key. A registered name is its owner's: the provider says at naming whether someone
 * not logged in to it may take it (no: HUB_ERR_NAME_REGISTERED), and is told of every naming
 * (`named`), after which it may warn the session and rename it later (the bridge's grace period).
 *
 * Ownership and lifetime. A request's strings are the caller's, valid during the call only (the
 * provider copies what it keeps, and wipes passwords). The answer's strings are the provider's,
 * valid during the callback only. The callback runs exactly once: inside hub_account_request for
 * a refusal the request shows on its face (a bad password, no provider, throttled), or later; the
 * hub tells the provider when a session closes (`closed`), and then a pending request's callback
 * never runs. The provider's functions are called on the loop's thread only. */
#ifndef CHARLA_HUB_ACCOUNT_H
#define CHARLA_HUB_ACCOUNT_H

#include <stdbool.h>
#include <stddef.h>

#include "hub/event.h"

struct hub;
struct session;

enum {
	HUB_ACCOUNT_PASSWORD_MAX = 512, /* bytes: auth/pwhash.h's PWHASH_MAX_PASSWORD */
	HUB_ACCOUNT_EMAIL_MAX = 254,    /* bytes of an e-mail address (RFC 5321's path) */
	HUB_ACCOUNT_CERTS_MAX = 8,      /* certificate fingerprints per account */
	HUB_ACCOUNT_CERTFP_MAX = 128,   /* hex characters of a fingerprint (SHA-512's) */
};

enum hub_account_op {
	HUB_ACCOUNT_REGISTER,   /* name (NULL: s's own), password, email (optional) */
	HUB_ACCOUNT_LOGIN,      /* name (NULL: s's own), password */
	HUB_ACCOUNT_LOGOUT,
	HUB_ACCOUNT_PASSWORD,   /* password (the old one; NULL when not asked), new_password */
	HUB_ACCOUNT_CERT_LOGIN, /* certfp; name optional (the account it must belong to) */
	HUB_ACCOUNT_CERT_ADD,   /* certfp (s's connection's) */
	HUB_ACCOUNT_CERT_DEL,   /* certfp */
	HUB_ACCOUNT_CERT_LIST,
};

/* Why a password (or an account name given with it) is refused before any hashing. */
enum hub_password_rule {
	HUB_PASSWORD_OK,
	HUB_PASSWORD_EMPTY,
	HUB_PASSWORD_TOO_LONG, /* over HUB_ACCOUNT_PASSWORD_MAX */
	HUB_PASSWORD_NOT_UTF8, /* not UTF-8, or a control character in it */
};

struct hub_account_req {
	enum hub_account_op op;
	const char *name;         /* an account name, or NULL */
	size_t name_len;
	const char *password;
	size_t password_len;
	const char *new_password; /* PASSWORD */
	size_t new_password_len;
	const char *email;        /* REGISTER; NULL: none */
	size_t email_len;
	const char *certfp;       /* lower-case hex, NUL-terminated; NULL: none */
};

struct hub_account_answer {
	enum hub_account_op op;    /* the request's */
	enum hub_result code;      /* HUB_OK, or why not */
	int detail;                /* BAD_PASSWORD: enum hub_password_rule */
	unsigned retry_s;          /* *_THROTTLED: seconds until it may try again */
	const char *account;       /* OK: the account (name as registered); to for refusals */
	const char *const *certs;  /* CERT_LIST: the fingerprints */
	size_t ncerts;
};

typedef void (*hub_account_fn)(void *ctx, struct session *s, const struct hub_account_answer *a);

/* What a provider implements. */
struct hub_account_provider {
	/* Takes the request and answers through cb (exactly once, see above); a success that
	 * changes s's account calls hub_account_set first. */
	void (*request)(void *impl, struct session *s, const struct hub_account_req *r,
			hub_account_fn cb, void *ctx);
	/* Whether s may not take the name whose folded form is `folded` (registered to an account s
	 * is not logged in to, with no grace period). Synchronous: naming never waits. */
	bool (*name_refused)(void *impl, const struct session *s, const char *folded);
	/* s was named or renamed (outside any fan-out: the provider may call the hub). */
	void (*named)(void *impl, struct session *s);
	/* s is closing: forget it, and never call back for it. */
	void (*closed)(void *impl, struct session *s);
	void *impl;
};

/* Registers the provider (NULL: none); it must outlive its registration. */
void hub_account_set_provider(struct hub *h, const struct hub_account_provider *p);
/* Whether accounts are kept (a face offers SASL only then). */
bool hub_accounts_available(const struct hub *h);

/* Checks a password's shape (pure): empty, too long, not UTF-8 or with control characters. */
enum hub_password_rule hub_password_check(const char *pw, size_t len);

/* Asks the provider on s's behalf; cb gets the answer (refusals without a provider:
 * ACCOUNTS_OFF). */
void hub_account_request(struct hub *h, struct session *s, const struct hub_account_req *r,
			 hub_account_fn cb, void *ctx);

/* For the provider: s is now logged in as account (len 0: logged out). Sets its account and
 * tells it (self) and, if it is named, those who share a room with it and the observers
 * (HUB_EV_ACCOUNT, text = the account). */
void hub_account_set(struct hub *h, struct session *s, const char *account, size_t len);
/* For faces and the provider: tells s an account result (HUB_EV_RESULT with code, to, n). */
void hub_account_tell(struct hub *h, struct session *s, enum hub_result code, const char *to,
		      int detail, size_t n);

/* For session.c: the hooks above, when a provider is registered. */
bool hub_account_name_refused(struct hub *h, const struct session *s, const char *folded);
void hub_account_named(struct hub *h, struct session *s);
void hub_account_closed(struct hub *h, struct session *s);

#endif
