#include "server/ban.h"

#include <stdlib.h>
#include <string.h>

#include "base/fold.h"
#include "base/utf8.h"
#include "base/xalloc.h"
#include "hub/mode.h"

enum { BAN_MS_S = 1000, BAN_S_MIN = 60, BAN_S_HOUR = 3600, BAN_S_DAY = 86400, BAN_S_WEEK = 604800 };
enum {
	BAN_V4_BITS = 32,
	BAN_V6_BITS = 128,
	BAN_V4_LEN = 4,
	BAN_MAPPED_LEN = 12,    /* bytes of ::ffff: before the IPv4 address */
	BAN_MAPPED_BITS = 96,
};

static const char BAN_ANY_NAME[] = "*!*@"; /* a name mask that only names a host */
static const char BAN_NO_REASON[] = "no reason given";

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

/* An IPv4-mapped IPv6 block ("::ffff:192.0.2.0/120") as the IPv4 block it is: clients are
 * normalised so (netlim_addr_from), and an IPv6 block would never match them. */
static void ban_unmap(struct netlim_cidr *c)
{
	static const uint8_t mapped[BAN_MAPPED_LEN] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
	if (c->addr.family != AF_INET6 || c->prefix < BAN_MAPPED_BITS ||
	    memcmp(c->addr.bytes, mapped, sizeof(mapped)) != 0)
		return;
	struct netlim_addr v4 = {.family = AF_INET};
	memcpy(v4.bytes, c->addr.bytes + sizeof(mapped), BAN_V4_LEN);
	c->addr = v4;
	c->prefix -= BAN_MAPPED_BITS;
}

/* s[0..len) as an address ban: 1 with the stored form in out, 0 when it is no address or CIDR,
 * -1 for a block of every address ("0.0.0.0/0", "::/0"): a typo more likely than a wish to shut
 * everyone out, operators included. */
static int ban_addr_parse(const char *s, size_t len, struct buf *out, struct netlim_cidr *cidr)
{
	if (!netlim_cidr_parse(s, len, cidr))
		return 0;
	ban_unmap(cidr);
	if (cidr->prefix == 0)
		return -1;
	unsigned full = cidr->addr.family == AF_INET ? BAN_V4_BITS : BAN_V6_BITS;
	char key[NETLIM_KEY_LEN];
	netlim_key(&cidr->addr, cidr->prefix < full ? cidr->prefix : 0, key);
	buf_clear(out);
	buf_puts(out, key);
	return 1;
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
	*is_addr = true;
	int a = ban_addr_parse(s, len, out, cidr);
	if (a)
		return a > 0;
	mask_normalise(s, len, out);
	/* "*!*@203.0.113.5" (KLINE *@203.0.113.5) names no one but an address: an address ban,
	 * which applies at accept on every face, not only to faces that set a host. */
	size_t any = sizeof(BAN_ANY_NAME) - 1;
	if (out->len > any && memcmp(out->data, BAN_ANY_NAME, any) == 0) {
		struct buf host = BUF_INIT;
		buf_append(&host, out->data + any, out->len - any);
		a = ban_addr_parse(host.data, host.len, out, cidr);
		buf_free(&host);
		if (a)
			return a > 0;
	}
	*is_addr = false;
	return out->len <= BAN_MASK_MAX; /* as stored, so that a stored mask parses again */
}

void ban_reason(const char *r, size_t len, struct buf *out)
{
	struct buf clean = BUF_INIT;
	utf8_sanitize(r, len, &clean);
	len = clean.len;
	if (len > BAN_REASON_MAX) {
		len = BAN_REASON_MAX;
		while (len && ((unsigned char)clean.data[len] & 0xC0) == 0x80)
			len--;
	}
	buf_clear(out);
	if (len)
		buf_append(out, clean.data, len);
	else
		buf_puts(out, BAN_NO_REASON);
	buf_free(&clean);
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
