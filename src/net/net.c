#include "net/net.h"

#include <stdint.h>
#include <string.h>

#include "net/stream.h"

enum {
	SWEEP_MS = 1000,
	LINGER_POLL_MS = 50,  /* how often lingering streams are checked */
};

static void net_linger_cb(uv_timer_t *t)
{
	struct net *n = t->data;
	uint64_t now = uv_now(n->loop);
	list_each_safe(node, &n->lingering)
		stream_linger_tick(list_entry(node, struct stream, work), now);
	if (list_empty(&n->lingering))
		uv_timer_stop(t);
}

static void net_flush_cb(uv_prepare_t *h)
{
	struct net *n = h->data;
	/* Pop until empty: flushing and overflow handling may put streams (even this one) back. */
	struct list_node *node;
	while ((node = list_first(&n->pending)))
		stream_flush(list_entry(node, struct stream, work));
	/* Streams whose FIN went out during this turn joined the lingering list; poll them. */
	if (!list_empty(&n->lingering) && !uv_is_active((uv_handle_t *)&n->linger))
		uv_timer_start(&n->linger, net_linger_cb, LINGER_POLL_MS, LINGER_POLL_MS);
}

static void net_sweep_cb(uv_timer_t *t)
{
	struct net *n = t->data;
	uint64_t now = uv_now(n->loop);
	list_each_safe(node, &n->all)
		stream_tick(list_entry(node, struct stream, link), now);
	netlim_sweep(&n->limits, now);
}

int net_init(struct net *n, uv_loop_t *loop, const struct net_config *cfg, const struct logger *log)
{
	memset(n, 0, sizeof(*n));
	n->loop = loop;
	n->log = log;
	n->cfg = *cfg;
	list_init(&n->pending);
	list_init(&n->lingering);
	list_init(&n->all);
	netlim_init(&n->limits, &cfg->limits, (uint64_t)(uintptr_t)n ^ uv_hrtime());
	int r = uv_timer_init(loop, &n->linger);
	if (r < 0)
		return r;
	n->linger.data = n;
	r = uv_prepare_init(loop, &n->flush);
	if (r < 0)
		return r;
	n->flush.data = n;
	uv_prepare_start(&n->flush, net_flush_cb);
	r = uv_timer_init(loop, &n->sweep);
	if (r < 0)
		return r;
	n->sweep.data = n;
	uv_timer_start(&n->sweep, net_sweep_cb, SWEEP_MS, SWEEP_MS);
	/* None of the handles should keep the loop alive on its own. */
	uv_unref((uv_handle_t *)&n->linger);
	uv_unref((uv_handle_t *)&n->flush);
	uv_unref((uv_handle_t *)&n->sweep);
	return 0;
}

bool net_banned(const struct net *n, const struct netlim_addr *a, const char **reason,
		uint64_t *until_ms)
{
	return n->gate && n->gate->banned(n->gate->ctx, a, reason, until_ms);
}

void net_close_all(struct net *n)
{
	list_each_safe(node, &n->all)
		stream_close(list_entry(node, struct stream, link));
}

void net_close(struct net *n)
{
	uv_handle_t *handles[] = {(uv_handle_t *)&n->flush, (uv_handle_t *)&n->sweep,
				  (uv_handle_t *)&n->linger};
	for (size_t i = 0; i < sizeof(handles) / sizeof(handles[0]); i++)
		if (!uv_is_closing(handles[i]))
			uv_close(handles[i], NULL);
	/* Streams still closing release nothing once the table is empty. */
	netlim_free(&n->limits);
}
