/* cluster_int: what the cluster bridge's files share (cluster.c: life, the link, leases and
 * heartbeats; cluster_out.c: this node's events to Redis; cluster_in.c: other nodes' events
 * applied here; cluster_sync.c: whole-state dumps and their reconciliation).
 *
 * Ownership. struct cluster owns its nodes (struct cnode, one per other node known), each node its
 * remote people (struct ghost: a hub session the hub holds a pointer to while it is open), freed
 * only after session_close. Keys of the maps are borrowed from what they map to: a node's name, a
 * ghost's folded name (session.h). */
#ifndef CHARLA_BRIDGE_CLUSTER_CLUSTER_INT_H
#define CHARLA_BRIDGE_CLUSTER_CLUSTER_INT_H

#include <stddef.h>
#include <stdint.h>

#include "base/buf.h"
#include "base/map.h"
#include "bridge/cluster/cluster.h"
#include "bridge/cluster/cmsg.h"
#include "bridge/cluster/clink.h"
#include "hub/hub.h"
#include "hub/remote.h"

/* Redis names. The keys, and the channel every node hears, share the hash tag {charla}, so they
 * live in one slot of a Redis Cluster, where the scripts (which touch them all and publish on
 * CL_CTL) may run; rooms' and nodes' channels have no tag, and spread over the shards. */
#define CL_PREFIX "charla:"
#define CL_TAGGED "{charla}:"
#define CL_CTL CL_TAGGED "ctl"            /* every node */
#define CL_NODE CL_PREFIX "node:"         /* + a node's name: its channel */
#define CL_ROOM CL_PREFIX "room:"         /* + a folded room name: its messages */
#define CL_NAMES CL_TAGGED "names"        /* hash: folded name -> node */
#define CL_LEASE CL_TAGGED "lease:"       /* + a node's name: its lease (value: its instance) */
#define CL_SEQ CL_TAGGED "nodeseq"        /* counter: the low bits of nodes' event ids */
#define CL_OWNED CL_TAGGED "owned:"       /* + a node's name: the set of names it holds */

enum {
	CL_TEXT_MAX = 4096,     /* bytes of a message's text from elsewhere */
	CL_TAGS_MAX = 4096,     /* bytes of its client tags */
	CL_HOST_MAX = 255,      /* bytes of a host part */
	CL_INSTANCE_LEN = 16,   /* hex digits of a process's instance id */
	CL_RETRY_MIN_MS = 250,
	CL_RETRY_MAX_MS = 5000,
	CL_TIMEOUT_MIN_MS = 1000,
	CL_GUEST_MAX = 100000,  /* a renamed loser of a name race is Guest + a number below this */
	CL_DUMP_BATCH = 256,    /* people a dump sends per step */
	CL_DUMP_STEP_MS = 1,    /* between steps while it waits for Redis to drain */
	CL_DUMP_LOW = 4,        /* a step sends only while what waits is below buffer / this */
	CL_ANSWER_MS = 1000,    /* a node's HELLOs are answered at most this often */
	CL_LUA_MAX = 8,         /* the scripts whose SHA1 is kept (there are five) */
	CL_SHA_HEX = 40,
};

/* A dump on its way out (cluster_sync.c): the names of this node's people when it began, sent a
 * batch at a time while what waits for Redis is low, so that a node of many people neither trips
 * --cluster-buffer nor floods the reader's buffer in Redis. */
struct cl_dump {
	char channel[RLINK_CHANNEL_MAX + 1];
	char **names;         /* folded, copied: people's, then rooms' from `people` on */
	size_t n, people, next;
	struct cl_dump *later; /* the next dump asked for */
};

struct cnode {
	char *name;
	struct map users;     /* folded name -> struct ghost */
	uint64_t seen_ms;     /* its last word (uv_now) */
	size_t online;        /* as its heartbeat says */
	bool syncing;         /* between its SYNC and SYNCED */
	bool asked;           /* we asked it for its state (HELLO on its channel) since its last SYNC */
	uint64_t asked_ms;    /* when (uv_now): at most one ask a lease */
	uint64_t dumped_ms;   /* when we last sent it our state: at most one answer a second */
	bool beating;         /* we heard its heartbeat: a node, not a name a forger made up */
	bool answer_due;      /* it asked within the second after our last answer */
	size_t refused;       /* its people we could not take in (their name is someone's here) */
	size_t refusing;      /* ...counted during a dump, the node's count at its end */
};

struct ghost {
	struct session s;
	struct cnode *node;
	char *key;            /* its folded name, the key in node->users (outlives the session's) */
	bool stale;           /* not in the node's dump so far */
};

/* The ghost a remote session is (container arithmetic: the session is its first member's). */
static inline struct ghost *cluster_ghost_of(const struct session *s)
{
	return (struct ghost *)((uintptr_t)s - offsetof(struct ghost, s));
}

struct cluster {
	uv_loop_t *loop;
	struct hub *h;
	const struct logger *log;
	struct cluster_config cfg;
	char *url, *password, *node; /* copies */
	char instance[CL_INSTANCE_LEN + 1];
	struct clink link;     /* rlink or rshard */
	struct map nodes;        /* name -> struct cnode */
	struct hub_observer obs;
	struct hub_cluster view;
	uv_timer_t beat;         /* every lease/3 */
	uv_timer_t split;        /* a lease after the link was lost: the others' people go */
	uv_timer_t news;         /* at once, out of any fan-out: tell people split or whole */
	uv_timer_t pace;         /* while a dump is going out */
	uv_timer_t answers;      /* HELLOs that came too soon after the last answer: answered then */
	struct cl_dump *dumps;   /* the one going out first, then those asked for since */
	struct {
		const char *script;   /* a static text: compared by pointer */
		char sha[CL_SHA_HEX + 1];
		bool sent;            /* sent whole since the link came up: Redis has it */
	} lua[CL_LUA_MAX];       /* cluster_lua.c */
	int news_what;           /* enum hub_cluster_news to tell, or -1 */
	bool up;                 /* linked, lease held */
	bool ever_up;            /* the lease was ours once (a refusal then is not fatal) */
	bool unnumbered;         /* Redis refused this node a number (full): asked again */
	bool shutting;
	bool closing;            /* closing a ghost of its own accord (a node gone): no KILL */
	unsigned handles;        /* timers not yet closed */
	struct buf out, chan;    /* encoding scratch */
	struct buf in;           /* a message being applied, fields NUL-terminated */
	struct cluster_stats st;
};

/* cluster.c */
uint64_t cluster_now(const struct cluster *c);
/* The channel of a room (folded name) or a node, into c->chan. */
const char *cluster_room_channel(struct cluster *c, const char *folded);
const char *cluster_node_channel(struct cluster *c, const char *node);
struct cnode *cluster_cnode(struct cluster *c, const char *name, size_t len, bool create);
/* Closes every person of n here (each seen to quit with reason) and forgets n. */
void cluster_node_gone(struct cluster *c, struct cnode *n, const char *reason);
/* "here there": the reason people of a lost node quit with (IRC's netsplit form). */
void cluster_split_reason(const struct cluster *c, const char *there, struct buf *out);

/* cluster_out.c */
void cluster_observe(struct hub_observer *o, const struct hub_event *ev);
/* Sends m (its node and stamp filled in here) to a channel. */
void cluster_send(struct cluster *c, const char *channel, struct cmsg *m);
/* Claims (or frees, when claim is false) a name in Redis and, in the same step, publishes m on
 * ctl (m NULL: nothing). A lost claim renames the local person who asked. */
void cluster_claim(struct cluster *c, const char *folded, const char *old_folded, struct cmsg *m);
void cluster_release(struct cluster *c, const char *folded, struct cmsg *m);
/* Back from a split (or at the first contact): this node holds exactly its people's names. */
void cluster_reclaim(struct cluster *c);
/* A person's USER message (with its rooms when rooms). */
void cluster_user_msg(struct cluster *c, const struct session *s, bool rooms, struct cmsg *m,
		      struct buf *scratch);

/* cluster_in.c */
void cluster_on_message(void *ctx, const char *channel, size_t clen, const char *data, size_t len);
/* Answers n's HELLO (our state on its channel), now or when the second since the last is over. */
void cluster_answer(struct cluster *c, struct cnode *n);
/* The ghost of node n named name, or NULL. */
struct ghost *cluster_ghost(struct cnode *n, const char *name);
/* A new person of n named name (checked), or NULL if someone here has the name. */
struct ghost *cluster_ghost_new(struct cluster *c, struct cnode *n, const char *name,
				const struct hub_stamp *st);
/* Closes and frees g, its quit seen with reason, stamped with st. */
void cluster_ghost_close(struct cluster *c, struct ghost *g, const struct hub_stamp *st,
			 const char *reason);

/* cluster_lua.c */
/* Runs a script: argv as for EVAL (argv[0] "EVAL", argv[1] its static text, then numkeys, keys
 * and arguments), sent by EVALSHA and again by EVAL if Redis does not know it yet. As
 * clink_command otherwise. */
bool cluster_eval(struct cluster *c, rlink_cb *cb, void *privdata, int argc, const char **argv,
		  const size_t *lens);
/* The link came up: the Redis may be new, so each script goes whole once more. */
void cluster_lua_forget(struct cluster *c);

/* cluster_sync.c */
/* Publishes this node's whole state (SYNC, people, rooms, SYNCED) on channel, paced (above). */
void cluster_dump(struct cluster *c, const char *channel);
/* Drops the dumps not yet sent (the link is down: a new one goes at the next up). */
void cluster_dump_cancel(struct cluster *c);
void cluster_sync_begin(struct cluster *c, struct cnode *n);
void cluster_sync_end(struct cluster *c, struct cnode *n, const struct hub_stamp *st);
/* A USER message from n: a person arriving, or one entry of its dump. */
void cluster_apply_user(struct cluster *c, struct cnode *n, const struct cmsg *m,
			const struct hub_stamp *st);
void cluster_apply_room(struct cluster *c, const struct cmsg *m);

#endif
