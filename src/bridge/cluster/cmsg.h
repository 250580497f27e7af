/* cmsg: the messages charlad nodes exchange through Redis, encoded and checked (pure).
 *
 * A message is one header line and N fields, each a netstring-like `LEN:BYTES\n`:
 *     C1 TYPE NODE ID TIME N\n
 *     5:#dev\n
 *     4:hola\n
 * TYPE is a word of cmsg_type_names, NODE the sending node's name, ID and TIME the event's stamp
 * (hub/hub.h's id and wall-clock ms; 0 for what is not an event), N the number of fields. The form
 * is binary-safe and readable in `redis-cli MONITOR`. The decoder treats a message as client input
 * from a stranger: a bounded size, a known type with the field count it needs, a node name of the
 * allowed characters, and every field valid UTF-8 with no NUL, CR or LF; what fails is refused
 * whole, with a reason for the log and the counters. What a field means (a user's name, a room's)
 * is checked by the cluster, which knows the hub's rules.
 *
 * Ownership. cmsg_decode points into the bytes it was given (nothing is copied or allocated): the
 * message is valid while they are. cmsg_encode appends to a buffer the caller owns. */
#ifndef CHARLA_BRIDGE_CLUSTER_CMSG_H
#define CHARLA_BRIDGE_CLUSTER_CMSG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct buf;

enum cmsg_type {
	CMSG_HELLO,   /* a node (re)joins: others answer with their SYNC on its node channel */
	CMSG_BEAT,    /* the node is alive: [online] */
	CMSG_BYE,     /* the node stops: [reason] */
	CMSG_SYNC,    /* a dump begins: [] (what follows until SYNCED is the node's whole state) */
	CMSG_SYNCED,  /* ...and ends: [] */
	CMSG_USER,    /* a person: [name user host realname account away caps {PREFIX ROOM}...]; each
		       * room field is one digit (room.h's MEMBER_* bits) then the room's name */
	CMSG_ROOM,    /* a room's state: [name modes key limit topic topic_by topic_ms created_ms] */
	CMSG_MSG,     /* [from room to kind text tags]: room or to is empty */
	CMSG_JOIN,    /* [name room prefix] */
	CMSG_PART,    /* [name room reason] */
	CMSG_QUIT,    /* [name reason] */
	CMSG_NICK,    /* [old new] */
	CMSG_TOPIC,   /* [name room text] */
	CMSG_MODE,    /* [name room {CHANGE}...]: '+' or '-', the mode's number, ':', the argument */
	CMSG_KICK,    /* [name room target reason] */
	CMSG_INVITE,  /* [name room target] */
	CMSG_AWAY,    /* [name text] */
	CMSG_SETNAME, /* [name text] */
	CMSG_ACCOUNT, /* [name account] */
	CMSG_KILL,    /* [by target reason]: a node closed someone of another (by may be "") */
	CMSG_TYPES
};

enum {
	CMSG_MAX = 64 * 1024,   /* bytes of one message, all told */
	CMSG_FIELDS_MAX = 128,  /* fields of one message (a person's rooms, a mode's changes) */
	CMSG_NODE_MAX = 63,     /* bytes of a node's name */
};

struct cmsg_field {
	const char *p;
	size_t len;
};

struct cmsg {
	enum cmsg_type type;
	struct cmsg_field node;
	uint64_t id, time_ms;
	size_t n;
	struct cmsg_field f[CMSG_FIELDS_MAX];
};

/* The wire word of a type ("MSG"). */
const char *cmsg_type_name(enum cmsg_type t);
/* Whether name is a node name: 1..CMSG_NODE_MAX of [A-Za-z0-9._:-]. */
bool cmsg_node_valid(const char *name, size_t len);

/* Appends m (m->n fields) to out. The caller gives valid fields (cmsg_decode would take them). */
void cmsg_encode(struct buf *out, const struct cmsg *m);

/* Reads data[0..len) into m. NULL on success, else why not (a static English phrase). */
const char *cmsg_decode(const char *data, size_t len, struct cmsg *m);

#endif
