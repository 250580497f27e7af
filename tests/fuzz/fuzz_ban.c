/* libFuzzer target: the server's bans (src/server/ban.c). The input's first line is a duration,
 * the rest a mask; whatever parses goes into a list, which is then matched against the input as a
 * name and as an address, replaced, expired and emptied. Nothing may crash or leak, and a parsed
 * mask must parse again to itself (the store keeps masks as parsed). The mask is also cleaned as
 * a reason, which must come out clean and within BAN_REASON_MAX. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/utf8.h"
#include "server/ban.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *s = (const char *)data;
	const char *nl = memchr(s, '\n', size);
	size_t dlen = nl ? (size_t)(nl - s) : size;
	const char *mask = nl ? nl + 1 : s + size;
	size_t mlen = nl ? size - dlen - 1 : 0;
	uint64_t ms = 0;
	bool dur_ok = ban_duration_parse(s, dlen, &ms);
	if (dur_ok && ms > BAN_DURATION_MAX_MS)
		abort();
	struct buf norm = BUF_INIT, again = BUF_INIT;
	ban_reason(mask, mlen, &norm); /* the mask's bytes as a reason: clean, within the limit */
	if (!norm.len || norm.len > BAN_REASON_MAX || !utf8_is_clean(norm.data, norm.len))
		abort();
	bool is_addr = false, is_addr2 = false;
	struct netlim_cidr c, c2;
	struct ban_list l = {0};
	if (ban_mask_parse(mask, mlen, &norm, &is_addr, &c)) {
		if (!ban_mask_parse(norm.data, norm.len, &again, &is_addr2, &c2) ||
		    is_addr != is_addr2 || strcmp(norm.data, again.data) != 0)
			abort();
		const struct ban *b = ban_list_add(&l, norm.data, is_addr, &c, "why", "op", 1000,
						   dur_ok && ms ? 1000 + ms : 0);
		if (!b || !ban_list_add(&l, norm.data, is_addr, &c, "again", "op", 1000, 0) ||
		    l.n != 1)
			abort();
		ban_list_match_name(&l, mask, mlen);
		if (is_addr && !ban_list_match_addr(&l, &c.addr))
			abort();
		ban_list_expire(&l, UINT64_MAX, NULL, NULL);
		if (!ban_list_remove(&l, norm.data) || l.n != 0)
			abort();
	}
	ban_list_free(&l);
	buf_free(&norm);
	buf_free(&again);
	return 0;
}
