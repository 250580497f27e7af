/* conv: what each conversation remembers (its last questions and answers within cfg.memory
 * bytes, the oldest dropped first) and the LRU order that keeps at most
 * ASSISTANT_MAX_CONVERSATIONS of them. A conversation exists only while it remembers something. */
#include <stdlib.h>
#include <string.h>

#include "base/xalloc.h"
#include "bridge/assistant/assistant_int.h"

struct pair {
	char *name;     /* may be NULL */
	char *question;
	char *answer;
	size_t bytes;
};

struct conv {
	char *key;
	struct pair *pairs;   /* oldest first */
	size_t n, cap;
	size_t bytes;
	struct list_node lru;       /* on a->lru, most recently used first */
};

static void conv_drop_oldest(struct conv *c)
{
	struct pair *p = &c->pairs[0];
	c->bytes -= p->bytes;
	free(p->name);
	free(p->question);
	free(p->answer);
	memmove(c->pairs, c->pairs + 1, (c->n - 1) * sizeof(*c->pairs));
	c->n--;
}

static void conv_free(struct assistant *a, struct conv *c)
{
	map_del(&a->convs, c->key);
	list_remove(&c->lru);
	a->nconvs--;
	while (c->n)
		conv_drop_oldest(c);
	free(c->pairs);
	free(c->key);
	free(c);
}

static void conv_touch(struct assistant *a, struct conv *c)
{
	list_remove(&c->lru);
	list_push_front(&a->lru, &c->lru);
}

static struct conv *conv_get(struct assistant *a, const char *key, bool create)
{
	struct conv *c = map_get(&a->convs, key);
	if (!c && create) {
		c = xcalloc(1, sizeof(*c));
		c->key = xstrdup(key);
		map_put(&a->convs, c->key, c);
		a->nconvs++;
		if (a->nconvs > ASSISTANT_MAX_CONVERSATIONS && !list_empty(&a->lru))
			conv_free(a, list_entry(list_last(&a->lru), struct conv, lru));
	}
	if (c)
		conv_touch(a, c);
	return c;
}

struct chat_turn *conv_history(struct assistant *a, const char *key, size_t *n)
{
	struct conv *c = conv_get(a, key, false);
	*n = 0;
	if (!c || !c->n)
		return NULL;
	struct chat_turn *hist = xmalloc(2 * c->n * sizeof(*hist));
	for (size_t i = 0; i < c->n; i++) {
		hist[2 * i] = (struct chat_turn){CHAT_ROLE_USER, c->pairs[i].name,
						 c->pairs[i].question};
		hist[2 * i + 1] = (struct chat_turn){CHAT_ROLE_ASSISTANT, NULL, c->pairs[i].answer};
	}
	*n = 2 * c->n;
	return hist;
}

void conv_remember(struct assistant *a, const char *key, const char *name, const char *q,
		   const char *ans)
{
	if (!a->cfg.memory)
		return;
	struct conv *c = conv_get(a, key, true);
	c->pairs = xgrow(c->pairs, &c->cap, c->n + 1, sizeof(*c->pairs));
	struct pair *p = &c->pairs[c->n++];
	p->name = name ? xstrdup(name) : NULL;
	p->question = xstrdup(q);
	p->answer = xstrdup(ans);
	p->bytes = (name ? strlen(name) + 2 : 0) + strlen(q) + strlen(ans);
	c->bytes += p->bytes;
	while (c->n && c->bytes > a->cfg.memory)
		conv_drop_oldest(c);
	if (!c->n)
		conv_free(a, c);
}

bool conv_forget(struct assistant *a, const char *key)
{
	struct conv *c = map_get(&a->convs, key);
	if (c)
		conv_free(a, c);
	return c != NULL;
}

void conv_free_all(struct assistant *a)
{
	list_each_safe(n, &a->lru)
		conv_free(a, list_entry(n, struct conv, lru));
	map_free(&a->convs);
}
