/* cluster: several charlad nodes share one chat through Redis pub/sub.
 *
 * The bridge is a hub observer (what happens here goes out, once per event, to the channel of
 * the room it happened in, or to the node of the person it was for, or to every node for what
 * changes the directory) and a source of remote sessions (hub/remote.h: what happened on another
 * node is applied here, so every node keeps the whole chat's people, rooms and memberships and fans
 * out to its own clients as ever). Names are unique across the cluster through a hash in Redis that
 * Lua scripts claim and free in the same step as they publish the news; each node holds a lease
 * (a key with a time to live) that it renews every third of it and announces with a heartbeat. A
 * node silent for a whole lease is gone: its people quit on the others, and its names are free.
 * Losing Redis splits the chat: local chat goes on, people are told, nothing is buffered beyond
 * --cluster-buffer, and on the way back the node announces itself again and reads the others'
 * state (a SYNC dump each), then tells its people the chat is whole.
 *
 * Ownership. cluster_new allocates the bridge, which owns its link to Redis (rlink.h), its
 * remote sessions and its tables; it borrows the loop, the hub and the logger, which outlive it.
 * cluster_shutdown says goodbye (BYE, frees its names and lease) and closes the link gracefully;
 * the loop must then run until the link's handles are closed, and cluster_free (after hub_stop,
 * before hub_free) closes the remote sessions and frees the rest. */
#ifndef CHARLA_BRIDGE_CLUSTER_CLUSTER_H
#define CHARLA_BRIDGE_CLUSTER_CLUSTER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <uv.h>

struct cluster;
struct hub;
struct logger;

struct cluster_config {
	const char *url;       /* redis://[:PASSWORD@]HOST[:PORT][/DB] */
	const char *password;  /* overrides the URL's; NULL: none */
	const char *node;      /* this node's name (cmsg_node_valid) */
	unsigned lease_ms;     /* a node silent this long is gone */
	size_t buffer;         /* bytes queued towards Redis before the link is judged stuck */
	/* The node's name is in use by a running node: charlad cannot start (called once, at the
	 * first contact with Redis; the server stops with exit status 1). */
	void (*refused)(void *ctx, const char *why);
	void *ctx;
};

struct cluster_stats {
	uint64_t published;   /* events sent to Redis */
	uint64_t received;    /* messages from Redis */
	uint64_t applied;     /* ...that changed something here */
	uint64_t dropped;     /* ...refused: malformed, forged, or about nobody known */
	uint64_t unsent;      /* events not sent: the link was down or full */
	uint64_t splits;      /* times the link was lost */
	uint64_t scripts_sent; /* scripts sent whole, Redis not knowing them by name (NOSCRIPT) */
	uint64_t nodes;       /* other nodes known now */
	uint64_t remote;      /* people of other nodes known now */
	bool whole;           /* linked now */
};

/* NULL and a message in err for a bad URL or node name. */
struct cluster *cluster_new(uv_loop_t *loop, struct hub *h, const struct cluster_config *cfg,
			    const struct logger *log, char *err, size_t errlen);
/* Connects (and keeps trying); the chat is split until the first contact. */
void cluster_start(struct cluster *c);
/* The server stops: goodbye to the others, then the link closes (the loop runs it out). */
void cluster_shutdown(struct cluster *c, const char *reason);
void cluster_free(struct cluster *c);
void cluster_get_stats(const struct cluster *c, struct cluster_stats *out);
/* This node's name. */
const char *cluster_node(const struct cluster *c);

#endif
