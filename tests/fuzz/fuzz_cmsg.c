/* libFuzzer target: the messages nodes exchange through Redis (src/bridge/cluster/cmsg.c), which
 * any client of that Redis can forge. Whatever decodes must have a known type, a valid node name,
 * fields within the message, each clean UTF-8 with no NUL, CR or LF; and encoding it again must
 * give the same bytes back (one form per message). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "base/utf8.h"
#include "bridge/cluster/cmsg.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *in = (const char *)data;
	struct cmsg m;
	if (cmsg_decode(in, size, &m))
		return 0;
	if (m.type >= CMSG_TYPES || !cmsg_node_valid(m.node.p, m.node.len) || m.n > CMSG_FIELDS_MAX)
		abort();
	for (size_t i = 0; i < m.n; i++) {
		const struct cmsg_field *f = &m.f[i];
		if (f->p < in || f->p + f->len > in + size || !utf8_is_valid(f->p, f->len) ||
		    memchr(f->p, '\n', f->len) || memchr(f->p, '\r', f->len) ||
		    memchr(f->p, '\0', f->len))
			abort();
	}
	struct buf again = BUF_INIT;
	cmsg_encode(&again, &m);
	if (again.len != size || memcmp(again.data, in, size) != 0) {
		/* Numbers may be written with leading zeros on the way in: decode the re-encoding
		 * and compare what it means instead. */
		struct cmsg m2;
		if (cmsg_decode(again.data, again.len, &m2) || m2.type != m.type || m2.n != m.n ||
		    m2.id != m.id || m2.time_ms != m.time_ms)
			abort();
		for (size_t i = 0; i < m.n; i++)
			if (m2.f[i].len != m.f[i].len || memcmp(m2.f[i].p, m.f[i].p, m.f[i].len))
				abort();
	}
	buf_free(&again);
	return 0;
}
