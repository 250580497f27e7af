/* clink: the cluster bridge's link to Redis, whichever Redis it is: a plain server (rlink.h) or a
 * Redis Cluster (rshard.h, sharded pub/sub). The functions mean what rlink's do.
 *
 * The first contact goes through rlink, as to any Redis; once it is up, clink asks INFO cluster
 * (the owner is not told up yet, and messages are not delivered). A plain Redis: the owner is told
 * up, and rlink carries everything from then on. A Redis Cluster (cluster_enabled:1): on the next
 * loop turn (rlink may not be closed inside its own callback) clink closes rlink and starts rshard
 * with the same configuration and subscription set, for the rest of the process's life. The
 * scripts of the bridge publish with clink_publish_verb's verb (PUBLISH, or SPUBLISH in a
 * cluster, where a script may only publish on a channel of its keys' slot).
 *
 * Ownership. struct clink is the owner's, in place from clink_init until clink_close's done has
 * run (after both links and clink's timer are closed). No global state. */
#ifndef CHARLA_BRIDGE_CLUSTER_CLINK_H
#define CHARLA_BRIDGE_CLUSTER_CLINK_H

#include "bridge/cluster/rlink.h"
#include "bridge/cluster/rshard.h"

struct clink {
	struct rlink r;
	struct rshard s;
	struct rlink_config user; /* the owner's configuration and callbacks */
	uv_loop_t *loop;
	const struct logger *log;
	uv_timer_t later;         /* the switch to rshard, out of rlink's callbacks */
	bool sharded;             /* rshard carries the link (rlink is closed or closing) */
	bool probed;              /* a plain Redis: rlink carries the link */
	bool closing;
	unsigned open;            /* links and the timer not yet closed */
	void (*done)(void *ctx);
	void *done_ctx;
};

int clink_init(struct clink *l, uv_loop_t *loop, const struct rlink_config *cfg,
	       const struct logger *log);
void clink_start(struct clink *l);
bool clink_up(const struct clink *l);
bool clink_command(struct clink *l, rlink_cb *cb, void *privdata, int argc, const char **argv,
		   const size_t *lens);
bool clink_publish(struct clink *l, const char *ch, size_t clen, const char *data, size_t len);
void clink_subscribe(struct clink *l, const char *ch, size_t len);
void clink_unsubscribe(struct clink *l, const char *ch, size_t len);
/* The subscription set (channel -> its entry), to be walked, not changed. */
const struct map *clink_subs(const struct clink *l);
/* "PUBLISH", or "SPUBLISH" once the link is a cluster's. */
const char *clink_publish_verb(const struct clink *l);
bool clink_sharded(const struct clink *l);
struct rlink_stats clink_stats(const struct clink *l);
void clink_close(struct clink *l, void (*done)(void *ctx), void *ctx);

#endif
