/* nickserv: the service bot's command words, parsed (nickserv_parse, pure: unit-tested and
 * fuzzed) and run (nickserv.c, inside the accounts bridge). A command is one private message:
 *   REGISTER PASSWORD [EMAIL] | IDENTIFY [NAME] PASSWORD (LOGIN too) | LOGOUT |
 *   SET PASSWORD NEW | CERT ADD [FINGERPRINT] | CERT DEL FINGERPRINT | CERT LIST | HELP
 * Words are separated by blanks and matched in any case. The spans point into the message. */
#ifndef CHARLA_BRIDGE_ACCOUNTS_NICKSERV_H
#define CHARLA_BRIDGE_ACCOUNTS_NICKSERV_H

#include <stddef.h>

enum nickserv_verb {
	NICKSERV_HELP,
	NICKSERV_REGISTER,
	NICKSERV_IDENTIFY,
	NICKSERV_LOGOUT,
	NICKSERV_SET_PASSWORD,
	NICKSERV_CERT_ADD,
	NICKSERV_CERT_DEL,
	NICKSERV_CERT_LIST,
	NICKSERV_SYNTAX,  /* a known verb with its arguments wrong: `usage` says how */
	NICKSERV_UNKNOWN, /* `word` is the verb as sent */
};

struct nickserv_span {
	const char *p;
	size_t len;
};

struct nickserv_cmd {
	enum nickserv_verb verb;
	struct nickserv_span word;     /* the first word */
	struct nickserv_span name;     /* IDENTIFY NAME PASSWORD: the account */
	struct nickserv_span password; /* REGISTER, IDENTIFY; SET PASSWORD: the new one */
	struct nickserv_span email;    /* REGISTER */
	struct nickserv_span certfp;   /* CERT ADD, CERT DEL (len 0: ADD uses the connection's) */
	const char *usage;             /* SYNTAX: the form, in English (command words) */
};

void nickserv_parse(const char *text, size_t len, struct nickserv_cmd *out);

#endif
