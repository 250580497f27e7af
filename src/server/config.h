/* config: charlad's settings, their documented defaults, and command-line parsing.
 *
 * A config is a plain value filled by config_defaults and config_parse; strings point into argv,
 * which outlives it. Every limit the server enforces is here, with its flag. One table in
 * config_table.c declares each flag (names, value, range, field, default, help), and the parsing, the
 * defaults and --help (config_usage.c) are all read from it; its types are in the private
 * config_opt.h. */
#ifndef CHARLA_SERVER_CONFIG_H
#define CHARLA_SERVER_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

enum { CONFIG_MAX_LISTEN = 16 };
/* Where charlad listens without --listen: this port on every IPv4 and IPv6 address. */
#define CONFIG_DEFAULT_PORT "7777"
#define CONFIG_DEFAULT_LISTEN "*:" CONFIG_DEFAULT_PORT
/* Where the IRC face listens without --irc-listen (IRC's usual port). */
#define CONFIG_DEFAULT_IRC_PORT "6667"
#define CONFIG_DEFAULT_IRC_LISTEN "*:" CONFIG_DEFAULT_IRC_PORT
/* Where the web face listens without --http-listen. */
#define CONFIG_DEFAULT_HTTP_PORT "8080"
#define CONFIG_DEFAULT_HTTP_LISTEN "*:" CONFIG_DEFAULT_HTTP_PORT
/* Where the TLS listeners are, with a certificate and without their --*-listen. */
#define CONFIG_DEFAULT_TLS_PORT "7443"
#define CONFIG_DEFAULT_TLS_LISTEN "*:" CONFIG_DEFAULT_TLS_PORT
#define CONFIG_DEFAULT_IRC_TLS_PORT "6697"
#define CONFIG_DEFAULT_IRC_TLS_LISTEN "*:" CONFIG_DEFAULT_IRC_TLS_PORT
#define CONFIG_DEFAULT_HTTPS_PORT "8443"
#define CONFIG_DEFAULT_HTTPS_LISTEN "*:" CONFIG_DEFAULT_HTTPS_PORT
/* The config file read without --config, if it exists: SYSCONFDIR/charla/charlad.conf, where
 * SYSCONFDIR is CMake's CMAKE_INSTALL_FULL_SYSCONFDIR (/etc for a /usr prefix). */
#ifndef CHARLA_SYSCONFDIR
#define CHARLA_SYSCONFDIR "/etc"
#endif
#define CONFIG_DEFAULT_FILE CHARLA_SYSCONFDIR "/charla/charlad.conf"

struct config {
	const char *listen[CONFIG_MAX_LISTEN];
	size_t nlisten;
	const char *udp[CONFIG_MAX_LISTEN]; /* --udp; none: UDP next to each TCP listener */
	size_t nudp;
	bool udp_off;               /* --udp off */
	unsigned udp_idle_s;        /* a UDP peer silent this long is forgotten */
	unsigned udp_rate;          /* datagrams a second per UDP source address */
	size_t udp_max_peers;
	const char *server_name;    /* NULL: the host name */
	const char *server_info;    /* a line saying what this server is (IRC's WHOIS, LINKS) */
	size_t max_line;
	size_t max_rooms;
	size_t max_clients;         /* 0: no limit */
	size_t max_queue;
	size_t announce_max;        /* 0: always announce joins and parts */
	int lang;                   /* enum lang: what new clients are spoken to in */
	size_t outq_hard;
	size_t outq_soft;
	unsigned outq_soft_s;
	unsigned name_timeout_s;    /* 0: none */
	unsigned idle_timeout_s;    /* 0: none */
	unsigned keepalive_s;       /* 0: off */
	unsigned max_per_ip;        /* connection limits per address (net/netlim.h); 0: none */
	unsigned max_per_ip24;
	unsigned max_per_ip64;
	unsigned connect_rate;      /* connections a second per address, bursts of twice that */
	const char *limit_exempt;   /* addresses and CIDRs spared, "a,b/n"; NULL: none */
	unsigned msg_rate;          /* messages a second per client, every face (hub/flood.h); 0: off */
	unsigned msg_burst;         /* ...in bursts of this many; as many refused in a row cut */
	bool hash_password;         /* --hash-password: hash stdin's password, print, exit */
	int verbosity;              /* -1 quiet (errors only), 0 default (info), 1 debug */
	int log_format;             /* enum log_format: text or JSON lines */

	/* The AI assistant (src/bridge/assistant). config_environment fills ai_url, ai_key and
	 * ai_model from OPENAI_BASE_URL, OPENAI_API_KEY and CHARLA_AI_MODEL; flags override them. */
	bool ai_off;                /* --no-ai: no assistant at all */
	const char *ai_name;
	const char *ai_url;         /* NULL: https://api.openai.com/v1 if there is a key, else none */
	const char *ai_key;         /* from the environment or --ai-key; never logged */
	char *ai_key_arg;           /* the argv string of --ai-key, which main.c wipes */
	const char *ai_key_file;    /* read by server_init */
	const char *ai_model;
	const char *ai_system;      /* NULL: the built-in prompt */
	long ai_max_tokens;
	int ai_cap_key;             /* enum chat_cap_key */
	size_t ai_inflight;
	size_t ai_queue;
	unsigned ai_rate;           /* questions per user per minute; 0 = no limit */
	size_t ai_max_question;
	size_t ai_max_answer;
	size_t ai_memory;
	unsigned ai_connect_s;
	unsigned ai_first_byte_s;
	unsigned ai_stall_s;
	unsigned ai_total_s;
	const char *ask_listen[CONFIG_MAX_LISTEN]; /* --ask-port; none = off */
	size_t nask;
	unsigned ask_pause_ms;

	/* The IRC face (src/face/irc). */
	const char *irc_listen[CONFIG_MAX_LISTEN]; /* --irc-listen; none: CONFIG_DEFAULT_IRC_LISTEN */
	size_t nirc;
	bool irc_off;               /* --no-irc */
	const char *irc_password;   /* a server password (PASS); NULL: none */
	const char *oper_file;      /* operators' names and passwords; NULL: no operators */
	const char *motd_file;      /* the message of the day; NULL: none */
	const char *network;        /* NETWORK= */
	unsigned irc_ping_s;        /* an IRC client silent this long is pinged */
	unsigned irc_ping_timeout_s;/* ...and dropped if it does not answer within this */
	unsigned irc_flood;         /* commands a second an IRC client may send; 0: no limit */
	unsigned irc_flood_burst;

	/* The web face (src/face/web). */
	const char *http_listen[CONFIG_MAX_LISTEN]; /* --http-listen; none: CONFIG_DEFAULT_HTTP_LISTEN */
	size_t nhttp;
	bool http_off;              /* --no-http */
	const char *http_origins;   /* origins a WebSocket may come from, comma-separated; NULL:
				     * the page's own (the Host the request names) */
	unsigned http_timeout_s;    /* a request head must arrive within this */
	/* TLS (net/tls.h), on the line, IRC and web faces. */
	const char *tls_cert;       /* certificate chain (PEM); NULL: no TLS */
	const char *tls_key;        /* its private key (PEM) */
	const char *tls_listen[CONFIG_MAX_LISTEN]; /* none: CONFIG_DEFAULT_TLS_LISTEN if free */
	size_t ntls;
	const char *irc_tls_listen[CONFIG_MAX_LISTEN]; /* none: CONFIG_DEFAULT_IRC_TLS_LISTEN */
	size_t nirc_tls;
	const char *https_listen[CONFIG_MAX_LISTEN]; /* none: CONFIG_DEFAULT_HTTPS_LISTEN */
	size_t nhttps;
	unsigned tls_handshake_s;   /* a handshake must be done within this */
	const char *metrics_allow;  /* who may read /metrics (addresses, CIDR blocks, "*"); NULL:
				     * loopback */

	/* History and server state (src/store, src/bridge/history). */
	const char *data_dir;       /* NULL: $XDG_STATE_HOME/charla, else ./charla-data */
	bool store_off;             /* --no-store: no history, no saved rooms */
	bool store_private;         /* keep private messages too */
	unsigned history_on_join;   /* lines shown on joining a room; 0: none */
	unsigned history_max_age_d; /* days a message is kept; 0: forever */
	unsigned history_max_rows;  /* messages kept per room; 0: no limit */
	/* Accounts (src/bridge/accounts). */
	unsigned name_grace_s;      /* before a rename off a registered name; 0: refused */
	unsigned login_fails;       /* failed logins per window; 0: no limit */
	unsigned login_window_s;
	unsigned register_rate;     /* registrations per address per hour; 0: no limit */
	/* A cluster of nodes through Redis (src/bridge/cluster). */
	const char *cluster_url;    /* --cluster redis://...; NULL: one node alone */
	const char *cluster_password; /* overrides the URL's */
	const char *node_name;      /* NULL: HOSTNAME:PORT of the first line listener */
	unsigned cluster_lease_s;   /* a node silent this long is gone */
	size_t cluster_buffer;      /* bytes queued towards Redis before the link is dropped */
	/* Where the settings come from (command line only). */
	const char *config_file;    /* --config; NULL: CONFIG_DEFAULT_FILE if it exists */
	bool check_config;          /* --check-config: check, report, exit */
};

void config_defaults(struct config *cfg);
/* Sets the options that have an environment variable (see --help) from it, where it is set and
 * not empty: the variables users of the OpenAI SDKs already set. Call it between config_defaults
 * and config_parse, so that flags override them; config_parse itself stays pure. */
void config_environment(struct config *cfg);
/* Returns 0 to run, 1 when --help or --version was printed (exit 0), -1 on a bad argument (err
 * says why; exit 2). A list option given here replaces the list cfg held before (a config
 * file's), rather than adding to it. Ends with config_check. */
int config_parse(struct config *cfg, int argc, char **argv, char *err, size_t errlen);
/* The checks across options (--udp off with addresses, --outq-soft past --outq-hard, ...), run
 * once every source has been read. Returns 0, or -1 with err filled. */
int config_check(const struct config *cfg, char *err, size_t errlen);
/* Walks the options whose values differ between a and b, each field once: start with *i = 0 and
 * call again while it returns a name (the long option's). *reload says whether a running server
 * applies that option's new value on SIGHUP (the others need a restart). */
const char *config_next_change(const struct config *a, const struct config *b, size_t *i,
			       bool *reload);
/* Copies into dst the options a running server applies on SIGHUP, from src (their strings are
 * src's pointers: whatever src's strings point into must now outlive dst). */
void config_take_reloadable(struct config *dst, const struct config *src);
void config_usage(FILE *out);
/* The i-th long option's name (without "--"; aliases count), or NULL past the last: for tests
 * that hold every option to be documented and tested. */
const char *config_long_name(size_t i);
/* Whether the assistant may talk to an API (it is on, and a URL, a key or a key file is given):
 * only then does charlad initialise libcurl (and with it TLS: about 2 MB of RSS). */
bool config_ai_backend(const struct config *cfg);

#endif
