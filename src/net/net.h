/* net: the state shared by every stream on one libuv loop, and the three handles that drive them.
 *
 * Ownership and lifetime. A net is a value embedded in its owner (the server; never global),
 * initialised by net_init and closed by net_close once its streams are closed (net_close_all closes
 * them). It owns its three handles and the two 64 KiB buffers every stream borrows: the read
 * buffer (libuv on Unix reads synchronously between alloc_cb and read_cb, so one buffer serves all
 * streams) and the gather buffer (one flush at a time). It owns no stream: its lists only link them
 * (net/stream.h says who frees a stream), and a stream leaves every list before it is freed.
 *
 * The handles. `flush`, a uv_prepare, runs just before the loop sleeps and flushes each stream on
 * `pending` once: one write per stream per loop turn however many frames were queued (Redis's
 * "write before sleep"). `sweep` runs once a second over `all` (idle timeouts, soft limits,
 * deadlines): one periodic pass rather than a timer per connection. `linger` polls the streams that
 * wait for their peer's FIN; it runs only while that list is not empty (the flush arms it). None of
 * them keeps the loop alive on its own. */
#ifndef CHARLA_NET_NET_H
#define CHARLA_NET_NET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <uv.h>

#include "base/list.h"
#include "net/netlim.h"
#include "net/outq.h"

struct logger;

enum { NET_BUF_SIZE = 65536 };

struct net_config {
	size_t max_line;        /* line framing (net/conn): the longest line, without CR/LF */
	struct outq_limits outq;
	unsigned keepalive_s;   /* TCP keepalive idle time; 0 = off */
	uint64_t linger_ms;     /* how long a gracefully closing stream waits for the peer's FIN */
	uint64_t reset_grace_ms; /* after the FIN is acknowledged, wait this long, then reset; 0: never */
	size_t max_paused;      /* line framing: bytes kept for a paused conn before it stops reading */
	struct netlim_config limits; /* connections per address, per /24 and /64, per second */
};

/* A judge of each accepted connection's address before the limits: server/'s bans. `banned` says
 * whether a is banned, and if so why and until when (ms since 1970, 0: for good); the reason is
 * the gate's, valid until the next call. A face asks again to word its refusal (net_banned). */
struct net_gate {
	void *ctx;
	bool (*banned)(void *ctx, const struct netlim_addr *a, const char **reason,
		       uint64_t *until_ms);
};

struct net {
	uv_loop_t *loop;
	const struct logger *log;
	struct net_config cfg;
	uv_prepare_t flush;
	uv_timer_t sweep;
	uv_timer_t linger;      /* runs while `lingering` is not empty */
	struct list pending;    /* streams with output to flush, an overflow to report or a wake */
	struct list lingering;  /* streams whose FIN is out, waiting for the peer's */
	struct list all;        /* every open stream, for the sweep and for shutdown */
	struct netlim limits;   /* the open connections of each address, across every face */
	const struct net_gate *gate; /* NULL: none (server/ sets it) */
	uint64_t refused[NETLIM_VERDICTS]; /* connections refused, by the limit (netlim_verdict) */
	size_t count;           /* streams on `all` */
	size_t queued;          /* unsent bytes in all their output queues, kept by stream.c as
				 * each queue changes, so that reading it is O(1) (/metrics) */
	uint64_t writes;        /* writes handed to the kernel (or to libuv): one per stream per turn */
	uint64_t resets;        /* lingering peers reset once they had our last bytes and FIN */
	bool readbuf_busy;
	char readbuf[NET_BUF_SIZE];
	char gather[NET_BUF_SIZE]; /* small frames are copied here to be written as one buffer */
};

/* Returns 0 or a negative libuv error. */
int net_init(struct net *n, uv_loop_t *loop, const struct net_config *cfg, const struct logger *log);
/* Whether a is banned (net.gate), with why and until when; false without a gate. */
bool net_banned(const struct net *n, const struct netlim_addr *a, const char **reason,
		uint64_t *until_ms);
/* Closes every open stream now, discarding what is queued (the end of a shutdown's grace). */
void net_close_all(struct net *n);
/* Closes the net's own handles (not the streams: close those first). */
void net_close(struct net *n);

#endif
