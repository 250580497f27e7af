/* rshard: charlad's link to a Redis Cluster, with sharded pub/sub (SPUBLISH, SSUBSCRIBE: Redis 7),
 * on the loop, never blocking. Its interface and callbacks mean what rlink's do (rlink.h); what
 * differs is below.
 *
 * Topology. An attempt connects to one address (the URL's, then in turn the masters of the last
 * map known: the seed may be the node that died), asks CLUSTER NODES (rslot.h) and, when every slot
 * is served, opens two connections to each master: one for commands and SPUBLISH, one for
 * SSUBSCRIBE. A command goes to the master of its key's slot (EVAL: its first key; otherwise
 * the first argument), SPUBLISH to that of the channel's, SSUBSCRIBE to that of the channel's on
 * its subscriber connection. The link is up when every connection is authenticated and every
 * channel of the set confirmed. Any sign that the map is stale (a -MOVED, -ASK, -CLUSTERDOWN or
 * -TRYAGAIN reply, a channel unsubscribed by Redis because its slot moved, a master lost or
 * silent) loses the link: down is called, and the next attempt reads the map again and
 * subscribes again (the bridge then re-announces itself; a command that met -MOVED is given that
 * error, not sent again). The URL's database must be 0 (a cluster has no other).
 *
 * hiredis 0.14's async client cannot carry SSUBSCRIBE (it asserts on replies it did not expect),
 * so rshard drives hiredis's non-blocking synchronous API itself (rshard_conn.c): a uv_poll on
 * each socket, redisBufferWrite when writable, redisBufferRead and the reader's replies when
 * readable, and a queue of the callbacks awaiting replies, in order.
 *
 * Bounds. max_pending counts the bytes queued towards Redis over every connection. Liveness: a
 * PING every timeout_ms/2 on each command connection; one unanswered for timeout_ms loses the link.
 *
 * Ownership. As rlink's: the struct is its owner's, in place from rshard_init until rshard_close's
 * done has run; the connections are rshard's, each freed in its poll handle's close callback. */
#ifndef CHARLA_BRIDGE_CLUSTER_RSHARD_H
#define CHARLA_BRIDGE_CLUSTER_RSHARD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <uv.h>

#include "base/map.h"
#include "bridge/cluster/rback.h"
#include "bridge/cluster/rlink.h"
#include "bridge/cluster/rslot.h"

struct rshard_conn;

struct rshard {
	uv_loop_t *loop;
	const struct logger *log;
	struct rlink_config cfg;
	enum rlink_state state;
	struct rshard_conn *seed;                   /* asking CLUSTER NODES, or NULL */
	struct rshard_conn *cmd[RSLOT_MASTERS_MAX]; /* per master of map, or NULL */
	struct rshard_conn *sub[RSLOT_MASTERS_MAX];
	struct rslot_map map;
	struct map subs;       /* channel -> struct rchan (rchan.h), the subscription set */
	size_t waiting;        /* handshakes and confirmations awaited before up */
	size_t next_seed;      /* the address the next attempt asks: 0 the URL's, k master k-1 */
	uv_timer_t retry;      /* backoff, then the attempt's deadline; closing, the grace */
	uv_timer_t tick;       /* liveness */
	uint64_t ping_last;    /* uv_now of the last PINGs sent (or of up) */
	size_t pings_out;      /* PINGs not answered yet */
	struct rback back;     /* the wait before the next try (rback.h) */
	bool ever_up, failed;
	unsigned open_handles; /* timers and connections' polls not yet closed */
	void (*done)(void *ctx);
	void *done_ctx;
	struct rlink_stats stats;
};

int rshard_init(struct rshard *s, uv_loop_t *loop, const struct rlink_config *cfg,
		const struct logger *log);
void rshard_start(struct rshard *s);
bool rshard_up(const struct rshard *s);
bool rshard_command(struct rshard *s, rlink_cb *cb, void *privdata, int argc, const char **argv,
		    const size_t *lens);
/* SPUBLISH ch data, the reply ignored. */
bool rshard_publish(struct rshard *s, const char *ch, size_t clen, const char *data, size_t len);
void rshard_subscribe(struct rshard *s, const char *ch, size_t len);
void rshard_unsubscribe(struct rshard *s, const char *ch, size_t len);
bool rshard_subscribed(const struct rshard *s, const char *ch, size_t len);
struct rlink_stats rshard_stats(const struct rshard *s);
void rshard_close(struct rshard *s, void (*done)(void *ctx), void *ctx);

/* ---- rshard_conn.c: one hiredis connection on a uv_poll (rshard's own) ---- */

/* A reply for whoever queued the command (NULL: the connection was dropped first). */
typedef void rshard_reply_fn(struct rshard_conn *c, void *privdata, const struct redisReply *r);
/* What a subscriber connection receives outside the queue (smessage, ssubscribe, sunsubscribe,
 * an error to an SSUBSCRIBE): given to rshard.c. */
void rshard_pushed(struct rshard_conn *c, const struct redisReply *r);
/* The connection failed (connect, read, write, closed by Redis): given to rshard.c. */
void rshard_conn_failed(struct rshard_conn *c, const char *why);

struct rshard_call {
	rshard_reply_fn *fn;
	void *privdata;
};

struct rshard_conn {
	struct rshard *sh;
	struct redisContext *rc;
	uv_poll_t poll;
	int events;
	int master;          /* index in sh->map, or -1 for the seed */
	bool sub;            /* a subscriber: arrays of pub/sub go to rshard_pushed */
	bool connected;      /* the TCP connection is made */
	bool ready;          /* its handshake answered */
	bool dropped;        /* let go: closing, freed in the poll's close callback */
	size_t unsub_out;    /* SUNSUBSCRIBEs we sent, not yet confirmed */
	struct rshard_call *q; /* ring of callbacks awaiting replies */
	size_t qhead, qlen, qcap;
};

/* Connects to host:port (numeric), queues AUTH when the URL has a password; NULL with why. */
struct rshard_conn *rshard_conn_open(struct rshard *s, const char *host, uint16_t port, int master,
				     bool sub, char *why, size_t cap);
/* Queues a command; fn gets its reply, in order. fn NULL: the reply comes outside the queue (a
 * subscriber's SSUBSCRIBE and SUNSUBSCRIBE, confirmed through rshard_pushed). false if hiredis
 * refused it. */
bool rshard_conn_send(struct rshard_conn *c, rshard_reply_fn *fn, void *privdata, int argc,
		      const char **argv, const size_t *lens);
/* Bytes queued towards Redis. */
size_t rshard_conn_pending(const struct rshard_conn *c);
/* Lets it go: queued callbacks get NULL, the poll is closed, the memory freed after. */
void rshard_conn_drop(struct rshard_conn *c);

#endif
