/* rslot: Redis Cluster's slots, pure (no I/O, no allocation): the slot of a key or a channel
 * (CRC16/XMODEM of the key, or of its {hash tag}, mod 16384, as Redis's keyHashSlot), and the
 * topology read from the text of CLUSTER NODES (slot -> master's address).
 *
 * CLUSTER NODES rather than CLUSTER SLOTS or SHARDS: its answer is one bulk string of lines
 * (`ID IP:PORT@CPORT[,HOSTNAME] FLAGS MASTER PING PONG EPOCH LINK SLOT...`), so the parser reads
 * plain bytes, which a fuzzer can give it, and works on every Redis with a cluster. Masters
 * flagged fail, noaddr or handshake are left out; a master's address must be a numeric IPv4 or
 * IPv6 address (charlad never resolves names on its loop) of at most RSLOT_HOST_MAX bytes, except
 * for the node that answered (flag myself), whose empty address (it does not know its own) is
 * taken as the seed's. Slot entries are N or N-M; migrating and importing entries ([...]) are
 * skipped.
 *
 * Ownership. struct rslot_map is the caller's (about 16 KB: keep it in a larger struct, not on
 * a small stack); rslot_parse_nodes fills it whole or leaves it undefined on failure. */
#ifndef CHARLA_BRIDGE_CLUSTER_RSLOT_H
#define CHARLA_BRIDGE_CLUSTER_RSLOT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum {
	RSLOT_SLOTS = 16384,
	RSLOT_MASTERS_MAX = 64, /* masters charlad links to; a bigger cluster is refused */
	RSLOT_HOST_MAX = 45,    /* bytes of a numeric address (INET6_ADDRSTRLEN - 1) */
	RSLOT_NONE = 0xff,      /* owner of a slot no master serves */
	RSLOT_TEXT_MAX = 1 << 20, /* bytes of a CLUSTER NODES answer read */
};

struct rslot_master {
	char host[RSLOT_HOST_MAX + 1];
	uint16_t port;
};

struct rslot_map {
	size_t masters;                                /* entries of master[] */
	struct rslot_master master[RSLOT_MASTERS_MAX];
	uint8_t owner[RSLOT_SLOTS];                    /* index in master[], or RSLOT_NONE */
	size_t covered;                                /* slots with an owner */
};

/* CRC16/XMODEM (polynomial 0x1021, initial 0), as Redis Cluster's. */
uint16_t rslot_crc16(const char *p, size_t len);
/* The slot of key[0..len): the CRC16 of the part between the first '{' and the next '}' when that
 * part is not empty, else of the whole key; mod RSLOT_SLOTS. */
unsigned rslot_of(const char *key, size_t len);
/* Reads CLUSTER NODES's text into *out. seed_host (the address charlad asked) stands for the
 * answering node's own empty address. On failure returns false and *err points to a static
 * English sentence. A map that does not cover every slot is not a failure: see out->covered. */
bool rslot_parse_nodes(const char *text, size_t len, const char *seed_host, struct rslot_map *out,
		       const char **err);

#endif
