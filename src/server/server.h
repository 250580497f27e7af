/* server: wires charlad together: the loop, the net, the hub, the faces, signals, reloads and
 * shutdown, and tells a service manager about them (server/notify.h).
 *
 * A server is one value owned by main(). server_init builds everything and opens the listeners;
 * server_run runs the loop until a SIGINT or SIGTERM has been handled and every handle is closed;
 * server_free releases what is left. A SIGHUP loads the settings again (main's argv, which must
 * outlive the server, and the config file) and applies those that can change while clients stay
 * (the options marked OPT_RELOAD in config_table.c); the strings of the settings in force point into
 * argv, main's config text or the server's own (text: the last reload's). */
#ifndef CHARLA_SERVER_SERVER_H
#define CHARLA_SERVER_SERVER_H

#include <stdbool.h>
#include <stddef.h>

#include <uv.h>

#include "auth/pwhash.h"
#include "base/log.h"
#include "face/ask/ask.h"
#include "face/irc/irc.h"
#include "face/web/web.h"
#include "face/line/line.h"
#include "face/udp/udp.h"
#include "hub/hub.h"
#include "net/conn.h"
#include "net/tls.h"
#include "server/config.h"
#include "server/config_file.h"
#include "server/files.h"
#include "server/notify.h"
#include "server/server_auth.h"
#include "server/server_bans.h"
#include "server/server_store.h"

struct server {
	uv_loop_t loop;
	struct logger log;
	struct net net;
	struct hub hub;
	struct server_store store;  /* history and rooms' state (--no-store: none) */
	struct accounts *accounts;  /* bridge/accounts; NULL when libsodium cannot start */
	struct cluster *cluster;    /* bridge/cluster; NULL without --cluster */
	char node_name[320];        /* --node-name, or HOSTNAME:PORT */
	int exit_code;              /* what server_run returns: 1 when the cluster refused us */
	struct line_face line;
	struct assistant *ai;       /* NULL with --no-ai */
	struct ask_face ask;
	bool ask_on;
	char *ai_key;               /* read from --ai-key-file; wiped at free */
	struct udp_face udp;
	struct irc_face irc;
	bool irc_on;
	struct web_face web;
	bool web_on;
	struct tls_server tls;      /* --tls-cert/--tls-key: the context TLS listeners hand out */
	bool tls_on;
	char *motd;                 /* read from --motd */
	struct files_opers opers;   /* read from --oper-file */
	struct pwhash pwhash;       /* Argon2id off the loop (operators and accounts) */
	bool pwhash_on;
	struct server_auth auth;    /* the hub's secrets' checks (hub/auth.h), over pwhash */
	struct server_bans bans;    /* server bans: the hub's (hub/bans.h) and the net's gate */
	struct config cfg;          /* the settings in force */
	struct config_text text;    /* the config file of the last reload, which cfg may point into */
	int argc;                   /* main's command line, read again on SIGHUP */
	char **argv;
	struct notify notify;       /* the service manager, if any */
	uv_signal_t sigint;
	uv_signal_t sigterm;
	uv_signal_t sighup;
	uv_timer_t stop_timer;
	uint64_t stop_deadline;
	bool stopping;
	char hostname[256];
};

/* argc and argv are the command line cfg came from; a reload parses them again. */
int server_init(struct server *sv, const struct config *cfg, int argc, char **argv, char *err,
		size_t errlen);
/* Runs until stopped; returns the process exit code. */
int server_run(struct server *sv);
void server_free(struct server *sv);

#endif
