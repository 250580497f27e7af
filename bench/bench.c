/* charla-bench: a load generator for charlad's line protocol and, for comparison, Redis pub/sub.
 *
 * One process, one epoll loop, non-blocking sockets, loopback only. It connects N receivers and S
 * senders (at most `--parallel` connects in progress at a time, from several 127.0.0.x source
 * addresses when there are many clients, so that ephemeral ports never run out), has them name
 * themselves and join one room (line: send a name, optionally `/join ROOM`; Redis: SUBSCRIBE), waits
 * until every join announcement has arrived, then lets each sender send M messages with at most W in
 * flight (a message is in flight until every receiver has it), or at a fixed rate. Every payload
 * carries its sender, a sequence number and the send time, so each delivery yields a latency and is
 * checked for loss, duplication and reordering (per receiver and sender; a bitmap of
 * N x S x M bits). The server's RSS is read from /proc/PID/status before, after the joins and at the
 * end. The result is printed as a table and as one JSON line (the last line of standard output).
 *
 * --idle connects and names N clients and reports the server's RSS per client instead.
 *
 * Everything is bounded: the run stops at --deadline seconds whatever happens (and an alarm kills the
 * process shortly after, should the loop itself wedge). Exit status: 0 = complete and clean; 3 = ran,
 * but incomplete or with anomalies (lost, duplicated, reordered, unexpected lines); 1 = could not run;
 * 2 = bad usage. */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "hist.h"

#ifndef IP_BIND_ADDRESS_NO_PORT
#define IP_BIND_ADDRESS_NO_PORT 24
#endif

enum {
	RBUF_SIZE = 256 * 1024,
	MAX_EVENTS = 1024,
	PAYLOAD_MIN = 32,
	PAYLOAD_MAX = 1024,
	NAME_MAX_LEN = 32,
	MAX_SOURCES = 64,
	MAX_STASH = 64 * 1024, /* a partial line or reply longer than this is a protocol error */
};

enum proto { PROTO_LINE, PROTO_REDIS };
enum role { ROLE_RECV, ROLE_SEND };
enum cstate { CS_NEW, CS_CONNECTING, CS_NAMING, CS_READY, CS_CLOSED };
enum phase { PH_CONNECT, PH_SETTLE, PH_SEND, PH_IDLE, PH_DONE };

struct opts {
	enum proto proto;
	const char *host;
	unsigned port;
	long pid;
	uint32_t n, s, m, window;
	double rate;               /* messages per second per sender; 0 = window-bound */
	uint32_t size;
	const char *room;          /* line: NULL = stay in the lobby; redis: the channel */
	const char *prefix;        /* prepended to client names */
	const char *label;
	unsigned sources;          /* 0 = automatic */
	unsigned parallel;         /* connects in progress at once */
	double deadline_s;
	double settle_quiet_s;     /* give up waiting for join lines after this much silence */
	double idle_wait_s;
	bool idle;
	bool part_lobby;           /* line: leave the lobby right after naming (no join storm) */
	uint64_t announce_max;     /* line: the server's --announce-max (0 = announces always) */
};

struct client {
	int fd;
	uint8_t role;
	uint8_t state;
	bool out_armed;            /* EPOLLOUT requested */
	uint32_t sidx;             /* sender number (senders only) */
	char *stash;               /* a partial line or reply carried to the next read */
	uint32_t stash_len, stash_cap;
	char *out;                 /* bytes the kernel did not take yet */
	uint32_t out_len, out_off, out_cap;
	uint32_t sent, done;       /* senders: messages sent, and received by every receiver */
};

struct bench {
	struct opts o;
	int ep;
	struct client *cl;
	uint32_t total;            /* n + s */
	uint32_t next_open, connecting, connected, ready;
	unsigned nsources;
	enum phase phase;
	bool timed_out, failed;
	char fail_msg[256];

	uint64_t join_lines, join_expected, other_lines, errors, echoes, peer_lines, bogus;
	uint64_t pub_replies;
	uint64_t delivered, dup, reorder, expected;
	uint64_t sent_total;
	uint8_t *seen;             /* bitmap: (receiver, sender, seq) */
	uint32_t *maxseq;          /* per (receiver, sender): highest seq + 1 seen */
	uint32_t *count;           /* per (sender, seq): receivers that have it */
	char first_error[160];

	uint64_t t0, t_connected, t_ready, t_settled, t_send, t_last, t_end, t_last_join;
	uint64_t deadline;
	long rss_base, rss_ready, rss_end, hwm_end;
	double cpu_start, cpu_ready, cpu_send, cpu_end; /* the server's CPU seconds at each point */
	struct hist lat;

	char pub_prefix[96];       /* redis: the PUBLISH command up to the payload */
	size_t pub_prefix_len;
	char rbuf[RBUF_SIZE];
};

/* ---- small helpers ---- */

/* CPU time (user + system) the process has used so far, in seconds, or -1. */
static double bench_cpu(long pid)
{
	if (pid <= 0)
		return -1;
	char path[64], buf[1024];
	snprintf(path, sizeof(path), "/proc/%ld/stat", pid);
	FILE *f = fopen(path, "r");
	if (!f)
		return -1;
	size_t n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	/* The command name may hold spaces; the fields after it start after the last ')'. */
	char *p = strrchr(buf, ')');
	if (!p)
		return -1;
	unsigned long long ut = 0, st = 0;
	if (sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu", &ut, &st) != 2)
		return -1;
	return (double)(ut + st) / (double)sysconf(_SC_CLK_TCK);
}

static uint64_t bench_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static void bench_die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

static void bench_die(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fputs("charla-bench: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
	exit(1);
}

static void *bench_alloc(size_t n)
{
	void *p = calloc(1, n ? n : 1);
	if (!p)
		bench_die("out of memory (%zu bytes)", n);
	return p;
}

static void bench_fail(struct bench *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Ends the run early with a reason (reported in the table and the JSON line). */
static void bench_fail(struct bench *b, const char *fmt, ...)
{
	if (b->failed)
		return;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(b->fail_msg, sizeof(b->fail_msg), fmt, ap);
	va_end(ap);
	b->failed = true;
	b->phase = PH_DONE;
}

/* VmRSS and VmHWM of pid in KiB, or -1. */
static void bench_rss(long pid, long *rss, long *hwm)
{
	*rss = -1;
	if (hwm)
		*hwm = -1;
	if (pid <= 0)
		return;
	char path[64];
	snprintf(path, sizeof(path), "/proc/%ld/status", pid);
	FILE *f = fopen(path, "r");
	if (!f)
		return;
	char line[256];
	while (fgets(line, sizeof(line), f)) {
		if (strncmp(line, "VmRSS:", 6) == 0)
			*rss = strtol(line + 6, NULL, 10);
		else if (hwm && strncmp(line, "VmHWM:", 6) == 0)
			*hwm = strtol(line + 6, NULL, 10);
	}
	fclose(f);
}

static int bench_hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/* Parses n lowercase hex digits; false if any is not one. */
static bool bench_hex(const char *p, unsigned n, uint64_t *out)
{
	uint64_t v = 0;
	for (unsigned i = 0; i < n; i++) {
		int d = bench_hexval(p[i]);
		if (d < 0)
			return false;
		v = v << 4 | (uint64_t)d;
	}
	*out = v;
	return true;
}

/* ---- payloads ----
 *
 * "P" sender(4 hex) " " seq(8 hex) " " send-time-ns(16 hex) " " then filler up to `size` bytes:
 * printable ASCII, so it passes any line protocol unchanged, and fixed-width, so parsing is cheap. */

static void bench_payload(char *p, uint32_t size, uint32_t sender, uint32_t seq, uint64_t t)
{
	static const char hex[] = "0123456789abcdef";
	p[0] = 'P';
	for (int i = 0; i < 4; i++)
		p[1 + i] = hex[(sender >> (12 - 4 * i)) & 15];
	p[5] = ' ';
	for (int i = 0; i < 8; i++)
		p[6 + i] = hex[(seq >> (28 - 4 * i)) & 15];
	p[14] = ' ';
	for (int i = 0; i < 16; i++)
		p[15 + i] = hex[(t >> (60 - 4 * i)) & 15];
	p[31] = ' ';
	for (uint32_t i = 32; i < size; i++)
		p[i] = (char)('a' + i % 26);
}

/* ---- output buffers and epoll ---- */

static void bench_epoll(struct bench *b, struct client *c, int op, uint32_t events)
{
	struct epoll_event ev = {.events = events, .data.u32 = (uint32_t)(c - b->cl)};
	if (epoll_ctl(b->ep, op, c->fd, &ev) < 0)
		bench_die("epoll_ctl: %s", strerror(errno));
}

static void bench_close(struct bench *b, struct client *c)
{
	if (c->fd >= 0) {
		close(c->fd); /* also removes it from the epoll set */
		c->fd = -1;
	}
	if (c->state == CS_CONNECTING)
		b->connecting--;
	c->state = CS_CLOSED;
}

/* Writes what is buffered; arms EPOLLOUT while something is left. */
static void bench_flush(struct bench *b, struct client *c)
{
	while (c->out_off < c->out_len) {
		ssize_t r = write(c->fd, c->out + c->out_off, c->out_len - c->out_off);
		if (r > 0) {
			c->out_off += (uint32_t)r;
			continue;
		}
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0 && errno == EAGAIN)
			break;
		bench_fail(b, "write to client %u: %s", (unsigned)(c - b->cl),
			   r < 0 ? strerror(errno) : "nothing written");
		return;
	}
	if (c->out_off == c->out_len)
		c->out_off = c->out_len = 0;
	bool want = c->out_len > 0;
	if (want != c->out_armed) {
		c->out_armed = want;
		bench_epoll(b, c, EPOLL_CTL_MOD, EPOLLIN | (want ? EPOLLOUT : 0));
	}
}

/* Reserves room for n more output bytes and returns where to put them. */
static char *bench_out(struct client *c, size_t n)
{
	if (c->out_off && c->out_off == c->out_len)
		c->out_off = c->out_len = 0;
	if (c->out_len + n > c->out_cap) {
		uint32_t cap = c->out_cap ? c->out_cap : 256;
		while (cap < c->out_len + n)
			cap *= 2;
		char *p = realloc(c->out, cap);
		if (!p)
			bench_die("out of memory");
		c->out = p;
		c->out_cap = cap;
	}
	char *at = c->out + c->out_len;
	c->out_len += (uint32_t)n;
	return at;
}

static void bench_out_str(struct client *c, const char *s)
{
	size_t n = strlen(s);
	memcpy(bench_out(c, n), s, n);
}

/* ---- connecting ---- */

static void bench_open(struct bench *b, uint32_t i)
{
	struct client *c = &b->cl[i];
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		bench_die("socket (client %u): %s", i, strerror(errno));
	int one = 1;
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	if (b->nsources > 1) {
		/* Several source addresses, and the port chosen at connect time (4-tuple unique), so
		 * that tens of thousands of clients never exhaust one address's ephemeral ports. */
		setsockopt(fd, IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, &one, sizeof(one));
		struct sockaddr_in src = {.sin_family = AF_INET};
		src.sin_addr.s_addr = htonl(0x7f000000u | (10u + i % b->nsources));
		if (bind(fd, (struct sockaddr *)&src, sizeof(src)) < 0)
			bench_die("bind 127.0.0.%u: %s", 10u + i % b->nsources, strerror(errno));
	}
	struct sockaddr_in dst = {.sin_family = AF_INET, .sin_port = htons((uint16_t)b->o.port)};
	inet_pton(AF_INET, b->o.host, &dst.sin_addr);
	c->fd = fd;
	c->state = CS_CONNECTING;
	b->connecting++;
	int r = connect(fd, (struct sockaddr *)&dst, sizeof(dst));
	if (r < 0 && errno != EINPROGRESS)
		bench_die("connect (client %u): %s", i, strerror(errno));
	bench_epoll(b, c, EPOLL_CTL_ADD, EPOLLOUT);
}

static void bench_name(const struct bench *b, const struct client *c, char *out, size_t len)
{
	uint32_t i = (uint32_t)(c - b->cl);
	if (c->role == ROLE_SEND)
		snprintf(out, len, "%ss%u", b->o.prefix, c->sidx);
	else
		snprintf(out, len, "%sr%u", b->o.prefix, i);
}

static void bench_mark_ready(struct bench *b, struct client *c, uint64_t now)
{
	if (c->state == CS_READY)
		return;
	c->state = CS_READY;
	if (++b->ready == b->total)
		b->t_ready = now;
}

static void bench_connected(struct bench *b, struct client *c, uint64_t now)
{
	int err = 0;
	socklen_t len = sizeof(err);
	if (getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0)
		err = errno;
	if (err) {
		bench_fail(b, "connect (client %u) to %s:%u: %s", (unsigned)(c - b->cl), b->o.host,
			   b->o.port, strerror(err));
		return;
	}
	b->connecting--;
	if (++b->connected == b->total)
		b->t_connected = now;
	c->state = CS_NAMING;
	c->out_armed = false;
	bench_epoll(b, c, EPOLL_CTL_MOD, EPOLLIN);
	if (b->o.proto == PROTO_LINE) {
		char name[NAME_MAX_LEN + 2];
		bench_name(b, c, name, sizeof(name));
		bench_out_str(c, name);
		bench_out_str(c, "\n");
		if (b->o.part_lobby)
			bench_out_str(c, "/part\n");
		if (b->o.room) {
			bench_out_str(c, "/join ");
			bench_out_str(c, b->o.room);
			bench_out_str(c, "\n");
		}
	} else if (c->role == ROLE_RECV) {
		char cmd[128];
		size_t rl = strlen(b->o.room);
		snprintf(cmd, sizeof(cmd), "*2\r\n$9\r\nSUBSCRIBE\r\n$%zu\r\n%s\r\n", rl, b->o.room);
		bench_out_str(c, cmd);
	} else {
		/* A publisher needs no set-up. */
		bench_mark_ready(b, c, now);
	}
	bench_flush(b, c);
}

/* ---- deliveries ---- */

static void bench_payload_in(struct bench *b, struct client *c, const char *p, size_t len,
			     uint64_t now)
{
	const struct opts *o = &b->o;
	uint64_t snd, seq, t;
	if (len != o->size || p[0] != 'P' || !bench_hex(p + 1, 4, &snd) || !bench_hex(p + 6, 8, &seq) ||
	    !bench_hex(p + 15, 16, &t)) {
		b->bogus++;
		return;
	}
	if (c->role == ROLE_SEND) {
		/* Another sender's message (line protocol: senders are room members too). */
		if (snd == c->sidx)
			b->echoes++;
		else
			b->peer_lines++;
		return;
	}
	if (snd >= o->s || seq >= o->m) {
		b->bogus++;
		return;
	}
	hist_add(&b->lat, now > t ? now - t : 0);
	uint64_t r = (uint64_t)(c - b->cl);
	uint64_t pair = r * o->s + snd;
	uint64_t bit = pair * o->m + seq;
	uint8_t mask = (uint8_t)(1u << (bit & 7));
	if (b->seen[bit >> 3] & mask) {
		b->dup++;
		return;
	}
	b->seen[bit >> 3] |= mask;
	b->delivered++;
	b->t_last = now;
	if (seq < b->maxseq[pair])
		b->reorder++;
	else
		b->maxseq[pair] = (uint32_t)seq + 1;
	if (++b->count[snd * o->m + seq] == o->n)
		b->cl[o->n + snd].done++;
}

static void bench_error_line(struct bench *b, const char *p, size_t len)
{
	if (!b->errors++)
		snprintf(b->first_error, sizeof(b->first_error), "%.*s", (int)(len > 150 ? 150 : len), p);
}

static bool bench_starts(const char *p, size_t len, const char *lit)
{
	size_t n = strlen(lit);
	return len >= n && memcmp(p, lit, n) == 0;
}

/* One line from charlad (LF removed). */
static void bench_line_in(struct bench *b, struct client *c, const char *p, size_t len, uint64_t now)
{
	if (len && p[len - 1] == '\r')
		len--;
	if (len == 0)
		return;
	if (p[0] == '[') {
		const char *end = memchr(p, ']', len);
		if (!end || (size_t)(end - p) + 2 > len) {
			b->bogus++;
			return;
		}
		const char *q = end + 2;
		size_t rest = len - (size_t)(q - p);
		if (bench_starts(q, rest, "-- ")) {
			if (rest >= 7 && memcmp(q + rest - 7, " joined", 7) == 0) {
				b->join_lines++;
				b->t_last_join = now;
			} else {
				b->other_lines++;
			}
		} else if (bench_starts(q, rest, "* ")) {
			b->other_lines++;
		} else if (rest >= b->o.size) {
			bench_payload_in(b, c, p + len - b->o.size, b->o.size, now);
		} else {
			b->bogus++;
		}
		return;
	}
	if (p[0] == '*') {
		if (bench_starts(p, len, "* Welcome, ")) {
			if (!b->o.room && !b->o.part_lobby)
				bench_mark_ready(b, c, now);
		} else if (bench_starts(p, len, "* You joined ")) {
			bench_mark_ready(b, c, now);
		} else if (bench_starts(p, len, "* You left ") && b->o.part_lobby && !b->o.room) {
			bench_mark_ready(b, c, now);
		}
		return;
	}
	if (p[0] == '!') {
		bench_error_line(b, p, len);
		return;
	}
	b->other_lines++;
}

/* A RESP reply: up to 4 top-level elements (strings or integers). */
struct resp {
	char type;                /* '*', '+', '-', ':' or '$' */
	unsigned n;
	const char *v[4];
	size_t len[4];
};

/* Parses one "<type>...\r\n" header line at p; returns its length with CRLF, 0 if incomplete. */
static size_t bench_resp_line(const char *p, size_t len)
{
	const char *cr = memchr(p, '\n', len);
	return cr ? (size_t)(cr - p) + 1 : 0;
}

/* Parses one reply at p. Returns bytes consumed, 0 if incomplete, -1 if malformed. */
static long bench_resp_parse(const char *p, size_t len, struct resp *r)
{
	size_t hl = bench_resp_line(p, len);
	if (!hl)
		return len > MAX_STASH ? -1 : 0;
	memset(r, 0, sizeof(*r));
	r->type = p[0];
	long count = strtol(p + 1, NULL, 10);
	switch (p[0]) {
	case '+':
	case '-':
	case ':':
		r->n = 1;
		r->v[0] = p + 1;
		r->len[0] = hl - 3;
		return (long)hl;
	case '$':
		if (count < 0 || (size_t)count + 2 > len - hl)
			return count < 0 ? (long)hl : 0;
		r->n = 1;
		r->v[0] = p + hl;
		r->len[0] = (size_t)count;
		return (long)(hl + (size_t)count + 2);
	case '*':
		break;
	default:
		return -1;
	}
	if (count < 0 || count > 4)
		return -1;
	size_t off = hl;
	for (long i = 0; i < count; i++) {
		size_t el = bench_resp_line(p + off, len - off);
		if (!el)
			return 0;
		const char *e = p + off;
		if (e[0] == '$') {
			long bl = strtol(e + 1, NULL, 10);
			if (bl < 0)
				return -1;
			if (off + el + (size_t)bl + 2 > len)
				return 0;
			r->v[i] = e + el;
			r->len[i] = (size_t)bl;
			off += el + (size_t)bl + 2;
		} else if (e[0] == ':' || e[0] == '+') {
			r->v[i] = e + 1;
			r->len[i] = el - 3;
			off += el;
		} else {
			return -1;
		}
	}
	r->n = (unsigned)count;
	return (long)off;
}

static void bench_resp_in(struct bench *b, struct client *c, const struct resp *r, uint64_t now)
{
	if (r->type == '-') {
		bench_error_line(b, r->v[0], r->len[0]);
		return;
	}
	if (r->type == ':') {
		b->pub_replies++;
		return;
	}
	if (r->type == '*' && r->n == 3 && r->len[0] == 7 && memcmp(r->v[0], "message", 7) == 0) {
		bench_payload_in(b, c, r->v[2], r->len[2], now);
		return;
	}
	if (r->type == '*' && r->n == 3 && r->len[0] == 9 && memcmp(r->v[0], "subscribe", 9) == 0) {
		bench_mark_ready(b, c, now);
		return;
	}
	b->other_lines++;
}

/* Parses what is in buf[0..len); returns how many bytes were consumed (the rest is partial). */
static size_t bench_parse(struct bench *b, struct client *c, char *buf, size_t len, uint64_t now)
{
	size_t off = 0;
	if (b->o.proto == PROTO_LINE) {
		while (off < len) {
			char *nl = memchr(buf + off, '\n', len - off);
			if (!nl)
				break;
			bench_line_in(b, c, buf + off, (size_t)(nl - (buf + off)), now);
			off = (size_t)(nl - buf) + 1;
		}
		return off;
	}
	while (off < len) {
		struct resp r;
		long used = bench_resp_parse(buf + off, len - off, &r);
		if (used < 0) {
			bench_fail(b, "malformed reply from the server (client %u)", (unsigned)(c - b->cl));
			return len;
		}
		if (used == 0)
			break;
		bench_resp_in(b, c, &r, now);
		off += (size_t)used;
	}
	return off;
}

static void bench_read(struct bench *b, struct client *c)
{
	/* The kept partial line goes first, then one read fills the rest of the shared buffer. */
	size_t have = c->stash_len;
	if (have)
		memcpy(b->rbuf, c->stash, have);
	ssize_t r = read(c->fd, b->rbuf + have, sizeof(b->rbuf) - have);
	if (r < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (r <= 0) {
		bench_fail(b, "the server closed client %u (%s)%s%s", (unsigned)(c - b->cl),
			   r < 0 ? strerror(errno) : "EOF", b->errors ? "; first error line: " : "",
			   b->errors ? b->first_error : "");
		bench_close(b, c);
		return;
	}
	uint64_t now = bench_now();
	size_t len = have + (size_t)r;
	size_t used = bench_parse(b, c, b->rbuf, len, now);
	size_t left = len - used;
	if (left > MAX_STASH) {
		bench_fail(b, "a line or reply longer than %d bytes from the server", MAX_STASH);
		return;
	}
	if (left > c->stash_cap) {
		free(c->stash);
		c->stash_cap = (uint32_t)(left < 256 ? 256 : left);
		c->stash = bench_alloc(c->stash_cap);
	}
	if (left)
		memcpy(c->stash, b->rbuf + used, left);
	c->stash_len = (uint32_t)left;
}

/* ---- sending ---- */

/* When message q of sender s is due in paced mode: senders are spread evenly over one period. */
static uint64_t bench_due(const struct bench *b, uint32_t s, uint32_t q)
{
	double period = 1e9 / b->o.rate;
	return b->t_send + (uint64_t)(period * ((double)q + (double)s / (double)b->o.s));
}

static void bench_top_up(struct bench *b, uint64_t now)
{
	const struct opts *o = &b->o;
	for (uint32_t s = 0; s < o->s; s++) {
		struct client *c = &b->cl[o->n + s];
		if (c->state != CS_READY)
			continue;
		unsigned k = 0;
		while (c->sent < o->m && c->sent - c->done < o->window &&
		       (o->rate <= 0 || bench_due(b, s, c->sent) <= now)) {
			if (!k)
				now = bench_now(); /* stamp as close to the write as we can */
			char *p;
			if (o->proto == PROTO_LINE) {
				p = bench_out(c, o->size + 1);
				p[o->size] = '\n';
			} else {
				char *h = bench_out(c, b->pub_prefix_len + o->size + 2);
				memcpy(h, b->pub_prefix, b->pub_prefix_len);
				p = h + b->pub_prefix_len;
				memcpy(p + o->size, "\r\n", 2);
			}
			bench_payload(p, o->size, s, c->sent, now);
			c->sent++;
			b->sent_total++;
			k++;
		}
		if (k)
			bench_flush(b, c);
	}
}

/* Nanoseconds until the next paced send (UINT64_MAX if none is waiting on time). */
static uint64_t bench_next_due(const struct bench *b, uint64_t now)
{
	uint64_t best = UINT64_MAX;
	if (b->o.rate <= 0)
		return best;
	for (uint32_t s = 0; s < b->o.s; s++) {
		const struct client *c = &b->cl[b->o.n + s];
		if (c->state != CS_READY || c->sent >= b->o.m || c->sent - c->done >= b->o.window)
			continue;
		uint64_t due = bench_due(b, s, c->sent);
		uint64_t wait = due > now ? due - now : 0;
		if (wait < best)
			best = wait;
	}
	return best;
}

/* ---- the loop ---- */

static void bench_event(struct bench *b, const struct epoll_event *ev, uint64_t now)
{
	struct client *c = &b->cl[ev->data.u32];
	if (c->state == CS_CLOSED)
		return;
	if (c->state == CS_CONNECTING) {
		if (ev->events & (EPOLLOUT | EPOLLERR | EPOLLHUP))
			bench_connected(b, c, now);
		return;
	}
	if (ev->events & (EPOLLIN | EPOLLHUP | EPOLLERR))
		bench_read(b, c);
	if (c->state != CS_CLOSED && (ev->events & EPOLLOUT))
		bench_flush(b, c);
}

static void bench_step(struct bench *b, uint64_t now)
{
	const struct opts *o = &b->o;
	switch (b->phase) {
	case PH_CONNECT:
		/* At most `parallel` clients between connect() and ready: counting only the TCP
		 * handshake would let the server's accept queue overflow (the kernel completes
		 * handshakes before the server accepts), and a dropped SYN costs a 1 s retry. */
		while (b->next_open < b->total && b->next_open - b->ready < o->parallel)
			bench_open(b, b->next_open++);
		if (b->ready == b->total) {
			b->phase = PH_SETTLE;
			b->t_last_join = now;
		}
		break;
	case PH_SETTLE: {
		bool quiet = now - b->t_last_join > (uint64_t)(o->settle_quiet_s * 1e9);
		if (b->join_lines < b->join_expected && !quiet)
			break;
		b->t_settled = now;
		b->cpu_ready = bench_cpu(o->pid);
		bench_rss(o->pid, &b->rss_ready, NULL);
		if (o->idle) {
			b->phase = PH_IDLE;
		} else {
			b->phase = PH_SEND;
			b->cpu_send = bench_cpu(o->pid);
			b->t_send = b->t_last = bench_now();
			if (!o->m)
				b->phase = PH_DONE;
		}
		break;
	}
	case PH_SEND:
		if (b->delivered >= b->expected) {
			b->phase = PH_DONE;
			break;
		}
		bench_top_up(b, now);
		break;
	case PH_IDLE:
		/* Let the server's periodic work (timers, buffer shrinking) run before measuring. */
		if (now - b->t_settled >= (uint64_t)(o->idle_wait_s * 1e9))
			b->phase = PH_DONE;
		break;
	case PH_DONE:
		break;
	}
}

static void bench_run(struct bench *b)
{
	struct epoll_event evs[MAX_EVENTS];
	b->t0 = bench_now();
	b->deadline = b->t0 + (uint64_t)(b->o.deadline_s * 1e9);
	while (b->phase != PH_DONE) {
		uint64_t now = bench_now();
		if (now >= b->deadline) {
			b->timed_out = true;
			break;
		}
		/* Phases may follow one another at once (all joins may be in before all are ready). */
		enum phase before;
		do {
			before = b->phase;
			bench_step(b, now);
		} while (b->phase != before && b->phase != PH_DONE);
		if (b->phase == PH_DONE)
			break;
		int timeout = 20;
		if (b->phase == PH_SEND && b->o.rate > 0) {
			uint64_t wait = bench_next_due(b, now);
			if (wait != UINT64_MAX)
				timeout = (int)((wait + 999999) / 1000000);
			if (timeout > 20)
				timeout = 20;
		}
		if (b->phase == PH_CONNECT && b->next_open < b->total &&
		    b->next_open - b->ready < b->o.parallel)
			timeout = 0;
		int n = epoll_wait(b->ep, evs, MAX_EVENTS, timeout);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			bench_die("epoll_wait: %s", strerror(errno));
		}
		now = bench_now();
		for (int i = 0; i < n && !b->failed; i++)
			bench_event(b, &evs[i], now);
	}
	b->t_end = bench_now();
	b->cpu_end = bench_cpu(b->o.pid);
	bench_rss(b->o.pid, &b->rss_end, &b->hwm_end);
}

/* ---- reporting ---- */

static double bench_ms(uint64_t from, uint64_t to)
{
	return to && to >= from ? (double)(to - from) / 1e6 : -1;
}

static double bench_us(uint64_t ns)
{
	return (double)ns / 1e3;
}

static bool bench_clean(const struct bench *b)
{
	return !b->failed && !b->timed_out && b->dup == 0 && b->reorder == 0 && b->bogus == 0 &&
	       b->echoes == 0 && b->errors == 0 && b->delivered == b->expected;
}

static void bench_report(const struct bench *b)
{
	const struct opts *o = &b->o;
	const char *pname = o->proto == PROTO_LINE ? "line" : "redis";
	double connect_ms = bench_ms(b->t0, b->t_connected);
	double ready_ms = bench_ms(b->t0, b->t_ready);
	double settle_ms = bench_ms(b->t0, b->t_settled);
	uint64_t lost = b->expected > b->delivered ? b->expected - b->delivered : 0;
	uint64_t send_end = b->t_last > b->t_send ? b->t_last : b->t_send;
	double secs = (double)(send_end - b->t_send) / 1e9;
	double dps = secs > 0 ? (double)b->delivered / secs : 0;
	long per_client = -1;
	if (o->idle && b->rss_end >= 0 && b->rss_base >= 0 && b->connected)
		per_client = (b->rss_end - b->rss_base) * 1024 / (long)b->connected;
	uint64_t p50 = hist_quantile(&b->lat, 0.50), p99 = hist_quantile(&b->lat, 0.99);
	uint64_t p999 = hist_quantile(&b->lat, 0.999);
	const char *status = b->failed ? "failed" : b->timed_out ? "deadline" : "done";
	/* Server CPU time is a fairer yardstick than wall time on a busy machine. */
	double cpu_join = b->cpu_ready >= 0 && b->cpu_start >= 0 ? b->cpu_ready - b->cpu_start : -1;
	double cpu_send = b->cpu_end >= 0 && b->cpu_send >= 0 ? b->cpu_end - b->cpu_send : -1;
	double cpu_ns = cpu_send >= 0 && b->delivered ? cpu_send * 1e9 / (double)b->delivered : -1;

	printf("charla-bench: %s protocol at %s:%u, server pid %ld%s%s\n", pname, o->host, o->port,
	       o->pid, o->label ? ", " : "", o->label ? o->label : "");
	printf("  %-15s %u (%u receivers, %u senders, %u source address%s)\n", "clients", b->total,
	       o->n, o->s, b->nsources, b->nsources == 1 ? "" : "es");
	printf("  %-15s %.1f ms\n", "connected", connect_ms);
	printf("  %-15s %.1f ms\n", o->proto == PROTO_LINE ? "named+joined" : "subscribed", ready_ms);
	if (o->proto == PROTO_LINE)
		printf("  %-15s %.1f ms (%" PRIu64 " of %" PRIu64 " join announcements)\n", "joins settled",
		       settle_ms, b->join_lines, b->join_expected);
	if (!o->idle) {
		if (o->rate > 0)
			printf("  %-15s %u x %u, %u bytes, paced at %.0f/s per sender\n", "messages", o->s,
			       o->m, o->size, o->rate);
		else
			printf("  %-15s %u x %u, %u bytes, at most %u in flight per sender\n", "messages",
			       o->s, o->m, o->size, o->window);
		printf("  %-15s %" PRIu64 " of %" PRIu64 " in %.3f s = %.0f /s\n", "deliveries",
		       b->delivered, b->expected, secs, dps);
		printf("  %-15s p50 %.0f us, p99 %.0f us, p99.9 %.0f us, max %.0f us\n", "latency",
		       bench_us(p50), bench_us(p99), bench_us(p999), bench_us(b->lat.max));
		printf("  %-15s lost %" PRIu64 ", duplicated %" PRIu64 ", reordered %" PRIu64 "\n",
		       "integrity", lost, b->dup, b->reorder);
		printf("  %-15s %.2f s while sending (%.0f ns per delivery), %.2f s connecting\n",
		       "server CPU", cpu_send, cpu_ns, cpu_join);
	}
	printf("  %-15s base %ld KiB, ready %ld KiB, end %ld KiB, peak %ld KiB\n", "server RSS",
	       b->rss_base, b->rss_ready, b->rss_end, b->hwm_end);
	if (o->idle)
		printf("  %-15s %ld bytes per named idle client\n", "idle memory", per_client);
	if (b->errors || b->bogus || b->echoes)
		printf("  %-15s %" PRIu64 " error lines (first: %s), %" PRIu64 " unparsable, %" PRIu64
		       " echoes\n", "anomalies", b->errors, b->first_error, b->bogus, b->echoes);
	printf("  %-15s %s%s%s\n", "status", status, b->failed ? ": " : "", b->failed ? b->fail_msg : "");

	/* The JSON line: numbers and fixed words only, except the label and the failure text, which
	 * are sanitised to printable ASCII without quotes or backslashes. */
	char label[128] = "", why[256] = "";
	const char *srcs[2] = {o->label ? o->label : "", b->fail_msg};
	char *dsts[2] = {label, why};
	size_t caps[2] = {sizeof(label), sizeof(why)};
	for (int k = 0; k < 2; k++) {
		size_t j = 0;
		for (const char *p = srcs[k]; *p && j + 1 < caps[k]; p++)
			dsts[k][j++] = (*p >= 0x20 && *p < 0x7f && *p != '"' && *p != '\\') ? *p : '?';
		dsts[k][j] = '\0';
	}
	printf("{\"tool\":\"charla-bench\",\"mode\":\"%s\",\"proto\":\"%s\",\"label\":\"%s\","
	       "\"status\":\"%s\",\"clean\":%s,\"error\":\"%s\","
	       "\"n\":%u,\"s\":%u,\"m\":%u,\"window\":%u,\"rate\":%.3f,\"size\":%u,\"sources\":%u,"
	       "\"connect_ms\":%.3f,\"ready_ms\":%.3f,\"settle_ms\":%.3f,"
	       "\"join_lines\":%" PRIu64 ",\"join_expected\":%" PRIu64 ","
	       "\"sent\":%" PRIu64 ",\"expected\":%" PRIu64 ",\"delivered\":%" PRIu64 ","
	       "\"lost\":%" PRIu64 ",\"dup\":%" PRIu64 ",\"reorder\":%" PRIu64 ","
	       "\"bogus\":%" PRIu64 ",\"echoes\":%" PRIu64 ",\"error_lines\":%" PRIu64 ","
	       "\"peer_lines\":%" PRIu64 ",\"seconds\":%.6f,\"deliveries_per_s\":%.1f,"
	       "\"lat_us\":{\"p50\":%.1f,\"p99\":%.1f,\"p999\":%.1f,\"max\":%.1f,\"mean\":%.1f},"
	       "\"rss_kb\":{\"base\":%ld,\"ready\":%ld,\"end\":%ld,\"hwm\":%ld},"
	       "\"server_cpu_s\":{\"connect\":%.3f,\"send\":%.3f},\"server_cpu_ns_per_delivery\":%.1f,"
	       "\"idle_bytes_per_client\":%ld}\n",
	       o->idle ? "idle" : o->rate > 0 ? "rate" : "throughput", pname, label, status,
	       bench_clean(b) ? "true" : "false", why, o->n, o->s, o->m, o->window, o->rate, o->size,
	       b->nsources, connect_ms, ready_ms, settle_ms, b->join_lines, b->join_expected,
	       b->sent_total, b->expected, b->delivered, lost, b->dup, b->reorder, b->bogus, b->echoes,
	       b->errors, b->peer_lines, secs, dps, bench_us(p50), bench_us(p99), bench_us(p999),
	       bench_us(b->lat.max), b->lat.count ? bench_us(b->lat.sum / b->lat.count) : 0.0,
	       b->rss_base, b->rss_ready, b->rss_end, b->hwm_end, cpu_join, cpu_send, cpu_ns,
	       per_client);
	fflush(stdout);
}

/* ---- options ---- */

static const char T_USAGE[] =
	"Usage: charla-bench [OPTIONS]\n"
	"A load generator for charlad (line protocol) and Redis pub/sub, on loopback only.\n"
	"\n"
	"  --proto line|redis     what the server speaks (default: line)\n"
	"  --host ADDR            server address, 127.x.x.x only (default: 127.0.0.1)\n"
	"  --port PORT            server port (required)\n"
	"  --pid PID              server process, for its RSS (default: none)\n"
	"  -n N                   receivers (default: 100)\n"
	"  -s S                   senders (default: 1)\n"
	"  -m M                   messages per sender (default: 1000)\n"
	"  --window W             messages in flight per sender (default: 16)\n"
	"  --rate R               send R messages/s per sender instead of as fast as the window\n"
	"                         allows (default: 0 = window-bound)\n"
	"  --size BYTES           payload size, 32-1024 (default: 64)\n"
	"  --room NAME            line: /join NAME after naming (default: stay in the lobby);\n"
	"                         redis: the channel (default: bench)\n"
	"  --part-lobby           line: /part the lobby right after naming, so that nobody hears\n"
	"                         of later joins (idle memory without the join storm)\n"
	"  --announce-max K       line: the server's --announce-max, to know how many join lines\n"
	"                         to wait for (default: 1000, charlad's default; 0 = always)\n"
	"  --prefix STR           prepended to client names (default: none)\n"
	"  --sources K            source addresses 127.0.0.10.. (default: 1 up to 1000 clients,\n"
	"                         more above)\n"
	"  --parallel C           connects in progress at once (default: 256)\n"
	"  --idle                 connect and name N clients, report server RSS per client\n"
	"  --idle-wait SECONDS    idle mode: wait this long before measuring (default: 2)\n"
	"  --settle-quiet SECONDS stop waiting for join announcements after this much silence\n"
	"                         (default: 3)\n"
	"  --deadline SECONDS     stop the run after this long whatever happens (default: 120)\n"
	"  --label TEXT           copied into the report\n"
	"  -h, --help             this help\n"
	"\n"
	"Prints a table, then one JSON line. Exit status: 0 complete and clean, 3 incomplete or with\n"
	"anomalies, 1 could not run, 2 bad usage.\n";

static void bench_usage_error(const char *fmt, const char *arg) __attribute__((noreturn));

static void bench_usage_error(const char *fmt, const char *arg)
{
	fputs("charla-bench: ", stderr);
	fputs(fmt, stderr);
	if (arg)
		fprintf(stderr, " '%s'", arg);
	fputs(" (see --help)\n", stderr);
	exit(2);
}

static double bench_num(const char *s, double min, double max, const char *what)
{
	char *end;
	errno = 0;
	double v = strtod(s, &end);
	if (errno || end == s || *end || v < min || v > max)
		bench_usage_error(what, s);
	return v;
}

static void bench_parse_opts(struct opts *o, int argc, char **argv)
{
	enum {
		O_PROTO = 256, O_HOST, O_PORT, O_PID, O_WINDOW, O_RATE, O_SIZE, O_ROOM, O_PREFIX,
		O_SOURCES, O_PARALLEL, O_IDLE, O_IDLE_WAIT, O_SETTLE, O_DEADLINE, O_LABEL, O_PART, O_ANNOUNCE,
	};
	static const struct option opts[] = {
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
		{"idle", no_argument, NULL, O_IDLE},
		{"idle-wait", required_argument, NULL, O_IDLE_WAIT},
		{"settle-quiet", required_argument, NULL, O_SETTLE},
		{"deadline", required_argument, NULL, O_DEADLINE},
		{"label", required_argument, NULL, O_LABEL},
		{"part-lobby", no_argument, NULL, O_PART},
		{"announce-max", required_argument, NULL, O_ANNOUNCE},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	*o = (struct opts){
		.proto = PROTO_LINE, .host = "127.0.0.1", .n = 100, .s = 1, .m = 1000, .window = 16,
		.size = 64, .prefix = "", .parallel = 256, .deadline_s = 120, .settle_quiet_s = 3, .announce_max = 1000,
		.idle_wait_s = 2,
	};
	bool have_port = false;
	int c;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":n:s:m:h", opts, NULL)) != -1) {
		switch (c) {
		case O_PROTO:
			if (strcmp(optarg, "line") == 0)
				o->proto = PROTO_LINE;
			else if (strcmp(optarg, "redis") == 0)
				o->proto = PROTO_REDIS;
			else
				bench_usage_error("unknown protocol", optarg);
			break;
		case O_HOST:
			o->host = optarg;
			break;
		case O_PORT:
			o->port = (unsigned)bench_num(optarg, 1, 65535, "bad port");
			have_port = true;
			break;
		case O_PID:
			o->pid = (long)bench_num(optarg, 1, 1e9, "bad pid");
			break;
		case 'n':
			o->n = (uint32_t)bench_num(optarg, 0, 1e6, "bad receiver count");
			break;
		case 's':
			o->s = (uint32_t)bench_num(optarg, 0, 65535, "bad sender count");
			break;
		case 'm':
			o->m = (uint32_t)bench_num(optarg, 0, 1e8, "bad message count");
			break;
		case O_WINDOW:
			o->window = (uint32_t)bench_num(optarg, 1, 1e6, "bad window");
			break;
		case O_RATE:
			o->rate = bench_num(optarg, 0, 1e7, "bad rate");
			break;
		case O_SIZE:
			o->size = (uint32_t)bench_num(optarg, PAYLOAD_MIN, PAYLOAD_MAX, "bad payload size");
			break;
		case O_ROOM:
			o->room = optarg;
			break;
		case O_PREFIX:
			o->prefix = optarg;
			break;
		case O_SOURCES:
			o->sources = (unsigned)bench_num(optarg, 1, MAX_SOURCES, "bad source count");
			break;
		case O_PARALLEL:
			o->parallel = (unsigned)bench_num(optarg, 1, 100000, "bad parallel count");
			break;
		case O_IDLE:
			o->idle = true;
			break;
		case O_IDLE_WAIT:
			o->idle_wait_s = bench_num(optarg, 0, 600, "bad idle wait");
			break;
		case O_SETTLE:
			o->settle_quiet_s = bench_num(optarg, 0.1, 600, "bad settle time");
			break;
		case O_DEADLINE:
			o->deadline_s = bench_num(optarg, 0.1, 3600, "bad deadline");
			break;
		case O_LABEL:
			o->label = optarg;
			break;
		case O_ANNOUNCE:
			o->announce_max = (uint64_t)bench_num(optarg, 0, 1e9, "bad --announce-max");
			break;
		case O_PART:
			o->part_lobby = true;
			break;
		case 'h':
			fputs(T_USAGE, stdout);
			exit(0);
		case ':':
			bench_usage_error("missing value for", argv[optind - 1]);
		default:
			bench_usage_error("unknown option", argv[optind - 1]);
		}
	}
	if (optind < argc)
		bench_usage_error("unexpected argument", argv[optind]);
	if (!have_port)
		bench_usage_error("--port is required", NULL);
	struct in_addr a;
	if (inet_pton(AF_INET, o->host, &a) != 1 || (ntohl(a.s_addr) >> 24) != 127)
		bench_usage_error("only 127.x.x.x addresses are allowed, not", o->host);
	if (o->idle) {
		o->s = 0;
		o->m = 0;
	}
	if (o->part_lobby && o->proto != PROTO_LINE)
		bench_usage_error("--part-lobby is for the line protocol", NULL);
	if (o->proto == PROTO_REDIS && !o->room)
		o->room = "bench";
	if (o->room && (strlen(o->room) > 64 || strpbrk(o->room, " \r\n")))
		bench_usage_error("bad room or channel name", o->room);
	if (strlen(o->prefix) > 16)
		bench_usage_error("prefix too long", o->prefix);
	if (o->n + o->s == 0)
		bench_usage_error("no clients", NULL);
	if (!o->idle && (o->n == 0 || o->s == 0) && o->m)
		bench_usage_error("messages need receivers and senders", NULL);
}

/* ---- set-up ---- */

static void bench_raise_nofile(uint32_t need)
{
	struct rlimit rl;
	if (getrlimit(RLIMIT_NOFILE, &rl) < 0)
		bench_die("getrlimit: %s", strerror(errno));
	if (rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
		getrlimit(RLIMIT_NOFILE, &rl);
	}
	if (rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur < need)
		bench_die("%u clients need about %u file descriptors; the limit is %llu", need - 16,
			  need, (unsigned long long)rl.rlim_cur);
}

static void bench_setup(struct bench *b)
{
	const struct opts *o = &b->o;
	b->total = o->n + o->s;
	bench_raise_nofile(b->total + 16);
	b->nsources = o->sources ? o->sources
		    : b->total <= 1000 ? 1
		    : (b->total / 2500 + 2 > 16 ? 16 : b->total / 2500 + 2);
	b->ep = epoll_create1(EPOLL_CLOEXEC);
	if (b->ep < 0)
		bench_die("epoll_create1: %s", strerror(errno));
	b->cl = bench_alloc((size_t)b->total * sizeof(*b->cl));
	for (uint32_t i = 0; i < b->total; i++) {
		b->cl[i].fd = -1;
		if (i >= o->n) {
			b->cl[i].role = ROLE_SEND;
			b->cl[i].sidx = i - o->n;
		}
	}
	/* Everyone joins the lobby by naming itself and is told of everyone who joins after it
	 * (the same again in --room), unless it leaves the lobby at once (then nobody can tell). The
	 * server stops announcing joins once a room has more than --announce-max members, so only the
	 * first min(total, announce_max) arrivals are announced. */
	uint64_t t = b->total;
	if (o->announce_max && t > o->announce_max)
		t = o->announce_max;
	if (o->proto == PROTO_LINE && !o->part_lobby)
		b->join_expected = t * (t - 1) / 2 * (o->room ? 2 : 1);
	else if (o->proto == PROTO_LINE && o->room)
		b->join_expected = t * (t - 1) / 2;
	b->expected = (uint64_t)o->n * o->s * o->m;
	uint64_t bits = b->expected;
	if (bits / 8 > (1ull << 30))
		bench_die("N x S x M = %" PRIu64 " is too many deliveries to track; lower -m", bits);
	b->seen = bench_alloc((size_t)(bits / 8 + 1));
	b->maxseq = bench_alloc((size_t)o->n * o->s * sizeof(*b->maxseq) + 1);
	b->count = bench_alloc((size_t)o->s * o->m * sizeof(*b->count) + 1);
	hist_init(&b->lat);
	if (o->proto == PROTO_REDIS) {
		int r = snprintf(b->pub_prefix, sizeof(b->pub_prefix),
				 "*3\r\n$7\r\nPUBLISH\r\n$%zu\r\n%s\r\n$%u\r\n", strlen(o->room), o->room,
				 o->size);
		if (r < 0 || (size_t)r >= sizeof(b->pub_prefix))
			bench_die("channel name too long");
		b->pub_prefix_len = (size_t)r;
	}
	b->rss_ready = b->rss_end = b->hwm_end = -1;
	b->cpu_ready = b->cpu_send = b->cpu_end = -1;
	bench_rss(o->pid, &b->rss_base, NULL);
	b->cpu_start = bench_cpu(o->pid);
}

int main(int argc, char **argv)
{
	static struct bench b; /* large (the read buffer): not on the stack */
	bench_parse_opts(&b.o, argc, argv);
	signal(SIGPIPE, SIG_IGN);
	/* A last resort should the loop itself wedge: the default action of SIGALRM ends us. */
	alarm((unsigned)b.o.deadline_s + 30);
	bench_setup(&b);
	bench_run(&b);
	bench_report(&b);
	for (uint32_t i = 0; i < b.total; i++)
		if (b.cl[i].fd >= 0)
			close(b.cl[i].fd);
	if (b.failed && !b.connected)
		return 1;
	return bench_clean(&b) ? 0 : 3;
}
