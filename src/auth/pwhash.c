/* pwhash: Argon2id on libuv's thread pool (pwhash.h). */
#include "auth/pwhash.h"

#include <string.h>

#include <sodium.h>

#include "base/xalloc.h"

enum job_kind { JOB_HASH, JOB_VERIFY };

struct pwhash_job {
	uv_work_t work;           /* first: the work request and the job share an address */
	struct pwhash *p;
	struct list_node link;    /* on p->waiting or p->running */
	enum job_kind kind;
	enum pwhash_cost cost;
	bool cancelled;
	enum pwhash_status st;    /* the thread's result */
	pwhash_done_fn done;
	void *arg;
	size_t len;
	char pw[PWHASH_MAX_PASSWORD];
	char hash[PWHASH_STR_LEN]; /* in for verify, out for hash */
};

static void limits(enum pwhash_cost cost, unsigned long long *ops, size_t *mem)
{
	switch (cost) {
	case PWHASH_COST_MODERATE:
		*ops = crypto_pwhash_OPSLIMIT_MODERATE;
		*mem = crypto_pwhash_MEMLIMIT_MODERATE;
		break;
	case PWHASH_COST_MIN:
		*ops = crypto_pwhash_OPSLIMIT_MIN;
		*mem = crypto_pwhash_MEMLIMIT_MIN;
		break;
	case PWHASH_COST_INTERACTIVE:
	default:
		*ops = crypto_pwhash_OPSLIMIT_INTERACTIVE;
		*mem = crypto_pwhash_MEMLIMIT_INTERACTIVE;
		break;
	}
}

int pwhash_hash_now(enum pwhash_cost cost, const char *pw, size_t len, char out[PWHASH_STR_LEN])
{
	unsigned long long ops;
	size_t mem;
	limits(cost, &ops, &mem);
	if (len > PWHASH_MAX_PASSWORD || sodium_init() < 0)
		return -1;
	return crypto_pwhash_str_alg(out, pw, len, ops, mem, crypto_pwhash_ALG_ARGON2ID13) == 0 ? 0
	                                                                                       : -1;
}

bool pwhash_is_argon2id(const char *s)
{
	static const char prefix[] = "$argon2id$";
	return s && strncmp(s, prefix, sizeof(prefix) - 1) == 0 && strlen(s) < PWHASH_STR_LEN;
}

enum pwhash_status pwhash_verify_now(const char *hash, const char *pw, size_t len)
{
	if (!pwhash_is_argon2id(hash))
		return PWHASH_BAD_HASH;
	if (len > PWHASH_MAX_PASSWORD)
		return PWHASH_MISMATCH;
	if (sodium_init() < 0)
		return PWHASH_FAILED;
	return crypto_pwhash_str_verify(hash, pw, len) == 0 ? PWHASH_OK : PWHASH_MISMATCH;
}

int pwhash_init(struct pwhash *p, uv_loop_t *loop, enum pwhash_cost cost)
{
	memset(p, 0, sizeof(*p));
	p->loop = loop;
	p->cost = cost;
	list_init(&p->waiting);
	list_init(&p->running);
	return sodium_init() < 0 ? -1 : 0;
}

static void work_cb(uv_work_t *w)
{
	struct pwhash_job *j = (struct pwhash_job *)w;
	if (j->kind == JOB_HASH)
		j->st = pwhash_hash_now(j->cost, j->pw, j->len, j->hash) == 0 ? PWHASH_OK
		                                                               : PWHASH_FAILED;
	else
		j->st = pwhash_verify_now(j->hash, j->pw, j->len);
	sodium_memzero(j->pw, sizeof(j->pw));
}

static void start_next(struct pwhash *p);

static void job_free(struct pwhash_job *j)
{
	sodium_memzero(j, sizeof(*j));
	free(j);
}

static void after_cb(uv_work_t *w, int status)
{
	struct pwhash_job *j = (struct pwhash_job *)w;
	struct pwhash *p = j->p;
	list_remove(&j->link);
	p->active--;
	if (status == UV_ECANCELED)
		j->st = PWHASH_FAILED;
	if (!j->cancelled)
		j->done(j->arg, j->st, j->kind == JOB_HASH && j->st == PWHASH_OK ? j->hash : NULL);
	job_free(j);
	start_next(p);
}

static void start_next(struct pwhash *p)
{
	while (!p->closing && p->active < PWHASH_MAX_ACTIVE && !list_empty(&p->waiting)) {
		struct pwhash_job *j = list_entry(list_first(&p->waiting), struct pwhash_job, link);
		list_remove(&j->link);
		p->queued--;
		if (uv_queue_work(p->loop, &j->work, work_cb, after_cb) != 0) {
			if (!j->cancelled)
				j->done(j->arg, PWHASH_FAILED, NULL);
			job_free(j);
			continue;
		}
		list_push_back(&p->running, &j->link);
		p->active++;
	}
}

static struct pwhash_job *submit(struct pwhash *p, enum job_kind kind, const char *hash,
                                 const char *pw, size_t len, pwhash_done_fn done, void *arg,
                                 enum pwhash_status *st)
{
	if (len > PWHASH_MAX_PASSWORD) {
		*st = PWHASH_TOO_LONG;
		return NULL;
	}
	if (p->closing || p->queued >= PWHASH_MAX_QUEUED) {
		*st = PWHASH_BUSY;
		return NULL;
	}
	struct pwhash_job *j = xcalloc(1, sizeof(*j));
	j->p = p;
	j->kind = kind;
	j->cost = p->cost;
	j->done = done;
	j->arg = arg;
	j->len = len;
	memcpy(j->pw, pw, len);
	if (hash)
		snprintf(j->hash, sizeof(j->hash), "%s", hash);
	list_push_back(&p->waiting, &j->link);
	p->queued++;
	*st = PWHASH_OK;
	start_next(p);
	return j;
}

struct pwhash_job *pwhash_hash(struct pwhash *p, const char *pw, size_t len, pwhash_done_fn done,
                               void *arg, enum pwhash_status *st)
{
	return submit(p, JOB_HASH, NULL, pw, len, done, arg, st);
}

struct pwhash_job *pwhash_verify(struct pwhash *p, const char *hash, const char *pw, size_t len,
                                 pwhash_done_fn done, void *arg, enum pwhash_status *st)
{
	if (!pwhash_is_argon2id(hash)) {
		/* Still answered from the loop's next turn through the pool, never synchronously, so a
		 * caller's callback never runs inside its own request; the thread finds BAD_HASH. */
		hash = "";
	}
	return submit(p, JOB_VERIFY, hash, pw, len, done, arg, st);
}

void pwhash_cancel(struct pwhash_job *j)
{
	struct pwhash *p = j->p;
	j->cancelled = true;
	/* A job still waiting is ours alone: free it now. A running one is the pool's until after_cb. */
	list_each(n, &p->waiting) {
		if (n == &j->link) {
			list_remove(&j->link);
			p->queued--;
			job_free(j);
			return;
		}
	}
}

void pwhash_close(struct pwhash *p)
{
	p->closing = true;
	list_each_safe(n, &p->waiting) {
		struct pwhash_job *j = list_entry(n, struct pwhash_job, link);
		list_remove(&j->link);
		job_free(j);
	}
	p->queued = 0;
	list_each(n, &p->running)
		list_entry(n, struct pwhash_job, link)->cancelled = true;
}
