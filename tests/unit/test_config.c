/* Unit tests for server/config: the defaults, every option landing in its field, ranges and size
 * suffixes, the repeatable address lists and their maximum, aliases, --udp off, the cross-checks,
 * and the usage errors word for word (charlad prints them as they are). Parsing is pure: no
 * sockets, no loop; --help and --version are silenced while they print. */
#include <fcntl.h>
#include <inttypes.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "ai/chat.h"
#include "base/i18n.h"
#include "base/log.h"
#include "server/config.h"

enum {
	RUN_MAX_ARGS = 2 * CONFIG_MAX_LISTEN + 8, /* room for one list more than its maximum */
	RUN_STORE = 4096,                         /* the bytes of one command line's arguments */
	RUN_ERR = 512,                            /* as main.c's err[] */
	NUM_TEXT = 32,                            /* a number printed in decimal, with a suffix */
};

/* One config_parse call on a private copy of its arguments (the config's strings point into it).
 * There is one, reused: each parse overwrites the last. */
static struct run {
	char store[RUN_STORE];
	size_t used;
	char *argv[RUN_MAX_ARGS + 1];
	int argc;
	struct config cfg;
	char err[RUN_ERR];
	int rc;
} run;
/* Whether run_parse applies the environment first, as main.c does. */
static bool run_env;

static void run_add(const char *arg)
{
	size_t n = strlen(arg) + 1;
	assert_true(run.argc < RUN_MAX_ARGS && run.used + n <= sizeof(run.store));
	memcpy(run.store + run.used, arg, n);
	run.argv[run.argc++] = run.store + run.used;
	run.used += n;
}

/* args: the arguments after the program name, ending in NULL. */
static int run_parse(const char *const *args)
{
	memset(&run, 0, sizeof(run));
	config_defaults(&run.cfg);
	if (run_env)
		config_environment(&run.cfg);
	run_add("charlad");
	for (size_t i = 0; args[i]; i++)
		run_add(args[i]);
	run.rc = config_parse(&run.cfg, run.argc, run.argv, run.err, sizeof(run.err));
	return run.rc;
}

#define ARGS(...) ((const char *const[]){__VA_ARGS__, NULL})
/* Parses and expects success; the config is run.cfg. */
#define OK(...) ok_args(ARGS(__VA_ARGS__))
/* Parses and expects exactly this usage error. */
#define FAILS(msg, ...) fails_args((msg), ARGS(__VA_ARGS__))

static const struct config *ok_args(const char *const *args)
{
	int rc = run_parse(args);
	if (rc != 0)
		fail_msg("%s: rc %d, %s", args[0], rc, run.err);
	return &run.cfg;
}

static void fails_args(const char *msg, const char *const *args)
{
	assert_int_equal(run_parse(args), -1);
	assert_string_equal(run.err, msg);
}

/* "bad value 'V' for --NAME (see --help)" */
static void fails_value(const char *name, const char *value)
{
	char opt[64], msg[RUN_ERR];
	snprintf(opt, sizeof(opt), "--%s", name);
	snprintf(msg, sizeof(msg), "bad value '%s' for --%s (see --help)", value, name);
	fails_args(msg, ARGS(opt, value));
}

/* A parse that prints (--help, --version), with standard output sent to /dev/null meanwhile. */
static int run_quietly(const char *const *args)
{
	fflush(stdout);
	int saved = dup(STDOUT_FILENO);
	int null = open("/dev/null", O_WRONLY);
	assert_true(saved >= 0 && null >= 0);
	dup2(null, STDOUT_FILENO);
	close(null);
	int rc = run_parse(args);
	fflush(stdout);
	dup2(saved, STDOUT_FILENO);
	close(saved);
	return rc;
}

/* The numeric options: name, range, default, whether K/M/G suffixes are taken, and the field. */
#define GETTER(f) \
	static uint64_t get_##f(const struct config *c) { return (uint64_t)c->f; }
GETTER(udp_idle_s)
GETTER(udp_rate)
GETTER(udp_max_peers)
GETTER(max_clients)
GETTER(max_queue)
GETTER(max_line)
GETTER(max_rooms)
GETTER(announce_max)
GETTER(outq_hard)
GETTER(outq_soft)
GETTER(outq_soft_s)
GETTER(name_timeout_s)
GETTER(idle_timeout_s)
GETTER(keepalive_s)
GETTER(max_per_ip)
GETTER(max_per_ip24)
GETTER(max_per_ip64)
GETTER(connect_rate)
GETTER(msg_rate)
GETTER(msg_burst)
GETTER(ai_max_tokens)
GETTER(ai_inflight)
GETTER(ai_queue)
GETTER(ai_max_question)
GETTER(ai_max_answer)
GETTER(ai_memory)
GETTER(ai_connect_s)
GETTER(ai_first_byte_s)
GETTER(ai_stall_s)
GETTER(ai_total_s)
GETTER(ask_pause_ms)
GETTER(irc_ping_s)
GETTER(irc_ping_timeout_s)
GETTER(irc_flood)
GETTER(irc_flood_burst)
GETTER(http_timeout_s)
GETTER(tls_handshake_s)
GETTER(history_on_join)
GETTER(history_max_age_d)
GETTER(history_max_rows)
GETTER(name_grace_s)
GETTER(login_fails)
GETTER(login_window_s)
GETTER(register_rate)
GETTER(cluster_lease_s)
GETTER(cluster_buffer)

#define DAY 86400u
#define KIB 1024u
#define MIB (1024u * KIB)

static const struct num_case {
	const char *name;
	uint64_t min, max, def;
	bool sizes;
	uint64_t (*get)(const struct config *);
	const char *with; /* an argument given first, so that the cross-checks let the range be */
} nums[] = {
	{"udp-idle", 1, DAY, 60, false, get_udp_idle_s, NULL},
	{"udp-rate", 1, 1000000, 20, false, get_udp_rate, NULL},
	{"udp-max-peers", 1, 10000000, 10000, false, get_udp_max_peers, NULL},
	{"max-clients", 0, 10000000, 0, false, get_max_clients, NULL},
	{"max-queue", 0, 10000000, 1000, false, get_max_queue, NULL},
	{"max-line", 64, 16 * MIB, 4096, true, get_max_line, NULL},
	{"max-rooms", 1, 1000, 10, false, get_max_rooms, NULL},
	{"announce-max", 0, 10000000, 1000, false, get_announce_max, NULL},
	{"outq-hard", 0, UINT32_MAX, MIB, true, get_outq_hard, NULL},
	{"outq-soft", 0, UINT32_MAX, 256 * KIB, true, get_outq_soft, "--outq-hard=0"},
	{"outq-soft-seconds", 0, DAY, 10, false, get_outq_soft_s, NULL},
	{"name-timeout", 0, DAY, 60, false, get_name_timeout_s, NULL},
	{"idle-timeout", 0, 30 * DAY, 0, false, get_idle_timeout_s, NULL},
	{"keepalive", 0, DAY, 60, false, get_keepalive_s, NULL},
	{"max-per-ip", 0, 10000000, 16, false, get_max_per_ip, NULL},
	{"max-per-ip24", 0, 10000000, 64, false, get_max_per_ip24, NULL},
	{"max-per-ip64", 0, 10000000, 64, false, get_max_per_ip64, NULL},
	{"connect-rate", 0, 1000000, 10, false, get_connect_rate, NULL},
	{"msg-rate", 0, 1000000, 5, false, get_msg_rate, NULL},
	{"msg-burst", 1, 1000000, 10, false, get_msg_burst, NULL},
	{"ai-max-tokens", 0, 10000000, 1024, false, get_ai_max_tokens, NULL},
	{"ai-inflight", 1, 1000, 4, false, get_ai_inflight, NULL},
	{"ai-queue", 0, 100000, 32, false, get_ai_queue, NULL},
	{"ai-max-question", 1, 16 * MIB, 2000, true, get_ai_max_question, NULL},
	{"ai-max-answer", 0, 64 * MIB, 8 * KIB, true, get_ai_max_answer, NULL},
	{"ai-memory", 0, 64 * MIB, 8 * KIB, true, get_ai_memory, NULL},
	{"ai-connect-timeout", 0, DAY, 15, false, get_ai_connect_s, NULL},
	{"ai-first-byte-timeout", 0, DAY, 120, false, get_ai_first_byte_s, NULL},
	{"ai-stall-timeout", 0, DAY, 30, false, get_ai_stall_s, NULL},
	{"ai-timeout", 0, DAY, 300, false, get_ai_total_s, NULL},
	{"ask-pause-ms", 10, 60000, 300, false, get_ask_pause_ms, NULL},
	{"irc-ping", 1, DAY, 120, false, get_irc_ping_s, NULL},
	{"irc-ping-timeout", 1, DAY, 60, false, get_irc_ping_timeout_s, NULL},
	{"irc-flood", 0, 100000, 5, false, get_irc_flood, NULL},
	{"irc-flood-burst", 1, 100000, 20, false, get_irc_flood_burst, NULL},
	{"http-timeout", 1, 3600, 10, false, get_http_timeout_s, NULL},
	{"tls-handshake-timeout", 1, 3600, 10, false, get_tls_handshake_s, NULL},
	{"history-on-join", 0, 1000, 20, false, get_history_on_join, NULL},
	{"history-max-age", 0, 36500, 30, false, get_history_max_age_d, NULL},
	{"history-max-rows", 0, 100000000, 10000, false, get_history_max_rows, NULL},
	{"name-grace", 0, DAY, 60, false, get_name_grace_s, NULL},
	{"login-fails", 0, 1000000, 5, false, get_login_fails, NULL},
	{"login-window", 1, DAY, 60, false, get_login_window_s, NULL},
	{"register-rate", 0, 1000000, 3, false, get_register_rate, NULL},
	{"cluster-lease", 1, 300, 10, false, get_cluster_lease_s, NULL},
	{"cluster-buffer", 64 * KIB, 1024u * MIB, 8 * MIB, true, get_cluster_buffer, NULL},
};
#define NNUMS (sizeof(nums) / sizeof(nums[0]))

/* Every long option this test knows, so that an option added without a test fails t_help. */
static const char *const known[] = {
	"listen", "udp", "udp-idle", "udp-rate", "udp-max-peers", "server-name", "server-info",
	"max-clients",
	"max-queue", "max-line", "max-rooms", "announce-max", "lang", "outq-hard", "outq-soft",
	"outq-soft-seconds", "name-timeout", "idle-timeout", "keepalive", "max-per-ip",
	"max-per-ip24", "max-per-ip64", "connect-rate", "limit-exempt", "msg-rate",
	"msg-burst", "hash-password", "no-ai", "ai-name",
	"ai-url", "ai-base-url", "ai-key-file", "ai-key", "ai-model", "ai-system", "ai-max-tokens",
	"ai-cap-key", "ai-inflight", "ai-queue", "ai-rate", "ai-max-question", "ai-max-answer",
	"ai-memory", "ai-connect-timeout", "ai-first-byte-timeout", "ai-stall-timeout",
	"ai-timeout", "ask-port", "ask-pause-ms", "irc-listen", "no-irc", "irc-password",
	"oper-file", "motd", "network", "irc-ping", "irc-ping-timeout", "irc-flood",
	"irc-flood-burst", "http-listen", "no-http", "http-origin", "http-timeout", "tls-cert",
	"tls-key", "tls-listen", "irc-tls-listen", "https-listen", "tls-handshake-timeout",
	"metrics-allow",
	"data-dir", "no-store", "store-private", "history-on-join", "history-max-age",
	"history-max-rows", "name-grace", "login-fails", "login-window", "register-rate", "cluster",
	"cluster-password", "node-name", "cluster-lease", "cluster-buffer", "config", "check-config", "verbose", "quiet", "log-format", "help",
	"version",
};
#define NKNOWN (sizeof(known) / sizeof(known[0]))

static void t_defaults(void **state)
{
	(void)state;
	struct config c;
	memset(&c, 0xa5, sizeof(c));
	config_defaults(&c);
	for (size_t i = 0; i < NNUMS; i++) {
		if (nums[i].get(&c) != nums[i].def)
			fail_msg("--%s defaults to %" PRIu64, nums[i].name, nums[i].get(&c));
	}
	assert_int_equal(c.nlisten, 0);
	assert_int_equal(c.nudp, 0);
	assert_int_equal(c.nask, 0);
	assert_false(c.udp_off);
	assert_false(c.ai_off);
	assert_int_equal(c.verbosity, 0);
	assert_null(c.server_name);
	assert_string_equal(c.server_info, "charla chat server");
	assert_string_equal(c.ai_name, "gpt");
	assert_null(c.ai_url);
	assert_null(c.ai_key);
	assert_null(c.ai_key_arg);
	assert_null(c.ai_key_file);
	assert_string_equal(c.ai_model, "gpt-4o-mini");
	assert_null(c.ai_system);
	assert_int_equal(c.ai_cap_key, CHAT_CAP_MAX_TOKENS);
	assert_int_equal(c.lang, LANG_EN);
	assert_int_equal(c.ai_rate, 6);
	assert_int_equal(c.nirc, 0);
	assert_false(c.irc_off);
	assert_int_equal(c.nhttp, 0);
	assert_false(c.http_off);
	assert_null(c.http_origins);
	assert_null(c.irc_password);
	assert_null(c.oper_file);
	assert_null(c.motd_file);
	assert_string_equal(c.network, "charla");
	/* No flags at all: the defaults, untouched. */
	struct config d;
	memset(&d, 0xa5, sizeof(d));
	config_defaults(&d);
	static const char *const none[] = {NULL};
	assert_int_equal(run_parse(none), 0);
	assert_memory_equal(&run.cfg, &d, sizeof(d));
}

/* Parses n->with (if any) and then args. */
static int num_parse(const struct num_case *n, const char *const *args)
{
	const char *all[RUN_MAX_ARGS + 1];
	size_t k = 0;
	if (n->with)
		all[k++] = n->with;
	for (size_t i = 0; args[i]; i++)
		all[k++] = args[i];
	all[k] = NULL;
	return run_parse(all);
}

static void num_ok(const struct num_case *n, const char *const *args, uint64_t want)
{
	if (num_parse(n, args) != 0)
		fail_msg("--%s: %s", n->name, run.err);
	if (n->get(&run.cfg) != want)
		fail_msg("--%s: %" PRIu64 ", not %" PRIu64, n->name, n->get(&run.cfg), want);
}

static void num_fails(const struct num_case *n, const char *value)
{
	char opt[64], msg[RUN_ERR];
	snprintf(opt, sizeof(opt), "--%s", n->name);
	snprintf(msg, sizeof(msg), "bad value '%s' for --%s (see --help)", value, n->name);
	assert_int_equal(num_parse(n, ARGS(opt, value)), -1);
	assert_string_equal(run.err, msg);
}

/* Each numeric option takes its bounds (in both spellings) and refuses what lies outside. */
static void t_numbers(void **state)
{
	(void)state;
	for (size_t i = 0; i < NNUMS; i++) {
		const struct num_case *n = &nums[i];
		char opt[64], eq[96], v[NUM_TEXT];
		snprintf(opt, sizeof(opt), "--%s", n->name);
		const uint64_t good[] = {n->min, n->max, n->def, (n->min + n->max) / 2};
		for (size_t j = 0; j < sizeof(good) / sizeof(good[0]); j++) {
			snprintf(v, sizeof(v), "%" PRIu64, good[j]);
			num_ok(n, ARGS(opt, v), good[j]);
			snprintf(eq, sizeof(eq), "%s=%s", opt, v);
			num_ok(n, ARGS(eq), good[j]);
		}
		if (n->min > 0) {
			snprintf(v, sizeof(v), "%" PRIu64, n->min - 1);
			num_fails(n, v);
		}
		snprintf(v, sizeof(v), "%" PRIu64, n->max + 1);
		num_fails(n, v);
		const char *garbage[] = {"", "x", "-1", "1x", "1 ", "0x10", "1.5",
					 "99999999999999999999", "5K5"};
		for (size_t j = 0; j < sizeof(garbage) / sizeof(garbage[0]); j++)
			num_fails(n, garbage[j]);
		/* A suffix is a size's alone. */
		if (!n->sizes)
			num_fails(n, "1K");
		/* The last of a repeated option wins. */
		snprintf(v, sizeof(v), "%" PRIu64, n->max);
		char lo[NUM_TEXT];
		snprintf(lo, sizeof(lo), "%" PRIu64, n->min);
		num_ok(n, ARGS(opt, v, opt, lo), n->min);
	}
}

/* Sizes take K, M or G (powers of 1024), in either case, optionally followed by B. */
static void t_size_suffixes(void **state)
{
	(void)state;
	assert_int_equal(OK("--max-line", "1K")->max_line, 1024);
	assert_int_equal(OK("--max-line", "1k")->max_line, 1024);
	assert_int_equal(OK("--max-line", "2KB")->max_line, 2048);
	assert_int_equal(OK("--max-line", "2kb")->max_line, 2048);
	assert_int_equal(OK("--max-line", "16M")->max_line, 16 * MIB);
	assert_int_equal(OK("--max-line", "16mB")->max_line, 16 * MIB);
	assert_int_equal(OK("--outq-hard", "3G")->outq_hard, 3ull << 30);
	assert_int_equal(OK("--outq-hard", "1g")->outq_hard, 1ull << 30);
	assert_int_equal(OK("--outq-soft", "0K")->outq_soft, 0);
	assert_int_equal(OK("--ai-max-answer", "64M")->ai_max_answer, 64 * MIB);
	assert_int_equal(OK("--ai-memory", "0")->ai_memory, 0);
	assert_int_equal(OK("--ai-max-question", "1")->ai_max_question, 1);
	fails_value("max-line", "17M");
	fails_value("max-line", "1G");
	fails_value("outq-hard", "4G");
	fails_value("outq-hard", "1Q");
	fails_value("outq-hard", "99999999999G");
	fails_value("outq-hard", "1T");
	fails_value("max-line", "1KBB");
	fails_value("max-line", "1Kx");
	fails_value("max-line", "1B");
	fails_value("max-line", "K");
	fails_value("ai-max-answer", "65M");
}

static void t_strings(void **state)
{
	(void)state;
	assert_string_equal(OK("--server-name", "aula 3")->server_name, "aula 3");
	assert_string_equal(OK("--server-name", "")->server_name, "");
	assert_string_equal(OK("--server-info", "Aula 3, FIUBA")->server_info, "Aula 3, FIUBA");
	assert_string_equal(OK("--ai-name", "bot")->ai_name, "bot");
	assert_string_equal(OK("--cluster", "redis://127.0.0.1:6379/2")->cluster_url,
			    "redis://127.0.0.1:6379/2");
	assert_string_equal(OK("--node-name", "aula-1")->node_name, "aula-1");
	/* The cluster's URL and node name are checked as the cluster reads them, before anything
	 * listens (--check-config too). */
	fails_args("--cluster: TLS to Redis (rediss://) is not supported; use redis://",
		   ARGS("--cluster", "rediss://127.0.0.1:6379"));
	assert_int_equal(run_parse(ARGS("--cluster", "http://127.0.0.1")), -1);
	assert_int_equal(run_parse(ARGS("--cluster", "redis://:pw@redis.example")), -1);
	assert_null(strstr(run.err, "pw")); /* the password is never repeated */
	fails_value("node-name", "a b");
	fails_value("node-name", "");
	assert_string_equal(OK("--cluster-password", "s3cret")->cluster_password, "s3cret");
	assert_string_equal(OK("--ai-key-file", "/run/key")->ai_key_file, "/run/key");
	assert_string_equal(OK("--ai-system", "be brief")->ai_system, "be brief");
	assert_string_equal(OK("--ai-model", "llama3")->ai_model, "llama3");
	fails_value("ai-model", "");
	/* The URL: http or https only; --ai-base-url is the same option. */
	assert_string_equal(OK("--ai-url", "http://localhost:11434/v1")->ai_url,
			    "http://localhost:11434/v1");
	assert_string_equal(OK("--ai-url", "https://x")->ai_url, "https://x");
	assert_string_equal(OK("--ai-base-url", "https://y")->ai_url, "https://y");
	assert_string_equal(OK("--ai-base-url=http://z")->ai_url, "http://z");
	assert_string_equal(OK("--ai-url", "http://a", "--ai-base-url", "http://b")->ai_url,
			    "http://b");
	fails_value("ai-url", "ftp://x");
	fails_value("ai-url", "");
	fails_value("ai-url", "HTTP://x");
	fails_value("ai-base-url", "localhost:11434");
	/* The key, and the argv string that main.c wipes. */
	const struct config *c = OK("--ai-key", "sk-123");
	assert_string_equal(c->ai_key, "sk-123");
	assert_ptr_equal(c->ai_key_arg, run.argv[2]);
	assert_ptr_equal(c->ai_key, run.argv[2]);
	c = OK("--ai-key=sk-456");
	assert_string_equal(c->ai_key_arg, "sk-456");
	assert_ptr_equal(c->ai_key_arg, run.argv[1] + strlen("--ai-key="));
	/* The IRC face's strings. */
	assert_string_equal(OK("--irc-password", "s3cret")->irc_password, "s3cret");
	assert_string_equal(OK("--oper-file", "/etc/opers")->oper_file, "/etc/opers");
	assert_string_equal(OK("--motd", "/etc/motd")->motd_file, "/etc/motd");
	assert_string_equal(OK("--network", "Aula")->network, "Aula");
	assert_string_equal(OK("--http-origin", "https://a.example,http://b")->http_origins,
			    "https://a.example,http://b");
	/* TLS: the pair, each path as given (tls.c reads the files). */
	assert_null(OK("-v")->tls_cert);
	assert_null(OK("-v")->tls_key);
	c = OK("--tls-cert", "/etc/c.pem", "--tls-key", "/etc/c.key");
	assert_string_equal(c->tls_cert, "/etc/c.pem");
	assert_string_equal(c->tls_key, "/etc/c.key");
	assert_null(OK("--verbose")->metrics_allow);
	assert_string_equal(OK("--metrics-allow", "10.0.0.0/8,::1")->metrics_allow,
			    "10.0.0.0/8,::1");
	/* Where the settings come from (read by config_file.c, tested in test_config_file.c). */
	assert_null(OK("-v")->config_file);
	assert_string_equal(OK("--config", "/etc/x.conf")->config_file, "/etc/x.conf");
}

static void t_flags(void **state)
{
	(void)state;
	assert_true(OK("--no-ai")->ai_off);
	assert_true(OK("--no-irc")->irc_off);
	assert_true(OK("--no-http")->http_off);
	assert_false(OK("-v")->check_config);
	assert_true(OK("--check-config")->check_config);
	assert_false(OK("-v")->hash_password);
	assert_true(OK("--hash-password")->hash_password);
	assert_int_equal(OK("-v")->verbosity, 1);
	assert_int_equal(OK("--verbose")->verbosity, 1);
	assert_int_equal(OK("-q")->verbosity, -1);
	assert_int_equal(OK("--quiet")->verbosity, -1);
	assert_int_equal(OK("-vq")->verbosity, -1);
	assert_int_equal(OK("-q", "--verbose")->verbosity, 1);
	FAILS("unknown option --no-ai=1 (see --help)", "--no-ai=1");
	FAILS("unknown option --verbose=2 (see --help)", "--verbose=2");
}

/* --listen (-l), --udp and --ask-port: addresses checked at once, kept in order, at most
 * CONFIG_MAX_LISTEN of each. */
static void t_lists(void **state)
{
	(void)state;
	const struct config *c = OK("-l", "127.0.0.1:0", "--listen", "[::1]:7", "-l7777",
				    "--listen=localhost:1", "--lis", "*:2");
	assert_int_equal(c->nlisten, 5);
	assert_string_equal(c->listen[0], "127.0.0.1:0");
	assert_string_equal(c->listen[1], "[::1]:7");
	assert_string_equal(c->listen[2], "7777");
	assert_string_equal(c->listen[3], "localhost:1");
	assert_string_equal(c->listen[4], "*:2");
	c = OK("--udp", "127.0.0.1:0", "--udp", "9");
	assert_int_equal(c->nudp, 2);
	assert_string_equal(c->udp[0], "127.0.0.1:0");
	assert_string_equal(c->udp[1], "9");
	assert_false(c->udp_off);
	c = OK("--irc-listen", "6667", "--irc-listen", "[::1]:0");
	assert_int_equal(c->nirc, 2);
	assert_string_equal(c->irc_listen[0], "6667");
	assert_string_equal(c->irc_listen[1], "[::1]:0");
	FAILS("bad address 'nope': expected PORT, HOST:PORT or [HOST]:PORT", "--irc-listen", "nope");
	/* The TLS listeners (they need the pair: t_cross_checks). */
	c = OK("--tls-cert", "c", "--tls-key", "k", "--tls-listen", "7443", "--irc-tls-listen",
	       "[::1]:0", "--irc-tls-listen", "6697", "--https-listen", "127.0.0.1:0");
	assert_int_equal(c->ntls, 1);
	assert_string_equal(c->tls_listen[0], "7443");
	assert_int_equal(c->nirc_tls, 2);
	assert_string_equal(c->irc_tls_listen[0], "[::1]:0");
	assert_string_equal(c->irc_tls_listen[1], "6697");
	assert_int_equal(c->nhttps, 1);
	assert_string_equal(c->https_listen[0], "127.0.0.1:0");
	FAILS("bad address 'nope': expected PORT, HOST:PORT or [HOST]:PORT", "--tls-listen", "nope");
	c = OK("--ask-port", "8070", "--ask-port", "127.0.0.1:0");
	assert_int_equal(c->nask, 2);
	assert_string_equal(c->ask_listen[0], "8070");
	assert_string_equal(c->ask_listen[1], "127.0.0.1:0");
	/* A bad address is addr_parse's message. */
	FAILS("bad address '999.1.1.1:80': the host must be a numeric IPv4 or IPv6 address, '*' or "
	      "localhost", "-l", "999.1.1.1:80");
	FAILS("bad address 'nope': expected PORT, HOST:PORT or [HOST]:PORT", "--udp", "nope");
	FAILS("bad address 'nope': expected PORT, HOST:PORT or [HOST]:PORT", "--ask-port", "nope");
	assert_int_equal(run_parse(ARGS("--listen", "127.0.0.1:99999")), -1);
	assert_non_null(strstr(run.err, "'127.0.0.1:99999'"));

	/* The maximum: CONFIG_MAX_LISTEN of each are taken, one more is refused (before its
	 * address is looked at). */
	static const char *const opts[] = {"--listen", "--udp", "--ask-port", "--irc-listen",
					   "--http-listen"};
	for (size_t o = 0; o < sizeof(opts) / sizeof(opts[0]); o++) {
		const char *args[RUN_MAX_ARGS + 1];
		size_t n = 0;
		for (int i = 0; i < CONFIG_MAX_LISTEN; i++) {
			args[n++] = opts[o];
			args[n++] = "127.0.0.1:0";
		}
		args[n] = NULL;
		assert_int_equal(run_parse(args), 0);
		size_t counts[] = {run.cfg.nlisten, run.cfg.nudp, run.cfg.nask, run.cfg.nirc,
				   run.cfg.nhttp};
		size_t count = counts[o];
		assert_int_equal(count, CONFIG_MAX_LISTEN);
		char msg[RUN_ERR];
		snprintf(msg, sizeof(msg), "at most %d %s addresses", CONFIG_MAX_LISTEN, opts[o]);
		for (int bad = 0; bad < 2; bad++) {
			args[n] = opts[o];
			args[n + 1] = bad ? "nope" : "127.0.0.1:0";
			args[n + 2] = NULL;
			assert_int_equal(run_parse(args), -1);
			assert_string_equal(run.err, msg);
		}
	}
}

static void t_udp_off(void **state)
{
	(void)state;
	const struct config *c = OK("--udp", "off");
	assert_true(c->udp_off);
	assert_int_equal(c->nudp, 0);
	c = OK("--udp", "off", "--udp", "off");
	assert_true(c->udp_off);
	/* With TCP listeners it is still off. */
	c = OK("--udp=off", "-l", "127.0.0.1:0");
	assert_true(c->udp_off);
	assert_int_equal(c->nlisten, 1);
	FAILS("--udp off cannot go with --udp addresses", "--udp", "off", "--udp", "127.0.0.1:0");
	FAILS("--udp off cannot go with --udp addresses", "--udp", "127.0.0.1:0", "--udp", "off");
	/* Only the lower-case word: anything else is an address. */
	FAILS("bad address 'OFF': expected PORT, HOST:PORT or [HOST]:PORT", "--udp", "OFF");
}

static void t_ai_rate(void **state)
{
	(void)state;
	assert_int_equal(OK("--ai-rate", "0")->ai_rate, 0);
	assert_int_equal(OK("--ai-rate", "5")->ai_rate, 5);
	assert_int_equal(OK("--ai-rate", "7/min")->ai_rate, 7);
	assert_int_equal(OK("--ai-rate", "8/m")->ai_rate, 8);
	assert_int_equal(OK("--ai-rate", "100000")->ai_rate, 100000);
	assert_int_equal(OK("--ai-rate", "100000/min")->ai_rate, 100000);
	const char *bad[] = {"100001", "5/h", "5/", "/min", "", "-1", "5K", "x", "5/minute",
			     "1111111111111111111111111111111111111111", "5/min/min"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		fails_value("ai-rate", bad[i]);
}

static void t_lang(void **state)
{
	(void)state;
	assert_int_equal(OK("--lang", "es")->lang, LANG_ES);
	assert_int_equal(OK("--lang", "en")->lang, LANG_EN);
	assert_int_equal(OK("--lang", "es", "--lang", "en")->lang, LANG_EN);
	fails_value("lang", "fr");
	fails_value("lang", "");
	fails_value("lang", "ES");
}

static void t_cap_key(void **state)
{
	(void)state;
	assert_int_equal(OK("--ai-cap-key", "max_tokens")->ai_cap_key, CHAT_CAP_MAX_TOKENS);
	assert_int_equal(OK("--ai-cap-key", "max_completion_tokens")->ai_cap_key,
			 CHAT_CAP_MAX_COMPLETION_TOKENS);
	assert_int_equal(OK("--ai-cap-key", "max_completion_tokens", "--ai-cap-key",
			    "max_tokens")->ai_cap_key, CHAT_CAP_MAX_TOKENS);
	fails_value("ai-cap-key", "tokens");
	fails_value("ai-cap-key", "");
	fails_value("ai-cap-key", "MAX_TOKENS");
	fails_value("ai-cap-key", "max_tokens ");
}

static void t_log_format(void **state)
{
	(void)state;
	assert_int_equal(OK("--verbose")->log_format, LOG_FORMAT_TEXT);
	assert_int_equal(OK("--log-format", "json")->log_format, LOG_FORMAT_JSON);
	assert_int_equal(OK("--log-format=json", "--log-format", "text")->log_format,
			 LOG_FORMAT_TEXT);
	fails_value("log-format", "JSON");
	fails_value("log-format", "");
	fails_value("log-format", "logfmt");
}

static const char *const env_vars[] = {"OPENAI_BASE_URL", "OPENAI_API_KEY", "CHARLA_AI_MODEL"};

static void env_set(const char *url, const char *key, const char *model)
{
	const char *values[] = {url, key, model};
	for (size_t i = 0; i < sizeof(env_vars) / sizeof(env_vars[0]); i++) {
		if (values[i])
			setenv(env_vars[i], values[i], 1);
		else
			unsetenv(env_vars[i]);
	}
}

/* The variables of the OpenAI SDKs (and ours for the model) come before the defaults, and the
 * flags before them; an empty one is unset. */
static void t_environment(void **state)
{
	(void)state;
	env_set("http://env/v1", "sk-env", "env-model");
	struct config c;
	config_defaults(&c);
	config_environment(&c);
	assert_string_equal(c.ai_url, "http://env/v1");
	assert_string_equal(c.ai_key, "sk-env");
	assert_null(c.ai_key_arg); /* not in argv: nothing for main.c to wipe */
	assert_string_equal(c.ai_model, "env-model");
	run_env = true;
	const struct config *r = OK("--ai-url", "https://flag", "--ai-key", "sk-flag", "--ai-model",
				    "flag-model");
	assert_string_equal(r->ai_url, "https://flag");
	assert_string_equal(r->ai_key, "sk-flag");
	assert_string_equal(r->ai_model, "flag-model");
	assert_string_equal(OK("--no-ai")->ai_model, "env-model");
	env_set("", "", "");
	r = OK("-v");
	assert_null(r->ai_url);
	assert_null(r->ai_key);
	assert_string_equal(r->ai_model, "gpt-4o-mini");
	env_set(NULL, NULL, NULL);
	assert_string_equal(OK("-v")->ai_model, "gpt-4o-mini");
	run_env = false;
}

/* The checks made once every flag is read, in their order. */
static void t_cross_checks(void **state)
{
	(void)state;
	FAILS("--ask-port needs the assistant (drop --no-ai)", "--no-ai", "--ask-port", "0");
	FAILS("--ask-port needs the assistant (drop --no-ai)", "--ask-port", "0", "--no-ai");
	assert_int_equal(OK("--ask-port", "0")->nask, 1);
	FAILS("--outq-soft must not be larger than --outq-hard", "--outq-soft", "2M", "--outq-hard",
	      "1M");
	FAILS("--outq-soft must not be larger than --outq-hard", "--outq-soft", "2M");
	FAILS("--outq-soft must not be larger than --outq-hard", "--outq-hard", "100K");
	assert_int_equal(OK("--outq-soft", "1M", "--outq-hard", "1M")->outq_soft, MIB);
	/* 0 turns either limit off, and then there is nothing to compare. */
	assert_int_equal(OK("--outq-soft", "2M", "--outq-hard", "0")->outq_hard, 0);
	assert_int_equal(OK("--outq-soft", "0", "--outq-hard", "1")->outq_hard, 1);
	/* The first failing check is the one reported. */
	FAILS("--ask-port needs the assistant (drop --no-ai)", "--no-ai", "--ask-port", "0", "--udp",
	      "off", "--udp", "1");
	FAILS("--udp off cannot go with --udp addresses", "--udp", "off", "--udp", "1",
	      "--outq-soft", "2M");
	/* TLS: the pair goes together, and a TLS listener needs it. */
	FAILS("--tls-cert needs --tls-key too", "--tls-cert", "c.pem");
	FAILS("--tls-key needs --tls-cert too", "--tls-key", "c.key");
	FAILS("--tls-listen needs --tls-cert and --tls-key", "--tls-listen", "7443");
	FAILS("--irc-tls-listen needs --tls-cert and --tls-key", "--irc-tls-listen", "6697");
	FAILS("--https-listen needs --tls-cert and --tls-key", "--https-listen", "8443");
	assert_int_equal(OK("--tls-cert", "c", "--tls-key", "k")->ntls, 0);
	/* A bad flag is found before any cross-check. */
	FAILS("unknown option --x (see --help)", "--no-ai", "--ask-port", "0", "--x");
}

static void t_usage_errors(void **state)
{
	(void)state;
	FAILS("unknown option --bogus (see --help)", "--bogus");
	FAILS("unknown option --bogus=1 (see --help)", "--bogus=1");
	FAILS("unknown option -x (see --help)", "-x");
	FAILS("unknown option --max (see --help)", "--max", "5"); /* ambiguous */
	FAILS("unknown option --ai-ma (see --help)", "--ai-ma", "5");
	/* A short option is named by its letter, also inside a cluster. */
	FAILS("unknown option -x (see --help)", "-xv");
	FAILS("unknown option -x (see --help)", "-vx");
	FAILS("unknown option -x (see --help)", "--verbose", "-qxv");
	FAILS("option -l needs a value", "-vl");
	FAILS("option --listen needs a value", "--listen");
	FAILS("option -l needs a value", "-l");
	FAILS("option --udp needs a value", "--udp");
	FAILS("option --ai-key needs a value", "--ai-key");
	FAILS("option --max-line needs a value", "-v", "--max-line");
	FAILS("unexpected argument 'extra' (see --help)", "extra");
	FAILS("unexpected argument 'extra' (see --help)", "extra", "--max-line", "100");
	FAILS("unexpected argument 'extra' (see --help)", "--max-line", "100", "extra", "more");
	FAILS("unexpected argument '-' (see --help)", "-");
	FAILS("unexpected argument '-v' (see --help)", "--", "-v");
	/* The first bad flag stops the parse. */
	FAILS("bad value 'x' for --max-line (see --help)", "--max-line", "x", "--bogus");
	FAILS("unknown option --bogus (see --help)", "--bogus", "--max-line", "x");
	/* A unique prefix is the option, and errors name it in full. */
	assert_int_equal(OK("--max-cl", "5")->max_clients, 5);
	assert_string_equal(OK("--ai-b", "http://x")->ai_url, "http://x");
	FAILS("bad value 'x' for --max-clients (see --help)", "--max-cl", "x");
	FAILS("bad value 'ftp:' for --ai-base-url (see --help)", "--ai-base", "ftp:");
	/* A value that looks like an option is still the value. */
	FAILS("bad value '--verbose' for --max-line (see --help)", "--max-line", "--verbose");
	assert_string_equal(OK("--server-name", "-v")->server_name, "-v");
}

static void t_help_and_version(void **state)
{
	(void)state;
	const char *const *stop[] = {ARGS("--help"), ARGS("-h"), ARGS("--version"), ARGS("-V"),
				     ARGS("--he"), ARGS("-vh"), ARGS("--help", "extra"),
				     ARGS("--max-line", "100", "-V", "--bogus")};
	for (size_t i = 0; i < sizeof(stop) / sizeof(stop[0]); i++)
		assert_int_equal(run_quietly(stop[i]), 1);
	/* A bad flag before them is still an error. */
	assert_int_equal(run_quietly(ARGS("--bogus", "--help")), -1);
	assert_string_equal(run.err, "unknown option --bogus (see --help)");
}

/* The usage text, as config_usage writes it. */
static char *usage_text(void)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	assert_non_null(f);
	config_usage(f);
	assert_int_equal(fclose(f), 0);
	return text;
}

/* Joins text's lines into one, each run of blanks a single space. */
static void usage_join(char *text)
{
	char *out = text;
	for (const char *p = text; *p; p++) {
		if (*p == ' ' || *p == '\n') {
			if (out > text && out[-1] != ' ')
				*out++ = ' ';
		} else {
			*out++ = *p;
		}
	}
	*out = '\0';
}

/* Whether text names --name as a whole word (so --udp is not found in --udp-idle). */
static bool usage_names(const char *text, const char *name)
{
	/* Offsets rather than a walking pointer: GCC 12's -Wdangling-pointer misreads the latter
	 * once this is inlined next to the caller's free(). */
	size_t n = strlen(name), len = strlen(text);
	for (size_t i = 0; i + 2 + n <= len; i++) {
		if (text[i] != '-' || text[i + 1] != '-' || strncmp(text + i + 2, name, n) != 0)
			continue;
		char after = text[i + 2 + n];
		if (!(after == '-' || (after >= 'a' && after <= 'z')))
			return true;
	}
	return false;
}

/* --help names every option of the table, and this test knows every one (so that a new option
 * is neither undocumented nor untested); its lines fit an 80-column terminal. */
static void t_help(void **state)
{
	(void)state;
	char *text = usage_text();
	assert_true(strncmp(text, "Usage: charlad", strlen("Usage: charlad")) == 0);
	size_t n = 0;
	for (const char *name; (name = config_long_name(n)); n++) {
		if (!usage_names(text, name))
			fail_msg("--help does not name --%s", name);
		bool tested = false;
		for (size_t i = 0; i < NKNOWN && !tested; i++)
			tested = strcmp(known[i], name) == 0;
		if (!tested)
			fail_msg("--%s has no test here", name);
	}
	assert_int_equal(n, NKNOWN);
	for (const char *line = text; *line;) {
		size_t len = strcspn(line, "\n");
		if (len >= 80)
			fail_msg("a --help line of %zu characters: %.*s", len, (int)len, line);
		for (size_t i = 0; i < len; i++) {
			if ((unsigned char)line[i] < ' ')
				fail_msg("a control character in --help: %.*s", (int)len, line);
		}
		line += len + (line[len] == '\n');
	}
	/* Defaults, ranges, choices and environment variables come from the table (looked for
	 * with the lines joined, wherever they wrap). */
	usage_join(text);
	static const char *const shown[] = {
		"--max-line BYTES longest line accepted (64 to 16M; default: 4K)",
		"(0 to 10000000; default: 0 = no limit)",
		"(0 to 86400; default: 60; 0 = none)",
		"--udp ADDR:PORT|off",
		"(repeatable, at most 16; default: off)",
		"--ai-url, --ai-base-url URL",
		"max_tokens for Ollama",
		"or max_completion_tokens for newer OpenAI models (default: max_tokens)",
		"(default: $OPENAI_API_KEY)",
		"(default: $CHARLA_AI_MODEL, else gpt-4o-mini)",
	};
	for (size_t i = 0; i < sizeof(shown) / sizeof(shown[0]); i++) {
		if (!strstr(text, shown[i]))
			fail_msg("--help does not say \"%s\"", shown[i]);
	}
	free(text);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(t_defaults),
		cmocka_unit_test(t_numbers),
		cmocka_unit_test(t_size_suffixes),
		cmocka_unit_test(t_strings),
		cmocka_unit_test(t_flags),
		cmocka_unit_test(t_lists),
		cmocka_unit_test(t_udp_off),
		cmocka_unit_test(t_ai_rate),
		cmocka_unit_test(t_lang),
		cmocka_unit_test(t_cap_key),
		cmocka_unit_test(t_log_format),
		cmocka_unit_test(t_environment),
		cmocka_unit_test(t_cross_checks),
		cmocka_unit_test(t_usage_errors),
		cmocka_unit_test(t_help_and_version),
		cmocka_unit_test(t_help),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
