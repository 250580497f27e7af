/* bench: the state of one run of charla-bench (struct bench), shared by the files that make up the
 * generator and by nobody else:
 *
 *   bench.c    main, set-up, the epoll loop and its phases (connect, settle, send, idle);
 *   opts.c     the command line (struct opts) and --help;
 *   client.c   one client's socket: connecting, reading into the shared buffer, output buffering;
 *   payload.c  the payload format, and what a delivery to a receiver proves (latency, loss,
 *              duplication, reordering);
 *   line.c     charlad's line protocol;  resp.c  Redis pub/sub (RESP);  irc.c  IRC;
 *   ws.c       IRC over WebSocket: the HTTP upgrade, then irc.c's protocol inside text frames;
 *   tls.c      --tls: an OpenSSL client session over a client's socket (what client.c reads and
 *              writes through when it is on);
 *   proc.c     the server's CPU time and RSS from /proc;
 *   nodes.c    several servers at once (the nodes of a cluster): which port each client uses, and
 *              each node's CPU and RSS and the Redis between them (rinfo.c) at the send phase's
 *              start and end, with their part of the report;
 *   rinfo.c    one blocking INFO to a Redis server, the few counters nodes.c reports;
 *   report.c   the table and the JSON line at the end.
 *
 * main owns the one struct bench (static storage: the read buffer is large) from start to exit.
 * Everything it points to (the client array, each client's stash and output buffer, the
 * bitmaps) is allocated by bench_setup or by the client's own functions and lives until exit:
 * a run is short and bounded, so nothing is freed before then, and a closed client keeps its
 * slot with fd -1 and state CS_CLOSED (its events are ignored). The other files only borrow the
 * struct through the pointer they are given. bench_die ends the process on a local failure (no
 * memory, a failing system call of our own); bench_fail ends the run but still reports it. */
#ifndef CHARLA_BENCH_BENCH_H
#define CHARLA_BENCH_BENCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hist.h"

enum {
	RBUF_SIZE = 256 * 1024,
	MAX_EVENTS = 1024,
	PAYLOAD_MIN = 32,
	PAYLOAD_MAX = 1024,
	PAYLOAD_MAX_IRC = 400, /* a relayed IRC line (prefix, command, channel, payload) fits in 512 */
	NAME_MAX_LEN = 32,
	MAX_SOURCES = 64,
	MAX_PORTS = 16,            /* --port P1,P2,...: servers (cluster nodes) the clients spread over */
	MAX_PIDS = 16,             /* --pid A,B,...: server processes whose CPU and RSS are read */
	MAX_STASH = 128 * 1024, /* a partial line, reply or WebSocket frame longer than this is a
				 * protocol error (room for a frame with a 64-bit length) */
};

enum proto_kind { PROTO_LINE, PROTO_REDIS, PROTO_IRC, PROTO_WS };
enum role { ROLE_RECV, ROLE_SEND };
enum cstate { CS_NEW, CS_CONNECTING, CS_NAMING, CS_READY, CS_CLOSED };
enum phase { PH_CONNECT, PH_SETTLE, PH_SEND, PH_IDLE, PH_DONE };

struct opts {
	enum proto_kind proto;
	bool irc;                  /* irc, ws: IRC is spoken (over TCP or inside WebSocket frames) */
	const char *host;
	unsigned port;             /* ports[0]: the senders' server */
	unsigned ports[MAX_PORTS]; /* receiver i connects to ports[i % nports]; senders to ports[0] */
	unsigned nports;
	long pid;                  /* pids[0] */
	long pids[MAX_PIDS];
	unsigned npids;
	unsigned redis_port;       /* 0, or a Redis (the cluster's) to read INFO from around sending */
	bool join_quiet;           /* settle after --settle-quiet of silence, not a count of joins */
	uint32_t n, s, m, window;
	double rate;               /* messages per second per sender; 0 = window-bound */
	uint32_t size;
	const char *room;          /* line: NULL = stay in the lobby; redis, irc: the channel */
	const char *prefix;        /* prepended to client names */
	const char *label;
	unsigned sources;          /* 0 = automatic */
	unsigned parallel;         /* connects in progress at once */
	unsigned join_window;      /* irc: JOINs waiting for their 366 at once */
	double deadline_s;
	double settle_quiet_s;     /* give up waiting for joins after this much silence */
	double idle_wait_s;
	bool idle;
	bool part_lobby;           /* line: leave the lobby right after naming (no join storm) */
	bool no_join;              /* irc, ws: register only, join no channel (no NAMES storm) */
	uint64_t announce_max;     /* line: the server's --announce-max (0 = announces always) */
	bool tls;                  /* line: TLS over the TCP connection (charlad's --tls-listen) */
};

struct client {
	int fd;
	uint8_t role;
	uint8_t state;
	uint8_t port_idx;          /* which of o.ports it connects to */
	bool out_armed;            /* EPOLLOUT requested */
	bool joined;               /* irc: its own JOIN has come back */
	bool listed;               /* irc: the 366 after its own JOIN has come */
	bool fenced;               /* irc: the PONG to its fence PING has come back */
	bool ws_open;              /* ws: the server's 101 has come; frames from here on */
	uint32_t sidx;             /* sender number (senders only) */
	char *stash;               /* a partial line or reply carried to the next read */
	uint32_t stash_len, stash_cap;
	char *out;                 /* bytes the kernel did not take yet */
	uint32_t out_len, out_off, out_cap;
	uint32_t enc_off;          /* out[0..enc_off) is ready for the wire: proto->encode has seen
				    * it (out_off <= enc_off <= out_len) */
	uint32_t sent, done;       /* senders: messages sent, and received by every receiver */
	struct ssl_st *ssl;        /* --tls: the client's session (tls.c), from connect to exit */
	bool tls_wants_read;       /* --tls: a write waits for bytes from the server (handshake) */
};

struct bench;
struct ssl_st;
struct ssl_ctx_st;

/* What differs between the protocols: one constant table each, in line.c, resp.c and irc.c. */
struct proto {
	const char *name;
	/* The TCP connection is up: queue what the client says first (name, SUBSCRIBE, NICK). The
	 * caller flushes. */
	void (*hello)(struct bench *b, struct client *c, uint64_t now);
	/* Handles what is in buf[0..len) from the server for c; returns how many bytes were
	 * consumed (the rest is a partial line or reply, kept for the next read). */
	size_t (*parse)(struct bench *b, struct client *c, char *buf, size_t len, uint64_t now);
	/* Queues one message from sender c to the room and returns where its o.size payload bytes
	 * go. The caller writes them and flushes. */
	char *(*frame)(struct bench *b, struct client *c);
	/* Every client is ready: starts what remains before sending (irc: joining, then the fence
	 * that shows the join news has all arrived), or NULL when counting join lines is enough. */
	void (*settle)(struct bench *b);
	/* A transport under the protocol: turns what was queued since the last call (out[enc_off..
	 * out_len), whole lines) into what goes on the wire, just before client_flush writes it (ws:
	 * one masked text frame per line), and sets enc_off to out_len. NULL: bytes go as queued. */
	void (*encode)(struct bench *b, struct client *c);
};

extern const struct proto line_proto, resp_proto, irc_proto, ws_proto;

struct bench {
	struct opts o;
	const struct proto *proto;
	int ep;
	struct client *cl;
	uint32_t total;            /* n + s */
	uint32_t next_open, connecting, connected, ready;
	unsigned nsources;
	enum phase phase;
	bool timed_out, failed;
	char fail_msg[256];

	uint64_t join_lines, join_expected, other_lines, errors, echoes, peer_lines, bogus;
	uint64_t peer_expected;     /* senders' copies of each other's messages (line, irc, ws) */
	uint64_t pub_replies, server_pings, fenced, fence_expected;
	uint32_t join_next, listed;  /* irc: JOINs sent, and answered with 366 */
	uint64_t delivered, dup, reorder, expected;
	uint64_t sent_total;
	uint8_t *seen;             /* bitmap: (receiver, sender, seq) */
	uint32_t *maxseq;          /* per (receiver, sender): highest seq + 1 seen */
	uint32_t *count;           /* per (sender, seq): receivers that have it */
	char first_error[160];

	uint64_t t0, t_connected, t_ready, t_settled, t_send, t_last, t_end, t_last_join, t_last_peer;
	uint64_t deadline;
	long rss_base, rss_ready, rss_end, hwm_end;
	double cpu_start, cpu_ready, cpu_send, cpu_end; /* the server's CPU seconds at each point */
	struct hist lat;

	char *wscratch;            /* ws: the lines being framed (encode's, grown as needed) */
	size_t wscratch_cap;
	uint32_t ws_mask;          /* ws: xorshift state for the client frames' masking keys */

	struct ssl_ctx_st *tls_ctx; /* --tls: the one client context (tls.c) */

	/* Several servers (nodes.c): with more than one port, a latency histogram and a delivery count
	 * per port (port_lat: nports histograms, NULL with one port); per pid, CPU seconds and RSS at
	 * the start and end of sending; Redis's counters at the same two points. */
	struct hist *port_lat;
	uint64_t port_delivered[MAX_PORTS];
	uint32_t port_receivers[MAX_PORTS];
	double pid_cpu[2][MAX_PIDS];
	long pid_rss[2][MAX_PIDS];
	struct rinfo {
		bool ok;
		uint64_t publish, evalsha, commands, net_in, net_out;
		double cpu;        /* used_cpu_sys + used_cpu_user, seconds */
	} redis[2];

	char pub_prefix[96];       /* redis, irc: the publishing command up to the payload */
	size_t pub_prefix_len;
	char rbuf[RBUF_SIZE];
};

/* bench.c */
uint64_t bench_now(void);
void bench_die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
void *bench_alloc(size_t n);
/* Ends the run early with a reason (reported in the table and the JSON line); the first wins. */
void bench_fail(struct bench *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void bench_mark_ready(struct bench *b, struct client *c, uint64_t now);
/* Counts an error reply from the server and keeps the first one for the report. */
void bench_error_line(struct bench *b, const char *p, size_t len);
bool bench_starts(const char *p, size_t len, const char *lit);

/* opts.c */
void opts_parse(struct opts *o, int argc, char **argv);

/* client.c */
void client_open(struct bench *b, uint32_t i);
void client_connected(struct bench *b, struct client *c, uint64_t now);
void client_read(struct bench *b, struct client *c);
/* Writes what is buffered; arms EPOLLOUT while something is left. */
void client_flush(struct bench *b, struct client *c);
/* Reserves room for n more output bytes and returns where to put them. */
char *client_out(struct client *c, size_t n);
void client_out_str(struct client *c, const char *s);
void client_out_mem(struct client *c, const char *s, size_t n);
void client_close(struct bench *b, struct client *c);
/* The client's name: "<prefix>r<i>" or "<prefix>s<k>" (line), "<prefix>b<i>" (irc, ws). */
void client_name(const struct bench *b, const struct client *c, char *out, size_t len);

/* tls.c: what these return is as read(2) and write(2) would, with errno EAGAIN when the session
 * must wait for the socket (c->tls_wants_read says which way for a write). */
void tls_setup(struct bench *b);
void tls_attach(struct bench *b, struct client *c);
long tls_read(struct bench *b, struct client *c, char *buf, size_t len);
long tls_write(struct bench *b, struct client *c, const char *p, size_t len);

/* payload.c */
void payload_make(char *p, uint32_t size, uint32_t sender, uint32_t seq, uint64_t t);
/* A payload that arrived at c: checked, timed and counted. */
void payload_in(struct bench *b, struct client *c, const char *p, size_t len, uint64_t now);

/* proc.c: -1 when pid is 0 or /proc cannot tell. */
double proc_cpu(long pid);
void proc_rss(long pid, long *rss, long *hwm);

/* nodes.c: the moment a snapshot is taken at (NODES_SEND: sending starts, or with --idle before
 * connecting; NODES_END: the run ends). */
enum { NODES_SEND, NODES_END };
void nodes_setup(struct bench *b);
void nodes_snap(struct bench *b, int when);
void nodes_print(const struct bench *b);
/* The CPU seconds every --pid used while sending, summed; -1 if one is unknown. */
double nodes_cpu_sum(const struct bench *b);
/* Appends the several-server fields to the JSON object being printed (",\"ports\":[...]..."). */
void nodes_json(const struct bench *b);

/* rinfo.c: INFO from the Redis at host:port into r (r->ok false when it could not be read; it
 * waits at most about a second). */
void rinfo_read(const char *host, unsigned port, struct rinfo *r);

/* report.c */
bool report_clean(const struct bench *b);
void report_print(const struct bench *b);

#endif
