/* server_bans: the server's bans (server/ban.h) wired: the hub's interface (hub/bans.h) for the
 * faces' /ban and KLINE and for names, the net's gate (net/net.h) for addresses at accept, the
 * store for persistence (a ban survives a restart; one whose time is over is forgotten there
 * too), and the cut of those online who match a new ban (line and IRC clients, WebSocket ones
 * included, through the faces' walks).
 *
 * Ownership. struct server_bans is embedded in struct server; it owns its list. server_bans_start
 * takes the bans the store read at start (server_store.bans) and frees them. Everything runs on the
 * loop; the store's writes are queued to its thread. */
#ifndef CHARLA_SERVER_SERVER_BANS_H
#define CHARLA_SERVER_SERVER_BANS_H

#include <stdint.h>

#include "hub/bans.h"
#include "net/net.h"
#include "server/ban.h"

struct server;

struct server_bans {
	struct hub_bans iface;   /* the hub's; ctx is this */
	struct net_gate gate;    /* the net's; ctx is this */
	struct ban_list list;
	struct server *sv;
	uint64_t (*clock_ms)(void); /* the wall clock: bans end at a date */
	uint64_t cut;            /* sessions cut by bans (for /metrics) */
	uint64_t refused_names;  /* names refused at naming */
};

void server_bans_start(struct server_bans *b, struct server *sv, uint64_t (*clock_ms)(void));
void server_bans_free(struct server_bans *b);

#endif
