#include "server/ban.h"

#include <stdlib.h>
#include <string.h>

#include "base/fold.h"
#include "base/utf8.h"
#include "base/xalloc.h"
#include "hub/mode.h"

enum { BAN_MS_S = 1000, BAN_S_MIN = 60, BAN_S_HOUR = 3600, BAN_S_DAY = 86400, BAN_S_WEEK = 604800 };

static bool ban_word(const char *s, size_t len, const char *word)
{
	if (strlen(word) != len)
		return false;
	for (size_t i = 0; i < len; i++)
		if ((s[i] | 0x20) != word[i])
			return false;
	return true;
}

bool ban_duration_parse(const char *s, size_t len, uint64_t *ms)
{
	if (ban_word(s, len, "perm") || ban_word(s, len, "permanent") || ban_word(s, len, "0")) {
		*ms = 0;
		return true;
	}
	uint64_t n = 0;
	size_t i = 0;
	for (; i < len && s[i] >= '0' && s[i] <= '9'; i++) {
		n = n * 10 + (uint64_t)(s[i] - '0');
		if (n > BAN_DURATION_MAX_MS)
			return false;
	}
	if (i == 0 || n == 0 || len - i > 1)
		return false;
	uint64_t unit = BAN_S_MIN; /* bare digits: minutes, as IRC's KLINE */
	if (i < len) {
		switch (s[i] | 0x20) {
		case 's': unit = 1; break;
		case 'm': unit = BAN_S_MIN; break;
		case 'h': unit = BAN_S_HOUR; break;
		case 'd': unit = BAN_S_DAY; break;
		case 'w': unit = BAN_S_WEEK; break;
		default: return false;
		}
	}
	if (n > BAN_DURATION_MAX_MS / BAN_MS_S / unit)
		return false;
	*ms = n * unit * BAN_MS_S;
	return true;
}

bool ban_mask_parse(const char *s, size_t len, struct buf *out, bool *is_addr,
		    struct netlim_cidr *cidr)
{
	buf_clear(out);
	if (!len || len > BAN_MASK_MAX || !utf8_is_valid(s, len))
		return false;
	for (size_t i = 0; i < len; i++) {
		unsigned char ch = (unsigned char)s[i];
		if (ch <= ' ' || ch == 0x7f || ch == ',')
			return false;
	}
	if (netlim_cidr_parse(s, len, cidr)) {
		unsigned full = cidr->addr.family == AF_INET ? 32 : 128;
		char key[NETLIM_KEY_LEN];
		netlim_key(&cidr->addr, cidr->prefix < full ? cidr->prefix : 0, key);
		buf_puts(out, key);
		*is_addr = true;
		return true;
	}
	*is_addr = false;
	mask_normalise(s, len, out);
	return out->len <= BAN_MASK_MAX; /* as stored, so that a stored mask parses again */
}

/* The index of the ban with mask m (folded compare), or l->n. */
static size_t ban_find(const struct ban_list *l, const char *m)
{
	size_t len = strlen(m);
	char *want = xmalloc(len + 1);
	fold_utf8(m, len, want, len + 1);
	size_t i = 0;
	for (; i < l->n; i++) {
		size_t blen = strlen(l->v[i].mask);
		char *have = xmalloc(blen + 1);
		fold_utf8(l->v[i].mask, blen, have, blen + 1);
		bool same = strcmp(want, have) == 0;
		free(have);
		if (same)
			break;
	}
	free(want);
	return i;
}

static void ban_free(struct ban *b)
{
	free(b->mask);
	free(b->reason);
	free(b->by);
}

const struct ban *ban_list_add(struct ban_list *l, const char *mask, bool is_addr, const struct netlim_cidr *c,
		  const char *reason, const char *by, uint64_t set_ms, uint64_t until_ms)
{
	size_t i = ban_find(l, mask);
	if (i < l->n) {
		ban_free(&l->v[i]);
	} else {
		if (l->n >= BAN_MAX)
			return NULL;
		l->v = xgrow(l->v, &l->cap, l->n + 1, sizeof(*l->v));
		l->n++;
	}
	struct ban *b = &l->v[i];
	memset(b, 0, sizeof(*b));
	b->mask = xstrdup(mask);
	b->reason = xstrdup(reason);
	b->by = xstrdup(by);
	b->set_ms = set_ms;
	b->until_ms = until_ms;
	b->is_addr = is_addr;
	if (is_addr)
		b->cidr = *c;
	return b;
}

static void ban_list_drop(struct ban_list *l, size_t i)
{
	ban_free(&l->v[i]);
	memmove(&l->v[i], &l->v[i + 1], (l->n - i - 1) * sizeof(*l->v));
	l->n--;
}

bool ban_list_remove(struct ban_list *l, const char *mask)
{
	struct buf norm = BUF_INIT;
	bool is_addr;
	struct netlim_cidr c;
	bool ok = ban_mask_parse(mask, strlen(mask), &norm, &is_addr, &c);
	size_t i = ok ? ban_find(l, norm.data) : l->n;
	buf_free(&norm);
	if (i >= l->n)
		return false;
	ban_list_drop(l, i);
	return true;
}

size_t ban_list_expire(struct ban_list *l, uint64_t now_ms,
		       void (*gone)(const struct ban *b, void *arg), void *arg)
{
	size_t dropped = 0;
	for (size_t i = 0; i < l->n;) {
		if (l->v[i].until_ms && l->v[i].until_ms <= now_ms) {
			if (gone)
				gone(&l->v[i], arg);
			ban_list_drop(l, i);
			dropped++;
		} else {
			i++;
		}
	}
	return dropped;
}

const struct ban *ban_list_match_addr(const struct ban_list *l, const struct netlim_addr *a)
{
	for (size_t i = 0; i < l->n; i++)
		if (l->v[i].is_addr && netlim_in_cidr(a, &l->v[i].cidr))
			return &l->v[i];
	return NULL;
}

const struct ban *ban_list_match_name(const struct ban_list *l, const char *who, size_t len)
{
	for (size_t i = 0; i < l->n; i++)
		if (!l->v[i].is_addr && mask_match(l->v[i].mask, strlen(l->v[i].mask), who, len))
			return &l->v[i];
	return NULL;
}

void ban_list_free(struct ban_list *l)
{
	for (size_t i = 0; i < l->n; i++)
		ban_free(&l->v[i]);
	free(l->v);
	*l = (struct ban_list){0};
}
