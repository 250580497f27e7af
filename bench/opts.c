/* opts: charla-bench's command line. Pure apart from exiting: a bad option prints one line to
 * standard error and exits 2; --help prints the usage and exits 0. */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"

static const char T_USAGE[] =
	"Usage: charla-bench [OPTIONS]\n"
	"A load generator for charlad (its line protocol, its IRC face and IRC over WebSocket), IRC\n"
	"servers and Redis pub/sub, on loopback only.\n"
	"\n"
	"  --proto line|irc|ws|redis\n"
	"                         what the server speaks (default: line); ws: IRC over WebSocket,\n"
	"                         an HTTP upgrade to /ws (subprotocol text.ircv3.net), then one IRC\n"
	"                         line per text frame\n"
	"  --host ADDR            server address, 127.x.x.x only (default: 127.0.0.1)\n"
	"  --port PORT[,PORT...]  server port (required); several (at most 16, e.g. the line ports of\n"
	"                         a cluster's nodes): receiver i connects to the (i mod K)th, every\n"
	"                         sender to the first, and latency is also reported per port\n"
	"  --pid PID[,PID...]     server processes, for their CPU time and RSS (default: none); the\n"
	"                         server CPU per delivery is theirs summed, and each is reported too\n"
	"  --redis PORT           a Redis on --host (a cluster's) to read INFO from when sending\n"
	"                         starts and ends: PUBLISH calls, its CPU, its bytes in and out\n"
	"  --join-quiet           line: the join announcements are not counted but waited out\n"
	"                         (--settle-quiet of silence): across a cluster's nodes how many\n"
	"                         each node announces depends on the order the news arrives\n"
	"  -n N                   receivers (default: 100)\n"
	"  -s S                   senders (default: 1)\n"
	"  -m M                   messages per sender (default: 1000)\n"
	"  --window W             messages in flight per sender (default: 16)\n"
	"  --rate R               send R messages/s per sender instead of as fast as the window\n"
	"                         allows (default: 0 = window-bound)\n"
	"  --size BYTES           payload size, 32-1024, irc, ws: 32-400 (default: 64)\n"
	"  --room NAME            line: /join NAME after naming (default: stay in the lobby);\n"
	"                         irc, ws: the channel (default: #bench); redis: the channel\n"
	"                         (default: bench)\n"
	"  --part-lobby           line: /part the lobby right after naming, so that nobody hears\n"
	"                         of later joins (idle memory without the join storm)\n"
	"  --no-join              irc, ws: register and join no channel (idle memory without the\n"
	"                         NAMES and JOIN lines of a big channel)\n"
	"  --announce-max K       line: the server's --announce-max, to know how many join lines\n"
	"                         to wait for (default: 1000, charlad's default; 0 = always)\n"
	"  --tls                  line: speak TLS over each connection (charlad's --tls-listen port);\n"
	"                         the server's certificate is NOT verified (loopback benchmarking\n"
	"                         only: anyone could be on the other end)\n"
	"  --prefix STR           prepended to client names (default: none)\n"
	"  --sources K            source addresses 127.0.0.10.. (default: 1 up to 1000 clients,\n"
	"                         more above)\n"
	"  --parallel C           clients between connect and named (irc: registered) at once\n"
	"                         (default: 256)\n"
	"  --join-window J        irc: clients between JOIN and its 366 at once (default: 256)\n"
	"  --idle                 connect and name N clients, report server RSS per client\n"
	"  --idle-wait SECONDS    idle mode: wait this long before measuring (default: 2)\n"
	"  --settle-quiet SECONDS stop waiting for join announcements (line) or the answers to the\n"
	"                         PING fence (irc) after this much silence (default: 3)\n"
	"  --deadline SECONDS     stop the run after this long whatever happens (default: 120)\n"
	"  --label TEXT           copied into the report\n"
	"  -h, --help             this help\n"
	"\n"
	"Prints a table, then one JSON line. Exit status: 0 complete and clean, 3 incomplete or with\n"
	"anomalies, 1 could not run, 2 bad usage.\n";

static void opts_usage_error(const char *fmt, const char *arg) __attribute__((noreturn));

static void opts_usage_error(const char *fmt, const char *arg)
{
	fputs("charla-bench: ", stderr);
	fputs(fmt, stderr);
	if (arg)
		fprintf(stderr, " '%s'", arg);
	fputs(" (see --help)\n", stderr);
	exit(2);
}

static double opts_num(const char *s, double min, double max, const char *what)
{
	char *end;
	errno = 0;
	double v = strtod(s, &end);
	if (errno || end == s || *end || v < min || v > max)
		opts_usage_error(what, s);
	return v;
}

/* A comma-separated list of at most max numbers, each as opts_num; returns how many. */
static unsigned opts_list(const char *s, double *out, unsigned max, double min, double hi,
			  const char *what)
{
	char buf[256];
	if (strlen(s) >= sizeof(buf))
		opts_usage_error(what, s);
	strcpy(buf, s);
	unsigned n = 0;
	char *save = NULL;
	for (char *tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		if (n == max)
			opts_usage_error(what, s);
		out[n++] = opts_num(tok, min, hi, what);
	}
	if (n == 0 || s[strlen(s) - 1] == ',' || s[0] == ',' || strstr(s, ",,"))
		opts_usage_error(what, s);
	return n;
}

void opts_parse(struct opts *o, int argc, char **argv)
{
	enum {
		O_PROTO = 256, O_HOST, O_PORT, O_PID, O_WINDOW, O_RATE, O_SIZE, O_ROOM, O_PREFIX,
		O_SOURCES, O_PARALLEL, O_JOIN_WINDOW, O_IDLE, O_IDLE_WAIT, O_SETTLE, O_DEADLINE, O_LABEL,
		O_PART, O_ANNOUNCE, O_NO_JOIN, O_TLS, O_REDIS, O_JOIN_QUIET,
	};
	static const struct option longopts[] = {
		{"proto", required_argument, NULL, O_PROTO},
		{"host", required_argument, NULL, O_HOST},
		{"port", required_argument, NULL, O_PORT},
		{"pid", required_argument, NULL, O_PID},
		{"window", required_argument, NULL, O_WINDOW},
		{"rate", required_argument, NULL, O_RATE},
		{"size", required_argument, NULL, O_SIZE},
		{"room", required_argument, NULL, O_ROOM},
		{"prefix", required_argument, NULL, O_PREFIX},
		{"sources", required_argument, NULL, O_SOURCES},
		{"parallel", required_argument, NULL, O_PARALLEL},
		{"join-window", required_argument, NULL, O_JOIN_WINDOW},
		{"idle", no_argument, NULL, O_IDLE},
		{"idle-wait", required_argument, NULL, O_IDLE_WAIT},
		{"settle-quiet", required_argument, NULL, O_SETTLE},
		{"deadline", required_argument, NULL, O_DEADLINE},
		{"label", required_argument, NULL, O_LABEL},
		{"part-lobby", no_argument, NULL, O_PART},
		{"no-join", no_argument, NULL, O_NO_JOIN},
		{"tls", no_argument, NULL, O_TLS},
		{"redis", required_argument, NULL, O_REDIS},
		{"join-quiet", no_argument, NULL, O_JOIN_QUIET},
		{"announce-max", required_argument, NULL, O_ANNOUNCE},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	*o = (struct opts){
		.proto = PROTO_LINE, .host = "127.0.0.1", .n = 100, .s = 1, .m = 1000, .window = 16,
		.size = 64, .prefix = "", .parallel = 256, .join_window = 256, .deadline_s = 120,
		.settle_quiet_s = 3, .announce_max = 1000, .idle_wait_s = 2,
	};
	bool have_port = false;
	int c;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":n:s:m:h", longopts, NULL)) != -1) {
		switch (c) {
		case O_PROTO:
			if (strcmp(optarg, "line") == 0)
				o->proto = PROTO_LINE;
			else if (strcmp(optarg, "irc") == 0)
				o->proto = PROTO_IRC;
			else if (strcmp(optarg, "ws") == 0)
				o->proto = PROTO_WS;
			else if (strcmp(optarg, "redis") == 0)
				o->proto = PROTO_REDIS;
			else
				opts_usage_error("unknown protocol", optarg);
			break;
		case O_HOST:
			o->host = optarg;
			break;
		case O_PORT: {
			double v[MAX_PORTS];
			o->nports = opts_list(optarg, v, MAX_PORTS, 1, 65535, "bad port list");
			for (unsigned i = 0; i < o->nports; i++)
				o->ports[i] = (unsigned)v[i];
			o->port = o->ports[0];
			have_port = true;
			break;
		}
		case O_PID: {
			double v[MAX_PIDS];
			o->npids = opts_list(optarg, v, MAX_PIDS, 1, 1e9, "bad pid list");
			for (unsigned i = 0; i < o->npids; i++)
				o->pids[i] = (long)v[i];
			o->pid = o->pids[0];
			break;
		}
		case O_REDIS:
			o->redis_port = (unsigned)opts_num(optarg, 1, 65535, "bad Redis port");
			break;
		case O_JOIN_QUIET:
			o->join_quiet = true;
			break;
		case 'n':
			o->n = (uint32_t)opts_num(optarg, 0, 1e6, "bad receiver count");
			break;
		case 's':
			o->s = (uint32_t)opts_num(optarg, 0, 65535, "bad sender count");
			break;
		case 'm':
			o->m = (uint32_t)opts_num(optarg, 0, 1e8, "bad message count");
			break;
		case O_WINDOW:
			o->window = (uint32_t)opts_num(optarg, 1, 1e6, "bad window");
			break;
		case O_RATE:
			o->rate = opts_num(optarg, 0, 1e7, "bad rate");
			break;
		case O_SIZE:
			o->size = (uint32_t)opts_num(optarg, PAYLOAD_MIN, PAYLOAD_MAX, "bad payload size");
			break;
		case O_ROOM:
			o->room = optarg;
			break;
		case O_PREFIX:
			o->prefix = optarg;
			break;
		case O_SOURCES:
			o->sources = (unsigned)opts_num(optarg, 1, MAX_SOURCES, "bad source count");
			break;
		case O_PARALLEL:
			o->parallel = (unsigned)opts_num(optarg, 1, 100000, "bad parallel count");
			break;
		case O_JOIN_WINDOW:
			o->join_window = (unsigned)opts_num(optarg, 1, 100000, "bad join window");
			break;
		case O_IDLE:
			o->idle = true;
			break;
		case O_IDLE_WAIT:
			o->idle_wait_s = opts_num(optarg, 0, 600, "bad idle wait");
			break;
		case O_SETTLE:
			o->settle_quiet_s = opts_num(optarg, 0.1, 600, "bad settle time");
			break;
		case O_DEADLINE:
			o->deadline_s = opts_num(optarg, 0.1, 3600, "bad deadline");
			break;
		case O_LABEL:
			o->label = optarg;
			break;
		case O_ANNOUNCE:
			o->announce_max = (uint64_t)opts_num(optarg, 0, 1e9, "bad --announce-max");
			break;
		case O_PART:
			o->part_lobby = true;
			break;
		case O_NO_JOIN:
			o->no_join = true;
			break;
		case O_TLS:
			o->tls = true;
			break;
		case 'h':
			fputs(T_USAGE, stdout);
			exit(0);
		case ':':
			opts_usage_error("missing value for", argv[optind - 1]);
		default:
			opts_usage_error("unknown option", argv[optind - 1]);
		}
	}
	if (optind < argc)
		opts_usage_error("unexpected argument", argv[optind]);
	if (!have_port)
		opts_usage_error("--port is required", NULL);
	struct in_addr a;
	if (inet_pton(AF_INET, o->host, &a) != 1 || (ntohl(a.s_addr) >> 24) != 127)
		opts_usage_error("only 127.x.x.x addresses are allowed, not", o->host);
	if (o->idle) {
		o->s = 0;
		o->m = 0;
	}
	if (o->part_lobby && o->proto != PROTO_LINE)
		opts_usage_error("--part-lobby is for the line protocol", NULL);
	if (o->tls && o->proto != PROTO_LINE)
		opts_usage_error("--tls is for the line protocol", NULL);
	if (o->join_quiet && o->proto != PROTO_LINE)
		opts_usage_error("--join-quiet is for the line protocol", NULL);
	if (o->no_join && !(o->proto == PROTO_IRC || o->proto == PROTO_WS))
		opts_usage_error("--no-join is for irc and ws (line: --part-lobby)", NULL);
	if (o->no_join && !o->idle)
		opts_usage_error("--no-join needs --idle (messages go to the channel)", NULL);
	if (o->proto == PROTO_REDIS && !o->room)
		o->room = "bench";
	o->irc = o->proto == PROTO_IRC || o->proto == PROTO_WS;
	if (o->irc && !o->room)
		o->room = "#bench";
	if (o->room && (strlen(o->room) > 64 || strpbrk(o->room, " ,\a\r\n")))
		opts_usage_error("bad room or channel name", o->room);
	if (o->irc && o->room[0] != '#' && o->room[0] != '&')
		opts_usage_error("an IRC channel starts with # or &, not", o->room);
	if (o->irc && o->size > PAYLOAD_MAX_IRC)
		opts_usage_error("IRC payloads are at most 400 bytes (a line is at most 512)", NULL);
	if (strlen(o->prefix) > 16)
		opts_usage_error("prefix too long", o->prefix);
	if (o->n + o->s == 0)
		opts_usage_error("no clients", NULL);
	if (!o->idle && (o->n == 0 || o->s == 0) && o->m)
		opts_usage_error("messages need receivers and senders", NULL);
}
