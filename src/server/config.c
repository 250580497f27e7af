#include "server/config.h"

#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ai/chat.h"
#include "net/addr.h"

/* User-facing text of the command line, in one place for translation. */
static const char T_USAGE[] =
	"Usage: charlad [OPTIONS]\n"
	"The charla chat server: a line protocol on TCP (netcat-friendly) and in UDP datagrams,\n"
	"with an AI assistant in the chat and an optional classroom ask port.\n"
	"\n"
	"  -l, --listen ADDR:PORT      listen here (repeatable); default: port 7777 on every IPv4\n"
	"                              and IPv6 address. Forms: 7777, *:7777, 127.0.0.1:7777,\n"
	"                              [::1]:7777, localhost:7777; port 0 picks a free port\n"
	"      --udp ADDR:PORT|off     datagram chat here (repeatable; forms as --listen); default:\n"
	"                              each --listen address and port, over UDP; off: no UDP\n"
	"      --udp-idle S            forget a UDP peer silent this long (default: 60)\n"
	"      --udp-rate N            datagrams a second per UDP source address, in bursts of\n"
	"                              2N (default: 20)\n"
	"      --udp-max-peers N       UDP peers registered at once (default: 10000)\n"
	"      --server-name NAME      name shown in the greeting (default: the host name)\n"
	"      --max-clients N         clients admitted at once; others wait in a queue\n"
	"                              (default: 0, no limit)\n"
	"      --max-queue N           connections that may wait in that queue (default: 1000)\n"
	"      --max-line BYTES        longest line accepted (default: 4096)\n"
	"      --max-rooms N           rooms one client may be in (default: 10)\n"
	"      --announce-max N        no join/part/quit news in rooms with more members\n"
	"                              (default: 1000; 0 = always announce)\n"
	"      --outq-hard BYTES       unsent output that disconnects a client at once (default: 1M)\n"
	"      --outq-soft BYTES       unsent output allowed only for a while (default: 256K)\n"
	"      --outq-soft-seconds S   ...for this long (default: 10)\n"
	"      --name-timeout S        time to give a name (default: 60; 0 = none)\n"
	"      --idle-timeout S        disconnect clients silent this long (default: 0 = never)\n"
	"      --keepalive S           TCP keepalive idle time (default: 60; 0 = off)\n"
	"\n"
	"The AI assistant (a chat member that answers through an OpenAI-compatible API):\n"
	"      --no-ai                 no assistant at all\n"
	"      --ai-name NAME          its name in the chat (default: gpt)\n"
	"      --ai-url URL            the API's base URL (or --ai-base-url), e.g.\n"
	"                              http://localhost:11434/v1 for Ollama\n"
	"                              (default: $OPENAI_BASE_URL, else\n"
	"                              https://api.openai.com/v1 when a key is set; without\n"
	"                              URL and key the assistant only says how to configure it)\n"
	"      --ai-key-file PATH      read the API key from this file (default: $OPENAI_API_KEY)\n"
	"      --ai-key KEY            the API key itself; other users of this machine may see\n"
	"                              it in `ps` until charlad starts: prefer OPENAI_API_KEY\n"
	"                              or --ai-key-file\n"
	"      --ai-model MODEL        (default: $CHARLA_AI_MODEL, else gpt-4o-mini)\n"
	"      --ai-system PROMPT      the system prompt (default: a short one for a chat)\n"
	"      --ai-max-tokens N       the model's output cap (default: 1024; 0 = none sent)\n"
	"      --ai-cap-key KEY        max_tokens (Ollama, llama.cpp, vLLM, older OpenAI\n"
	"                              models; default) or max_completion_tokens (newer OpenAI)\n"
	"      --ai-inflight N         requests to the API at once (default: 4)\n"
	"      --ai-queue N            questions that may wait for one (default: 32)\n"
	"      --ai-rate N[/min]       questions per user per minute (default: 6; 0 = no limit)\n"
	"      --ai-max-question BYTES longest question (default: 2000)\n"
	"      --ai-max-answer BYTES   longest answer; the rest is cut (default: 8K)\n"
	"      --ai-memory BYTES       conversation remembered per room, private chat or ask\n"
	"                              connection (default: 8K; 0 = none)\n"
	"      --ai-connect-timeout S  to connect to the API (default: 15)\n"
	"      --ai-first-byte-timeout S  for the answer to start; local models may load\n"
	"                              slowly (default: 120)\n"
	"      --ai-stall-timeout S    silence in the middle of an answer (default: 30)\n"
	"      --ai-timeout S          a whole answer (default: 300)\n"
	"      --ask-port [ADDR:]PORT  also serve the classroom GPT client's protocol here\n"
	"                              (repeatable; default: off; the classroom used 8070)\n"
	"      --ask-pause-ms MS       silence that ends a question sent without a newline\n"
	"                              (default: 300)\n"
	"\n"
	"  -v, --verbose               log more (each connection)\n"
	"  -q, --quiet                 log errors only\n"
	"  -h, --help                  show this help\n"
	"  -V, --version               show the version\n"
	"\n"
	"Sizes take K, M or G suffixes (powers of 1024). Logs go to standard error.\n"
	"SIGINT or SIGTERM stops the server, telling every client first.\n";

void config_defaults(struct config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->max_line = 4096;
	cfg->max_rooms = 10;
	cfg->max_clients = 0;
	cfg->max_queue = 1000;
	cfg->announce_max = 1000;
	cfg->outq_hard = 1024 * 1024;
	cfg->outq_soft = 256 * 1024;
	cfg->outq_soft_s = 10;
	cfg->name_timeout_s = 60;
	cfg->idle_timeout_s = 0;
	cfg->keepalive_s = 60;
	cfg->ai_name = "gpt";
	cfg->ai_model = "gpt-4o-mini";
	cfg->ai_max_tokens = 1024;
	cfg->ai_cap_key = CHAT_CAP_MAX_TOKENS;
	cfg->ai_inflight = 4;
	cfg->ai_queue = 32;
	cfg->ai_rate = 6;
	cfg->ai_max_question = 2000;
	cfg->ai_max_answer = 8 * 1024;
	cfg->ai_memory = 8 * 1024;
	cfg->ai_connect_s = 15;
	cfg->ai_first_byte_s = 120;
	cfg->ai_stall_s = 30;
	cfg->ai_total_s = 300;
	cfg->ask_pause_ms = 300;
	cfg->udp_idle_s = 60;
	cfg->udp_rate = 20;
	cfg->udp_max_peers = 10000;
}

void config_usage(FILE *out)
{
	fputs(T_USAGE, out);
}

bool config_ai_backend(const struct config *cfg)
{
	return !cfg->ai_off && ((cfg->ai_url && cfg->ai_url[0]) || (cfg->ai_key && cfg->ai_key[0]) ||
				cfg->ai_key_file);
}

/* Parses a decimal number with an optional K/M/G suffix into [min, max]. */
static int config_number(const char *s, int sizes, uint64_t min, uint64_t max, uint64_t *out)
{
	char *end;
	errno = 0;
	if (*s == '-' || *s == '\0')
		return -1;
	uint64_t v = strtoull(s, &end, 10);
	if (errno || end == s)
		return -1;
	if (sizes && *end) {
		unsigned shift = 0;
		switch (*end) {
		case 'k': case 'K': shift = 10; break;
		case 'm': case 'M': shift = 20; break;
		case 'g': case 'G': shift = 30; break;
		default: return -1;
		}
		if (end[1] != '\0' && !((end[1] == 'B' || end[1] == 'b') && end[2] == '\0'))
			return -1;
		if (v > (UINT64_MAX >> shift))
			return -1;
		v <<= shift;
	} else if (*end) {
		return -1;
	}
	if (v < min || v > max)
		return -1;
	*out = v;
	return 0;
}

enum {
	OPT_SERVER_NAME = 256,
	OPT_UDP,
	OPT_UDP_IDLE,
	OPT_UDP_RATE,
	OPT_UDP_MAX_PEERS,
	OPT_MAX_CLIENTS,
	OPT_MAX_QUEUE,
	OPT_MAX_LINE,
	OPT_MAX_ROOMS,
	OPT_OUTQ_HARD,
	OPT_OUTQ_SOFT,
	OPT_OUTQ_SOFT_S,
	OPT_NAME_TIMEOUT,
	OPT_IDLE_TIMEOUT,
	OPT_KEEPALIVE,
	OPT_ANNOUNCE_MAX,
	OPT_NO_AI,
	OPT_AI_NAME,
	OPT_AI_URL,
	OPT_AI_KEY,
	OPT_AI_KEY_FILE,
	OPT_AI_MODEL,
	OPT_AI_SYSTEM,
	OPT_AI_MAX_TOKENS,
	OPT_AI_CAP_KEY,
	OPT_AI_INFLIGHT,
	OPT_AI_QUEUE,
	OPT_AI_RATE,
	OPT_AI_MAX_QUESTION,
	OPT_AI_MAX_ANSWER,
	OPT_AI_MEMORY,
	OPT_AI_CONNECT_TIMEOUT,
	OPT_AI_FIRST_BYTE_TIMEOUT,
	OPT_AI_STALL_TIMEOUT,
	OPT_AI_TIMEOUT,
	OPT_ASK_PORT,
	OPT_ASK_PAUSE,
};

/* "N", "N/min" or "N/m": questions per minute. */
static int config_rate(const char *s, unsigned *out)
{
	char num[32];
	const char *slash = strchr(s, '/');
	size_t n = slash ? (size_t)(slash - s) : strlen(s);
	if (n == 0 || n >= sizeof(num))
		return -1;
	if (slash && strcmp(slash, "/min") != 0 && strcmp(slash, "/m") != 0)
		return -1;
	memcpy(num, s, n);
	num[n] = '\0';
	uint64_t v;
	if (config_number(num, 0, 0, 100000, &v) < 0)
		return -1;
	*out = (unsigned)v;
	return 0;
}

int config_parse(struct config *cfg, int argc, char **argv, char *err, size_t errlen)
{
	static const struct option opts[] = {
		{"listen", required_argument, NULL, 'l'},
		{"udp", required_argument, NULL, OPT_UDP},
		{"udp-idle", required_argument, NULL, OPT_UDP_IDLE},
		{"udp-rate", required_argument, NULL, OPT_UDP_RATE},
		{"udp-max-peers", required_argument, NULL, OPT_UDP_MAX_PEERS},
		{"server-name", required_argument, NULL, OPT_SERVER_NAME},
		{"max-clients", required_argument, NULL, OPT_MAX_CLIENTS},
		{"max-queue", required_argument, NULL, OPT_MAX_QUEUE},
		{"max-line", required_argument, NULL, OPT_MAX_LINE},
		{"max-rooms", required_argument, NULL, OPT_MAX_ROOMS},
		{"outq-hard", required_argument, NULL, OPT_OUTQ_HARD},
		{"outq-soft", required_argument, NULL, OPT_OUTQ_SOFT},
		{"outq-soft-seconds", required_argument, NULL, OPT_OUTQ_SOFT_S},
		{"name-timeout", required_argument, NULL, OPT_NAME_TIMEOUT},
		{"idle-timeout", required_argument, NULL, OPT_IDLE_TIMEOUT},
		{"keepalive", required_argument, NULL, OPT_KEEPALIVE},
		{"announce-max", required_argument, NULL, OPT_ANNOUNCE_MAX},
		{"no-ai", no_argument, NULL, OPT_NO_AI},
		{"ai-name", required_argument, NULL, OPT_AI_NAME},
		{"ai-url", required_argument, NULL, OPT_AI_URL},
		{"ai-base-url", required_argument, NULL, OPT_AI_URL},
		{"ai-key", required_argument, NULL, OPT_AI_KEY},
		{"ai-key-file", required_argument, NULL, OPT_AI_KEY_FILE},
		{"ai-model", required_argument, NULL, OPT_AI_MODEL},
		{"ai-system", required_argument, NULL, OPT_AI_SYSTEM},
		{"ai-max-tokens", required_argument, NULL, OPT_AI_MAX_TOKENS},
		{"ai-cap-key", required_argument, NULL, OPT_AI_CAP_KEY},
		{"ai-inflight", required_argument, NULL, OPT_AI_INFLIGHT},
		{"ai-queue", required_argument, NULL, OPT_AI_QUEUE},
		{"ai-rate", required_argument, NULL, OPT_AI_RATE},
		{"ai-max-question", required_argument, NULL, OPT_AI_MAX_QUESTION},
		{"ai-max-answer", required_argument, NULL, OPT_AI_MAX_ANSWER},
		{"ai-memory", required_argument, NULL, OPT_AI_MEMORY},
		{"ai-connect-timeout", required_argument, NULL, OPT_AI_CONNECT_TIMEOUT},
		{"ai-first-byte-timeout", required_argument, NULL, OPT_AI_FIRST_BYTE_TIMEOUT},
		{"ai-stall-timeout", required_argument, NULL, OPT_AI_STALL_TIMEOUT},
		{"ai-timeout", required_argument, NULL, OPT_AI_TIMEOUT},
		{"ask-port", required_argument, NULL, OPT_ASK_PORT},
		{"ask-pause-ms", required_argument, NULL, OPT_ASK_PAUSE},
		{"verbose", no_argument, NULL, 'v'},
		{"quiet", no_argument, NULL, 'q'},
		{"help", no_argument, NULL, 'h'},
		{"version", no_argument, NULL, 'V'},
		{NULL, 0, NULL, 0},
	};
	/* 0, not 1: getopt_long keeps its place inside a cluster of short options (-vq) between
	 * calls, and only optind = 0 makes glibc (and musl and the BSDs) start afresh, so that a
	 * second parse does not read the first one's argv. */
	optind = 0;
	opterr = 0;
	int c;
	int li = -1;
	while ((c = getopt_long(argc, argv, ":l:vqhV", opts, &li)) != -1) {
		uint64_t v = 0;
		const char *arg = optarg;
		int bad = 0;
		switch (c) {
		case 'l':
			if (cfg->nlisten == CONFIG_MAX_LISTEN) {
				snprintf(err, errlen, "at most %d --listen addresses", CONFIG_MAX_LISTEN);
				return -1;
			}
			/* Checked now, so that a typo is a usage error (exit 2), not a start-up one. */
			struct sockaddr_storage tmp[ADDR_MAX_PER_SPEC];
			if (addr_parse(arg, tmp, err, errlen) < 0)
				return -1;
			cfg->listen[cfg->nlisten++] = arg;
			break;
		case OPT_UDP:
			if (strcmp(arg, "off") == 0) {
				cfg->udp_off = true;
				break;
			}
			if (cfg->nudp == CONFIG_MAX_LISTEN) {
				snprintf(err, errlen, "at most %d --udp addresses", CONFIG_MAX_LISTEN);
				return -1;
			}
			struct sockaddr_storage utmp[ADDR_MAX_PER_SPEC];
			if (addr_parse(arg, utmp, err, errlen) < 0)
				return -1;
			cfg->udp[cfg->nudp++] = arg;
			break;
		case OPT_UDP_IDLE:
			bad = config_number(arg, 0, 1, 86400, &v);
			cfg->udp_idle_s = (unsigned)v;
			break;
		case OPT_UDP_RATE:
			bad = config_number(arg, 0, 1, 1000000, &v);
			cfg->udp_rate = (unsigned)v;
			break;
		case OPT_UDP_MAX_PEERS:
			bad = config_number(arg, 0, 1, 10000000, &v);
			cfg->udp_max_peers = v;
			break;
		case OPT_SERVER_NAME:
			cfg->server_name = arg;
			break;
		case OPT_MAX_CLIENTS:
			bad = config_number(arg, 0, 0, 10000000, &v);
			cfg->max_clients = v;
			break;
		case OPT_MAX_QUEUE:
			bad = config_number(arg, 0, 0, 10000000, &v);
			cfg->max_queue = v;
			break;
		case OPT_MAX_LINE:
			bad = config_number(arg, 1, 64, 16 * 1024 * 1024, &v);
			cfg->max_line = v;
			break;
		case OPT_MAX_ROOMS:
			bad = config_number(arg, 0, 1, 1000, &v);
			cfg->max_rooms = v;
			break;
		case OPT_OUTQ_HARD:
			bad = config_number(arg, 1, 0, UINT32_MAX, &v);
			cfg->outq_hard = v;
			break;
		case OPT_OUTQ_SOFT:
			bad = config_number(arg, 1, 0, UINT32_MAX, &v);
			cfg->outq_soft = v;
			break;
		case OPT_OUTQ_SOFT_S:
			bad = config_number(arg, 0, 0, 86400, &v);
			cfg->outq_soft_s = (unsigned)v;
			break;
		case OPT_NAME_TIMEOUT:
			bad = config_number(arg, 0, 0, 86400, &v);
			cfg->name_timeout_s = (unsigned)v;
			break;
		case OPT_IDLE_TIMEOUT:
			bad = config_number(arg, 0, 0, 30 * 86400, &v);
			cfg->idle_timeout_s = (unsigned)v;
			break;
		case OPT_KEEPALIVE:
			bad = config_number(arg, 0, 0, 86400, &v);
			cfg->keepalive_s = (unsigned)v;
			break;
		case OPT_ANNOUNCE_MAX:
			bad = config_number(arg, 0, 0, 10000000, &v);
			cfg->announce_max = v;
			break;
		case OPT_NO_AI:
			cfg->ai_off = true;
			break;
		case OPT_AI_NAME:
			cfg->ai_name = arg;
			break;
		case OPT_AI_URL:
			bad = strncmp(arg, "http://", 7) != 0 && strncmp(arg, "https://", 8) != 0;
			cfg->ai_url = arg;
			break;
		case OPT_AI_KEY:
			cfg->ai_key = arg;
			cfg->ai_key_arg = optarg;
			break;
		case OPT_AI_KEY_FILE:
			cfg->ai_key_file = arg;
			break;
		case OPT_AI_MODEL:
			bad = !*arg;
			cfg->ai_model = arg;
			break;
		case OPT_AI_SYSTEM:
			cfg->ai_system = arg;
			break;
		case OPT_AI_MAX_TOKENS:
			bad = config_number(arg, 0, 0, 10000000, &v);
			cfg->ai_max_tokens = (long)v;
			break;
		case OPT_AI_CAP_KEY:
			if (!strcmp(arg, "max_tokens"))
				cfg->ai_cap_key = CHAT_CAP_MAX_TOKENS;
			else if (!strcmp(arg, "max_completion_tokens"))
				cfg->ai_cap_key = CHAT_CAP_MAX_COMPLETION_TOKENS;
			else
				bad = 1;
			break;
		case OPT_AI_INFLIGHT:
			bad = config_number(arg, 0, 1, 1000, &v);
			cfg->ai_inflight = v;
			break;
		case OPT_AI_QUEUE:
			bad = config_number(arg, 0, 0, 100000, &v);
			cfg->ai_queue = v;
			break;
		case OPT_AI_RATE:
			bad = config_rate(arg, &cfg->ai_rate);
			break;
		case OPT_AI_MAX_QUESTION:
			bad = config_number(arg, 1, 1, 16 * 1024 * 1024, &v);
			cfg->ai_max_question = v;
			break;
		case OPT_AI_MAX_ANSWER:
			bad = config_number(arg, 1, 0, 64 * 1024 * 1024, &v);
			cfg->ai_max_answer = v;
			break;
		case OPT_AI_MEMORY:
			bad = config_number(arg, 1, 0, 64 * 1024 * 1024, &v);
			cfg->ai_memory = v;
			break;
		case OPT_AI_CONNECT_TIMEOUT:
			bad = config_number(arg, 0, 0, 86400, &v);
			cfg->ai_connect_s = (unsigned)v;
			break;
		case OPT_AI_FIRST_BYTE_TIMEOUT:
			bad = config_number(arg, 0, 0, 86400, &v);
			cfg->ai_first_byte_s = (unsigned)v;
			break;
		case OPT_AI_STALL_TIMEOUT:
			bad = config_number(arg, 0, 0, 86400, &v);
			cfg->ai_stall_s = (unsigned)v;
			break;
		case OPT_AI_TIMEOUT:
			bad = config_number(arg, 0, 0, 86400, &v);
			cfg->ai_total_s = (unsigned)v;
			break;
		case OPT_ASK_PORT: {
			if (cfg->nask == CONFIG_MAX_LISTEN) {
				snprintf(err, errlen, "at most %d --ask-port addresses", CONFIG_MAX_LISTEN);
				return -1;
			}
			struct sockaddr_storage ask_tmp[ADDR_MAX_PER_SPEC];
			if (addr_parse(arg, ask_tmp, err, errlen) < 0)
				return -1;
			cfg->ask_listen[cfg->nask++] = arg;
			break;
		}
		case OPT_ASK_PAUSE:
			bad = config_number(arg, 0, 10, 60000, &v);
			cfg->ask_pause_ms = (unsigned)v;
			break;
		case 'v':
			cfg->verbosity = 1;
			break;
		case 'q':
			cfg->verbosity = -1;
			break;
		case 'h':
			config_usage(stdout);
			return 1;
		case 'V':
			printf("charlad %s\n", CHARLA_VERSION);
			return 1;
		case ':':
			snprintf(err, errlen, "option %s needs a value", argv[optind - 1]);
			return -1;
		default:
			snprintf(err, errlen, "unknown option %s (see --help)", argv[optind - 1]);
			return -1;
		}
		if (bad) {
			snprintf(err, errlen, "bad value '%s' for --%s (see --help)", arg,
				 li >= 0 ? opts[li].name : "?");
			return -1;
		}
		li = -1;
	}
	if (optind < argc) {
		snprintf(err, errlen, "unexpected argument '%s' (see --help)", argv[optind]);
		return -1;
	}
	if (cfg->nask && cfg->ai_off) {
		snprintf(err, errlen, "--ask-port needs the assistant (drop --no-ai)");
		return -1;
	}
	if (cfg->udp_off && cfg->nudp) {
		snprintf(err, errlen, "--udp off cannot go with --udp addresses");
		return -1;
	}
	if (cfg->outq_soft && cfg->outq_hard && cfg->outq_soft > cfg->outq_hard) {
		snprintf(err, errlen, "--outq-soft must not be larger than --outq-hard");
		return -1;
	}
	return 0;
}
