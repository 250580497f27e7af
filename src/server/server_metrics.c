#include "server/server_metrics.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "base/buf.h"
#include "base/metrics.h"
#include "bridge/cluster/cluster.h"
#include "bridge/assistant/assistant.h"
#include "server/server.h"

enum {
	PROC_STAT_MAX = 4096,        /* bytes of /proc/self/stat (a line) */
	PROC_STAT_UTIME = 14,        /* its fields, counted from 1 (proc(5)) */
	PROC_STAT_STIME = 15,
	PROC_STAT_STARTTIME = 22,
	PROC_STAT_VSIZE = 23,
	PROC_STAT_RSS = 24,
	PROC_STAT_FIELDS = 24,
	PROC_SYSSTAT_LINE = 256,
};

/* One face's connections, as the three families see it. */
struct server_face_row {
	const char *face;
	const struct metrics_conns *c;
	bool slow;                 /* whether the face can cut slow readers (UDP cannot) */
};

/* ---- the process, from /proc ---- */

/* Fields 14 (utime), 15 (stime), 22 (starttime), 23 (vsize) and 24 (rss) of /proc/self/stat.
 * The second field, the command's name in parentheses, may hold spaces and parentheses itself:
 * the fields after it are counted from the last ')'. */
static bool server_proc_stat(unsigned long long f[PROC_STAT_FIELDS + 1])
{
	FILE *fp = fopen("/proc/self/stat", "r");
	if (!fp)
		return false;
	char line[PROC_STAT_MAX];
	size_t n = fread(line, 1, sizeof(line) - 1, fp);
	fclose(fp);
	line[n] = '\0';
	char *p = strrchr(line, ')');
	if (!p)
		return false;
	p++;
	memset(f, 0, (PROC_STAT_FIELDS + 1) * sizeof(f[0]));
	/* p is at field 3 (the state, a letter): skip it, then read fields 4 and on. */
	for (int i = 3; i <= PROC_STAT_FIELDS; i++) {
		while (*p == ' ')
			p++;
		if (!*p)
			return false;
		char *end;
		f[i] = i == 3 ? 0 : strtoull(p, &end, 10);
		p += strcspn(p, " ");
	}
	return true;
}

/* The boot time (btime of /proc/stat), in seconds since 1970, or 0. */
static unsigned long long server_boot_time(void)
{
	FILE *fp = fopen("/proc/stat", "r");
	if (!fp)
		return 0;
	char line[PROC_SYSSTAT_LINE];
	unsigned long long btime = 0;
	while (fgets(line, sizeof(line), fp))
		if (sscanf(line, "btime %llu", &btime) == 1)
			break;
	fclose(fp);
	return btime;
}

/* Open descriptors: the entries of /proc/self/fd, less the one this walk holds. */
static long server_open_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	if (!d)
		return -1;
	long n = 0;
	for (struct dirent *e; (e = readdir(d));)
		n += e->d_name[0] != '.';
	closedir(d);
	return n - 1;
}

static void server_metrics_process(struct buf *b)
{
	unsigned long long f[PROC_STAT_FIELDS + 1];
	long tick = sysconf(_SC_CLK_TCK), page = sysconf(_SC_PAGESIZE);
	if (server_proc_stat(f) && tick > 0 && page > 0) {
		metrics_family(b, "process_cpu_seconds_total", METRICS_COUNTER,
			       "User and system CPU time spent, in seconds.");
		metrics_double(b, "process_cpu_seconds_total", NULL, NULL,
			       (double)(f[PROC_STAT_UTIME] + f[PROC_STAT_STIME]) / (double)tick);
		metrics_family(b, "process_resident_memory_bytes", METRICS_GAUGE,
			       "Resident memory size in bytes.");
		metrics_uint(b, "process_resident_memory_bytes", NULL, NULL,
			     f[PROC_STAT_RSS] * (unsigned long long)page);
		metrics_family(b, "process_virtual_memory_bytes", METRICS_GAUGE,
			       "Virtual memory size in bytes.");
		metrics_uint(b, "process_virtual_memory_bytes", NULL, NULL, f[PROC_STAT_VSIZE]);
		unsigned long long boot = server_boot_time();
		if (boot) {
			metrics_family(b, "process_start_time_seconds", METRICS_GAUGE,
				       "Start time of the process since the Unix epoch, in seconds.");
			metrics_double(b, "process_start_time_seconds", NULL, NULL,
				       (double)boot + (double)f[PROC_STAT_STARTTIME] / (double)tick);
		}
	}
	long fds = server_open_fds();
	if (fds >= 0) {
		metrics_family(b, "process_open_fds", METRICS_GAUGE,
			       "Number of open file descriptors.");
		metrics_uint(b, "process_open_fds", NULL, NULL, (uint64_t)fds);
	}
	struct rlimit rl;
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY) {
		metrics_family(b, "process_max_fds", METRICS_GAUGE,
			       "Maximum number of open file descriptors.");
		metrics_uint(b, "process_max_fds", NULL, NULL, (uint64_t)rl.rlim_cur);
	}
}

/* ---- charlad ---- */

static void server_metrics_faces(struct buf *b, const struct server *sv)
{
	struct metrics_conns udp = {.accepted = sv->udp.stats.registered,
				    .open = sv->udp.peers.count};
	struct server_face_row rows[] = {
		{"line", &sv->line.stats, true},
		{"udp", &udp, false},
		{"irc", sv->irc_on ? &sv->irc.stats[IRC_TRANSPORT_TCP] : NULL, true},
		{"websocket", sv->irc_on ? &sv->irc.stats[IRC_TRANSPORT_WS] : NULL, true},
		{"web", sv->web_on ? &sv->web.stats : NULL, true},
		{"ask", sv->ask_on ? &sv->ask.stats : NULL, true},
	};
	size_t n = sizeof(rows) / sizeof(rows[0]);
	metrics_family(b, "charla_connections", METRICS_GAUGE,
		       "Connections open, by face (udp: peers registered; web: HTTP connections "
		       "not upgraded; websocket: IRC over WebSocket).");
	for (size_t i = 0; i < n; i++)
		if (rows[i].c)
			metrics_uint(b, "charla_connections", "face", rows[i].face, rows[i].c->open);
	metrics_family(b, "charla_connections_accepted_total", METRICS_COUNTER,
		       "Connections accepted since the start, by face (websocket: handshakes "
		       "completed, each also counted under web).");
	for (size_t i = 0; i < n; i++)
		if (rows[i].c)
			metrics_uint(b, "charla_connections_accepted_total", "face", rows[i].face,
				     rows[i].c->accepted);
	metrics_family(b, "charla_slow_readers_dropped_total", METRICS_COUNTER,
		       "Connections cut for not reading their output (an output queue limit "
		       "passed), by face.");
	for (size_t i = 0; i < n; i++)
		if (rows[i].c && rows[i].slow)
			metrics_uint(b, "charla_slow_readers_dropped_total", "face", rows[i].face,
				     rows[i].c->slow);
}

static void server_metrics_hub(struct buf *b, const struct server *sv)
{
	const struct hub *h = &sv->hub;
	metrics_family(b, "charla_sessions_online", METRICS_GAUGE,
		       "People in the chat (named sessions; bots apart).");
	metrics_uint(b, "charla_sessions_online", NULL, NULL, h->online);
	metrics_family(b, "charla_sessions_queued", METRICS_GAUGE,
		       "Connections waiting for a slot (--max-clients).");
	metrics_uint(b, "charla_sessions_queued", NULL, NULL, h->qlen);
	size_t rooms = 0, it = 0;
	void *v;
	while (map_next(&h->rooms, &it, NULL, &v))
		rooms += ((const struct room *)v)->count > 0;
	metrics_family(b, "charla_rooms", METRICS_GAUGE, "Rooms with members.");
	metrics_uint(b, "charla_rooms", NULL, NULL, rooms);
	metrics_family(b, "charla_messages_total", METRICS_COUNTER,
		       "Messages said since the start, in rooms and privately.");
	metrics_uint(b, "charla_messages_total", "kind", "room", h->messages - h->private_messages);
	metrics_uint(b, "charla_messages_total", "kind", "private", h->private_messages);
	metrics_family(b, "charla_deliveries_total", METRICS_COUNTER,
		       "Frames queued to recipients by fan-out (one event reaching one "
		       "connection), messages and other events; rate() is messages out per second.");
	metrics_uint(b, "charla_deliveries_total", "event", "message",
		     h->delivered[HUB_DELIVERED_MESSAGE]);
	metrics_uint(b, "charla_deliveries_total", "event", "other",
		     h->delivered[HUB_DELIVERED_OTHER]);
	metrics_family(b, "charla_encodes_total", METRICS_COUNTER,
		       "Frames encoded: once per wire format and variant per event, shared by "
		       "every recipient of that format.");
	metrics_uint(b, "charla_encodes_total", NULL, NULL, h->encodes);
	metrics_family(b, "charla_messages_refused_total", METRICS_COUNTER,
		       "Messages refused for going over --msg-rate.");
	metrics_uint(b, "charla_messages_refused_total", "limit", "msg-rate", h->too_fast);
	metrics_family(b, "charla_flood_disconnects_total", METRICS_COUNTER,
		       "Clients cut for going on past --msg-rate (\"Excess Flood\").");
	metrics_uint(b, "charla_flood_disconnects_total", NULL, NULL, h->flood_cut);
	metrics_family(b, "charla_oper_failures_total", METRICS_COUNTER,
		       "Failed OPER attempts: wrong passwords, and attempts refused while the "
		       "address was throttled.");
	metrics_uint(b, "charla_oper_failures_total", "reason", "wrong", sv->auth.failed);
	metrics_uint(b, "charla_oper_failures_total", "reason", "throttled", sv->auth.throttled);
	metrics_family(b, "charla_bans", METRICS_GAUGE, "Server bans in force (/ban, KLINE).");
	metrics_uint(b, "charla_bans", NULL, NULL, sv->bans.list.n);
	metrics_family(b, "charla_banned_total", METRICS_COUNTER,
		       "Clients turned away by a server ban: at accept (an address), at naming "
		       "(a name), or cut when the ban was set.");
	metrics_uint(b, "charla_banned_total", "at", "accept", sv->net.refused[NETLIM_BANNED]);
	metrics_uint(b, "charla_banned_total", "at", "naming", sv->bans.refused_names);
	metrics_uint(b, "charla_banned_total", "at", "online", sv->bans.cut);
}

static void server_metrics_net(struct buf *b, const struct server *sv)
{
	metrics_family(b, "charla_output_queue_bytes", METRICS_GAUGE,
		       "Bytes queued and not yet written, summed over every TCP connection.");
	metrics_uint(b, "charla_output_queue_bytes", NULL, NULL, sv->net.queued);
	metrics_family(b, "charla_writes_total", METRICS_COUNTER,
		       "Writes handed to the kernel (at most one per connection per loop turn).");
	metrics_uint(b, "charla_writes_total", NULL, NULL, sv->net.writes);
	metrics_family(b, "charla_connections_refused_total", METRICS_COUNTER,
		       "TCP connections refused at accept, by the limit that refused them "
		       "(--max-per-ip, --max-per-ip24/64, --connect-rate).");
	static const struct {
		enum netlim_verdict v;
		const char *name;
	} limits[] = {{NETLIM_PER_IP, "per-ip"}, {NETLIM_PER_NET, "per-net"},
		      {NETLIM_RATE, "connect-rate"}};
	for (size_t i = 0; i < sizeof(limits) / sizeof(limits[0]); i++)
		metrics_uint(b, "charla_connections_refused_total", "limit", limits[i].name,
			     sv->net.refused[limits[i].v]);
	if (sv->tls_on) {
		metrics_family(b, "charla_tls_handshakes_total", METRICS_COUNTER,
			       "TLS handshakes on every face: done, or refused, broken or timed out.");
		metrics_uint(b, "charla_tls_handshakes_total", "result", "ok", sv->tls.ok);
		metrics_uint(b, "charla_tls_handshakes_total", "result", "failed", sv->tls.failed);
	}
	if (!sv->web_on)
		return;
	static const char *const classes[WEB_STATUS_CLASSES] = {"1xx", "2xx", "3xx", "4xx", "5xx"};
	metrics_family(b, "charla_http_requests_total", METRICS_COUNTER,
		       "HTTP requests answered by the web face, by status class.");
	for (size_t i = 0; i < WEB_STATUS_CLASSES; i++)
		metrics_uint(b, "charla_http_requests_total", "code", classes[i],
			     sv->web.responses[i]);
}

static void server_metrics_ai(struct buf *b, const struct server *sv)
{
	if (!sv->ai)
		return;
	struct assistant_stats st;
	assistant_get_stats(sv->ai, &st);
	metrics_family(b, "charla_assistant_questions_total", METRICS_COUNTER,
		       "Questions the assistant accepted (refusals apart).");
	metrics_uint(b, "charla_assistant_questions_total", NULL, NULL, st.asked);
	metrics_family(b, "charla_assistant_requests_total", METRICS_COUNTER,
		       "Requests to the API, each retry one more.");
	metrics_uint(b, "charla_assistant_requests_total", NULL, NULL, st.requests);
	metrics_family(b, "charla_assistant_errors_total", METRICS_COUNTER,
		       "Requests to the API that failed, by kind.");
	for (int k = 0; k < ASSISTANT_ERRORS; k++)
		metrics_uint(b, "charla_assistant_errors_total", "kind",
			     assistant_error_name((enum assistant_error)k), st.errors[k]);
	metrics_family(b, "charla_assistant_request_duration_seconds", METRICS_HISTOGRAM,
		       "Time from a request's start to its end (the whole streamed answer).");
	metrics_hist_write(b, "charla_assistant_request_duration_seconds", &st.latency);
	metrics_family(b, "charla_assistant_running", METRICS_GAUGE,
		       "Questions holding a request slot (in flight or waiting to retry).");
	metrics_uint(b, "charla_assistant_running", NULL, NULL, st.running);
	metrics_family(b, "charla_assistant_queued", METRICS_GAUGE,
		       "Questions waiting for a request slot.");
	metrics_uint(b, "charla_assistant_queued", NULL, NULL, st.queued);
}

/* A counter (or gauge) family with one unlabelled sample. */
static void server_metrics_one(struct buf *b, const char *name, enum metrics_type type,
			       const char *help, uint64_t v)
{
	metrics_family(b, name, type, help);
	metrics_uint(b, name, NULL, NULL, v);
}

static void server_metrics_cluster(struct buf *b, const struct server *sv)
{
	if (!sv->cluster)
		return;
	struct cluster_stats st;
	cluster_get_stats(sv->cluster, &st);
	server_metrics_one(b, "charla_cluster_published_total", METRICS_COUNTER,
			   "Events this node sent to the others through Redis.", st.published);
	server_metrics_one(b, "charla_cluster_received_total", METRICS_COUNTER,
			   "Messages this node read from Redis.", st.received);
	server_metrics_one(b, "charla_cluster_applied_total", METRICS_COUNTER,
			   "Messages from other nodes applied here.", st.applied);
	server_metrics_one(b, "charla_cluster_dropped_total", METRICS_COUNTER,
			   "Messages from Redis refused: malformed, forged, or about nobody known.",
			   st.dropped);
	server_metrics_one(b, "charla_cluster_unsent_total", METRICS_COUNTER,
			   "Events not sent: the link to Redis was down or full.", st.unsent);
	server_metrics_one(b, "charla_cluster_splits_total", METRICS_COUNTER,
			   "Times this node lost its link to Redis.", st.splits);
	server_metrics_one(b, "charla_cluster_scripts_resent_total", METRICS_COUNTER,
			   "Name scripts sent whole again: Redis did not know them by SHA1 (NOSCRIPT).",
			   st.scripts_sent);
	server_metrics_one(b, "charla_cluster_nodes", METRICS_GAUGE,
			   "Other nodes this node knows now.", st.nodes);
	server_metrics_one(b, "charla_cluster_remote_people", METRICS_GAUGE,
			   "People of other nodes known here now.", st.remote);
	server_metrics_one(b, "charla_cluster_whole", METRICS_GAUGE,
			   "1 while this node is linked to the others, 0 while the chat is split.",
			   st.whole);
}

void server_metrics(void *ctx, struct buf *out)
{
	const struct server *sv = ctx;
	metrics_family(out, "charla_build_info", METRICS_GAUGE,
		       "Always 1; the version of charlad as a label.");
	metrics_uint(out, "charla_build_info", "version", CHARLA_VERSION, 1);
	server_metrics_faces(out, sv);
	server_metrics_hub(out, sv);
	server_metrics_net(out, sv);
	server_metrics_ai(out, sv);
	server_metrics_cluster(out, sv);
	server_metrics_process(out);
}
