/* accounts_guard: what keeps names their owners' and guessers slow. The throttles are counts in
 * a window that starts with the first event (a failed login, a registration) and ends
 * `window` seconds later; the sweep forgets windows that ended, so the maps hold only what the
 * last window saw. Graces are sessions on a name registered to another account: each is renamed
 * when its deadline passes unless it logged in to that account or changed its name. */
#include "bridge/accounts/accounts_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/log.h"
#include "base/xalloc.h"
#include "hub/name.h"

enum { ACCOUNTS_MS_PER_S = 1000 };

static uint64_t accounts_now(const struct accounts *a)
{
	return uv_now(a->loop);
}

void accounts_addr(const struct session *s, char out[ACCOUNTS_ADDR_MAX])
{
	/* The face's key (an IPv4 address, an IPv6 /64), made in one place: net/netlim.h. */
	const char *key = s->ops && s->ops->addr_key ? s->ops->addr_key(s) : NULL;
	snprintf(out, ACCOUNTS_ADDR_MAX, "%s", key ? key : "");
}

/* ---- throttles ---- */

static struct accounts_count *accounts_count_get(struct map *m, const char *key)
{
	return map_get(m, key);
}

/* The count under key, started now if there is none or its window has ended. */
static struct accounts_count *accounts_count_touch(struct accounts *a, struct map *m,
						   const char *key, unsigned window_s)
{
	uint64_t now = accounts_now(a);
	struct accounts_count *c = map_get(m, key);
	if (c && now - c->start_ms >= (uint64_t)window_s * ACCOUNTS_MS_PER_S) {
		c->start_ms = now;
		c->n = 0;
	}
	if (!c) {
		size_t len = strlen(key);
		c = xcalloc(1, sizeof(*c) + len + 1);
		memcpy(c->key, key, len + 1);
		c->start_ms = now;
		map_put(m, c->key, c);
	}
	return c;
}

/* Seconds left of c's window when it has reached limit, else 0. */
static unsigned accounts_count_wait(const struct accounts *a, const struct accounts_count *c,
				    unsigned limit, unsigned window_s)
{
	if (!c || !limit || c->n < limit)
		return 0;
	uint64_t end = c->start_ms + (uint64_t)window_s * ACCOUNTS_MS_PER_S;
	uint64_t now = accounts_now(a);
	if (now >= end)
		return 0;
	return (unsigned)((end - now + ACCOUNTS_MS_PER_S - 1) / ACCOUNTS_MS_PER_S);
}

static void accounts_fail_key(char *out, size_t cap, char kind, const char *what)
{
	snprintf(out, cap, "%c %s", kind, what);
}

enum { ACCOUNTS_KEY_MAX = NAME_MAX_BYTES + ACCOUNTS_ADDR_MAX + 4 };

unsigned accounts_login_wait(struct accounts *a, const char *folded, const char *addr)
{
	char key[ACCOUNTS_KEY_MAX];
	accounts_fail_key(key, sizeof(key), 'a', folded);
	unsigned w = accounts_count_wait(a, accounts_count_get(&a->fails, key), a->cfg.login_fails,
					 a->cfg.login_window_s);
	if (addr[0]) {
		accounts_fail_key(key, sizeof(key), 'h', addr);
		unsigned h = accounts_count_wait(a, accounts_count_get(&a->fails, key),
						 a->cfg.login_fails, a->cfg.login_window_s);
		w = h > w ? h : w;
	}
	return w;
}

void accounts_login_failed(struct accounts *a, const char *folded, const char *addr)
{
	char key[ACCOUNTS_KEY_MAX];
	accounts_fail_key(key, sizeof(key), 'a', folded);
	accounts_count_touch(a, &a->fails, key, a->cfg.login_window_s)->n++;
	if (addr[0]) {
		accounts_fail_key(key, sizeof(key), 'h', addr);
		accounts_count_touch(a, &a->fails, key, a->cfg.login_window_s)->n++;
	}
}

static void accounts_count_give_back(struct map *m, const char *key)
{
	struct accounts_count *c = map_get(m, key);
	if (c && c->n)
		c->n--;
}

void accounts_login_forgiven(struct accounts *a, const char *folded, const char *addr)
{
	char key[ACCOUNTS_KEY_MAX];
	accounts_fail_key(key, sizeof(key), 'a', folded);
	accounts_count_give_back(&a->fails, key);
	if (addr[0]) {
		accounts_fail_key(key, sizeof(key), 'h', addr);
		accounts_count_give_back(&a->fails, key);
	}
}

unsigned accounts_register_wait(struct accounts *a, const char *addr)
{
	return accounts_count_wait(a, accounts_count_get(&a->regs, addr), a->cfg.register_rate,
				   ACCOUNTS_REGISTER_WINDOW_S);
}

void accounts_registered(struct accounts *a, const char *addr)
{
	accounts_count_touch(a, &a->regs, addr, ACCOUNTS_REGISTER_WINDOW_S)->n++;
}

/* Frees the counts whose window has ended (all of them when `all`). */
static void accounts_counts_expire(struct accounts *a, struct map *m, unsigned window_s, bool all)
{
	uint64_t now = accounts_now(a);
	for (;;) {
		/* The map must not change while iterated: collect one, delete, start again. The
		 * maps are small (one window's failures), and this runs four times a second. */
		size_t it = 0;
		const char *key;
		void *v;
		struct accounts_count *gone = NULL;
		while (map_next(m, &it, &key, &v)) {
			struct accounts_count *c = v;
			if (all || now - c->start_ms >= (uint64_t)window_s * ACCOUNTS_MS_PER_S) {
				gone = c;
				break;
			}
		}
		if (!gone)
			return;
		map_del(m, gone->key);
		free(gone);
	}
}

/* ---- names ---- */

/* Whether s may use the name whose folded form is folded: it is no account's, or s is logged in
 * to that account. */
static bool accounts_name_ok(struct accounts *a, const struct session *s, const char *folded)
{
	struct db_account *acc = map_get(&a->byname, folded);
	if (!acc || session_is_bot(s))
		return true;
	const char *mine = s->info ? s->info->account : NULL;
	char key[NAME_MAX_BYTES + 1];
	return mine && accounts_fold(mine, strlen(mine), key) && strcmp(key, folded) == 0;
}

bool accounts_name_refused(void *impl, const struct session *s, const char *folded)
{
	struct accounts *a = impl;
	return a->cfg.name_grace_s == 0 && !accounts_name_ok(a, s, folded);
}

static void accounts_grace_free(struct accounts_grace *g)
{
	list_remove(&g->node);
	free(g->name);
	free(g);
}

void accounts_grace_end(struct accounts *a, const struct session *s)
{
	list_each_safe(node, &a->graces) {
		struct accounts_grace *g = list_entry(node, struct accounts_grace, node);
		if (g->sid == s->id)
			accounts_grace_free(g);
	}
}

/* Tells the sessions named since the last loop turn that their name is an account's. */
static void accounts_warn(uv_timer_t *t)
{
	struct accounts *a = t->data;
	list_each(node, &a->graces) {
		struct accounts_grace *g = list_entry(node, struct accounts_grace, node);
		if (g->warned)
			continue;
		g->warned = true;
		struct session *s = session_find(a->hub, g->name, strlen(g->name));
		if (!s || s->id != g->sid || accounts_name_ok(a, s, session_folded(s)))
			continue; /* the sweep forgets it */
		uint64_t left = g->deadline_ms > accounts_now(a) ? g->deadline_ms - accounts_now(a)
								 : 0;
		hub_account_tell(a->hub, s, HUB_ERR_NAME_REGISTERED, s->name, 0,
				 (size_t)((left + ACCOUNTS_MS_PER_S - 1) / ACCOUNTS_MS_PER_S));
	}
}

void accounts_named(void *impl, struct session *s)
{
	struct accounts *a = impl;
	if (s->state != SESSION_ACTIVE || accounts_name_ok(a, s, session_folded(s)))
		return;
	list_each(node, &a->graces) {
		struct accounts_grace *g = list_entry(node, struct accounts_grace, node);
		if (g->sid == s->id && strcmp(g->name, s->name) == 0)
			return; /* warned already */
	}
	struct accounts_grace *g = xcalloc(1, sizeof(*g));
	g->sid = s->id;
	g->name = xstrdup(s->name);
	g->deadline_ms = accounts_now(a) + (uint64_t)a->cfg.name_grace_s * ACCOUNTS_MS_PER_S;
	list_push_back(&a->graces, &g->node);
	uv_timer_start(&a->warn, accounts_warn, 0, 0);
}

/* Renames s to a free guest name. */
static void accounts_rename_guest(struct accounts *a, struct session *s)
{
	for (int i = 0; i < ACCOUNTS_GUEST_TRIES; i++) {
		a->rng ^= a->rng << 13;
		a->rng ^= a->rng >> 7;
		a->rng ^= a->rng << 17;
		char name[sizeof("Guest") + 8];
		snprintf(name, sizeof(name), "Guest%05u", (unsigned)(a->rng % ACCOUNTS_GUEST_MOD));
		if (session_find(a->hub, name, strlen(name)) || accounts_find(a, name, strlen(name)))
			continue;
		log_info(a->log, "%s renamed to %s: the name is an account's", s->name, name);
		session_nick(a->hub, s, name, strlen(name));
		return;
	}
}

static void accounts_graces_run(struct accounts *a)
{
	uint64_t now = accounts_now(a);
	list_each_safe(node, &a->graces) {
		struct accounts_grace *g = list_entry(node, struct accounts_grace, node);
		struct session *s = session_find(a->hub, g->name, strlen(g->name));
		if (!s || s->id != g->sid || accounts_name_ok(a, s, session_folded(s))) {
			accounts_grace_free(g); /* gone, renamed, or logged in */
			continue;
		}
		if (now < g->deadline_ms || !g->warned)
			continue;
		accounts_grace_free(g);
		accounts_rename_guest(a, s);
	}
}

void accounts_sweep(uv_timer_t *t)
{
	struct accounts *a = t->data;
	accounts_graces_run(a);
	accounts_counts_expire(a, &a->fails, a->cfg.login_window_s, false);
	accounts_counts_expire(a, &a->regs, ACCOUNTS_REGISTER_WINDOW_S, false);
}

void accounts_guard_init(struct accounts *a)
{
	map_init(&a->fails, a->rng);
	map_init(&a->regs, a->rng ^ 1);
	list_init(&a->graces);
	uv_timer_init(a->loop, &a->sweep);
	a->sweep.data = a;
	uv_timer_start(&a->sweep, accounts_sweep, ACCOUNTS_SWEEP_MS, ACCOUNTS_SWEEP_MS);
	uv_unref((uv_handle_t *)&a->sweep);
	uv_timer_init(a->loop, &a->warn);
	a->warn.data = a;
}

void accounts_guard_free(struct accounts *a)
{
	uv_timer_stop(&a->sweep);
	uv_close((uv_handle_t *)&a->sweep, NULL);
	uv_timer_stop(&a->warn);
	uv_close((uv_handle_t *)&a->warn, NULL);
	list_each_safe(node, &a->graces)
		accounts_grace_free(list_entry(node, struct accounts_grace, node));
	accounts_counts_expire(a, &a->fails, 0, true);
	accounts_counts_expire(a, &a->regs, 0, true);
	map_free(&a->fails);
	map_free(&a->regs);
}
