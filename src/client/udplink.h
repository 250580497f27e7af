/* udplink: the charla client's side of UDP (docs/protocol.md, "UDP"), without any I/O:
 * registration with a cookie, retries, keepalives, pacing, registering again when the server has
 * forgotten us, putting split lines back together, and the counts /stats shows.
 *
 * The caller owns the socket and one timer. It feeds every datagram from the server to
 * udplink_input, queues the user's lines with udplink_queue, sends what udplink_output returns
 * until it returns false, calls udplink_poll on timeouts, and sleeps until udplink_wakeup. Time is
 * the caller's clock in milliseconds, so everything here is unit-tested without a network.
 *
 * States: ASKING (we sent /hello NAME and wait for a cookie), ECHOING (we sent /hello NAME COOKIE
 * and wait for the first datagram of the session), ON (registered), GAVE_UP (an address that
 * never answered; the caller tries the next one or fails). A struct udplink owns its name, its
 * queue and its reassembly buffers; udplink_free releases them. */
#ifndef CHARLA_CLIENT_UDPLINK_H
#define CHARLA_CLIENT_UDPLINK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/buf.h"
#include "client/seqstat.h"
#include "face/udp/udp_codec.h"

/* The longest line the client sends: one datagram of UDP_SAFE_PAYLOAD bytes with its LF. */
#define UDPLINK_LINE_MAX (UDP_SAFE_PAYLOAD - 1)

struct udplink_config {
	uint64_t keepalive_ms;   /* once registered, a datagram at least this often */
	uint64_t retry_ms;       /* registration: first retry; doubles up to retry_max_ms */
	uint64_t retry_max_ms;
	unsigned tries;          /* /hello datagrams to an address that never answered */
	unsigned rate;           /* pacing: datagrams a second... */
	unsigned burst;          /* ...in bursts of this many */
	size_t max_queued;       /* bytes of lines waiting to go */
	uint64_t parts_ms;       /* how long the missing parts of a split line are awaited */
};

/* The defaults: keepalive 20 s; retries after 0.5, 1, 2, then every 4 s; 4 tries before giving
 * up on an address that never answered (7.5 s); 10 datagrams a second in bursts of 20 (half the
 * server's default limit); 256 KiB queued; missing parts awaited 2 s. */
void udplink_defaults(struct udplink_config *cfg);

enum udplink_state {
	UDPLINK_ASKING,
	UDPLINK_ECHOING,
	UDPLINK_ON,
	UDPLINK_GAVE_UP,
};

/* What udplink_input saw, as bits. */
enum {
	UDPLINK_REGISTERED = 1u << 0,  /* the session started (the first time or again) */
	UDPLINK_FORGOTTEN = 1u << 1,   /* the server said HELLO?: we register again */
};

struct udplink {
	struct udplink_config cfg;
	enum udplink_state state;
	char *name;               /* sent in /hello; NULL: none */
	uint64_t cookie;
	bool ever;                /* registered at least once */
	unsigned tries;           /* /hello datagrams since the last answer */
	uint64_t retry_at;
	uint64_t last_sent;
	/* What /stats shows. */
	uint64_t sent;            /* datagrams sent */
	uint64_t received;        /* datagrams received, of every kind */
	uint64_t registrations;
	struct seqstat seq;
	/* Lines waiting to go, each ending in LF. */
	struct buf queue;
	bool hold;                /* the queue waits (udplink_hold); keepalives still go */
	/* Pacing: a token bucket in thousandths of a datagram. */
	uint64_t tokens;
	uint64_t bucket_ms;
	/* The split line being put together: its first number, its parts, which have come. */
	uint64_t first;
	unsigned parts;
	uint32_t have;
	uint64_t parts_deadline;
	struct buf part[UDP_MAX_PARTS];
};

/* Starts asking for a cookie at `now`, as NAME (may be NULL). */
void udplink_init(struct udplink *u, const struct udplink_config *cfg, const char *name,
		  uint64_t now);
void udplink_free(struct udplink *u);
/* The name to register with from now on (the one the server accepted last). */
void udplink_set_name(struct udplink *u, const char *name);
/* Starts registering from the beginning, e.g. at another address of the host. Counts are kept. */
void udplink_restart(struct udplink *u, uint64_t now);
/* The session is over (the server shut down, or refused our datagrams): register again. */
void udplink_lost(struct udplink *u, uint64_t now);

/* A datagram from the server. Appends each line to show, ending in LF: session lines once each,
 * in arrival order, duplicates left out; a split line once all its parts came, or with "[…]"
 * for the missing ones when a part of another line comes or parts_ms have passed (whole lines
 * that come meanwhile are shown at once); and error lines outside the session. Returns the
 * UDPLINK_* bits. */
unsigned udplink_input(struct udplink *u, const char *dg, size_t len, uint64_t now,
		       struct buf *show);
/* While `hold`, queued lines wait and only keepalives go: the client holds its script's lines
 * until the server has taken the name it registered with, so that none is taken for a name. */
void udplink_hold(struct udplink *u, bool hold);
/* Queues a line (without LF, at most UDPLINK_LINE_MAX bytes). False if it does not fit. */
bool udplink_queue(struct udplink *u, const char *line, size_t len);
size_t udplink_queued(const struct udplink *u);
/* The next datagram to send at `now`, appended to dg; false when nothing is due. */
bool udplink_output(struct udplink *u, uint64_t now, struct buf *dg);
/* Shows a split line whose parts are overdue. */
void udplink_poll(struct udplink *u, uint64_t now, struct buf *show);
/* When output or poll will have something to do; UINT64_MAX for never. Always > now when
 * udplink_output(now) and udplink_poll(now) have just run. */
uint64_t udplink_wakeup(const struct udplink *u, uint64_t now);

#endif
