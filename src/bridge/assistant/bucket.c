/* bucket: the per-user rate limit, a token bucket of cfg.rate_per_min tokens (that burst) per
 * user key, refilled continuously. Buckets live in a->buckets; once BUCKETS_SWEEP are kept, the
 * full ones (users who could ask their whole burst again) are dropped before a new one is made. */
#include <stdlib.h>

#include "base/xalloc.h"
#include "bridge/assistant/assistant_int.h"

enum {
	BUCKETS_SWEEP = 4096,       /* rate buckets kept before full ones are dropped */
};

struct bucket {
	char *key;
	double tokens;
	uint64_t at_ms;
};

static void bucket_free(struct bucket *b)
{
	free(b->key);
	free(b);
}

static void bucket_refill(const struct assistant *a, struct bucket *b, uint64_t now)
{
	double cap = a->cfg.rate_per_min;
	b->tokens += (double)(now - b->at_ms) * cap / 60000.0;
	if (b->tokens > cap)
		b->tokens = cap;
	b->at_ms = now;
}

static void bucket_sweep(struct assistant *a, uint64_t now)
{
	char **drop = xmalloc(a->buckets.count * sizeof(*drop));
	size_t n = 0;
	const char *k;
	void *v;
	for (size_t i = 0; map_next(&a->buckets, &i, &k, &v);) {
		struct bucket *b = v;
		bucket_refill(a, b, now);
		if (b->tokens >= a->cfg.rate_per_min)
			drop[n++] = b->key;
	}
	for (size_t i = 0; i < n; i++)
		bucket_free(map_del(&a->buckets, drop[i]));
	free(drop);
}

long bucket_wait(struct assistant *a, const char *user)
{
	if (!a->cfg.rate_per_min)
		return 0;
	struct bucket *b = map_get(&a->buckets, user);
	if (!b)
		return 0;
	bucket_refill(a, b, assistant_now(a));
	if (b->tokens >= 1.0)
		return 0;
	double s = (1.0 - b->tokens) * 60.0 / a->cfg.rate_per_min;
	long w = (long)s;
	return w < s ? w + 1 : (w ? w : 1);
}

void bucket_take(struct assistant *a, const char *user)
{
	if (!a->cfg.rate_per_min)
		return;
	uint64_t now = assistant_now(a);
	struct bucket *b = map_get(&a->buckets, user);
	if (!b) {
		if (a->buckets.count >= BUCKETS_SWEEP)
			bucket_sweep(a, now);
		b = xcalloc(1, sizeof(*b));
		b->key = xstrdup(user);
		b->tokens = a->cfg.rate_per_min;
		b->at_ms = now;
		map_put(&a->buckets, b->key, b);
	}
	bucket_refill(a, b, now);
	b->tokens -= 1.0;
}

void bucket_free_all(struct assistant *a)
{
	const char *k;
	void *v;
	for (size_t i = 0; map_next(&a->buckets, &i, &k, &v);)
		bucket_free(v);
	map_free(&a->buckets);
}
