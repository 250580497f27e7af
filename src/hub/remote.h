/* remote: people on other nodes of a cluster, as this node's hub keeps them.
 *
 * Every node keeps the whole chat's directory, as IRC servers do: each person on another node is a
 * session here too (a *remote* session: s->remote set, ops->face NULL, an `event` that does
 * nothing), named, in its rooms with its prefixes. So names stay unique, and NAMES, WHO, WHOIS,
 * room lists and mode targets see everyone with no change to the faces. The hub delivers nothing to
 * a remote session (its own node does), skips the checks its node made already (room modes, bans,
 * the message rate, accounts), and counts it neither as admitted nor as online.
 *
 * What happened elsewhere is applied between remote_begin and remote_end: the cluster calls the
 * ordinary requests (room_say, room_part, session_nick, session_close, room_mode...) on the remote
 * session, and every event they fan out carries the stamp of the node it came from (its origin, id
 * and time), so that observers can tell it from this node's news (ev->origin != hub_config.node) and
 * ids stay the same on every node. Joins and the first naming have their own calls here, because
 * they take what the other node decided (the name, the prefix) instead of deciding it.
 *
 * Ownership. The caller (the cluster bridge) owns each remote session's memory, as a face owns its
 * clients': session_init with its ops, remote_open, and after session_close (or ops->disconnect,
 * which a kill or a ban calls) it frees it. struct hub_cluster is the caller's and outlives its
 * registration; the node list it fills is read during the call only. */
#ifndef CHARLA_HUB_REMOTE_H
#define CHARLA_HUB_REMOTE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hub/event.h"
#include "hub/session.h"

struct hub;
struct hub_stamp;
struct session;

/* One node as lists show it. */
struct hub_node_view {
	const char *name;
	size_t online; /* people on it */
	bool here;     /* this node */
};

/* What the cluster tells the hub about the nodes. */
struct hub_cluster {
	/* Fills v[0..cap) with the nodes known (this one first) and returns how many there are. */
	size_t (*nodes)(void *ctx, struct hub_node_view *v, size_t cap);
	/* Whether this node is linked to the others now. */
	bool (*whole)(void *ctx);
	/* The name of the node a remote session is on. */
	const char *(*node_of)(void *ctx, const struct session *s);
	void *ctx;
};

enum { HUB_NODES_MAX = 64 }; /* nodes a list shows */

/* Whether s is a person of this node: named by a face (not a bot), not a remote session. */
static inline bool remote_local_person(const struct session *s)
{
	return !s->remote && s->ops->face;
}

/* Registers the cluster (NULL: none; lists then show this node alone). */
void hub_set_cluster(struct hub *h, const struct hub_cluster *c);

/* Applies what follows as an event from elsewhere (st: its node's stamp), until remote_end. */
void remote_begin(struct hub *h, const struct hub_stamp *st);
void remote_end(struct hub *h);

/* Names s (session_init'ed with ops->face NULL) as a person of another node: active, in no room,
 * counted nowhere, heard of by observers (HUB_EV_ARRIVE). HUB_ERR_NAME_INVALID or
 * HUB_ERR_NAME_TAKEN (someone here has the name: the cluster settles it) leave s unnamed. */
enum hub_result remote_open(struct hub *h, struct session *s, const char *name, size_t len);

/* s (remote) joins the room (created if need be) with `prefix` (room.h's MEMBER_*), as its node
 * decided; members here see HUB_EV_JOIN. Already in: only the prefix is set, silently. */
enum hub_result remote_join(struct hub *h, struct session *s, const char *room, size_t len,
			    uint8_t prefix);

/* Tells every person on this node (bots and remote sessions apart) HUB_EV_CLUSTER `what`. */
void remote_tell_all(struct hub *h, enum hub_cluster_news what);
/* Tells s the nodes and their counts (HUB_EV_CLUSTER, HUB_CLUSTER_LIST). */
void remote_list(struct hub *h, struct session *s);
/* The node s is on, for faces that show a user's server (IRC's WHOIS and WHO): its node's name
 * for a remote session, NULL for this node's own. */
const char *remote_node(const struct hub *h, const struct session *s);
/* People in the chat as lists count them: named sessions but bots, of every node. */
size_t remote_people(const struct hub *h);

#endif
