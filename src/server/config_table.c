/* config_table: every option of charlad, in the order --help lists them: the one table that
 * config.c (defaults, environment, argv), config_usage.c (--help) and config_file.c (the config
 * file's keys) read. Constant data only; the readers it names live in config.c and
 * config_opts.c. The user-facing text of the options is here, in one place. */
#include "server/config.h"
#include "server/config_opt.h"

#include <assert.h>
#include <stddef.h>

#include "ai/chat.h"
#include "base/i18n.h"
#include "base/log.h"
#include "hub/flood.h"
#include "net/addr.h"
#include "net/netlim.h"

enum {
	DAY_S = 24 * 60 * 60,
	COUNT_MAX = 10000000, /* ten million: past any machine, short of any overflow */
};

/* The C type of a field of struct config, as an enum config_field. */
#define FIELD_TYPE(f)                                                                           \
	_Generic(((struct config *)NULL)->f, bool: FIELD_BOOL, int: FIELD_INT,                  \
		 unsigned: FIELD_UINT, long: FIELD_LONG, unsigned long: FIELD_ULONG,            \
		 unsigned long long: FIELD_ULLONG, const char *: FIELD_STRING)
/* The field an option sets. */
#define FIELD(f) .offset = offsetof(struct config, f), .type = FIELD_TYPE(f)
/* The array a list option appends to, and the field that counts its entries. */
#define LIST(f, n)                                                                              \
	.offset = offsetof(struct config, f),                                                   \
	.capacity = CONFIG_LEN(((struct config *)NULL)->f),                                     \
	.count = offsetof(struct config, n), .count_type = FIELD_TYPE(n)

static const struct config_choice config_log_formats[] = {
	{"text", LOG_FORMAT_TEXT, "lines as charlad: info: message"},
	{"json", LOG_FORMAT_JSON, "one JSON object a line (ts, level, msg, prog)"},
	{NULL, 0, NULL},
};

/* English first: the greeting offers Spanish, in Spanish, to everyone (docs/protocol.md). */
static const struct config_choice config_langs[] = {
	{"en", LANG_EN, "English (the greeting offers /lang es)"},
	{"es", LANG_ES, "Spanish (the greeting offers /lang en)"},
	{NULL, 0, NULL},
};

static const struct config_choice config_cap_keys[] = {
	{"max_tokens", CHAT_CAP_MAX_TOKENS, "Ollama, llama.cpp, vLLM and older OpenAI models"},
	{"max_completion_tokens", CHAT_CAP_MAX_COMPLETION_TOKENS, "newer OpenAI models"},
	{NULL, 0, NULL},
};

/* Every option, in the order --help lists them; the user-facing text is here, in one place.
 * A new option is a field in struct config, an entry here and a case in tests/unit/test_config.c
 * (whose t_numbers also proves that each range fits its field). */
const struct config_opt config_options[] = {
	{.name = "listen", .letter = 'l', .kind = KIND_ADDRS, LIST(listen, nlisten), .section = "",
	 .metavar = "ADDR:PORT",
	 .help = "listen here. Forms: 7777, *:7777, 127.0.0.1:7777, [::1]:7777, localhost:7777; "
		 "port 0 picks a free port",
	 .def_help = "port " CONFIG_DEFAULT_PORT " on every IPv4 and IPv6 address"},
	{.name = "udp", .kind = KIND_CUSTOM, .parse = config_udp, LIST(udp, nudp),
	 .metavar = "ADDR:PORT|off", .help = "datagram chat here, forms as --listen; off: no UDP",
	 .def_help = "each --listen address and port, over UDP"},
	{.name = "udp-idle", .kind = KIND_NUMBER, FIELD(udp_idle_s), .min = 1, .max = DAY_S,
	 .def = 60, .metavar = "S", .help = "forget a UDP peer silent this long"},
	{.name = "udp-rate", .kind = KIND_NUMBER, FIELD(udp_rate), .min = 1, .max = 1000000,
	 .def = 20, .metavar = "N",
	 .help = "datagrams a second per UDP source address, in bursts of 2N"},
	{.name = "udp-max-peers", .kind = KIND_NUMBER, FIELD(udp_max_peers), .min = 1,
	 .max = COUNT_MAX, .def = 10000, .metavar = "N", .help = "UDP peers registered at once"},
	{.name = "server-name", .kind = KIND_STRING, FIELD(server_name), .metavar = "NAME",
	 .help = "name shown in the greeting", .def_help = "the host name"},
	{.name = "server-info", .kind = KIND_STRING, FIELD(server_info), .metavar = "TEXT",
	 .def_str = "charla chat server",
	 .help = "what this server is, in a line (IRC's WHOIS and LINKS show it)"},
	{.name = "max-clients", .kind = KIND_NUMBER, FIELD(max_clients), .max = COUNT_MAX,
	 .def = 0, .metavar = "N", .help = "clients admitted at once; others wait in a queue",
	 .zero = "no limit"},
	{.name = "max-queue", .kind = KIND_NUMBER, FIELD(max_queue), .max = COUNT_MAX,
	 .def = 1000, .metavar = "N", .help = "connections that may wait in that queue",
	 .flags = OPT_RELOAD},
	{.name = "max-line", .kind = KIND_SIZE, FIELD(max_line), .min = 64, .max = 16 * MIB,
	 .def = 4096, .metavar = "BYTES", .help = "longest line accepted"},
	{.name = "max-rooms", .kind = KIND_NUMBER, FIELD(max_rooms), .min = 1, .max = 1000,
	 .def = 10, .metavar = "N", .help = "rooms one client may be in", .flags = OPT_RELOAD},
	{.name = "announce-max", .kind = KIND_NUMBER, FIELD(announce_max), .max = COUNT_MAX,
	 .def = 1000, .metavar = "N",
	 .help = "no join/part/quit news in rooms with more members", .zero = "always announce",
	 .flags = OPT_RELOAD},
	{.name = "lang", .kind = KIND_CHOICE, FIELD(lang), .choices = config_langs, .def = LANG_EN,
	 .metavar = "CODE",
	 .help = "the language new clients are spoken to in, until they choose theirs (/lang, "
		 "IRC's LANGUAGE):"},
	{.name = "outq-hard", .kind = KIND_SIZE, FIELD(outq_hard), .max = UINT32_MAX, .def = MIB,
	 .metavar = "BYTES", .help = "unsent output that disconnects a client at once",
	 .zero = "no limit"},
	{.name = "outq-soft", .kind = KIND_SIZE, FIELD(outq_soft), .max = UINT32_MAX,
	 .def = 256 * KIB, .metavar = "BYTES",
	 .help = "unsent output allowed only for --outq-soft-seconds", .zero = "no limit"},
	{.name = "outq-soft-seconds", .kind = KIND_NUMBER, FIELD(outq_soft_s), .max = DAY_S,
	 .def = 10, .metavar = "S", .help = "how long a client may stay past --outq-soft"},
	{.name = "name-timeout", .kind = KIND_NUMBER, FIELD(name_timeout_s), .max = DAY_S,
	 .def = 60, .metavar = "S", .help = "time to give a name", .zero = "none"},
	{.name = "idle-timeout", .kind = KIND_NUMBER, FIELD(idle_timeout_s), .max = 30 * DAY_S,
	 .def = 0, .metavar = "S", .help = "disconnect clients silent this long", .zero = "never"},
	{.name = "keepalive", .kind = KIND_NUMBER, FIELD(keepalive_s), .max = DAY_S, .def = 60,
	 .metavar = "S", .help = "TCP keepalive idle time", .zero = "off"},
	{.name = "max-per-ip", .kind = KIND_NUMBER, FIELD(max_per_ip), .max = COUNT_MAX,
	 .def = NETLIM_DEFAULT_PER_IP, .metavar = "N",
	 .help = "connections at once from one address, over every TCP port", .zero = "no limit"},
	{.name = "max-per-ip24", .kind = KIND_NUMBER, FIELD(max_per_ip24), .max = COUNT_MAX,
	 .def = NETLIM_DEFAULT_PER_NET, .metavar = "N",
	 .help = "connections at once from one IPv4 /24", .zero = "no limit"},
	{.name = "max-per-ip64", .kind = KIND_NUMBER, FIELD(max_per_ip64), .max = COUNT_MAX,
	 .def = NETLIM_DEFAULT_PER_NET, .metavar = "N",
	 .help = "connections at once from one IPv6 /64", .zero = "no limit"},
	{.name = "connect-rate", .kind = KIND_NUMBER, FIELD(connect_rate), .max = 1000000,
	 .def = NETLIM_DEFAULT_RATE, .metavar = "N",
	 .help = "new connections a second from one address, in bursts of 2N", .zero = "no limit"},
	{.name = "limit-exempt", .kind = KIND_CUSTOM, .parse = config_exempt, FIELD(limit_exempt),
	 .metavar = "ADDRS",
	 .help = "addresses and CIDRs, comma-separated, that the four limits above spare "
		 "(e.g. 127.0.0.0/8,::1 behind a local proxy)", .def_help = "none"},
	/* Roles and abuse limits (issue 17, branch abuse): one block. */
	{.name = "msg-rate", .kind = KIND_NUMBER, FIELD(msg_rate), .max = 1000000,
	 .def = FLOOD_DEFAULT_RATE, .metavar = "N",
	 .help = "messages a second one client may send, on every face; beyond, each is refused "
		 "with one line, and as many refused in a row as --msg-burst disconnect it "
		 "(\"Excess Flood\"); bots and server operators are exempt", .zero = "no limit",
	 .flags = OPT_RELOAD},
	{.name = "msg-burst", .kind = KIND_NUMBER, FIELD(msg_burst), .min = 1, .max = 1000000,
	 .def = FLOOD_DEFAULT_BURST, .metavar = "N", .help = "...in bursts of this many",
	 .flags = OPT_RELOAD},
	{.name = "hash-password", .kind = KIND_FLAG, FIELD(hash_password), .value = true,
	 .help = "read a password on standard input (not echoed on a terminal), print its Argon2id "
		 "hash for --oper-file, and exit", .flags = OPT_ARGV_ONLY},

	{.name = "no-ai", .kind = KIND_FLAG, FIELD(ai_off), .value = true,
	 .section = "The AI assistant (a chat member that answers through an OpenAI-compatible API):",
	 .help = "no assistant at all"},
	{.name = "ai-name", .kind = KIND_STRING, FIELD(ai_name), .def_str = "gpt", .metavar = "NAME",
	 .help = "its name in the chat"},
	{.name = "ai-url", .alias = "ai-base-url", .kind = KIND_CUSTOM, .parse = config_url,
	 FIELD(ai_url), .env = "OPENAI_BASE_URL", .metavar = "URL",
	 .help = "the API's base URL, e.g. http://localhost:11434/v1 for Ollama; without URL and "
		 "key the assistant only says how to configure it",
	 .def_help = "https://api.openai.com/v1 when a key is set"},
	{.name = "ai-key-file", .kind = KIND_STRING, FIELD(ai_key_file), .metavar = "PATH",
	 .help = "read the API key from this file, which wins over --ai-key and its default"},
	{.name = "ai-key", .kind = KIND_CUSTOM, .parse = config_key, FIELD(ai_key),
	 .env = "OPENAI_API_KEY", .metavar = "KEY", .flags = OPT_SECRET,
	 .help = "the API key itself; other users of this machine may see it in `ps` until "
		 "charlad starts: prefer OPENAI_API_KEY or --ai-key-file"},
	{.name = "ai-model", .kind = KIND_CUSTOM, .parse = config_model, FIELD(ai_model),
	 .def_str = "gpt-4o-mini", .env = "CHARLA_AI_MODEL", .metavar = "MODEL",
	 .help = "the model that answers"},
	{.name = "ai-system", .kind = KIND_STRING, FIELD(ai_system), .metavar = "PROMPT",
	 .help = "the system prompt", .def_help = "a short one for a chat"},
	{.name = "ai-max-tokens", .kind = KIND_NUMBER, FIELD(ai_max_tokens), .max = COUNT_MAX,
	 .def = 1024, .metavar = "N", .help = "the model's output cap", .zero = "none sent"},
	{.name = "ai-cap-key", .kind = KIND_CHOICE, FIELD(ai_cap_key), .choices = config_cap_keys,
	 .def = CHAT_CAP_MAX_TOKENS, .metavar = "KEY", .help = "the name the cap is sent under:"},
	{.name = "ai-inflight", .kind = KIND_NUMBER, FIELD(ai_inflight), .min = 1, .max = 1000,
	 .def = 4, .metavar = "N", .help = "requests to the API at once"},
	{.name = "ai-queue", .kind = KIND_NUMBER, FIELD(ai_queue), .max = 100000, .def = 32,
	 .metavar = "N", .help = "questions that may wait for one"},
	{.name = "ai-rate", .kind = KIND_CUSTOM, .parse = config_rate, FIELD(ai_rate),
	 .max = 100000, .def = 6, .metavar = "N[/min]", .help = "questions per user per minute",
	 .zero = "no limit"},
	{.name = "ai-max-question", .kind = KIND_SIZE, FIELD(ai_max_question), .min = 1,
	 .max = 16 * MIB, .def = 2000, .metavar = "BYTES", .help = "longest question"},
	{.name = "ai-max-answer", .kind = KIND_SIZE, FIELD(ai_max_answer), .max = 64 * MIB,
	 .def = 8 * KIB, .metavar = "BYTES", .help = "longest answer; the rest is cut",
	 .zero = "no cap"},
	{.name = "ai-memory", .kind = KIND_SIZE, FIELD(ai_memory), .max = 64 * MIB, .def = 8 * KIB,
	 .metavar = "BYTES",
	 .help = "conversation remembered per room, private chat or ask connection",
	 .zero = "none"},
	{.name = "ai-connect-timeout", .kind = KIND_NUMBER, FIELD(ai_connect_s), .max = DAY_S,
	 .def = 15, .metavar = "S", .help = "to connect to the API"},
	{.name = "ai-first-byte-timeout", .kind = KIND_NUMBER, FIELD(ai_first_byte_s),
	 .max = DAY_S, .def = 120, .metavar = "S",
	 .help = "for the answer to start; local models may load slowly"},
	{.name = "ai-stall-timeout", .kind = KIND_NUMBER, FIELD(ai_stall_s), .max = DAY_S,
	 .def = 30, .metavar = "S", .help = "silence in the middle of an answer"},
	{.name = "ai-timeout", .kind = KIND_NUMBER, FIELD(ai_total_s), .max = DAY_S, .def = 300,
	 .metavar = "S", .help = "a whole answer"},
	{.name = "ask-port", .kind = KIND_ADDRS, LIST(ask_listen, nask), .metavar = "[ADDR:]PORT",
	 .help = "also serve the classroom GPT client's protocol here; the classroom used 8070",
	 .def_help = "off"},
	{.name = "ask-pause-ms", .kind = KIND_NUMBER, FIELD(ask_pause_ms), .min = 10, .max = 60000,
	 .def = 300, .metavar = "MS",
	 .help = "silence that ends a question sent without a newline"},
	{.name = "irc-listen", .kind = KIND_ADDRS, LIST(irc_listen, nirc),
	 .section = "The IRC face (for IRC clients and bots):", .metavar = "ADDR:PORT",
	 .help = "listen for IRC here, forms as --listen",
	 .def_help = "port " CONFIG_DEFAULT_IRC_PORT " on every IPv4 and IPv6 address, if free"},
	{.name = "no-irc", .kind = KIND_FLAG, FIELD(irc_off), .value = true, .help = "no IRC face"},
	{.name = "irc-password", .kind = KIND_STRING, FIELD(irc_password), .metavar = "PASSWORD",
	 .help = "a password every IRC client must give (PASS)", .def_help = "none",
	 .flags = OPT_SECRET | OPT_RELOAD},
	{.name = "oper-file", .kind = KIND_STRING, FIELD(oper_file), .metavar = "PATH",
	 .help = "server operators (OPER): a line NAME HASH each (HASH from --hash-password; a "
		 "plaintext password is refused), # for comments",
	 .def_help = "no operators", .flags = OPT_RELOAD},
	{.name = "motd", .kind = KIND_STRING, FIELD(motd_file), .metavar = "PATH",
	 .help = "the message of the day IRC clients are shown", .def_help = "none",
	 .flags = OPT_RELOAD},
	{.name = "network", .kind = KIND_STRING, FIELD(network), .def_str = "charla",
	 .metavar = "NAME", .help = "the network's name IRC clients are told"},
	{.name = "irc-ping", .kind = KIND_NUMBER, FIELD(irc_ping_s), .min = 1, .max = DAY_S,
	 .def = 120, .metavar = "S", .help = "ping an IRC client silent this long"},
	{.name = "irc-ping-timeout", .kind = KIND_NUMBER, FIELD(irc_ping_timeout_s), .min = 1,
	 .max = DAY_S, .def = 60, .metavar = "S",
	 .help = "drop an IRC client that has not answered a ping within this"},
	{.name = "irc-flood", .kind = KIND_NUMBER, FIELD(irc_flood), .max = 100000, .def = 5,
	 .metavar = "N", .help = "commands a second an IRC client may send on average; beyond, it "
				"is slowed down, never the others", .zero = "no limit"},
	{.name = "irc-flood-burst", .kind = KIND_NUMBER, FIELD(irc_flood_burst), .min = 1,
	 .max = 100000, .def = 20, .metavar = "N", .help = "...in bursts of this many"},
	{.name = "http-listen", .kind = KIND_ADDRS, LIST(http_listen, nhttp),
	 .section = "The web face (the chat page, and IRC over WebSocket at /ws):",
	 .metavar = "ADDR:PORT", .help = "serve the page and WebSocket here, forms as --listen",
	 .def_help = "port " CONFIG_DEFAULT_HTTP_PORT " on every IPv4 and IPv6 address, if free"},
	{.name = "no-http", .kind = KIND_FLAG, FIELD(http_off), .value = true,
	 .help = "no web face"},
	{.name = "http-origin", .kind = KIND_STRING, FIELD(http_origins), .metavar = "ORIGINS",
	 .help = "pages allowed to open a WebSocket, comma-separated (https://aula.example), or *",
	 .def_help = "the page's own (its Origin names the Host it asked)"},
	{.name = "http-timeout", .kind = KIND_NUMBER, FIELD(http_timeout_s), .min = 1, .max = 3600,
	 .def = 10, .metavar = "S",
	 .help = "a request's head must arrive within this (slow senders are cut)"},
	{.name = "metrics-allow", .kind = KIND_STRING, FIELD(metrics_allow), .metavar = "ADDRS",
	 .help = "who may read /metrics: addresses and CIDR blocks, comma-separated "
		 "(10.0.0.5,192.168.1.0/24), or *; others get 403",
	 .def_help = "loopback: 127.0.0.0/8,::1"},
	{.name = "tls-cert", .kind = KIND_STRING, FIELD(tls_cert), .metavar = "PATH",
	 .section = "TLS (encrypted ports for the line, IRC and web faces; OpenSSL):",
	 .help = "TLS: the certificate (PEM; the chain may follow it); with --tls-key, turns on the "
		 "TLS ports; SIGHUP reads both files again", .def_help = "no TLS",
	 .flags = OPT_RELOAD},
	{.name = "tls-key", .kind = KIND_STRING, FIELD(tls_key), .metavar = "PATH",
	 .help = "TLS: the certificate's private key (PEM), not readable by everyone",
	 .def_help = "no TLS", .flags = OPT_RELOAD},
	{.name = "tls-listen", .kind = KIND_ADDRS, LIST(tls_listen, ntls), .metavar = "ADDR:PORT",
	 .help = "TLS: the line protocol here, forms as --listen",
	 .def_help = "port " CONFIG_DEFAULT_TLS_PORT " on every address, if free, once a "
		     "certificate is given"},
	{.name = "irc-tls-listen", .kind = KIND_ADDRS, LIST(irc_tls_listen, nirc_tls),
	 .metavar = "ADDR:PORT", .help = "TLS: IRC here, forms as --listen",
	 .def_help = "port " CONFIG_DEFAULT_IRC_TLS_PORT " on every address, if free, once a "
		     "certificate is given"},
	{.name = "https-listen", .kind = KIND_ADDRS, LIST(https_listen, nhttps),
	 .metavar = "ADDR:PORT", .help = "TLS: the page and WebSocket (HTTPS, WSS) here, forms as "
					"--listen",
	 .def_help = "port " CONFIG_DEFAULT_HTTPS_PORT " on every address, if free, once a "
		     "certificate is given"},
	{.name = "tls-handshake-timeout", .kind = KIND_NUMBER, FIELD(tls_handshake_s), .min = 1,
	 .max = 3600, .def = 10, .metavar = "S",
	 .help = "TLS: a handshake must be done within this (stalled clients are cut)"},
	{.name = "data-dir", .kind = KIND_STRING, FIELD(data_dir), .metavar = "DIR",
	 .section = "History and server state (SQLite, written off the event loop):",
	 .help = "keep the database (charla.db) here, created 0700",
	 .def_help = "$XDG_STATE_HOME/charla if XDG_STATE_HOME is set, else ./charla-data"},
	{.name = "no-store", .kind = KIND_FLAG, FIELD(store_off), .value = true,
	 .help = "keep nothing: no history, and rooms' topics and modes end with the process"},
	{.name = "store-private", .kind = KIND_FLAG, FIELD(store_private), .value = true,
	 .help = "keep private messages of logged-in users too (off: only rooms' messages are kept)"},
	{.name = "history-on-join", .kind = KIND_NUMBER, FIELD(history_on_join), .max = 1000,
	 .def = 20, .metavar = "N", .help = "the room's last N lines shown on joining it",
	 .zero = "none"},
	{.name = "history-max-age", .kind = KIND_NUMBER, FIELD(history_max_age_d), .max = 36500,
	 .def = 30, .metavar = "DAYS", .help = "older messages are deleted", .zero = "forever"},
	{.name = "history-max-rows", .kind = KIND_NUMBER, FIELD(history_max_rows),
	 .max = 100000000, .def = 10000, .metavar = "N",
	 .help = "messages kept per room (the oldest go first)", .zero = "no limit"},
	{.name = "name-grace", .kind = KIND_NUMBER, FIELD(name_grace_s), .max = 86400, .def = 60,
	 .metavar = "SECONDS",
	 .section = "Accounts (registered names: /register, SASL, NickServ):",
	 .help = "someone on a registered name who does not log in to it is renamed after this",
	 .zero = "the name is refused at once"},
	{.name = "login-fails", .kind = KIND_NUMBER, FIELD(login_fails), .max = 1000000, .def = 5,
	 .metavar = "N", .help = "failed logins per account and per address in --login-window; "
				 "then logins are refused until it ends", .zero = "no limit"},
	{.name = "login-window", .kind = KIND_NUMBER, FIELD(login_window_s), .min = 1,
	 .max = 86400, .def = 60, .metavar = "SECONDS",
	 .help = "the window of --login-fails, from the first failure"},
	{.name = "register-rate", .kind = KIND_NUMBER, FIELD(register_rate), .max = 1000000,
	 .def = 3, .metavar = "N", .help = "accounts registered per address per hour",
	 .zero = "no limit"},

	{.name = "cluster", .kind = KIND_CUSTOM, .parse = config_cluster, FIELD(cluster_url),
	 .metavar = "redis://HOST[:PORT][/DB]",
	 .section = "Cluster (several nodes share one chat through Redis):",
	 .help = "join the nodes that share this Redis (a password may come as redis://:PASS@HOST)",
	 .def_help = "none: this server alone"},
	{.name = "cluster-password", .kind = KIND_STRING, FIELD(cluster_password),
	 .env = "CHARLA_CLUSTER_PASSWORD", .metavar = "PASSWORD", .flags = OPT_SECRET,
	 .help = "Redis's password (better in the environment than on the command line)"},
	{.name = "node-name", .kind = KIND_CUSTOM, .parse = config_node_name, FIELD(node_name),
	 .metavar = "NAME",
	 .help = "this node's name in the cluster: letters, digits and . _ : - (unique: a second "
		 "node with the same name refuses to start)",
	 .def_help = "HOSTNAME:PORT"},
	{.name = "cluster-lease", .kind = KIND_NUMBER, FIELD(cluster_lease_s), .min = 1, .max = 300,
	 .def = 10, .metavar = "SECONDS",
	 .help = "a node silent this long is gone: its people quit on the other nodes"},
	{.name = "cluster-buffer", .kind = KIND_SIZE, FIELD(cluster_buffer), .min = 64 * KIB,
	 .max = GIB, .def = 8 * MIB, .metavar = "SIZE",
	 .help = "bytes waiting to go to Redis before the link is judged stuck and dropped"},

	{.name = "config", .kind = KIND_STRING, FIELD(config_file), .metavar = "FILE",
	 .section = "",
	 .help = "read settings from this file: NAME = VALUE lines, NAME a long option's name; "
		 "options given here win; a SIGHUP reads it again",
	 .def_help = CONFIG_DEFAULT_FILE ", if it exists", .flags = OPT_ARGV_ONLY},
	{.name = "check-config", .kind = KIND_FLAG, FIELD(check_config), .value = true,
	 .help = "check the options, the config file and the files they name, print OK or the "
		 "errors, and exit (0 or 2) without listening",
	 .flags = OPT_ARGV_ONLY},
	{.name = "verbose", .letter = 'v', .kind = KIND_FLAG, FIELD(verbosity), .value = 1,
	 .help = "log more (each connection)", .flags = OPT_RELOAD},
	{.name = "quiet", .letter = 'q', .kind = KIND_FLAG, FIELD(verbosity), .value = -1,
	 .help = "log errors only", .flags = OPT_RELOAD},
	{.name = "log-format", .kind = KIND_CHOICE, FIELD(log_format), .choices = config_log_formats,
	 .def = LOG_FORMAT_TEXT, .metavar = "FORMAT", .help = "how stderr's lines are written:"},
	{.name = "help", .letter = 'h', .kind = KIND_ACTION, .parse = config_help,
	 .help = "show this help", .flags = OPT_ARGV_ONLY},
	{.name = "version", .letter = 'V', .kind = KIND_ACTION, .parse = config_version,
	 .help = "show the version", .flags = OPT_ARGV_ONLY},
};

const size_t config_noptions = CONFIG_LEN(config_options);

static_assert(CONFIG_LEN(config_options) <= CONFIG_OPTS_MAX,
	      "more options than CONFIG_OPTS_MAX: raise it (config_opt.h)");
