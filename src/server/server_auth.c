#include "server/server_auth.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/xalloc.h"

struct server_auth_fail {
	unsigned fails;
	uint64_t until_ms;           /* attempts before this are throttled */
	char addr[64];               /* the map's key */
};

/* A check in flight: the caller's callback, and the address to charge if it fails. */
struct hub_auth_job {
	struct server_auth *a;
	struct pwhash_job *job;
	hub_auth_done_fn done;
	void *arg;
	bool decoy;                  /* an unknown name: checked against a known one's hash, fails */
	char addr[64];
};

static void server_auth_forget_expired(struct server_auth *a, uint64_t now)
{
	size_t iter = 0;
	const char *key;
	void *value;
	/* map_del during map_next is not allowed: collect first, then delete. */
	char **gone = NULL;
	size_t ngone = 0, cap = 0;
	while (map_next(&a->fails, &iter, &key, &value)) {
		const struct server_auth_fail *f = value;
		if (f->until_ms <= now) {
			gone = xgrow(gone, &cap, ngone + 1, sizeof(*gone));
			gone[ngone++] = xstrdup(key);
		}
	}
	for (size_t k = 0; k < ngone; k++) {
		free(map_del(&a->fails, gone[k]));
		free(gone[k]);
	}
	free(gone);
}

static void server_auth_charge(struct server_auth *a, const char *addr)
{
	uint64_t now = a->now_ms(a->clock);
	struct server_auth_fail *f = map_get(&a->fails, addr);
	if (!f) {
		if (a->fails.count >= SERVER_AUTH_MAX_ADDRS)
			server_auth_forget_expired(a, now);
		if (a->fails.count >= SERVER_AUTH_MAX_ADDRS)
			return;
		f = xcalloc(1, sizeof(*f));
		snprintf(f->addr, sizeof(f->addr), "%s", addr);
		map_put(&a->fails, f->addr, f);
	}
	f->fails++;
	if (f->fails < SERVER_AUTH_FREE_FAILS)
		return;
	uint64_t delay = SERVER_AUTH_DELAY_MS;
	for (unsigned k = SERVER_AUTH_FREE_FAILS; k < f->fails && delay < SERVER_AUTH_DELAY_MAX_MS; k++)
		delay *= 2;
	if (delay > SERVER_AUTH_DELAY_MAX_MS)
		delay = SERVER_AUTH_DELAY_MAX_MS;
	f->until_ms = now + delay;
}

static void server_auth_forgive(struct server_auth *a, const char *addr)
{
	void *f = map_del(&a->fails, addr);
	if (f) {
		free(f);
	}
}

static void server_auth_verified(void *arg, enum pwhash_status st, const char *hash)
{
	(void)hash;
	struct hub_auth_job *j = arg;
	struct server_auth *a = j->a;
	enum hub_auth_status r = st == PWHASH_OK && !j->decoy ? HUB_AUTH_OK : HUB_AUTH_MISMATCH;
	if (r == HUB_AUTH_OK) {
		server_auth_forgive(a, j->addr);
	} else {
		a->failed++;
		server_auth_charge(a, j->addr);
	}
	hub_auth_done_fn done = j->done;
	void *darg = j->arg;
	free(j);
	done(darg, r);
}

static struct hub_auth_job *server_auth_oper(void *ctx, const char *addr, const char *name,
					     size_t nlen, const char *pw, size_t plen,
					     hub_auth_done_fn done, void *arg,
					     enum hub_auth_status *st)
{
	struct server_auth *a = ctx;
	if (!a->opers || !a->opers->n) {
		*st = HUB_AUTH_NONE;
		return NULL;
	}
	const struct server_auth_fail *f = map_get(&a->fails, addr);
	if (f && f->until_ms > a->now_ms(a->clock)) {
		a->throttled++;
		*st = HUB_AUTH_THROTTLED;
		return NULL;
	}
	const char *hash = NULL;
	for (size_t i = 0; i < a->opers->n && !hash; i++) {
		const struct files_oper *o = &a->opers->list[i];
		if (strlen(o->name) == nlen && memcmp(o->name, name, nlen) == 0)
			hash = o->hash;
	}
	/* An unknown name costs what a known one does (no timing oracle of operators' names): it
	 * is checked against the first operator's hash (the same Argon2id cost, as the file's
	 * hashes are made alike) and fails whatever the password, as a wrong one does. */
	bool decoy = !hash;
	if (decoy)
		hash = a->opers->list[0].hash;
	struct hub_auth_job *j = xcalloc(1, sizeof(*j));
	j->a = a;
	j->done = done;
	j->arg = arg;
	j->decoy = decoy;
	snprintf(j->addr, sizeof(j->addr), "%s", addr);
	enum pwhash_status ps;
	j->job = pwhash_verify(a->pw, hash, pw, plen, server_auth_verified, j, &ps);
	if (!j->job) {
		free(j);
		if (ps == PWHASH_TOO_LONG) {
			a->failed++;
			server_auth_charge(a, addr);
			*st = HUB_AUTH_MISMATCH;
		} else {
			*st = HUB_AUTH_BUSY;
		}
		return NULL;
	}
	return j;
}

static void server_auth_cancel(void *ctx, struct hub_auth_job *j)
{
	(void)ctx;
	pwhash_cancel(j->job);
	free(j);
}

void server_auth_init(struct server_auth *a, struct pwhash *pw, const struct files_opers *opers,
		      uint64_t (*now_ms)(void *clock), void *clock, uint64_t seed)
{
	memset(a, 0, sizeof(*a));
	a->iface = (struct hub_auth){.ctx = a, .oper = server_auth_oper, .cancel = server_auth_cancel};
	a->pw = pw;
	a->opers = opers;
	a->now_ms = now_ms;
	a->clock = clock;
	map_init(&a->fails, seed);
}

void server_auth_set_opers(struct server_auth *a, const struct files_opers *opers)
{
	a->opers = opers;
}

void server_auth_free(struct server_auth *a)
{
	size_t iter = 0;
	const char *key;
	void *value;
	while (map_next(&a->fails, &iter, &key, &value))
		free(value);
	map_free(&a->fails);
}
