/* args: the command line of `charla [-u | --tls [--ca FILE]] [-n NAME] [--lang LANG] [HOST [PORT]]`, and the text of
 * --help, in the language the user speaks.
 *
 * args_parse is a pure parser: the strings in struct args point into argv (or are static
 * defaults), so nothing is allocated and nothing needs freeing. The language is the
 * environment's (main.c reads it) unless --lang names another; every message, the errors about
 * arguments before --lang included, is in the language that results. */
#ifndef CHARLA_CLIENT_ARGS_H
#define CHARLA_CLIENT_ARGS_H

#include <stdbool.h>
#include <stddef.h>

#include "base/i18n.h"

struct buf;

#define ARGS_DEFAULT_HOST "localhost"
#define ARGS_DEFAULT_PORT "7777"
#define ARGS_DEFAULT_TLS_PORT "7443"  /* charlad's --tls-listen default */
#define ARGS_DEFAULT_KEEPALIVE 20
#define ARGS_MAX_KEEPALIVE 3600

struct args {
	const char *name;  /* -n NAME, sent as the first line; NULL if not given. */
	const char *host;  /* Without the brackets of an IPv6 literal like [::1]. */
	const char *port;  /* Decimal, 1 to 65535. */
	bool udp;          /* -u, --udp: datagrams instead of a TCP connection. */
	bool tls;          /* --tls (or --ca): TLS over the TCP connection. */
	const char *ca;    /* --ca FILE: the certificates to trust instead of the system's. */
	bool bell;         /* Ring the bell on a mention; --no-bell turns it off. */
	unsigned keepalive_s; /* --keepalive S: with --udp, the longest silence towards the server. */
	enum lang lang;    /* --lang LANG, else the environment's language given to args_parse. */
	/* Storage for a host given in brackets, so that host can point at it without allocating. */
	char host_buf[256];
};

enum args_result {
	ARGS_RUN,
	ARGS_HELP,
	ARGS_VERSION,
	ARGS_ERROR,  /* err holds a one-line reason, without the program name. */
};

/* env_lang is the language of the environment (i18n_from_env); --lang overrides it. */
enum args_result args_parse(int argc, char *const argv[], enum lang env_lang, struct args *a,
			    char *err, size_t errlen);
/* Appends the full --help text in lang. */
void args_help(enum lang lang, struct buf *out);

#endif
