/* client: one run of the charla client on its own libuv loop: resolve the host, connect to the
 * first address that accepts, then carry lines between the user and the server until one side
 * ends. With `udp`, the connection is a connected UDP socket instead and the protocol is in
 * udplink.h: the user interface starts once the first address that answers has registered us.
 *
 * client_run owns everything it creates (handles, requests, buffers) and releases all of it
 * before it returns: it closes every handle and runs the loop until the close callbacks are done,
 * so that a run leaves nothing behind. In interactive mode it puts the terminal in raw mode once
 * connected and restores it on every way out of the run, before any message is printed on stderr.
 * (main.c also restores it from atexit and from fatal signals, for the ways out that bypass us.) */
#ifndef CHARLA_CLIENT_CLIENT_H
#define CHARLA_CLIENT_CLIENT_H

#include <stdbool.h>

#include "base/i18n.h"

/* Exit codes, as --help documents them, so that scripts can tell failures apart. */
enum client_exit {
	CLIENT_EXIT_OK = 0,            /* Left normally: /quit, salir, Ctrl-C/D, end of input. */
	CLIENT_EXIT_FAILURE = 1,       /* The terminal, the output, anything else. */
	CLIENT_EXIT_USAGE = 2,         /* A bad command line. */
	CLIENT_EXIT_UNKNOWN_HOST = 3,  /* The host name does not resolve. */
	CLIENT_EXIT_NO_CONNECT = 4,    /* No address of the host accepted the connection. */
	CLIENT_EXIT_LOST = 5,          /* The connection was lost, or closed by the server unasked. */
	CLIENT_EXIT_NAME = 6,          /* Not in a terminal: the server refused the name given. */
};

struct client_options {
	const char *host;
	const char *port;    /* Decimal. */
	const char *name;    /* Sent as the first line when connected; NULL for none. */
	bool interactive;    /* Standard input and output are a terminal: the line editor. */
	bool colour;         /* Style the output with SGR escapes. */
	bool echo;           /* Print what the user said, since the server does not echo it. */
	bool udp;            /* Datagrams (docs/protocol.md, "UDP") instead of a TCP connection. */
	bool tls;            /* TLS over the TCP connection (tlswire.c). */
	const char *ca;      /* With tls: trust these certificates (PEM) instead of the system's. */
	bool bell;           /* Interactive: ring the terminal bell on a mention (mention.h). */
	unsigned keepalive_ms; /* With udp: the longest silence towards the server. */
	enum lang lang;      /* What charla says, and asks the server to say (serverlang.h). */
};

/* Runs the client to the end and returns an exit code (enum client_exit). */
int client_run(const struct client_options *opt);

#endif
