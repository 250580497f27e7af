/* accounts: the registry and the hub's account requests (hub/account.h). Requests that need a
 * hash (register, login, a new password) wait for pwhash as a struct accounts_job, which the
 * session's closing cancels; the others answer at once. */
#include "bridge/accounts/accounts_int.h"

#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "base/fold.h"
#include "base/log.h"
#include "base/utf8.h"
#include "base/xalloc.h"
#include "hub/name.h"
#include "store/store.h"

/* ---- the registry ---- */

bool accounts_fold(const char *name, size_t len, char *out)
{
	if (!name || name_check_user(name, len) != NAME_OK)
		return false;
	fold_utf8(name, len, out, NAME_MAX_BYTES + 1);
	return true;
}

struct db_account *accounts_find(struct accounts *a, const char *name, size_t len)
{
	char key[NAME_MAX_BYTES + 1];
	return accounts_fold(name, len, key) ? map_get(&a->byname, key) : NULL;
}

size_t accounts_count(const struct accounts *a)
{
	return a->count;
}

void accounts_save(struct accounts *a, const struct db_account *acc)
{
	if (a->store)
		store_account_save(a->store, acc);
}

static void accounts_add(struct accounts *a, struct db_account *acc)
{
	map_put(&a->byname, acc->folded, acc);
	for (size_t i = 0; i < acc->ncerts; i++)
		map_put(&a->bycert, acc->certs[i], acc);
	a->count++;
}

/* The account s is logged in to, or NULL. */
static struct db_account *accounts_of(struct accounts *a, const struct session *s)
{
	const char *acc = s->info ? s->info->account : NULL;
	return acc ? accounts_find(a, acc, strlen(acc)) : NULL;
}

/* ---- answers ---- */

static void accounts_answer(hub_account_fn cb, void *ctx, struct session *s,
			    enum hub_account_op op, enum hub_result code, const char *account)
{
	struct hub_account_answer ans = {.op = op, .code = code, .account = account};
	cb(ctx, s, &ans);
}

static void accounts_job_free(struct accounts_job *j)
{
	if (j->new_password) {
		sodium_memzero(j->new_password, j->new_len);
		free(j->new_password);
	}
	free(j->folded);
	free(j->name);
	free(j->email);
	free(j);
}

static struct accounts_job *accounts_job_new(struct accounts *a, struct session *s,
					     enum hub_account_op op, hub_account_fn cb, void *ctx)
{
	struct accounts_job *j = xcalloc(1, sizeof(*j));
	j->a = a;
	j->s = s;
	j->op = op;
	j->cb = cb;
	j->ctx = ctx;
	accounts_addr(s, j->addr);
	return j;
}

/* Ends a job: unlinks it, answers, frees. */
static void accounts_job_end(struct accounts_job *j, enum hub_result code, const char *account)
{
	list_remove(&j->node);
	accounts_answer(j->cb, j->ctx, j->s, j->op, code, account);
	accounts_job_free(j);
}

/* Gives back the attempt a job counted at submit: it succeeded, or was never tried (pwhash was
 * busy). */
static void accounts_job_forgive(struct accounts_job *j)
{
	if (j->counted)
		accounts_login_forgiven(j->a, j->folded, j->addr);
	j->counted = false;
}

/* Keeps a job whose hash or verification pwhash took (pj), or answers it at once when pwhash
 * refused (NULL: its queue is full; a password's length was checked before). */
static void accounts_job_start(struct accounts_job *j, struct pwhash_job *pj)
{
	if (!pj) {
		accounts_job_forgive(j);
		accounts_answer(j->cb, j->ctx, j->s, j->op, HUB_ERR_AUTH_BUSY, NULL);
		accounts_job_free(j);
		return;
	}
	j->pj = pj;
	list_push_back(&j->a->jobs, &j->node);
}

/* Whether s has a request waiting for its hash. A session has one at a time: pipelined logins
 * would each be a guess before the throttle could see the first one's answer, and would fill
 * pwhash's queue, which everyone shares. */
static bool accounts_pending(const struct accounts *a, const struct session *s)
{
	list_each(node, &a->jobs) {
		if (list_entry(node, struct accounts_job, node)->s == s)
			return true;
	}
	return false;
}

/* ---- register ---- */

static bool accounts_email_ok(const char *e, size_t len)
{
	if (len == 0 || len > HUB_ACCOUNT_EMAIL_MAX || !utf8_is_clean(e, len))
		return false;
	const char *at = memchr(e, '@', len);
	return at && at > e && at < e + len - 1 && !memchr(e, ' ', len) && !memchr(e, '\t', len);
}

static void accounts_registered_hash(void *arg, enum pwhash_status st, const char *hash)
{
	struct accounts_job *j = arg;
	struct accounts *a = j->a;
	if (st != PWHASH_OK) {
		accounts_job_end(j, HUB_ERR_AUTH_BUSY, NULL);
		return;
	}
	if (map_get(&a->byname, j->folded)) {
		accounts_job_end(j, HUB_ERR_ACCOUNT_EXISTS, j->name); /* a race: someone was first */
		return;
	}
	struct db_account *acc = xcalloc(1, sizeof(*acc));
	acc->folded = xstrdup(j->folded);
	acc->name = xstrdup(j->name);
	acc->hash = xstrdup(hash);
	acc->email = j->email ? xstrdup(j->email) : NULL;
	acc->created_ms = acc->last_login_ms = a->cfg.clock_ms ? a->cfg.clock_ms() : 0;
	accounts_add(a, acc);
	accounts_save(a, acc);
	accounts_registered(a, j->addr);
	log_info(a->log, "account %s registered", acc->name);
	accounts_grace_end(a, j->s);
	hub_account_set(a->hub, j->s, acc->name, strlen(acc->name));
	accounts_job_end(j, HUB_OK, acc->name);
}

static enum hub_result accounts_register(struct accounts *a, struct session *s,
					 const struct hub_account_req *r, hub_account_fn cb,
					 void *ctx, int *detail, unsigned *wait)
{
	if (s->state != SESSION_ACTIVE || !s->name)
		return HUB_ERR_NAME_INVALID;
	if (s->info && s->info->account)
		return HUB_ERR_LOGGED_IN;
	const char *folded = session_folded(s);
	char key[NAME_MAX_BYTES + 1];
	if (r->name && (!accounts_fold(r->name, r->name_len, key) || strcmp(key, folded) != 0))
		return HUB_ERR_NAME_INVALID; /* only one's own name is registered */
	if (map_get(&a->byname, folded))
		return HUB_ERR_ACCOUNT_EXISTS;
	enum hub_password_rule rule = hub_password_check(r->password, r->password_len);
	if (rule != HUB_PASSWORD_OK) {
		*detail = (int)rule;
		return HUB_ERR_BAD_PASSWORD;
	}
	if (r->email && !accounts_email_ok(r->email, r->email_len))
		return HUB_ERR_BAD_EMAIL;
	char addr[ACCOUNTS_ADDR_MAX];
	accounts_addr(s, addr);
	if ((*wait = accounts_register_wait(a, addr)) > 0)
		return HUB_ERR_REGISTER_THROTTLED;
	struct accounts_job *j = accounts_job_new(a, s, r->op, cb, ctx);
	j->folded = xstrdup(folded);
	j->name = xstrdup(s->name);
	j->email = r->email ? xstrndup(r->email, r->email_len) : NULL;
	enum pwhash_status st;
	struct pwhash_job *pj = pwhash_hash(a->pw, r->password, r->password_len,
					    accounts_registered_hash, j, &st);
	accounts_job_start(j, pj);
	return HUB_OK;
}

/* ---- login and password ---- */

static void accounts_logged_in(struct accounts *a, struct session *s, struct db_account *acc)
{
	acc->last_login_ms = a->cfg.clock_ms ? a->cfg.clock_ms() : 0;
	accounts_save(a, acc);
	accounts_grace_end(a, s);
	hub_account_set(a->hub, s, acc->name, strlen(acc->name));
}

static void accounts_new_hash(void *arg, enum pwhash_status st, const char *hash)
{
	struct accounts_job *j = arg;
	struct db_account *acc = map_get(&j->a->byname, j->folded);
	if (st != PWHASH_OK || !acc) {
		accounts_job_end(j, HUB_ERR_AUTH_BUSY, NULL);
		return;
	}
	free(acc->hash);
	acc->hash = xstrdup(hash);
	accounts_save(j->a, acc);
	log_info(j->a->log, "account %s has a new password", acc->name);
	accounts_job_end(j, HUB_OK, acc->name);
}

/* Hashes the job's new password (a PASSWORD request whose old password was right, or which
 * needed none). */
static void accounts_rehash(struct accounts_job *j)
{
	enum pwhash_status st;
	struct pwhash_job *pj = pwhash_hash(j->a->pw, j->new_password, j->new_len,
					    accounts_new_hash, j, &st);
	if (!pj) {
		accounts_job_end(j, HUB_ERR_AUTH_BUSY, NULL);
		return;
	}
	j->pj = pj;
}

static void accounts_verified(void *arg, enum pwhash_status st, const char *hash)
{
	(void)hash;
	struct accounts_job *j = arg;
	struct accounts *a = j->a;
	j->pj = NULL;
	if (st == PWHASH_BUSY || st == PWHASH_FAILED) {
		accounts_job_forgive(j);
		accounts_job_end(j, HUB_ERR_AUTH_BUSY, NULL);
		return;
	}
	struct db_account *acc = j->decoy ? NULL : map_get(&a->byname, j->folded);
	if (!acc || st != PWHASH_OK) {
		/* Counted at submit. No account name in the answer: an unknown name and a wrong
		 * password read the same, as they took the same time. */
		log_info(a->log, "failed login to account %s from %s", j->folded,
			 j->addr[0] ? j->addr : "?");
		accounts_job_end(j, HUB_ERR_BAD_LOGIN, NULL);
		return;
	}
	accounts_job_forgive(j);
	if (j->op == HUB_ACCOUNT_PASSWORD) {
		accounts_rehash(j);
		return;
	}
	accounts_logged_in(a, j->s, acc);
	accounts_job_end(j, HUB_OK, acc->name);
}

static enum hub_result accounts_login(struct accounts *a, struct session *s,
				      const struct hub_account_req *r, hub_account_fn cb, void *ctx,
				      int *detail, unsigned *wait)
{
	const char *name = r->name ? r->name : s->name;
	size_t len = r->name ? r->name_len : (s->name ? strlen(s->name) : 0);
	if (s->info && s->info->account)
		return HUB_ERR_LOGGED_IN;
	enum hub_password_rule rule = hub_password_check(r->password, r->password_len);
	if (rule != HUB_PASSWORD_OK) {
		*detail = (int)rule;
		return HUB_ERR_BAD_PASSWORD;
	}
	char folded[NAME_MAX_BYTES + 1];
	if (!name || !accounts_fold(name, len, folded))
		return HUB_ERR_NO_ACCOUNT; /* no name at all: nothing to learn from the answer */
	char addr[ACCOUNTS_ADDR_MAX];
	accounts_addr(s, addr);
	if ((*wait = accounts_login_wait(a, folded, addr)) > 0)
		return HUB_ERR_LOGIN_THROTTLED;
	/* An unknown name is checked against the decoy: it costs a hash like a known one, and
	 * fails like a wrong password (a guesser of names is a guesser too). */
	struct db_account *acc = map_get(&a->byname, folded);
	struct accounts_job *j = accounts_job_new(a, s, r->op, cb, ctx);
	j->folded = xstrdup(folded);
	j->decoy = !acc;
	/* Counted now, not when the hash answers: the throttle sees every attempt in flight. */
	accounts_login_failed(a, folded, j->addr);
	j->counted = true;
	enum pwhash_status st;
	struct pwhash_job *pj = pwhash_verify(a->pw, acc ? acc->hash : a->decoy, r->password,
					      r->password_len, accounts_verified, j, &st);
	accounts_job_start(j, pj);
	return HUB_OK;
}

static enum hub_result accounts_password(struct accounts *a, struct session *s,
					 const struct hub_account_req *r, hub_account_fn cb,
					 void *ctx, int *detail, unsigned *wait)
{
	struct db_account *acc = accounts_of(a, s);
	if (!acc)
		return HUB_ERR_NOT_LOGGED_IN;
	enum hub_password_rule rule = hub_password_check(r->new_password, r->new_password_len);
	if (rule == HUB_PASSWORD_OK && r->password)
		rule = hub_password_check(r->password, r->password_len);
	if (rule != HUB_PASSWORD_OK) {
		*detail = (int)rule;
		return HUB_ERR_BAD_PASSWORD;
	}
	char addr[ACCOUNTS_ADDR_MAX];
	accounts_addr(s, addr);
	if ((*wait = accounts_login_wait(a, acc->folded, addr)) > 0)
		return HUB_ERR_LOGIN_THROTTLED;
	struct accounts_job *j = accounts_job_new(a, s, r->op, cb, ctx);
	j->folded = xstrdup(acc->folded);
	j->new_password = xmemdup(r->new_password, r->new_password_len);
	j->new_len = r->new_password_len;
	list_push_back(&a->jobs, &j->node);
	if (!r->password) {
		accounts_rehash(j);
		return HUB_OK;
	}
	accounts_login_failed(a, j->folded, j->addr); /* the old password is a guess too */
	j->counted = true;
	enum pwhash_status st;
	j->pj = pwhash_verify(a->pw, acc->hash, r->password, r->password_len, accounts_verified, j,
			      &st);
	if (!j->pj) {
		accounts_job_forgive(j);
		accounts_job_end(j, HUB_ERR_AUTH_BUSY, NULL);
	}
	return HUB_OK;
}

/* ---- certificates ---- */

static bool accounts_certfp_ok(const char *fp)
{
	size_t n = fp ? strlen(fp) : 0;
	if (n == 0 || n > HUB_ACCOUNT_CERTFP_MAX)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!((fp[i] >= '0' && fp[i] <= '9') || (fp[i] >= 'a' && fp[i] <= 'f')))
			return false;
	return true;
}

static enum hub_result accounts_cert(struct accounts *a, struct session *s,
				     const struct hub_account_req *r, hub_account_fn cb, void *ctx)
{
	struct db_account *acc = accounts_of(a, s);
	if (r->op == HUB_ACCOUNT_CERT_LOGIN) {
		if (acc)
			return HUB_ERR_LOGGED_IN;
		if (!accounts_certfp_ok(r->certfp))
			return HUB_ERR_NO_CERT;
		struct db_account *owner = map_get(&a->bycert, r->certfp);
		if (!owner || (r->name && accounts_find(a, r->name, r->name_len) != owner))
			return HUB_ERR_BAD_LOGIN;
		accounts_logged_in(a, s, owner);
		accounts_answer(cb, ctx, s, r->op, HUB_OK, owner->name);
		return HUB_OK;
	}
	if (!acc)
		return HUB_ERR_NOT_LOGGED_IN;
	if (r->op == HUB_ACCOUNT_CERT_LIST) {
		struct hub_account_answer ans = {.op = r->op, .code = HUB_OK, .account = acc->name,
						 .certs = (const char *const *)acc->certs,
						 .ncerts = acc->ncerts};
		cb(ctx, s, &ans);
		return HUB_OK;
	}
	if (!accounts_certfp_ok(r->certfp))
		return HUB_ERR_NO_CERT;
	struct db_account *owner = map_get(&a->bycert, r->certfp);
	size_t at = acc->ncerts;
	for (size_t i = 0; i < acc->ncerts; i++)
		if (strcmp(acc->certs[i], r->certfp) == 0)
			at = i;
	if (r->op == HUB_ACCOUNT_CERT_ADD) {
		/* Only the certificate this connection showed (its key proved in the handshake):
		 * a fingerprint is public, and one added without the key would let its holder's
		 * SASL EXTERNAL log in to this account. */
		const char *own = s->ops && s->ops->certfp ? s->ops->certfp(s) : NULL;
		if (!own || strcmp(own, r->certfp) != 0)
			return HUB_ERR_NO_CERT;
		if (owner && owner != acc)
			return HUB_ERR_ACCOUNT_EXISTS;
		if (at == acc->ncerts) {
			if (acc->ncerts >= HUB_ACCOUNT_CERTS_MAX)
				return HUB_ERR_CERT_LIMIT;
			acc->certs = xrealloc(acc->certs, (acc->ncerts + 1) * sizeof(*acc->certs));
			acc->certs[acc->ncerts++] = xstrdup(r->certfp);
			map_put(&a->bycert, acc->certs[acc->ncerts - 1], acc); /* keys are borrowed */
		}
	} else {
		if (at == acc->ncerts)
			return HUB_ERR_NO_CERT;
		map_del(&a->bycert, acc->certs[at]);
		free(acc->certs[at]);
		acc->certs[at] = acc->certs[--acc->ncerts];
	}
	accounts_save(a, acc);
	accounts_answer(cb, ctx, s, r->op, HUB_OK, acc->name);
	return HUB_OK;
}

/* ---- the provider ---- */

/* Runs r: HUB_OK when answered (or to be), else the refusal to answer. */
static enum hub_result accounts_run(struct accounts *a, struct session *s,
				    const struct hub_account_req *r, hub_account_fn cb, void *ctx,
				    int *detail, unsigned *wait)
{
	enum hub_result code;
	switch (r->op) {
	case HUB_ACCOUNT_REGISTER:
		code = accounts_register(a, s, r, cb, ctx, detail, wait);
		break;
	case HUB_ACCOUNT_LOGIN:
		code = accounts_login(a, s, r, cb, ctx, detail, wait);
		break;
	case HUB_ACCOUNT_LOGOUT:
		code = s->info && s->info->account ? HUB_OK : HUB_ERR_NOT_LOGGED_IN;
		if (code == HUB_OK) {
			hub_account_set(a->hub, s, NULL, 0);
			accounts_answer(cb, ctx, s, r->op, HUB_OK, NULL);
			if (s->state == SESSION_ACTIVE)
				accounts_named(a, s); /* its name may be an account's */
		}
		break;
	case HUB_ACCOUNT_PASSWORD:
		code = accounts_password(a, s, r, cb, ctx, detail, wait);
		break;
	default:
		code = accounts_cert(a, s, r, cb, ctx);
		break;
	}
	return code;
}

static void accounts_request(void *impl, struct session *s, const struct hub_account_req *r,
			     hub_account_fn cb, void *ctx)
{
	struct accounts *a = impl;
	int detail = 0;
	unsigned wait = 0;
	/* One request waiting for a hash per session (accounts_pending): the next is refused. */
	enum hub_result code = accounts_pending(a, s)
				       ? HUB_ERR_AUTH_BUSY
				       : accounts_run(a, s, r, cb, ctx, &detail, &wait);
	if (code == HUB_OK)
		return;
	const char *to = NULL;
	struct db_account *mine = accounts_of(a, s);
	if (code == HUB_ERR_LOGGED_IN && mine)
		to = mine->name;
	else if (code == HUB_ERR_ACCOUNT_EXISTS)
		to = s->name;
	struct hub_account_answer ans = {.op = r->op, .code = code, .detail = detail, .retry_s = wait,
					 .account = to};
	cb(ctx, s, &ans);
}

static void accounts_closed(void *impl, struct session *s)
{
	struct accounts *a = impl;
	list_each_safe(node, &a->jobs) {
		struct accounts_job *j = list_entry(node, struct accounts_job, node);
		if (j->s != s)
			continue;
		if (j->pj)
			pwhash_cancel(j->pj);
		list_remove(&j->node);
		accounts_job_free(j);
	}
}

struct accounts *accounts_new(uv_loop_t *loop, struct hub *hub, struct store *store,
			      struct pwhash *pw, const struct accounts_config *cfg,
			      const struct logger *log, struct db_account *loaded, size_t n)
{
	struct accounts *a = xcalloc(1, sizeof(*a));
	a->loop = loop;
	a->hub = hub;
	a->store = store;
	a->pw = pw;
	a->cfg = *cfg;
	a->log = log;
	uint64_t seed = 0;
	randombytes_buf(&seed, sizeof(seed));
	a->rng = seed | 1;
	map_init(&a->byname, seed);
	map_init(&a->bycert, seed ^ 0x9e3779b97f4a7c15u);
	list_init(&a->jobs);
	for (size_t i = 0; i < n; i++) {
		struct db_account *acc = xmalloc(sizeof(*acc));
		*acc = loaded[i];
		accounts_add(a, acc);
	}
	free(loaded);
	unsigned char noise[ACCOUNTS_DECOY_BYTES];
	randombytes_buf(noise, sizeof(noise));
	/* Once, at start (the loop does not run yet): at the cost new accounts' hashes have. */
	if (pwhash_hash_now(pw->cost, (const char *)noise, sizeof(noise), a->decoy) < 0)
		log_warn(log, "cannot hash the decoy password: unknown account names answer faster");
	sodium_memzero(noise, sizeof(noise));
	accounts_guard_init(a);
	a->provider = (struct hub_account_provider){
		.request = accounts_request,
		.name_refused = accounts_name_refused,
		.named = accounts_named,
		.closed = accounts_closed,
		.impl = a,
	};
	hub_account_set_provider(hub, &a->provider);
	if (nickserv_open(a) < 0)
		log_warn(log, "cannot open the %s service: its name is taken", cfg->nickserv);
	return a;
}

void accounts_shutdown(struct accounts *a)
{
	if (!a || a->shut)
		return;
	a->shut = true;
	nickserv_close(a);
	hub_account_set_provider(a->hub, NULL);
	list_each_safe(node, &a->jobs) {
		struct accounts_job *j = list_entry(node, struct accounts_job, node);
		if (j->pj)
			pwhash_cancel(j->pj);
		list_remove(&j->node);
		accounts_job_free(j);
	}
	accounts_guard_free(a);
}

void accounts_free(struct accounts *a)
{
	if (!a)
		return;
	accounts_shutdown(a);
	size_t it = 0;
	const char *key;
	void *v;
	while (map_next(&a->byname, &it, &key, &v)) {
		db_account_free(v);
		free(v);
	}
	map_free(&a->byname);
	map_free(&a->bycert);
	free(a);
}
