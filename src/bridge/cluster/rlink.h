/* rlink: charlad's link to one Redis server, on the loop, never blocking.
 *
 * Two connections (hiredis 0.14's async client, driven by the libuv poll handles of rlink.c):
 * `cmd` carries commands, PUBLISH and EVAL; `sub` only SUBSCRIBE and UNSUBSCRIBE. The link is up
 * when both are connected, authenticated (AUTH, the Redis 6 form with a user), `cmd` has SELECTed
 * the URL's database, and every channel of the subscription set has been confirmed by Redis on
 * `sub`. Pub/sub ignores databases: two clusters sharing a Redis must use other channel names.
 *
 * Liveness. While up, `cmd` sends a PING every timeout_ms/2; one not answered within timeout_ms
 * loses the link (a stopped or cut-off Redis is found lost within 2 * timeout_ms), as does a
 * closed connection, an error on a socket, a -LOADING reply, or more than max_pending bytes queued
 * towards Redis (the link is stuck). A connection attempt not up within timeout_ms fails. A lost
 * link calls down once, then rlink retries forever: after retry_min_ms, doubling up to
 * retry_max_ms, each delay drawn between 3/4 and 5/4 of it (jitter: nodes that lost one Redis do
 * not come back in step). A refused password is logged as an error once per streak of failures;
 * other failures once at warn. An error reply to a command (-OOM when Redis is full, a script's
 * error) is counted and given to the command's callback; the link stays.
 *
 * Hosts. Only numeric addresses (IPv4, IPv6 in brackets in the URL) and `localhost` (127.0.0.1)
 * are accepted: hiredis resolves names with a blocking getaddrinfo, which the loop must not wait
 * on, so names are refused when the URL is parsed.
 *
 * Messages. message() is called for messages on channels of the set, in the order Redis sent
 * them, only while the link is up (from up to down): a message that arrives between a channel's
 * confirmation and the link's up, or after rlink_unsubscribe, is not delivered. Channels are
 * 1..RLINK_CHANNEL_MAX bytes without NUL (rlink_subscribe ignores any other).
 *
 * Ownership. struct rlink is its owner's (the cluster bridge), which keeps it in place from
 * rlink_init until rlink_close's done has run; the loop must outlive it. The URL and callbacks
 * are copied. Every reply given to a callback is hiredis's, valid during the callback only.
 * Callbacks may call any rlink function, rlink_close too. rlink_close closes both connections and
 * every handle; pending command callbacks run with NULL first; then done(ctx) runs once every
 * libuv handle is closed, after which the struct may be freed. No global state: two links are
 * independent. */
#ifndef CHARLA_BRIDGE_CLUSTER_RLINK_H
#define CHARLA_BRIDGE_CLUSTER_RLINK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <uv.h>

#include "base/map.h"
#include "bridge/cluster/rback.h"

struct logger;
struct redisAsyncContext;
struct redisReply;

enum {
	RLINK_HOST_MAX = 64,      /* bytes of a host: numeric addresses and localhost only */
	RLINK_USER_MAX = 128,     /* bytes of a Redis 6 ACL user name */
	RLINK_PASSWORD_MAX = 512, /* bytes of a password, decoded */
	RLINK_URL_MAX = 1024,     /* bytes of a whole URL */
	RLINK_PORT_DEFAULT = 6379,
	RLINK_DB_MAX = 9999, /* the highest database number a URL may name */
	RLINK_CHANNEL_MAX = 512, /* bytes of a channel name */
	RLINK_CLOSE_GRACE_MS = 1000, /* closing, what is queued may take this long to be answered */
};

/* redis://[[USER]:PASSWORD@]HOST[:PORT][/DB]. host is without the brackets of an IPv6 address;
 * user and password are decoded (%XX), empty when absent. */
struct rlink_url {
	char host[RLINK_HOST_MAX + 1];
	uint16_t port;
	unsigned db;
	char user[RLINK_USER_MAX + 1];
	char password[RLINK_PASSWORD_MAX + 1];
};

/* Parses url into *out. Pure (no I/O, no allocation). On failure returns false and *err points
 * to a static English sentence for the log and stderr (without the URL, which may hold a
 * password). The scheme is case-insensitive; the host is an IPv4 address, [IPv6] or localhost;
 * the port 1..65535 (6379 when absent); the database 0..RLINK_DB_MAX (0 when absent or "/");
 * in the user and password, %XX stands for a byte ('@' is %40, '%' is %25, ':' in a password may
 * be written as it is), and the password runs to the last '@'. */
bool rlink_url_parse(const char *url, struct rlink_url *out, const char **err);

/* The reply to a command, or NULL when the link was lost or closed before the answer. */
typedef void rlink_cb(void *privdata, const struct redisReply *reply);

struct rlink_config {
	struct rlink_url url;
	size_t max_pending;  /* bytes queued towards Redis (both connections) past which a command
	                      * is refused and the link judged stuck: dropped and reconnected */
	unsigned timeout_ms; /* connect (to up) and reply timeout; PINGs every timeout_ms/2 */
	unsigned retry_min_ms, retry_max_ms; /* reconnection backoff, doubling, with jitter */
	void (*up)(void *ctx);                    /* the link is up (see above) */
	void (*down)(void *ctx, const char *why); /* it was up and is lost; rlink reconnects */
	void (*message)(void *ctx, const char *channel, size_t clen, const char *data, size_t len);
	void *ctx;
};

struct rlink_stats {
	uint64_t published;  /* PUBLISHes queued */
	uint64_t received;   /* messages delivered to message() */
	uint64_t dropped;    /* commands and publishes refused (link down or over max_pending) */
	uint64_t reconnects; /* times the link came up, but the first */
	uint64_t commands;   /* commands queued by rlink_command */
	uint64_t errors;     /* error replies to commands (-OOM, a script's error...) */
	size_t pending;      /* bytes queued towards Redis now */
};

enum rlink_state {
	RLINK_IDLE,       /* not started */
	RLINK_CONNECTING, /* an attempt is under way */
	RLINK_UP,
	RLINK_WAITING, /* lost or failed: waiting to retry */
	RLINK_CLOSING,
};

/* One of the two connections; rlink.c's. */
struct rlink_conn {
	struct rlink *link;
	struct redisAsyncContext *ac; /* NULL when not connected */
	bool ready;                   /* authenticated (and SELECTed, for cmd) */
};

struct rlink {
	uv_loop_t *loop;
	const struct logger *log;
	struct rlink_config cfg;
	enum rlink_state state;
	struct rlink_conn cmd, sub;
	struct map subs;       /* channel -> struct rchan (rchan.h), the subscription set */
	size_t resub_pending;  /* confirmations awaited on sub before the link is up */
	uv_timer_t retry;      /* backoff, then the attempt's deadline */
	uv_timer_t tick;       /* liveness: PING, and its deadline */
	bool ping_out;         /* a PING awaits its answer */
	uint64_t ping_last;    /* uv_now of the last PING sent (or of up) */
	struct rback back;     /* the wait before the next try (rback.h) */
	bool ever_up;          /* the link has been up once (for reconnects) */
	bool failed;           /* the last attempt failed: repeats are logged at debug */
	bool auth_refused;     /* the refused password was logged in this streak */
	unsigned open_handles; /* libuv handles not yet closed (timers, polls) */
	void (*done)(void *ctx);
	void *done_ctx;
	struct rlink_stats stats;
};

/* Copies cfg; timers set up, nothing connected. Returns 0, or -EINVAL when cfg's numbers are
 * unusable (timeout_ms or retry_min_ms 0, retry_max_ms below retry_min_ms, max_pending 0). */
int rlink_init(struct rlink *l, uv_loop_t *loop, const struct rlink_config *cfg,
	       const struct logger *log);
/* Starts connecting (at once); retries forever. */
void rlink_start(struct rlink *l);
bool rlink_up(const struct rlink *l);
/* Queues a command, binary-safe argv, on cmd. cb (may be NULL) gets the reply or NULL if the link
 * goes down or is closed before it. Returns false, counting it as dropped and without calling cb,
 * when the link is not up, when the command alone is bigger than max_pending, or when it would
 * take what is queued past max_pending (the link is then dropped and reconnected). */
bool rlink_command(struct rlink *l, rlink_cb *cb, void *privdata, int argc, const char **argv,
		   const size_t *lens);
/* PUBLISH ch data, the reply ignored; false as for rlink_command. */
bool rlink_publish(struct rlink *l, const char *ch, size_t clen, const char *data, size_t len);
/* The subscription set, kept across reconnections and sent again before up. Idempotent;
 * unsubscribing a channel not in the set does nothing. O(1) average. */
void rlink_subscribe(struct rlink *l, const char *ch, size_t len);
void rlink_unsubscribe(struct rlink *l, const char *ch, size_t len);
bool rlink_subscribed(const struct rlink *l, const char *ch, size_t len);
/* The counters, pending as of now. */
struct rlink_stats rlink_stats(const struct rlink *l);
/* Closes both connections and the timers; no callback of cfg runs after it; done(ctx) runs from
 * the loop once every handle is closed. Once. While the link is up, what is queued on the command
 * connection (a goodbye) is written and answered first, for at most RLINK_CLOSE_GRACE_MS (its
 * callbacks get their replies); then, or at once when down, pending callbacks get NULL. */
void rlink_close(struct rlink *l, void (*done)(void *ctx), void *ctx);

#endif
