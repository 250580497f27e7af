#include "server/config.h"

#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "net/addr.h"

/* User-facing text of the command line, in one place for translation. */
static const char T_USAGE[] =
	"Usage: charlad [OPTIONS]\n"
	"The charla chat server: a line protocol on TCP (netcat-friendly).\n"
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
	"      --outq-hard BYTES       unsent output that disconnects a client at once (default: 1M)\n"
	"      --outq-soft BYTES       unsent output allowed only for a while (default: 256K)\n"
	"      --outq-soft-seconds S   ...for this long (default: 10)\n"
	"      --name-timeout S        time to give a name (default: 60; 0 = none)\n"
	"      --idle-timeout S        disconnect clients silent this long (default: 0 = never)\n"
	"      --keepalive S           TCP keepalive idle time (default: 60; 0 = off)\n"
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
	cfg->outq_hard = 1024 * 1024;
	cfg->outq_soft = 256 * 1024;
	cfg->outq_soft_s = 10;
	cfg->name_timeout_s = 60;
	cfg->idle_timeout_s = 0;
	cfg->keepalive_s = 60;
	cfg->udp_idle_s = 60;
	cfg->udp_rate = 20;
	cfg->udp_max_peers = 10000;
}

void config_usage(FILE *out)
{
	fputs(T_USAGE, out);
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
};

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
		{"verbose", no_argument, NULL, 'v'},
		{"quiet", no_argument, NULL, 'q'},
		{"help", no_argument, NULL, 'h'},
		{"version", no_argument, NULL, 'V'},
		{NULL, 0, NULL, 0},
	};
	optind = 1;
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
