/* udp: the UDP face. Datagram peers chat in the hub's rooms in the line protocol's words, with soft
 * state instead of a connection (docs/protocol.md, "UDP").
 *
 * A peer registers with `/hello NAME`, gets a cookie, and echoes it (`/hello NAME COOKIE`); only then
 * is it a hub session. Until an address has echoed a cookie the face answers each of its datagrams
 * with at most as many bytes as that datagram had, so forged sources cannot turn charlad into an
 * amplifier. Every datagram from a source address first passes a token bucket (udp_peers.h).
 * Sessions use the line format (line_codec_face), so a UDP peer shares the frames the hub encodes
 * for TCP clients; each datagram adds a small header with the peer's sequence number, sent as a
 * separate buffer, and a line too long for one datagram goes in parts cut at UTF-8 boundaries.
 *
 * Ownership. A udp_face owns its sockets (net/dgram), its peer table and one struct udp_peer per
 * verified address, which embeds its hub session. A peer is removed from the table as soon as it is
 * forgotten or leaves, after hub_close, and freed from a deferred callback (never inside a hub call
 * or its own callback). Sends in flight hold a frame reference, never a peer, so a peer is free to go
 * whatever is queued for it. */
#ifndef CHARLA_FACE_UDP_H
#define CHARLA_FACE_UDP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <uv.h>

#include "base/buf.h"
#include "face/udp/udp_peers.h"
#include "hub/hub.h"

struct dgram;
struct listener;
struct logger;
struct net_gate;
struct netlim_addr;

struct udp_config {
	const char *version;
	uint64_t idle_ms;          /* a peer silent this long is forgotten (--udp-idle) */
	uint64_t name_timeout_ms;  /* time to give a name; 0 = none */
	uint64_t quiet_ms;         /* --idle-timeout: a named peer that says nothing; 0 = none */
	unsigned rate;             /* datagrams a second per source address */
	unsigned burst;            /* ...in bursts of this many */
	size_t max_peers;          /* verified peers at once */
	size_t max_line;           /* longest line accepted */
	size_t max_queued;         /* bytes per socket waiting for the kernel; then datagrams drop */
	const struct net_gate *gate; /* bans of addresses (net/net.h), asked at registration; NULL:
				      * none */
};

struct udp_stats {
	uint64_t rate_dropped;     /* datagrams over a rate limit */
	uint64_t cookies;          /* cookies sent */
	uint64_t registered;
	uint64_t forgotten;        /* peers forgotten for silence */
};

struct udp_face {
	struct udp_config cfg;
	struct hub *hub;
	uv_loop_t *loop;
	const struct logger *log;
	struct dgram *socks;
	struct udp_peers peers;
	struct udp_peer *opening;    /* inside hub_open for this peer */
	struct udp_peer *admit;      /* admitted from the queue: give their name (deferred) */
	struct udp_peer *dead;       /* to free (deferred) */
	uv_timer_t expiry;           /* armed for the next peer's deadline */
	uv_timer_t defer;
	uint64_t armed_at;
	struct buf clean;            /* sanitising scratch */
	struct udp_stats stats;
	bool stopping;
};

/* Sets up the face (no socket yet); the cookie secret comes from the system's random source.
 * Returns 0, or -1 with err filled. */
int udp_face_init(struct udp_face *uf, const struct udp_config *cfg, struct hub *hub,
		  uv_loop_t *loop, const struct logger *log, char *err, size_t errlen);
/* Binds UDP sockets for one address spec (net/addr.h forms). Returns 0, or -1 with err filled. */
int udp_face_listen(struct udp_face *uf, const char *spec, char *err, size_t errlen);
/* Binds a UDP socket at the address of each TCP listener in the list (same port number). A
 * failure is logged and skipped: the UDP port that goes with a TCP port is a convenience. */
void udp_face_follow(struct udp_face *uf, const struct listener *listeners);
/* Stops receiving, tells every peer the server is shutting down, forgets them (silently: the hub
 * is stopping) and closes the sockets once their queues are empty. */
void udp_face_shutdown(struct udp_face *uf);
/* Calls fn with each peer's session and address (server/'s bans cut those they match); fn may cut
 * the session: the peer is buried later, not inside the walk. */
void udp_face_each(struct udp_face *uf,
		   void (*fn)(struct session *s, const struct netlim_addr *a, void *arg), void *arg);
/* Closes every handle now (after shutdown, or after a failed start). */
void udp_face_close(struct udp_face *uf);
/* Frees what init allocated; the handles must be closed and their callbacks run. */
void udp_face_free(struct udp_face *uf);

#endif
