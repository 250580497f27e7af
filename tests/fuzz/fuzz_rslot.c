/* libFuzzer target: the topology read from CLUSTER NODES (src/bridge/cluster/rslot.c), which a
 * Redis node (or anyone who took its port) sends. What parses must hold at most
 * RSLOT_MASTERS_MAX masters, each a numeric address and a port, every slot owned by one of them
 * or by none, and covered must count the owned slots. */
#include <arpa/inet.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "bridge/cluster/rslot.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct rslot_map m; /* 16 KB: not on the fuzzer's stack */
	const char *err = NULL;
	if (!rslot_parse_nodes((const char *)data, size, "127.0.0.1", &m, &err)) {
		if (!err)
			abort();
		return 0;
	}
	if (m.masters > RSLOT_MASTERS_MAX)
		abort();
	for (size_t i = 0; i < m.masters; i++) {
		unsigned char bin[16];
		if (m.master[i].port == 0 || (inet_pton(AF_INET, m.master[i].host, bin) != 1 &&
					      inet_pton(AF_INET6, m.master[i].host, bin) != 1))
			abort();
	}
	size_t covered = 0;
	for (size_t s = 0; s < RSLOT_SLOTS; s++) {
		if (m.owner[s] != RSLOT_NONE && m.owner[s] >= m.masters)
			abort();
		covered += m.owner[s] != RSLOT_NONE;
	}
	if (covered != m.covered)
		abort();
	(void)rslot_of((const char *)data, size);
	return 0;
}
