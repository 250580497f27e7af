#include "bridge/assistant/assistant.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "ai/msg.h"
#include "ai/sse.h"
#include "ai/wrap.h"
#include "base/buf.h"
#include "base/fold.h"
#include "base/list.h"
#include "base/log.h"
#include "base/map.h"
#include "base/utf8.h"
#include "base/xalloc.h"
#include "hub/hub.h"
#include "net/http.h"

/* Text for the model (not for users): the default system prompt. {s} is the bot's name. */
static const char T_SYSTEM[] =
	"You are %s, an assistant taking part in a multi-user text chat. Each user message starts "
	"with the name of the person speaking and a colon. Answer in plain text without Markdown, "
	"briefly, in the language of the question.";
/* Private commands to the bot ("/msg gpt /forget"). */
static const char W_FORGET[] = "/forget";
static const char W_HELP[] = "/help";

enum {
	SSE_MAX = 1 << 20,          /* the largest SSE line or event accepted */
	ERRBODY_MAX = 256 * 1024,   /* bytes of an error (or non-streamed) body kept */
	BUCKETS_SWEEP = 4096,       /* rate buckets kept before full ones are dropped */
};

/* ---- conversations ---- */

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

struct bucket {
	char *key;
	double tokens;
	uint64_t at_ms;
};

/* ---- the floor of a room ----
 * Answers to one room go out one at a time, in the order their questions were accepted, so that
 * two answers streaming at once never interleave. Each room answer holds a turn on its room's
 * floor from acceptance to its end; only the first turn speaks as the model writes, the lines of
 * the others are held (an answer is capped at max_answer bytes, so this is bounded) and said when
 * their turn comes. A turn whose job ended before its turn came keeps its lines until then. */
struct turn {
	struct list_node node;      /* on its floor, in order */
	struct floor *floor;
	struct assistant_job *job;  /* NULL once the job has ended */
	struct buf held;            /* lines not said yet, each ending in LF */
	bool gone;                  /* the room is gone: nothing more to say */
};

struct floor {
	char *key;                  /* the room's conversation key */
	char *room;                 /* its name as written, for hub_bot_say */
	struct list turns;
};

/* ---- jobs ---- */

enum job_kind { JOB_ROOM, JOB_PRIVATE, JOB_FACE };
enum job_state { JOB_PENDING, JOB_QUEUED, JOB_RUNNING, JOB_WAITING };

/* A list of jobs and its length: running.n is the slots in use, queue.n the queue's length. */
struct job_list {
	struct list list;
	size_t n;
};

struct assistant_job {
	struct assistant *a;
	struct list_node node;    /* on `on` */
	struct job_list *on;      /* pending, queue or running; NULL on none */
	enum job_kind kind;
	enum job_state state;
	char *conv;       /* conversation key */
	char *user;       /* rate-limit key; for chat jobs the folded name */
	char *name;       /* the asker's display name, or NULL */
	char *room;       /* JOB_ROOM */
	char *question;   /* clean */
	size_t qlen;
	const struct assistant_sink *sink;
	void *ctx;
	struct http_request *req;
	struct turn *turn;  /* JOB_ROOM, once accepted */
	char *body;
	size_t body_len;
	unsigned tries429, tries5xx;
	uint64_t due_ms;
	uint64_t asked_ms;
	bool cancelled;
	bool said;        /* a line (or note) went out: the room prefix is used up */
	bool wrap_on, sse_on;
	/* per attempt */
	int status;
	long retry_after_s;
	bool buffered;    /* the body is not an event stream: keep it whole */
	const char *ctype_bad; /* a 200 of an unexpected content type */
	struct buf body_in;
	struct sse sse;
	struct wrap wrap;
	struct buf answer; /* what was shown, for the conversation's memory */
	size_t lines;
	bool got_done, stream_error, malformed, truncated, gone, stop;
	const char *malformed_what;
	enum chat_finish finish;
	struct chat_error err;
	struct chat_usage usage;
};

struct inbox {
	struct list_node node;      /* on a->inbox, oldest first */
	enum hub_ev_type type;
	char *room, *from, *text;
	size_t len;
};

struct assistant {
	struct assistant_config cfg;
	uv_loop_t *loop;
	struct hub *hub;
	const struct logger *log;
	struct session sess;
	struct http_client http;
	bool http_up;
	uv_idle_t idle;
	uv_timer_t timer;
	unsigned open_handles;
	char *folded_name;
	char *own_name, *own_model; /* the copies cfg.name and cfg.model point to */
	char *url;
	char *auth;
	const char *headers[2];
	char *system;
	bool configured;
	bool stopping;
	struct list inbox;
	struct job_list pending, queue, running;
	struct map convs;
	struct map floors;          /* room conversation key -> struct floor */
	char *role, *hint;          /* how people see the bot (hub_register_bot) */
	struct list lru;            /* conversations, most recently used first */
	size_t nconvs;
	struct map buckets;
	struct buf text;
	struct assistant_stats stats;
};

static void assistant_kick(struct assistant *a);
static void assistant_pump(struct assistant *a);
static void job_attempt(struct assistant_job *j);
static void assistant_timer_cb(uv_timer_t *t);

/* ---- small helpers ---- */

static uint64_t assistant_now(const struct assistant *a)
{
	return uv_now(a->loop);
}

/* prefix + the folded form of s[0..len). */
static char *assistant_key(const char *prefix, const char *s, size_t len)
{
	size_t pl = strlen(prefix);
	char *k = xmalloc(pl + len + 1);
	memcpy(k, prefix, pl);
	fold_utf8(s, len, k + pl, len + 1);
	return k;
}

static void job_list_init(struct job_list *l)
{
	list_init(&l->list);
	l->n = 0;
}

/* The first job of l, or NULL. */
static struct assistant_job *job_list_first(const struct job_list *l)
{
	struct list_node *n = list_first(&l->list);
	return n ? list_entry(n, struct assistant_job, node) : NULL;
}

/* The job after j on its list, or NULL. */
static struct assistant_job *job_list_next(const struct assistant_job *j)
{
	struct list_node *n = list_next(&j->on->list, &j->node);
	return n ? list_entry(n, struct assistant_job, node) : NULL;
}

/* Appends j (which is on no list) to l. */
static void job_list_push(struct job_list *l, struct assistant_job *j)
{
	j->on = l;
	list_push_back(&l->list, &j->node);
	l->n++;
}

/* Takes j off whatever list holds it; a no-op for a job on none. */
static void job_list_remove(struct assistant_job *j)
{
	if (!j->on)
		return;
	list_remove(&j->node);
	j->on->n--;
	j->on = NULL;
}

static void turn_release(struct assistant *a, struct turn *t);

static void job_free(struct assistant_job *j)
{
	if (j->turn)
		turn_release(j->a, j->turn);
	job_list_remove(j);
	free(j->conv);
	free(j->user);
	free(j->name);
	free(j->room);
	free(j->question);
	free(j->body);
	buf_free(&j->body_in);
	buf_free(&j->answer);
	if (j->sse_on)
		sse_free(&j->sse);
	if (j->wrap_on)
		wrap_free(&j->wrap);
	free(j);
}

/* ---- conversations ---- */

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

static void conv_remember(struct assistant *a, const char *key, const char *name, const char *q,
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

static void conv_rekey(struct assistant *a, const char *from, const char *to)
{
	struct conv *c = map_get(&a->convs, from);
	if (!c)
		return;
	struct conv *old = map_get(&a->convs, to);
	if (old)
		conv_free(a, old);
	map_del(&a->convs, c->key);
	free(c->key);
	c->key = xstrdup(to);
	map_put(&a->convs, c->key, c);
}

/* Forgets conversation `conv`; false if there was nothing to forget. */
static bool conv_forget(struct assistant *a, const char *conv)
{
	struct conv *c = map_get(&a->convs, conv);
	if (c)
		conv_free(a, c);
	return c != NULL;
}

void assistant_forget(struct assistant *a, const char *conv)
{
	conv_forget(a, conv);
}

/* ---- per-user rate limit: a token bucket of rate_per_min tokens, refilled continuously ---- */

static void bucket_refill(const struct assistant *a, struct bucket *b, uint64_t now)
{
	double cap = a->cfg.rate_per_min;
	b->tokens += (double)(now - b->at_ms) * cap / 60000.0;
	if (b->tokens > cap)
		b->tokens = cap;
	b->at_ms = now;
}

static void buckets_sweep(struct assistant *a, uint64_t now)
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
	for (size_t i = 0; i < n; i++) {
		struct bucket *b = map_del(&a->buckets, drop[i]);
		free(b->key);
		free(b);
	}
	free(drop);
}

/* 0 if `user` may ask now, else the seconds until it may. Takes nothing. */
static long bucket_wait(struct assistant *a, const char *user)
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

static void bucket_take(struct assistant *a, const char *user)
{
	if (!a->cfg.rate_per_min)
		return;
	uint64_t now = assistant_now(a);
	struct bucket *b = map_get(&a->buckets, user);
	if (!b) {
		if (a->buckets.count >= BUCKETS_SWEEP)
			buckets_sweep(a, now);
		b = xcalloc(1, sizeof(*b));
		b->key = xstrdup(user);
		b->tokens = a->cfg.rate_per_min;
		b->at_ms = now;
		map_put(&a->buckets, b->key, b);
	}
	bucket_refill(a, b, now);
	b->tokens -= 1.0;
}

static void bucket_rekey(struct assistant *a, const char *from, const char *to)
{
	struct bucket *b = map_del(&a->buckets, from);
	if (!b)
		return;
	struct bucket *old = map_del(&a->buckets, to);
	if (old) {
		free(old->key);
		free(old);
	}
	free(b->key);
	b->key = xstrdup(to);
	map_put(&a->buckets, b->key, b);
}

/* ---- the floor of a room ---- */

static bool turn_is_first(const struct turn *t)
{
	return list_first(&t->floor->turns) == &t->node;
}

/* Says a room line for turn t now if it has the floor, else holds it. False: the room is gone. */
static bool turn_say(struct assistant *a, struct turn *t, const char *line, size_t len)
{
	if (t->gone)
		return false;
	if (turn_is_first(t)) {
		if (!hub_bot_say(a->hub, &a->sess, t->floor->room, line, len))
			t->gone = true;
	} else if (hub_find_room(a->hub, t->floor->room, strlen(t->floor->room))) {
		buf_append(&t->held, line, len);
		buf_putc(&t->held, '\n');
	} else {
		t->gone = true;
	}
	return !t->gone;
}

/* t has just got the floor: says what it held. */
static void turn_speak_held(struct assistant *a, struct turn *t)
{
	const char *p = t->held.data;
	const char *end = p + t->held.len;
	while (p < end && !t->gone) {
		const char *lf = memchr(p, '\n', (size_t)(end - p));
		if (!hub_bot_say(a->hub, &a->sess, t->floor->room, p, (size_t)(lf - p)))
			t->gone = true;
		p = lf + 1;
	}
	buf_free(&t->held);
}

static void turn_free(struct turn *t)
{
	list_remove(&t->node);
	buf_free(&t->held);
	free(t);
}

/* A room job was accepted: it takes the last turn on its room's floor. */
static void turn_take(struct assistant *a, struct assistant_job *j)
{
	struct floor *f = map_get(&a->floors, j->conv);
	if (!f) {
		f = xcalloc(1, sizeof(*f));
		f->key = xstrdup(j->conv);
		f->room = xstrdup(j->room);
		list_init(&f->turns);
		map_put(&a->floors, f->key, f);
	}
	struct turn *t = xcalloc(1, sizeof(*t));
	t->floor = f;
	t->job = j;
	list_push_back(&f->turns, &t->node);
	j->turn = t;
}

/* The job of turn t ends (or is dropped). If t had the floor, the next turns speak what they
 * held, and those whose jobs ended already give way in turn. */
static void turn_release(struct assistant *a, struct turn *t)
{
	struct floor *f = t->floor;
	t->job->turn = NULL;
	t->job = NULL;
	if (!turn_is_first(t))
		return;
	turn_free(t);
	struct list_node *n;
	while ((n = list_first(&f->turns))) {
		struct turn *next = list_entry(n, struct turn, node);
		turn_speak_held(a, next);
		if (next->job)
			return;
		turn_free(next);
	}
	map_del(&a->floors, f->key);
	free(f->key);
	free(f->room);
	free(f);
}

static void floors_free(struct assistant *a)
{
	const char *k;
	void *v;
	for (size_t i = 0; map_next(&a->floors, &i, &k, &v);) {
		struct floor *f = v;
		list_each_safe(n, &f->turns) {
			struct turn *t = list_entry(n, struct turn, node);
			if (t->job)
				t->job->turn = NULL;
			turn_free(t);
		}
		free(f->key);
		free(f->room);
		free(f);
	}
	map_free(&a->floors);
}

/* ---- talking: every text goes through one of these ---- */

/* One line of the answer (or a closing note) to where the job's answer goes. Chat jobs skip
 * paragraph breaks (an empty chat line says nothing); a room answer's first line names the asker,
 * since several answers may be streaming into one room at once. */
static void job_say(struct assistant_job *j, const char *text, size_t len)
{
	struct assistant *a = j->a;
	if (j->gone || j->cancelled)
		return;
	switch (j->kind) {
	case JOB_ROOM: {
		if (!len)
			return;
		struct buf line = BUF_INIT;
		if (!j->said && j->name)
			buf_printf(&line, "%s: ", j->name);
		buf_append(&line, text, len);
		j->said = true;
		if (!turn_say(a, j->turn, line.data, line.len))
			j->gone = true;
		buf_free(&line);
		break;
	}
	case JOB_PRIVATE:
		if (!len)
			return;
		j->said = true;
		if (!hub_find(a->hub, j->name, strlen(j->name)))
			j->gone = true;
		else
			hub_private(a->hub, &a->sess, j->name, strlen(j->name), text, len, false);
		break;
	case JOB_FACE:
		j->said = true;
		j->sink->line(j->ctx, text, len);
		break;
	}
}

/* A note for the asker alone (its place in the queue, a retry, a refusal). */
static void job_tell(struct assistant_job *j, const char *text, size_t len)
{
	struct assistant *a = j->a;
	if (j->cancelled)
		return;
	if (j->kind == JOB_FACE) {
		if (j->sink->notice)
			j->sink->notice(j->ctx, text, len);
	} else if (j->name && hub_find(a->hub, j->name, strlen(j->name))) {
		hub_private(a->hub, &a->sess, j->name, strlen(j->name), text, len, false);
	}
}

/* Ends a job: a note (NULL: complete) where the answer goes, then frees it and lets the queue
 * move. For face jobs the note is the `done` call. */
static void job_end(struct assistant_job *j, const char *note, size_t len)
{
	struct assistant *a = j->a;
	bool was_running = j->on == &a->running;
	if (note)
		a->stats.failed++;
	else
		a->stats.answered++;
	if (!j->cancelled && !j->gone) {
		if (j->kind == JOB_FACE)
			j->sink->done(j->ctx, note, len);
		else if (note)
			job_say(j, note, len);
	}
	job_free(j);
	if (was_running)
		assistant_pump(a);
}

/* Ends a job with a message of msg.h. */
static void job_end_msg(struct assistant_job *j, enum msg_id id, long n, const char *s)
{
	struct assistant *a = j->a;
	buf_clear(&a->text);
	msg_append(&a->text, id, n, s);
	struct buf note = a->text; /* job_end may reuse a->text through a sink: take it */
	buf_init(&a->text);
	job_end(j, note.data, note.len);
	buf_free(&note);
}

/* Refuses a question before it runs: the asker alone is told (a face through `done`). */
static void job_refuse(struct assistant_job *j, enum msg_id id, long n, const char *s)
{
	struct assistant *a = j->a;
	if (j->kind == JOB_FACE) {
		job_end_msg(j, id, n, s);
		return;
	}
	buf_clear(&a->text);
	msg_append(&a->text, id, n, s);
	job_tell(j, a->text.data, a->text.len);
	a->stats.failed++;
	job_free(j);
}

/* ---- streaming ---- */

static void job_on_wrapped(void *arg, const char *line, size_t len)
{
	struct assistant_job *j = arg;
	if (j->lines || j->answer.len)
		buf_putc(&j->answer, '\n');
	buf_append(&j->answer, line, len);
	if (len)
		j->lines++;
	job_say(j, line, len);
	if (j->gone)
		j->stop = true;
}

static void job_feed(struct assistant_job *j, const char *text, size_t len)
{
	if (j->stop)
		return;
	if (wrap_feed(&j->wrap, text, len, job_on_wrapped, j) == WRAP_TRUNCATED) {
		j->truncated = true;
		j->stop = true;
	}
}

static void job_flush(struct assistant_job *j)
{
	if (!j->truncated && !j->gone && j->wrap_on &&
	    wrap_finish(&j->wrap, job_on_wrapped, j) == WRAP_TRUNCATED)
		j->truncated = true;
}

/* Takes one parsed chunk (streamed, or a whole non-streamed answer). */
static bool job_take_chunk(struct assistant_job *j, enum chat_result r, struct chat_chunk *c)
{
	switch (r) {
	case CHAT_DONE:
		j->got_done = true;
		return false;
	case CHAT_ERROR:
		j->stream_error = true;
		j->err = c->error;
		return false;
	case CHAT_MALFORMED:
		j->malformed = true;
		j->malformed_what = "not a Chat Completions chunk";
		return false;
	case CHAT_CHUNK:
		break;
	}
	if (c->content)
		job_feed(j, c->content, c->content_len);
	if (c->finish != CHAT_FINISH_NONE)
		j->finish = c->finish;
	if (c->usage.present)
		j->usage = c->usage;
	return !j->stop;
}

static bool job_on_event(void *arg, const struct sse_event *ev)
{
	struct assistant_job *j = arg;
	struct chat_chunk c;
	enum chat_result r = chat_parse_chunk(ev->data, ev->len, &c);
	bool go = job_take_chunk(j, r, &c);
	chat_chunk_free(&c);
	return go;
}

static void job_on_response(void *ctx, const struct http_response_info *info)
{
	struct assistant_job *j = ctx;
	j->status = info->status;
	j->retry_after_s = info->retry_after_s;
	const char *ct = info->content_type;
	if (info->status != 200) {
		j->buffered = true;
	} else if (ct && strncasecmp(ct, "application/json", 16) == 0) {
		j->buffered = true; /* a server that ignored "stream": true */
	} else if (ct && !strstr(ct, "event-stream")) {
		j->buffered = true;
		j->ctype_bad = "not an event stream";
	}
}

static bool job_on_data(void *ctx, const char *bytes, size_t n)
{
	struct assistant_job *j = ctx;
	if (j->cancelled || j->a->stopping)
		return false;
	if (j->buffered) {
		if (j->body_in.len + n > ERRBODY_MAX)
			n = ERRBODY_MAX - j->body_in.len;
		buf_append(&j->body_in, bytes, n);
		return j->body_in.len < ERRBODY_MAX || j->status != 200;
	}
	enum sse_status s = sse_feed(&j->sse, bytes, n, job_on_event, j);
	if (s == SSE_TOO_BIG) {
		j->malformed = true;
		j->malformed_what = "an event too large";
		return false;
	}
	if (s == SSE_STOPPED)
		return j->got_done && !j->stop; /* after [DONE] the rest is ignored */
	return !j->stop;
}

/* ---- ending an attempt ---- */

static long ms_to_s(uint64_t ms)
{
	return (long)((ms + 999) / 1000);
}

static void job_log_end(struct assistant_job *j, const char *how)
{
	struct assistant *a = j->a;
	if (!log_enabled(a->log, LOG_INFO))
		return;
	char tokens[64] = "";
	if (j->usage.present)
		snprintf(tokens, sizeof(tokens), ", tokens %ld+%ld", j->usage.prompt_tokens,
			 j->usage.completion_tokens);
	log_info(a->log, "%s: %s %s%s%s: %zu lines, %zu bytes, %llu ms%s", a->cfg.name, how,
		 j->name ? j->name : "a client", j->room ? " in " : "", j->room ? j->room : "",
		 j->lines, j->answer.len,
		 (unsigned long long)(assistant_now(a) - j->asked_ms), tokens);
}

static void job_success(struct assistant_job *j)
{
	struct assistant *a = j->a;
	job_flush(j);
	if (j->gone) {
		job_end(j, NULL, 0);
		return;
	}
	if (!j->lines) {
		job_log_end(j, "gave nothing to");
		job_end_msg(j, MSG_EMPTY_ANSWER, 0, NULL);
		return;
	}
	conv_remember(a, j->conv, j->name, j->question, j->answer.data);
	job_log_end(j, "answered");
	if (j->truncated)
		job_end_msg(j, MSG_TRUNCATED, (long)a->cfg.max_answer, NULL);
	else if (j->finish == CHAT_FINISH_LENGTH)
		job_end_msg(j, MSG_LENGTH, 0, NULL);
	else if (j->finish == CHAT_FINISH_FILTER)
		job_end_msg(j, MSG_FILTERED, 0, NULL);
	else
		job_end(j, NULL, 0);
}

static void job_end_error(struct assistant_job *j, const struct chat_error *e)
{
	struct assistant *a = j->a;
	log_warn(a->log, "%s: the API answered %d (%s) for %s", a->cfg.name, e->status,
		 e->code[0] ? e->code : "no code", j->name ? j->name : "a client");
	buf_clear(&a->text);
	msg_append_error(&a->text, e);
	struct buf note = a->text;
	buf_init(&a->text);
	job_end(j, note.data, note.len);
	buf_free(&note);
}

static void assistant_arm_timer(struct assistant *a)
{
	uint64_t due = UINT64_MAX;
	for (struct assistant_job *j = job_list_first(&a->running); j; j = job_list_next(j))
		if (j->state == JOB_WAITING && j->due_ms < due)
			due = j->due_ms;
	if (due == UINT64_MAX) {
		uv_timer_stop(&a->timer);
		return;
	}
	uint64_t now = assistant_now(a);
	uv_timer_start(&a->timer, assistant_timer_cb, due > now ? due - now : 0, 0);
}

/* Waits delay_ms, keeping the slot, then tries again. */
static void job_retry(struct assistant_job *j, uint64_t delay_ms)
{
	j->state = JOB_WAITING;
	j->due_ms = assistant_now(j->a) + delay_ms;
	assistant_arm_timer(j->a);
}

/* A complete non-200 response. */
static void job_http_error(struct assistant_job *j)
{
	struct assistant *a = j->a;
	char ra[32];
	if (j->retry_after_s >= 0)
		snprintf(ra, sizeof(ra), "%ld", j->retry_after_s);
	struct chat_error e;
	chat_parse_error(j->status, j->body_in.data, j->body_in.len,
			 j->retry_after_s >= 0 ? ra : NULL, time(NULL), &e);
	if (e.category == CHAT_ERR_RATE_LIMIT && j->tries429 < ASSISTANT_RETRIES_429) {
		uint64_t delay = e.retry_after_ms >= 0 ? (uint64_t)e.retry_after_ms
						       : 1000u << j->tries429;
		if (delay <= ASSISTANT_MAX_RETRY_WAIT_S * 1000u) {
			j->tries429++;
			log_info(a->log, "%s: rate limited (429), retry %u in %llu ms", a->cfg.name,
				 j->tries429, (unsigned long long)delay);
			buf_clear(&a->text);
			msg_append(&a->text, MSG_RETRYING, ms_to_s(delay), NULL);
			job_tell(j, a->text.data, a->text.len);
			job_retry(j, delay);
			return;
		}
	}
	if (e.category == CHAT_ERR_SERVER && j->tries5xx < ASSISTANT_RETRIES_5XX) {
		uint64_t delay = e.retry_after_ms >= 0 &&
					 e.retry_after_ms <= ASSISTANT_MAX_RETRY_WAIT_S * 1000
				     ? (uint64_t)e.retry_after_ms
				     : 500u << j->tries5xx;
		j->tries5xx++;
		log_info(a->log, "%s: the API failed (%d), retry %u in %llu ms", a->cfg.name, j->status,
			 j->tries5xx, (unsigned long long)delay);
		job_retry(j, delay);
		return;
	}
	job_end_error(j, &e);
}

static void job_on_done(void *ctx, const struct http_result *res)
{
	struct assistant_job *j = ctx;
	struct assistant *a = j->a;
	j->req = NULL;
	if (j->cancelled || a->stopping) {
		bool was_running = j->on == &a->running;
		job_free(j);
		if (was_running && !a->stopping)
			assistant_pump(a);
		return;
	}
	if (res->outcome != HTTP_OK && res->outcome != HTTP_ABORTED)
		log_warn(a->log, "%s: request for %s: %s%s%s", a->cfg.name,
			 j->name ? j->name : "a client", http_outcome_name(res->outcome),
			 res->error[0] ? ": " : "", res->error);
	if (j->gone) {
		job_end(j, NULL, 0);
		return;
	}
	if (j->truncated) {
		job_success(j);
		return;
	}
	if (j->stream_error) {
		job_flush(j);
		job_end_error(j, &j->err);
		return;
	}
	if (j->malformed) {
		job_flush(j);
		job_end_msg(j, MSG_MALFORMED, 0, j->malformed_what);
		return;
	}
	switch (res->outcome) {
	case HTTP_OK:
		if (j->status != 200) {
			job_http_error(j);
			return;
		}
		if (j->ctype_bad) {
			job_end_msg(j, MSG_MALFORMED, 0, j->ctype_bad);
			return;
		}
		if (j->buffered) {
			struct chat_chunk c;
			enum chat_result r = chat_parse_response(j->body_in.data, j->body_in.len, &c);
			if (r == CHAT_DONE)
				r = CHAT_MALFORMED;
			job_take_chunk(j, r, &c);
			chat_chunk_free(&c);
			if (j->stream_error) {
				job_end_error(j, &j->err);
			} else if (j->malformed) {
				job_end_msg(j, MSG_MALFORMED, 0, "not a Chat Completions answer");
			} else {
				j->got_done = true;
				job_success(j);
			}
			return;
		}
		if (j->got_done || j->finish != CHAT_FINISH_NONE) {
			job_success(j);
			return;
		}
		job_flush(j);
		job_end_msg(j, MSG_STREAM_CUT, 0, NULL);
		return;
	case HTTP_ABORTED:
		if (j->got_done) {
			job_success(j);
			return;
		}
		job_flush(j);
		job_end_msg(j, MSG_STREAM_CUT, 0, NULL);
		return;
	case HTTP_TIMEOUT_FIRST_BYTE:
		job_end_msg(j, MSG_TIMEOUT_FIRST_BYTE, ms_to_s(a->cfg.first_byte_ms), NULL);
		return;
	case HTTP_TIMEOUT_STALL:
		job_flush(j);
		job_end_msg(j, MSG_TIMEOUT_STALL, ms_to_s(a->cfg.stall_ms), NULL);
		return;
	case HTTP_TIMEOUT_TOTAL:
		job_flush(j);
		job_end_msg(j, MSG_TIMEOUT_TOTAL, ms_to_s(a->cfg.total_ms), NULL);
		return;
	case HTTP_TOO_LARGE:
		job_flush(j);
		job_end_msg(j, MSG_MALFORMED, 0, "an answer too large");
		return;
	case HTTP_NETWORK:
		if (j->status) {
			job_flush(j);
			job_end_msg(j, MSG_STREAM_CUT, 0, NULL);
			return;
		}
		/* fall through */
	case HTTP_TIMEOUT_CONNECT:
	case HTTP_INVALID:
	case HTTP_CANCELLED:
		job_end_msg(j, MSG_NETWORK, 0, res->error[0] ? res->error : http_outcome_name(res->outcome));
		return;
	}
}

static const struct http_callbacks job_http_cb = {
	.on_response = job_on_response,
	.on_data = job_on_data,
	.on_done = job_on_done,
};

/* ---- running ---- */

static void job_build(struct assistant_job *j)
{
	struct assistant *a = j->a;
	struct chat_request r;
	chat_request_init(&r);
	r.model = a->cfg.model;
	r.system = a->system;
	r.cap_key = a->cfg.cap_key;
	r.max_tokens = a->cfg.max_tokens;
	struct conv *c = conv_get(a, j->conv, false);
	struct chat_turn *hist = NULL;
	if (c && c->n) {
		hist = xmalloc(2 * c->n * sizeof(*hist));
		for (size_t i = 0; i < c->n; i++) {
			hist[2 * i] = (struct chat_turn){CHAT_ROLE_USER, c->pairs[i].name,
							 c->pairs[i].question};
			hist[2 * i + 1] = (struct chat_turn){CHAT_ROLE_ASSISTANT, NULL,
							     c->pairs[i].answer};
		}
		r.history = hist;
		r.n_history = 2 * c->n;
	}
	r.question = (struct chat_turn){CHAT_ROLE_USER, j->name, j->question};
	j->body = chat_request_build(&r, &j->body_len);
	free(hist);
}

static void job_attempt(struct assistant_job *j)
{
	struct assistant *a = j->a;
	j->state = JOB_RUNNING;
	j->status = 0;
	j->retry_after_s = -1;
	j->buffered = false;
	j->ctype_bad = NULL;
	buf_clear(&j->body_in);
	if (j->sse_on)
		sse_free(&j->sse);
	sse_init(&j->sse, SSE_MAX);
	j->sse_on = true;
	struct http_req_opts o = {
		.url = a->url,
		.headers = a->headers,
		.body = j->body,
		.body_len = j->body_len,
		.connect_ms = a->cfg.connect_ms,
		.first_byte_ms = a->cfg.first_byte_ms,
		.stall_ms = a->cfg.stall_ms,
		.total_ms = a->cfg.total_ms,
	};
	j->req = http_post(&a->http, &o, &job_http_cb, j);
}

static void job_start(struct assistant_job *j)
{
	struct assistant *a = j->a;
	job_list_remove(j);
	job_list_push(&a->running, j);
	wrap_init(&j->wrap, ASSISTANT_WIDTH, a->cfg.max_answer);
	j->wrap_on = true;
	job_build(j);
	log_debug(a->log, "%s: asking for %s (%zu bytes of request)", a->cfg.name,
		  j->name ? j->name : "a client", j->body_len);
	job_attempt(j);
}

/* Tells every queued asker from j on its new place: the queue moved. O(queue), once per move. */
static void assistant_queue_moved(struct assistant *a, struct assistant_job *from)
{
	if (a->stopping || !from)
		return;
	size_t pos = 1;
	for (struct assistant_job *q = job_list_first(&a->queue); q != from; q = job_list_next(q))
		pos++;
	for (struct assistant_job *q = from; q; q = job_list_next(q)) {
		buf_clear(&a->text);
		msg_append(&a->text, MSG_QUEUE_MOVED, (long)pos++, NULL);
		job_tell(q, a->text.data, a->text.len);
	}
}

static void assistant_pump(struct assistant *a)
{
	bool moved = false;
	while (!a->stopping && a->queue.n && a->running.n < a->cfg.inflight) {
		job_start(job_list_first(&a->queue));
		moved = true;
	}
	if (moved)
		assistant_queue_moved(a, job_list_first(&a->queue));
}

static void assistant_timer_cb(uv_timer_t *t)
{
	struct assistant *a = t->data;
	uint64_t now = assistant_now(a);
	list_each_safe(n, &a->running.list) {
		struct assistant_job *j = list_entry(n, struct assistant_job, node);
		if (j->state == JOB_WAITING && j->due_ms <= now)
			job_attempt(j);
	}
	assistant_arm_timer(a);
}

/* A new question: checked, then started, queued or refused. */
static void job_accept(struct assistant_job *j)
{
	struct assistant *a = j->a;
	if (!a->configured) {
		/* Only the asker can do something about it (tell the operator): not the room. */
		job_refuse(j, MSG_NOT_CONFIGURED, 0, NULL);
		return;
	}
	if (!j->qlen) {
		job_refuse(j, MSG_EMPTY_QUESTION, 0, a->cfg.name);
		return;
	}
	if (j->qlen > a->cfg.max_question) {
		job_refuse(j, MSG_QUESTION_TOO_LONG, (long)a->cfg.max_question, NULL);
		return;
	}
	long wait = bucket_wait(a, j->user);
	if (wait) {
		job_refuse(j, MSG_USER_RATE, wait, NULL);
		return;
	}
	if (a->running.n >= a->cfg.inflight && a->queue.n >= a->cfg.queue) {
		job_refuse(j, MSG_BUSY, 0, NULL);
		return;
	}
	bucket_take(a, j->user);
	a->stats.asked++;
	j->asked_ms = assistant_now(a);
	if (j->kind == JOB_ROOM)
		turn_take(a, j);
	if (a->running.n < a->cfg.inflight) {
		job_start(j);
		return;
	}
	job_list_remove(j);
	job_list_push(&a->queue, j);
	j->state = JOB_QUEUED;
	buf_clear(&a->text);
	msg_append(&a->text, MSG_QUEUED, (long)a->queue.n, NULL);
	job_tell(j, a->text.data, a->text.len);
}

static struct assistant_job *job_new(struct assistant *a, enum job_kind kind, const char *question,
				     size_t len)
{
	struct assistant_job *j = xcalloc(1, sizeof(*j));
	j->a = a;
	j->kind = kind;
	j->state = JOB_PENDING;
	j->retry_after_s = -1;
	/* Trimmed and sanitised: a question is one clean line. */
	while (len && (*question == ' ' || *question == '\t')) {
		question++;
		len--;
	}
	while (len && (question[len - 1] == ' ' || question[len - 1] == '\t'))
		len--;
	struct buf q = BUF_INIT;
	utf8_sanitize(question, len, &q);
	j->question = q.data ? q.data : xstrdup("");
	j->qlen = q.len;
	return j;
}

void assistant_cancel(struct assistant_job *j)
{
	struct assistant *a = j->a;
	if (j->cancelled)
		return;
	j->cancelled = true;
	if (j->req) {
		http_cancel(j->req); /* job_on_done frees it */
		return;
	}
	bool was_running = j->on == &a->running;
	struct assistant_job *behind = j->on == &a->queue ? job_list_next(j) : NULL;
	job_free(j);
	if (was_running)
		assistant_pump(a);
	else
		assistant_queue_moved(a, behind);
}

struct assistant_job *assistant_ask(struct assistant *a, const char *conv, const char *user,
				    const char *name, const char *question, size_t len,
				    const struct assistant_sink *sink, void *ctx)
{
	struct assistant_job *j = job_new(a, JOB_FACE, question, len);
	j->conv = xstrdup(conv);
	j->user = xstrdup(user);
	j->name = name ? xstrdup(name) : NULL;
	j->sink = sink;
	j->ctx = ctx;
	job_list_push(&a->pending, j);
	assistant_kick(a);
	return j;
}

size_t assistant_max_question(const struct assistant *a)
{
	return a->cfg.max_question;
}

void assistant_get_stats(const struct assistant *a, struct assistant_stats *out)
{
	*out = a->stats;
	out->running = a->running.n;
	out->queued = a->queue.n;
}

/* ---- hub events ---- */

/* Whether `text` is addressed to the bot ("gpt: q", "gpt, q", "@gpt q", name in any case); *off
 * is then where the question starts. */
static bool assistant_addressed(const struct assistant *a, const char *text, size_t len, size_t *off)
{
	size_t i = 0;
	while (i < len && (text[i] == ' ' || text[i] == '\t'))
		i++;
	bool at = i < len && text[i] == '@';
	if (at)
		i++;
	size_t start = i;
	while (i < len && text[i] != ' ' && text[i] != '\t' && text[i] != ':' && text[i] != ',')
		i++;
	size_t n = i - start;
	if (!n || n > 4 * 32)
		return false;
	if (i < len && (text[i] == ':' || text[i] == ',')) {
		i++;
	} else if (!at) {
		return false;
	}
	char folded[4 * 32 + 1];
	size_t fl = fold_utf8(text + start, n, folded, sizeof(folded));
	if (fl != strlen(a->folded_name) || memcmp(folded, a->folded_name, fl) != 0)
		return false;
	*off = i;
	return true;
}

static char *dup_or_null(const char *s)
{
	return s ? xstrdup(s) : NULL;
}

static void assistant_on_event(struct session *s, const struct hub_event *ev)
{
	struct assistant *a = s->owner;
	if (a->stopping)
		return;
	const char *text = ev->text;
	size_t len = ev->len;
	switch (ev->type) {
	case HUB_EV_SAY: {
		size_t off;
		if (!ev->room || !ev->from || !assistant_addressed(a, text, len, &off))
			return;
		text += off;
		len -= off;
		break;
	}
	case HUB_EV_PRIVATE:
	case HUB_EV_QUIT:
	case HUB_EV_NICK:
	case HUB_EV_FORGET:
		if (!ev->from)
			return;
		break;
	default:
		return; /* actions, joins, and the replies the hub sends the bot itself */
	}
	struct inbox *in = xcalloc(1, sizeof(*in));
	in->type = ev->type;
	in->room = dup_or_null(ev->room);
	in->from = xstrdup(ev->from);
	in->text = text ? xmemdup(text, len + 1) : NULL;
	if (in->text)
		in->text[len] = '\0';
	in->len = text ? len : 0;
	list_push_back(&a->inbox, &in->node);
	assistant_kick(a);
}

static void inbox_free(struct inbox *in)
{
	free(in->room);
	free(in->from);
	free(in->text);
	free(in);
}

static void assistant_chat_question(struct assistant *a, struct inbox *in)
{
	bool room = in->type == HUB_EV_SAY;
	struct assistant_job *j = job_new(a, room ? JOB_ROOM : JOB_PRIVATE, in->text, in->len);
	size_t fl = strlen(in->from);
	j->user = assistant_key("", in->from, fl);
	j->name = xstrdup(in->from);
	if (room) {
		j->room = xstrdup(in->room);
		j->conv = assistant_key("room:", in->room, strlen(in->room));
	} else {
		j->conv = assistant_key("pm:", in->from, fl);
	}
	job_list_push(&a->pending, j);
	job_accept(j);
}

static void assistant_private_text(struct assistant *a, struct inbox *in)
{
	size_t len = in->len;
	const char *t = in->text;
	while (len && (*t == ' ' || *t == '\t')) {
		t++;
		len--;
	}
	while (len && (t[len - 1] == ' ' || t[len - 1] == '\t'))
		len--;
	buf_clear(&a->text);
	if (len == strlen(W_FORGET) && strncasecmp(t, W_FORGET, len) == 0) {
		char *k = assistant_key("pm:", in->from, strlen(in->from));
		bool forgot = conv_forget(a, k);
		free(k);
		msg_append(&a->text, forgot ? MSG_FORGOT : MSG_NOTHING_TO_FORGET, 0, NULL);
	} else if (len == 0 || (len == strlen(W_HELP) && strncasecmp(t, W_HELP, len) == 0)) {
		msg_append(&a->text, MSG_USAGE, 0, a->cfg.name);
	} else {
		assistant_chat_question(a, in);
		return;
	}
	hub_private(a->hub, &a->sess, in->from, strlen(in->from), a->text.data, a->text.len, false);
}

/* Every job of `user` in list l (private ones only unless all). */
static void assistant_cancel_user(struct job_list *l, const char *user)
{
	list_each_safe(n, &l->list) {
		struct assistant_job *j = list_entry(n, struct assistant_job, node);
		if (j->kind == JOB_PRIVATE && !strcmp(j->user, user)) {
			log_debug(j->a->log, "%s: %s left; their question is cancelled", j->a->cfg.name,
				  j->name);
			assistant_cancel(j);
		}
	}
}

static void assistant_rename_user(struct job_list *l, const char *from, const char *to,
				  const char *display)
{
	list_each(n, &l->list) {
		struct assistant_job *j = list_entry(n, struct assistant_job, node);
		if (j->kind != JOB_FACE && !strcmp(j->user, from)) {
			free(j->user);
			j->user = xstrdup(to);
			free(j->name);
			j->name = xstrdup(display);
			if (j->kind == JOB_PRIVATE) {
				free(j->conv);
				j->conv = assistant_key("pm:", display, strlen(display));
			}
		}
	}
}

static void assistant_handle(struct assistant *a, struct inbox *in)
{
	switch (in->type) {
	case HUB_EV_SAY:
		if (!in->len) {
			buf_clear(&a->text);
			msg_append(&a->text, MSG_USAGE, 0, a->cfg.name);
			hub_private(a->hub, &a->sess, in->from, strlen(in->from), a->text.data,
				    a->text.len, false);
			return;
		}
		assistant_chat_question(a, in);
		return;
	case HUB_EV_PRIVATE:
		assistant_private_text(a, in);
		return;
	case HUB_EV_QUIT: {
		char *user = assistant_key("", in->from, strlen(in->from));
		assistant_cancel_user(&a->pending, user);
		assistant_cancel_user(&a->queue, user);
		assistant_cancel_user(&a->running, user);
		char *k = assistant_key("pm:", in->from, strlen(in->from));
		assistant_forget(a, k);
		free(k);
		free(user);
		return;
	}
	case HUB_EV_NICK: {
		if (!in->text)
			return;
		char *from = assistant_key("", in->from, strlen(in->from));
		char *to = assistant_key("", in->text, in->len);
		assistant_rename_user(&a->pending, from, to, in->text);
		assistant_rename_user(&a->queue, from, to, in->text);
		assistant_rename_user(&a->running, from, to, in->text);
		char *pf = assistant_key("pm:", in->from, strlen(in->from));
		char *pt = assistant_key("pm:", in->text, in->len);
		if (strcmp(pf, pt))
			conv_rekey(a, pf, pt);
		if (strcmp(from, to))
			bucket_rekey(a, from, to);
		free(pf);
		free(pt);
		free(from);
		free(to);
		return;
	}
	case HUB_EV_FORGET: {
		/* Only news that concerns everyone goes to the room: that its conversation was
		 * forgotten. That there was nothing to forget, or nobody to forget it, is the
		 * asker's alone. */
		char *k = in->room ? assistant_key("room:", in->room, strlen(in->room))
				   : assistant_key("pm:", in->from, strlen(in->from));
		bool forgot = a->configured && conv_forget(a, k);
		free(k);
		buf_clear(&a->text);
		msg_append(&a->text, !a->configured ? MSG_NOT_CONFIGURED
				     : forgot       ? MSG_FORGOT
						    : MSG_NOTHING_TO_FORGET, 0, NULL);
		if (forgot && in->room)
			hub_bot_say(a->hub, &a->sess, in->room, a->text.data, a->text.len);
		else
			hub_private(a->hub, &a->sess, in->from, strlen(in->from), a->text.data,
				    a->text.len, false);
		return;
	}
	default:
		return;
	}
}

/* The next loop turn after an event or a face's question: outside every fan-out. */
static void assistant_idle_cb(uv_idle_t *h)
{
	struct assistant *a = h->data;
	while (!a->stopping && (!list_empty(&a->inbox) || a->pending.n)) {
		if (!list_empty(&a->inbox)) {
			struct inbox *in = list_entry(list_first(&a->inbox), struct inbox, node);
			list_remove(&in->node);
			assistant_handle(a, in);
			inbox_free(in);
		} else {
			job_accept(job_list_first(&a->pending));
		}
	}
	uv_idle_stop(h);
}

static void assistant_kick(struct assistant *a)
{
	if (!a->stopping)
		uv_idle_start(&a->idle, assistant_idle_cb);
}

static void assistant_admitted(struct session *s)
{
	(void)s;
}

static void assistant_disconnect(struct session *s)
{
	(void)s;
}

static const struct session_ops assistant_ops = {
	.face = NULL,
	.admitted = assistant_admitted,
	.disconnect = assistant_disconnect,
	.event = assistant_on_event,
};

/* ---- life ---- */

static void assistant_handle_closed(uv_handle_t *h)
{
	struct assistant *a = h->data;
	a->open_handles--;
}

static void assistant_http_closed(struct http_client *c)
{
	struct assistant *a = c->data;
	a->http_up = false;
}

struct assistant *assistant_new(uv_loop_t *loop, struct hub *hub, const struct assistant_config *cfg,
				const struct logger *log, char *err, size_t errlen)
{
	struct assistant *a = xcalloc(1, sizeof(*a));
	a->cfg = *cfg;
	a->cfg.name = a->own_name = xstrdup(cfg->name);
	a->cfg.model = a->own_model = xstrdup(cfg->model ? cfg->model : "");
	if (!a->cfg.inflight)
		a->cfg.inflight = 1;
	a->loop = loop;
	a->hub = hub;
	a->log = log;
	uint64_t seed = uv_hrtime();
	map_init(&a->convs, seed);
	map_init(&a->floors, seed * 17 + 3);
	map_init(&a->buckets, seed * 31 + 7);
	list_init(&a->lru);
	list_init(&a->inbox);
	job_list_init(&a->pending);
	job_list_init(&a->queue);
	job_list_init(&a->running);
	size_t nl = strlen(cfg->name);
	a->folded_name = assistant_key("", cfg->name, nl);
	if (cfg->system) {
		a->system = xstrdup(cfg->system);
	} else {
		struct buf s = BUF_INIT;
		buf_printf(&s, T_SYSTEM, cfg->name);
		a->system = s.data;
	}
	a->configured = cfg->base_url && cfg->base_url[0];
	if (a->configured) {
		size_t ul = strlen(cfg->base_url);
		while (ul && cfg->base_url[ul - 1] == '/')
			ul--;
		struct buf u = BUF_INIT;
		buf_append(&u, cfg->base_url, ul);
		buf_puts(&u, "/chat/completions");
		a->url = u.data;
	}
	if (cfg->api_key && cfg->api_key[0]) {
		struct buf h = BUF_INIT;
		buf_printf(&h, "Authorization: Bearer %s", cfg->api_key);
		a->auth = h.data;
		a->headers[0] = a->auth;
	}

	hub_session_init(&a->sess, &assistant_ops, a);
	hub_open(hub, &a->sess);
	struct buf t = BUF_INIT;
	msg_append(&t, MSG_ROLE, 0, NULL);
	a->role = t.data;
	buf_init(&t);
	msg_append(&t, MSG_HINT, 0, cfg->name);
	a->hint = t.data;
	int r = hub_register_bot(hub, &a->sess, cfg->name, nl, a->role, a->hint);
	if (r != 0) {
		snprintf(err, errlen, "cannot name the assistant '%s' (see --ai-name)", cfg->name);
		hub_close(hub, &a->sess, "");
		assistant_free(a);
		return NULL;
	}
	/* Without an API there is nothing to ask over HTTP (and main.c has not initialised libcurl:
	 * config_ai_backend). */
	if (a->configured) {
		r = http_client_init(&a->http, loop, log);
		if (r < 0) {
			snprintf(err, errlen, "cannot start the HTTP client: %s", uv_strerror(r));
			hub_close(hub, &a->sess, "");
			assistant_free(a);
			return NULL;
		}
		a->http.data = a;
		a->http_up = true;
	}
	hub_watch(hub, &a->sess);
	hub_set_assistant(hub, &a->sess);
	uv_idle_init(loop, &a->idle);
	uv_timer_init(loop, &a->timer);
	a->idle.data = a->timer.data = a;
	a->open_handles = 2;
	if (a->configured)
		log_info(log, "assistant %s: model %s at %s%s", cfg->name, a->cfg.model, a->url,
			 a->auth ? " (with an API key)" : "");
	else
		log_info(log, "assistant %s: no API configured (see --ai-url and OPENAI_API_KEY)",
			 cfg->name);
	return a;
}

/* Tells the asker of j the server is stopping. */
static void job_shutdown(struct assistant_job *j)
{
	struct assistant *a = j->a;
	if (j->cancelled)
		return;
	buf_clear(&a->text);
	msg_append(&a->text, MSG_SHUTDOWN, 0, NULL);
	struct buf note = a->text;
	buf_init(&a->text);
	if (j->kind == JOB_FACE) {
		const struct assistant_sink *sink = j->sink;
		j->cancelled = true; /* nothing after `done` */
		sink->done(j->ctx, note.data, note.len);
	} else {
		job_say(j, note.data, note.len);
		j->cancelled = true;
	}
	buf_free(&note);
}

void assistant_shutdown(struct assistant *a)
{
	if (!a || a->stopping)
		return;
	a->stopping = true;
	struct job_list *lists[] = {&a->running, &a->queue, &a->pending};
	for (size_t k = 0; k < 3; k++) {
		list_each_safe(n, &lists[k]->list) {
			struct assistant_job *j = list_entry(n, struct assistant_job, node);
			job_shutdown(j);
			if (!j->req)
				job_free(j);
		}
	}
	list_each_safe(n, &a->inbox) {
		list_remove(n);
		inbox_free(list_entry(n, struct inbox, node));
	}
	hub_close(a->hub, &a->sess, "");
	if (a->http_up)
		http_client_close(&a->http, assistant_http_closed); /* cancels what runs */
	uv_close((uv_handle_t *)&a->idle, assistant_handle_closed);
	uv_close((uv_handle_t *)&a->timer, assistant_handle_closed);
}

void assistant_free(struct assistant *a)
{
	if (!a)
		return;
	floors_free(a); /* first: a job that ends here must not pass the floor on */
	struct job_list *lists[] = {&a->running, &a->queue, &a->pending};
	for (size_t k = 0; k < 3; k++)
		while (lists[k]->n)
			job_free(job_list_first(lists[k]));
	list_each_safe(n, &a->inbox) {
		list_remove(n);
		inbox_free(list_entry(n, struct inbox, node));
	}
	list_each_safe(n, &a->lru)
		conv_free(a, list_entry(n, struct conv, lru));
	map_free(&a->convs);
	free(a->role);
	free(a->hint);
	const char *k;
	void *v;
	for (size_t i = 0; map_next(&a->buckets, &i, &k, &v);) {
		struct bucket *b = v;
		free(b->key);
		free(b);
	}
	map_free(&a->buckets);
	if (a->auth) {
		/* The key leaves no copy of ours behind in freed memory. */
		volatile char *p = a->auth;
		while (*p)
			*p++ = '\0';
		free(a->auth);
	}
	free(a->url);
	free(a->system);
	free(a->folded_name);
	free(a->own_name);
	free(a->own_model);
	buf_free(&a->text);
	free(a);
}
