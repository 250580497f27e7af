/* charla-bench: a load generator for charlad (its line protocol, its IRC face, and IRC over its
 * WebSocket endpoint) and, for comparison, IRC servers and Redis pub/sub.
 *
 * One process, one epoll loop, non-blocking sockets, loopback only. It connects N receivers and
 * S senders (at most `--parallel` connects in progress at a time, from several 127.0.0.x source
 * addresses when there are many clients, so that ephemeral ports never run out), has them name
 * themselves and join one room (line: send a name, optionally `/join ROOM`; IRC: NICK and USER,
 * then JOIN, over TCP or in WebSocket frames after an HTTP upgrade; Redis: SUBSCRIBE), waits
 * until every join announcement has arrived (irc.c says how for IRC), then lets each sender send
 * M messages with at most W in flight (a message is in flight until every receiver has it), or
 * at a fixed rate. Every payload carries its sender, a sequence number and the send time, so
 * each delivery yields a latency and is checked for loss, duplication and reordering (per
 * receiver and sender; a bitmap of N x S x M bits). The server's RSS is read from
 * /proc/PID/status before, after the joins and at the end. The result is printed as a table and
 * as one JSON line (the last line of standard output).
 *
 * --idle connects and names N clients and reports the server's RSS per client instead. --tls
 * (line) speaks TLS on every connection (tls.c), to compare charlad's TLS port with its plain one.
 *
 * Everything is bounded: the run stops at --deadline seconds whatever happens (and an alarm kills
 * the process shortly after, should the loop itself wedge). Exit status: 0 = complete and clean;
 * 3 = ran, but incomplete or with anomalies (lost, duplicated, reordered, unexpected lines);
 * 1 = could not run; 2 = bad usage. */
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "bench.h"

/* ---- small helpers ---- */

uint64_t bench_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

void bench_die(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fputs("charla-bench: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
	exit(1);
}

void *bench_alloc(size_t n)
{
	void *p = calloc(1, n ? n : 1);
	if (!p)
		bench_die("out of memory (%zu bytes)", n);
	return p;
}

void bench_fail(struct bench *b, const char *fmt, ...)
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

void bench_mark_ready(struct bench *b, struct client *c, uint64_t now)
{
	if (c->state == CS_READY)
		return;
	c->state = CS_READY;
	if (++b->ready == b->total)
		b->t_ready = now;
}

void bench_error_line(struct bench *b, const char *p, size_t len)
{
	if (!b->errors++)
		snprintf(b->first_error, sizeof(b->first_error), "%.*s", (int)(len > 150 ? 150 : len), p);
}

bool bench_starts(const char *p, size_t len, const char *lit)
{
	size_t n = strlen(lit);
	return len >= n && memcmp(p, lit, n) == 0;
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
			char *p = b->proto->frame(b, c);
			payload_make(p, o->size, s, c->sent, now);
			c->sent++;
			b->sent_total++;
			k++;
		}
		if (k)
			client_flush(b, c);
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
			client_connected(b, c, now);
		return;
	}
	if (ev->events & (EPOLLIN | EPOLLHUP | EPOLLERR))
		client_read(b, c);
	if (c->state != CS_CLOSED && (ev->events & EPOLLOUT))
		client_flush(b, c);
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
			client_open(b, b->next_open++);
		if (b->ready == b->total) {
			b->phase = PH_SETTLE;
			b->t_last_join = now;
			if (b->proto->settle)
				b->proto->settle(b);
		}
		break;
	case PH_SETTLE: {
		/* The join news is in when the count is reached (line) or every client has its fence
		 * answer (irc); silence as long as --settle-quiet ends the wait either way. */
		bool quiet = now - b->t_last_join > (uint64_t)(o->settle_quiet_s * 1e9);
		bool fenced = b->fenced >= b->fence_expected;
		if ((b->join_lines < b->join_expected || !fenced) && !quiet)
			break;
		if (!fenced) {
			bench_fail(b, "%.1f s of silence with %u of %u clients in the channel and %" PRIu64
				   " of %" PRIu64 " answers to the PING fence", o->settle_quiet_s, b->listed,
				   b->total, b->fenced, b->fence_expected);
			break;
		}
		b->t_settled = now;
		b->cpu_ready = proc_cpu(o->pid);
		proc_rss(o->pid, &b->rss_ready, NULL);
		if (o->idle) {
			b->phase = PH_IDLE;
		} else {
			b->phase = PH_SEND;
			nodes_snap(b, NODES_SEND);
			b->cpu_send = proc_cpu(o->pid);
			b->t_send = b->t_last = bench_now();
			if (!o->m)
				b->phase = PH_DONE;
		}
		break;
	}
	case PH_SEND:
		if (b->delivered >= b->expected) {
			/* Senders are members too (line, irc, ws) and get each other's messages, but a
			 * server need not write a message to a sender before it has written it to every
			 * receiver: the run ends once those copies are in as well, or after --settle-quiet
			 * of silence should a server not relay to senders at all. */
			uint64_t last = b->t_last_peer > b->t_last ? b->t_last_peer : b->t_last;
			if (b->peer_lines >= b->peer_expected ||
			    (now > last && now - last > (uint64_t)(o->settle_quiet_s * 1e9)))
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
	b->cpu_end = proc_cpu(b->o.pid);
	nodes_snap(b, NODES_END);
	proc_rss(b->o.pid, &b->rss_end, &b->hwm_end);
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
	b->proto = o->proto == PROTO_LINE ? &line_proto
		 : o->proto == PROTO_REDIS ? &resp_proto
		 : o->proto == PROTO_WS ? &ws_proto : &irc_proto;
	b->total = o->n + o->s;
	bench_raise_nofile(b->total + 16);
	b->nsources = o->sources ? o->sources
		    : b->total <= 1000 ? 1
		    : (b->total / 2500 + 2 > 16 ? 16 : b->total / 2500 + 2);
	if (o->tls)
		tls_setup(b);
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
	if (o->join_quiet)
		b->join_expected = UINT64_MAX; /* never reached: the wait ends in silence */
	b->expected = (uint64_t)o->n * o->s * o->m;
	/* A publisher is not subscribed (redis); elsewhere a sender is in the room like the rest. */
	if (o->proto != PROTO_REDIS && o->s > 1)
		b->peer_expected = (uint64_t)(o->s - 1) * o->s * o->m;
	uint64_t bits = b->expected;
	if (bits / 8 > (1ull << 30))
		bench_die("N x S x M = %" PRIu64 " is too many deliveries to track; lower -m", bits);
	b->seen = bench_alloc((size_t)(bits / 8 + 1));
	b->maxseq = bench_alloc((size_t)o->n * o->s * sizeof(*b->maxseq) + 1);
	b->count = bench_alloc((size_t)o->s * o->m * sizeof(*b->count) + 1);
	hist_init(&b->lat);
	nodes_setup(b);
	b->rss_ready = b->rss_end = b->hwm_end = -1;
	b->cpu_ready = b->cpu_send = b->cpu_end = -1;
	proc_rss(o->pid, &b->rss_base, NULL);
	b->cpu_start = proc_cpu(o->pid);
	if (o->idle) /* idle: every server's RSS from before connecting (a node's remote users) */
		nodes_snap(b, NODES_SEND);
}

int main(int argc, char **argv)
{
	static struct bench b; /* large (the read buffer): not on the stack */
	opts_parse(&b.o, argc, argv);
	signal(SIGPIPE, SIG_IGN);
	/* A last resort should the loop itself wedge: the default action of SIGALRM ends us. */
	alarm((unsigned)b.o.deadline_s + 30);
	bench_setup(&b);
	bench_run(&b);
	report_print(&b);
	for (uint32_t i = 0; i < b.total; i++)
		if (b.cl[i].fd >= 0)
			close(b.cl[i].fd);
	if (b.failed && !b.connected)
		return 1;
	return report_clean(&b) ? 0 : 3;
}
