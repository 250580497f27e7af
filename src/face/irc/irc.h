/* irc: the IRC face. Real IRC clients (irssi, WeeChat, HexChat, bots) and netcat users share the
 * hub's rooms: an IRC channel #x is the room #x, an IRC nick is a hub name.
 *
 * It speaks RFC 1459/2812 as Modern IRC reads it, with the IRCv3 capabilities it advertises
 * (irc_cap.c), over net/conn's line framing: registration (PASS, NICK, USER, CAP), channels,
 * messages, queries, operators, MONITOR. Every hub event is encoded once per wire-format variant
 * (a client's choice of server-time, message-tags, away-notify, extended-join, setname and
 * invite-notify: irc_codec.c) and every client of that variant gets a reference to the same frame.
 *
 * Ownership. An irc_face owns its listeners and one irc_client per connection (irc_int.h); each
 * client embeds its hub session and points at its conn. A client is freed only in the conn's close
 * callback, after session_close has unlinked its session, so neither the hub nor the conn can
 * hold a dangling pointer to it. The face's own state (its MOTD text, its WHOWAS ring, its MONITOR
 * table) is freed by irc_face_free once every client is gone; its flood timer is closed by
 * irc_face_shutdown (or, after a failed start, by whoever closes the loop's handles). */
#ifndef CHARLA_FACE_IRC_IRC_H
#define CHARLA_FACE_IRC_IRC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <uv.h>

#include "base/buf.h"
#include "base/list.h"
#include "base/map.h"
#include "base/metrics.h"
#include "hub/hub.h"

struct conn;
struct listener;
struct logger;
struct net;
struct netlim_addr;

struct irc_config {
	const char *version;
	const char *network;       /* NETWORK=, and the welcome's words */
	const char *info;          /* the server's one-line description (WHOIS 312, LINKS) */
	const char *password;      /* a server password every client must give (PASS), or NULL */
	const char *motd;          /* the message of the day's text (lines), or NULL for none */
	uint64_t ping_ms;          /* a client silent this long is sent a PING */
	uint64_t ping_timeout_ms;  /* ...and dropped if it has not answered this long after */
	uint64_t register_timeout_ms; /* time to register (NICK and USER); 0 = none */
	unsigned flood_rate;       /* commands a second a client may send, on average; 0 = no limit */
	unsigned flood_burst;      /* ...in bursts of this many */
	size_t whowas_max;         /* departures WHOWAS remembers */
	size_t monitor_max;        /* nicks one client may MONITOR */
	unsigned history_on_join;  /* lines of a channel's history replayed on JOIN (0: none) */
	int backlog;
};

/* struct irc_face's stats index. */
enum { IRC_TRANSPORT_TCP, IRC_TRANSPORT_WS, IRC_TRANSPORTS };

struct irc_whowas {
	char *nick, *user, *host, *realname;
	uint64_t when_ms;
};

struct irc_face {
	struct irc_config cfg;
	struct hub *hub;
	struct net *net;
	const struct logger *log;
	struct listener *listeners;
	struct list clients;          /* every open client (struct irc_client) */
	size_t nclients;
	/* For /metrics (this face writes, server/ reads): by transport, IRC_TRANSPORT_TCP for
	 * its own listeners, IRC_TRANSPORT_WS for WebSockets the web face handed over. */
	struct metrics_conns stats[IRC_TRANSPORTS];
	struct hub_observer ears;     /* arrivals, renames, quits: MONITOR and WHOWAS */
	struct irc_whowas *whowas;    /* a ring of cfg.whowas_max departures, newest at whowas_at-1 */
	size_t whowas_at, whowas_n;
	struct map monitors;          /* folded nick -> struct irc_watchers (who MONITORs it) */
	char created[64];             /* 003: when this face started */
	uint64_t started_ms;
	struct buf scratch;
	uint64_t batch_seq;           /* batch references */
	/* Flood control: the clients whose input waits for their budget to come back, and the
	 * timer that refills it, running only while that list is not empty. One timer for the
	 * face, not one per client; the net's once-a-second sweep would be too coarse for a rate
	 * above the burst. */
	struct list throttled;
	uv_timer_t flood;
};

int irc_face_init(struct irc_face *f, const struct irc_config *cfg, struct hub *hub,
		  struct net *net, const struct logger *log, char *err, size_t errlen);
/* Listens on one address spec (net/addr.h forms). Returns 0, or -1 with err filled. */
int irc_face_listen(struct irc_face *f, const char *spec, char *err, size_t errlen);
/* Takes over conn, a WebSocket connection the web face upgraded with the IRC subprotocol
 * (text.ircv3.net): from now on its messages are IRC lines of a new client. The web face hands it
 * over through a function server/ wires, so neither face includes the other. */
void irc_face_adopt(struct irc_face *f, struct conn *conn);
/* Calls fn with each client's session and address, WebSocket ones too (server/'s bans cut those
 * they match); fn may cut the session: the client is freed after its close callback. */
void irc_face_each(struct irc_face *f,
		   void (*fn)(struct session *s, const struct netlim_addr *a, void *arg), void *arg);
/* Stops accepting, tells every client the server is going down (ERROR), and closes each
 * connection after its output is flushed. */
void irc_face_shutdown(struct irc_face *f);
/* Frees what init allocated; every client must be gone (net count 0). */
void irc_face_free(struct irc_face *f);

#endif
