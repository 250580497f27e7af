#include "store/store.h"

#include <stdlib.h>
#include <string.h>

#include "base/log.h"
#include "base/xalloc.h"

enum store_job_type { JOB_MSG, JOB_ROOM_SAVE, JOB_ROOM_DELETE, JOB_BAN_SAVE, JOB_BAN_DELETE,
		      JOB_ACCOUNT_SAVE, JOB_READ };

enum {
	STORE_NS_PER_MS = 1000000,
	STORE_PRUNE_ROUNDS = 8, /* prune transactions per pass: the rest waits for the next */
};

struct store_job {
	enum store_job_type type;
	struct store_job *next;
	struct db_msg msg;      /* JOB_MSG */
	struct db_room room;    /* JOB_ROOM_SAVE */
	char *folded;           /* JOB_ROOM_DELETE; JOB_BAN_DELETE: the mask */
	struct db_ban ban;      /* JOB_BAN_SAVE */
	struct db_account account; /* JOB_ACCOUNT_SAVE */
	struct store_read rd;   /* JOB_READ, and its answer: */
	struct db_msgs msgs;
	struct db_targets targets;
	bool ok;
	/* The loop's: */
	uint64_t req;
	store_read_fn cb;
	void *ctx;
	bool cancelled;
	struct list_node node;  /* on st->reads while pending */
};

static void store_job_free(struct store_job *j)
{
	free(j->msg.conv);
	free(j->msg.from);
	free(j->msg.target);
	free(j->msg.text);
	db_room_free(&j->room);
	free(j->folded);
	db_ban_free(&j->ban);
	db_account_free(&j->account);
	free(j->rd.conv);
	free(j->rd.conv2);
	for (size_t i = 0; i < j->rd.nconvs; i++)
		free(j->rd.convs[i]);
	free(j->rd.convs);
	free(j->rd.me);
	db_msgs_free(&j->msgs);
	db_targets_free(&j->targets);
	free(j);
}

/* ---- the thread ---- */

static void store_touch(struct store *st, const char *conv)
{
	for (size_t i = 0; i < st->ntouched; i++)
		if (strcmp(st->touched[i], conv) == 0)
			return;
	st->touched = xgrow(st->touched, &st->captouched, st->ntouched + 1, sizeof(*st->touched));
	st->touched[st->ntouched++] = xstrdup(conv);
}

/* Deletes what retention says must go, a few small transactions at a time. */
static enum db_status store_prune(struct store *st)
{
	enum db_status s = DB_OK;
	size_t n = STORE_PRUNE_BATCH;
	if (st->cfg.max_age_ms && st->cfg.clock_ms) {
		uint64_t now = st->cfg.clock_ms();
		uint64_t cut = now > st->cfg.max_age_ms ? now - st->cfg.max_age_ms : 0;
		for (int i = 0; s == DB_OK && n == STORE_PRUNE_BATCH && i < STORE_PRUNE_ROUNDS; i++)
			s = db_prune_age(&st->db, cut << st->cfg.id_seq_bits, STORE_PRUNE_BATCH, &n);
	}
	for (size_t c = 0; c < st->ntouched; c++) {
		n = STORE_PRUNE_BATCH;
		for (int i = 0; s == DB_OK && st->cfg.max_rows && n == STORE_PRUNE_BATCH &&
				i < STORE_PRUNE_ROUNDS; i++)
			s = db_prune_rows(&st->db, st->touched[c], st->cfg.max_rows,
					  STORE_PRUNE_BATCH, &n);
		free(st->touched[c]);
	}
	st->ntouched = 0;
	return s;
}

static void store_run_read(struct store *st, struct store_job *j)
{
	enum db_status s = DB_OK;
	if (j->rd.kind == STORE_READ_RANGE) {
		for (unsigned i = 0; s == DB_OK && i < j->rd.nranges; i++)
			s = db_range_pair(&st->db, j->rd.conv, j->rd.conv2, j->rd.range[i].lo,
					  j->rd.range[i].hi, j->rd.range[i].newest,
					  j->rd.range[i].limit, &j->msgs);
	} else {
		for (size_t i = 0; s == DB_OK && i < j->rd.nconvs; i++) {
			uint64_t id, ms;
			s = db_last_of(&st->db, j->rd.convs[i], j->rd.lo, j->rd.hi, &id, &ms);
			if (s == DB_OK && id) {
				struct db_targets *t = &j->targets;
				t->v = xgrow(t->v, &t->cap, t->n + 1, sizeof(*t->v));
				t->v[t->n++] = (struct db_target){xstrdup(j->rd.convs[i]), id, ms};
			}
		}
		if (s == DB_OK && j->rd.me)
			s = db_private_targets(&st->db, j->rd.me, j->rd.lo, j->rd.hi, &j->targets);
	}
	j->ok = s == DB_OK;
}

/* Runs one batch: its writes in one transaction, then its reads. Returns whether the writes
 * were committed. */
static bool store_run(struct store *st, struct store_job *batch, char *err, size_t errlen)
{
	bool writes = false;
	for (struct store_job *j = batch; j; j = j->next)
		writes |= j->type != JOB_READ;
	enum db_status s = writes ? db_begin(&st->db) : DB_OK;
	uint64_t n = 0;
	for (struct store_job *j = batch; writes && s == DB_OK && j; j = j->next) {
		switch (j->type) {
		case JOB_MSG:
			s = db_insert(&st->db, &j->msg);
			store_touch(st, j->msg.conv);
			n++;
			break;
		case JOB_ROOM_SAVE:
			s = db_room_save(&st->db, &j->room);
			break;
		case JOB_ROOM_DELETE:
			s = db_room_delete(&st->db, j->folded);
			break;
		case JOB_BAN_SAVE:
			s = db_ban_save(&st->db, &j->ban);
			break;
		case JOB_BAN_DELETE:
			s = db_ban_delete(&st->db, j->folded);
			break;
		case JOB_ACCOUNT_SAVE:
			s = db_account_save(&st->db, &j->account);
			break;
		case JOB_READ:
			break;
		}
	}
	if (writes && s == DB_OK)
		s = db_commit(&st->db);
	if (s != DB_OK) {
		snprintf(err, errlen, "%s", st->db.err);
		db_rollback(&st->db);
	} else {
		st->written += n;
		if (writes)
			s = store_prune(st);
	}
	for (struct store_job *j = batch; j; j = j->next)
		if (j->type == JOB_READ)
			store_run_read(st, j);
	return s == DB_OK;
}

/* Takes the next batch off the queue (under lock): every job up to STORE_BATCH_MAX messages. */
static struct store_job *store_take(struct store *st)
{
	struct store_job *head = st->todo_head, *last = NULL;
	size_t writes = 0, reads = 0;
	for (struct store_job *j = head; j && writes < STORE_BATCH_MAX; j = j->next) {
		last = j;
		if (j->type == JOB_READ)
			reads++;
		else
			writes++;
	}
	if (!last)
		return NULL;
	st->todo_head = last->next;
	if (!st->todo_head)
		st->todo_tail = NULL;
	last->next = NULL;
	st->todo_writes -= writes;
	st->todo_reads -= reads;
	return head;
}

static void store_main(void *arg)
{
	struct store *st = arg;
	char err[DB_ERR_MAX];
	uv_mutex_lock(&st->lock);
	for (;;) {
		if (!st->todo_head && !st->stopping &&
		    uv_cond_timedwait(&st->wake, &st->lock,
				      (uint64_t)STORE_PRUNE_MS * STORE_NS_PER_MS) == UV_ETIMEDOUT) {
			uv_mutex_unlock(&st->lock);
			store_prune(st); /* age, while nobody talks */
			uv_mutex_lock(&st->lock);
			continue;
		}
		if (!st->todo_head) {
			if (st->stopping)
				break;
			continue;
		}
		/* Gather a batch: until STORE_BATCH_MS after the first message, a full batch, a
		 * read, or the end. */
		uint64_t deadline = uv_hrtime() + (uint64_t)STORE_BATCH_MS * STORE_NS_PER_MS;
		while (!st->todo_reads && !st->stopping && st->todo_writes < STORE_BATCH_MAX) {
			uint64_t now = uv_hrtime();
			if (now >= deadline ||
			    uv_cond_timedwait(&st->wake, &st->lock, deadline - now) == UV_ETIMEDOUT)
				break;
		}
		struct store_job *batch = store_take(st);
		uv_mutex_unlock(&st->lock);
		bool ok = store_run(st, batch, err, sizeof(err));
		uv_mutex_lock(&st->lock);
		if (ok != st->healthy) {
			st->healthy = ok;
			st->health_changed = true;
			if (!ok)
				snprintf(st->health_err, sizeof(st->health_err), "%s", err);
		}
		if (st->done_tail)
			st->done_tail->next = batch;
		else
			st->done_head = batch;
		while (batch->next)
			batch = batch->next;
		st->done_tail = batch;
		uv_async_send(&st->done_async);
	}
	uv_mutex_unlock(&st->lock);
}

/* ---- the loop ---- */

static void store_on_done(uv_async_t *a)
{
	struct store *st = a->data;
	uv_mutex_lock(&st->lock);
	struct store_job *j = st->done_head;
	st->done_head = st->done_tail = NULL;
	bool changed = st->health_changed, healthy = st->healthy;
	st->health_changed = false;
	char err[DB_ERR_MAX];
	memcpy(err, st->health_err, sizeof(err));
	uv_mutex_unlock(&st->lock);
	if (changed && healthy != st->told_healthy) {
		st->told_healthy = healthy;
		if (healthy)
			log_info(st->log, "store: writing history again");
		else
			log_error(st->log, "store: cannot write history (%s); the chat goes on "
					   "without it", err);
		if (st->on_health)
			st->on_health(st->health_ctx, healthy);
	}
	while (j) {
		struct store_job *next = j->next;
		if (j->type == JOB_READ && !j->cancelled) {
			list_remove(&j->node);
			st->nreads--;
			j->cb(j->ctx, j->ok, &j->msgs, &j->targets);
		}
		store_job_free(j);
		j = next;
	}
}

/* Queues j; wakes the thread when it has something to do now (the first message of a batch, a
 * full batch, a read, anything when stopping). */
static void store_push(struct store *st, struct store_job *j)
{
	uv_mutex_lock(&st->lock);
	if (j->type != JOB_READ && st->todo_writes >= STORE_QUEUE_MAX) {
		uv_mutex_unlock(&st->lock);
		if (st->dropped++ == 0)
			log_error(st->log, "store: the write queue is full (%d); dropping messages",
				  STORE_QUEUE_MAX);
		store_job_free(j);
		return;
	}
	if (st->todo_tail)
		st->todo_tail->next = j;
	else
		st->todo_head = j;
	st->todo_tail = j;
	bool wake;
	if (j->type == JOB_READ) {
		st->todo_reads++;
		wake = true;
	} else {
		st->todo_writes++;
		wake = st->todo_writes == 1 || st->todo_writes == STORE_BATCH_MAX;
	}
	if (wake)
		uv_cond_signal(&st->wake);
	uv_mutex_unlock(&st->lock);
}

enum db_status store_open(struct store *st, const char *path, const struct store_config *cfg,
			  const struct logger *log, char *err, size_t errlen)
{
	memset(st, 0, sizeof(*st));
	st->cfg = *cfg;
	st->log = log;
	st->healthy = st->told_healthy = true;
	list_init(&st->reads);
	return db_open(&st->db, path, err, errlen);
}

enum db_status store_rooms(struct store *st, struct db_room **out, size_t *n)
{
	return db_rooms_load(&st->db, out, n);
}

enum db_status store_bans(struct store *st, struct db_ban **out, size_t *n)
{
	return db_bans_load(&st->db, out, n);
}

int store_start(struct store *st, uv_loop_t *loop, store_health_fn on_health, void *ctx)
{
	st->on_health = on_health;
	st->health_ctx = ctx;
	int r = uv_mutex_init(&st->lock);
	if (r < 0)
		return r;
	r = uv_cond_init(&st->wake);
	if (r < 0)
		return r;
	r = uv_async_init(loop, &st->done_async, store_on_done);
	if (r < 0)
		return r;
	st->done_async.data = st;
	/* It does not keep the loop alive: the server stops when its faces are done. */
	uv_unref((uv_handle_t *)&st->done_async);
	st->async_open = true;
	r = uv_thread_create(&st->thread, store_main, st);
	if (r < 0)
		return r;
	st->started = true;
	return 0;
}

void store_close(struct store *st)
{
	if (st->started) {
		uv_mutex_lock(&st->lock);
		st->stopping = true;
		uv_cond_signal(&st->wake);
		uv_mutex_unlock(&st->lock);
		uv_thread_join(&st->thread);
		st->started = false;
		/* Answers nobody will read now: the faces are gone (the bridge has cancelled every
		 * pending read by now, through the hub). */
		for (struct store_job *j = st->done_head, *next; j; j = next) {
			next = j->next;
			store_job_free(j);
		}
		st->done_head = st->done_tail = NULL;
		list_init(&st->reads);
		st->nreads = 0;
		uv_cond_destroy(&st->wake);
		uv_mutex_destroy(&st->lock);
	}
	if (st->async_open) {
		uv_close((uv_handle_t *)&st->done_async, NULL);
		st->async_open = false;
	}
	for (size_t i = 0; i < st->ntouched; i++)
		free(st->touched[i]);
	free(st->touched);
	st->touched = NULL;
	st->ntouched = 0;
	db_close(&st->db);
}

void store_put(struct store *st, struct db_msg *m)
{
	struct store_job *j = xcalloc(1, sizeof(*j));
	j->type = JOB_MSG;
	j->msg = *m;
	store_push(st, j);
}

void store_room_save(struct store *st, const struct db_room *r)
{
	struct store_job *j = xcalloc(1, sizeof(*j));
	j->type = JOB_ROOM_SAVE;
	db_room_copy(&j->room, r);
	store_push(st, j);
}

void store_room_delete(struct store *st, const char *folded)
{
	struct store_job *j = xcalloc(1, sizeof(*j));
	j->type = JOB_ROOM_DELETE;
	j->folded = xstrdup(folded);
	store_push(st, j);
}

void store_ban_save(struct store *st, const struct db_ban *b)
{
	struct store_job *j = xcalloc(1, sizeof(*j));
	j->type = JOB_BAN_SAVE;
	db_ban_copy(&j->ban, b);
	store_push(st, j);
}

void store_ban_delete(struct store *st, const char *mask)
{
	struct store_job *j = xcalloc(1, sizeof(*j));
	j->type = JOB_BAN_DELETE;
	j->folded = xstrdup(mask);
	store_push(st, j);
}

void store_account_save(struct store *st, const struct db_account *a)
{
	struct store_job *j = xcalloc(1, sizeof(*j));
	j->type = JOB_ACCOUNT_SAVE;
	db_account_copy(&j->account, a);
	store_push(st, j);
}

enum db_status store_accounts(struct store *st, struct db_account **out, size_t *n)
{
	return db_accounts_load(&st->db, out, n);
}

uint64_t store_read(struct store *st, struct store_read *rd, store_read_fn cb, void *ctx)
{
	struct store_job *j = xcalloc(1, sizeof(*j));
	j->type = JOB_READ;
	j->rd = *rd;
	if (st->nreads >= STORE_READS_MAX || !st->started) {
		store_job_free(j);
		return 0;
	}
	j->req = ++st->next_req;
	j->cb = cb;
	j->ctx = ctx;
	list_push_back(&st->reads, &j->node);
	st->nreads++;
	uint64_t req = j->req;
	store_push(st, j);
	return req;
}

void *store_cancel(struct store *st, uint64_t req)
{
	list_each(node, &st->reads) {
		struct store_job *j = list_entry(node, struct store_job, node);
		if (j->req == req) {
			j->cancelled = true;
			list_remove(&j->node);
			st->nreads--;
			return j->ctx;
		}
	}
	return NULL;
}
