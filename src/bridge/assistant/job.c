/* job: a question's life. A job is made pending (by a face, or by the inbox for a chat
 * question), accepted or refused on the loop (job_accept), then started (it takes a slot) or
 * queued; it ends with its answer, a note, or a cancel, and is freed there. Every text to its
 * asker goes through job_say (the answer, where the answer goes) or job_tell (the asker alone). */
#include <stdlib.h>

#include "base/utf8.h"
#include "base/xalloc.h"
#include "bridge/assistant/assistant_int.h"

/* ---- lists ---- */

void job_list_init(struct job_list *l)
{
	list_init(&l->list);
	l->n = 0;
}

struct assistant_job *job_list_first(const struct job_list *l)
{
	struct list_node *n = list_first(&l->list);
	return n ? list_entry(n, struct assistant_job, node) : NULL;
}

struct assistant_job *job_list_next(const struct assistant_job *j)
{
	struct list_node *n = list_next(&j->on->list, &j->node);
	return n ? list_entry(n, struct assistant_job, node) : NULL;
}

void job_list_push(struct job_list *l, struct assistant_job *j)
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

/* ---- talking: every text goes through one of these ---- */

/* Chat jobs skip paragraph breaks (an empty chat line says nothing); a room answer's first line
 * names the asker, since several answers may be streaming into one room at once. */
void job_say(struct assistant_job *j, const char *text, size_t len)
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
		if (!bot_user_exists(a, j->name))
			j->gone = true;
		else
			bot_tell(a, j->name, text, len);
		break;
	case JOB_FACE:
		j->said = true;
		j->sink->line(j->ctx, text, len);
		break;
	}
}

void job_tell(struct assistant_job *j, const char *text, size_t len)
{
	struct assistant *a = j->a;
	if (j->cancelled)
		return;
	if (j->kind == JOB_FACE) {
		if (j->sink->notice)
			j->sink->notice(j->ctx, text, len);
	} else if (j->name && bot_user_exists(a, j->name)) {
		bot_tell(a, j->name, text, len);
	}
}

/* ---- the end ---- */

void job_end(struct assistant_job *j, const char *note, size_t len)
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
		sched_pump(a);
}

/* Takes the text built in a->text, leaving a->text empty, since a sink called while the text is
 * in use may build another there. The caller frees what it took. */
static struct buf job_take_text(struct assistant *a)
{
	struct buf t = a->text;
	buf_init(&a->text);
	return t;
}

void job_end_text(struct assistant_job *j)
{
	struct buf note = job_take_text(j->a);
	job_end(j, note.data, note.len);
	buf_free(&note);
}

void job_end_msg(struct assistant_job *j, enum msg_id id, long n, const char *s)
{
	struct assistant *a = j->a;
	buf_clear(&a->text);
	msg_append(&a->text, j->lang, id, n, s);
	job_end_text(j);
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
	msg_append(&a->text, j->lang, id, n, s);
	job_tell(j, a->text.data, a->text.len);
	a->stats.failed++;
	job_free(j);
}

void job_cancel(struct assistant_job *j)
{
	struct assistant *a = j->a;
	if (j->cancelled)
		return;
	j->cancelled = true;
	if (j->req) {
		http_cancel(j->req); /* the request's on_done frees it */
		return;
	}
	bool was_running = j->on == &a->running;
	struct assistant_job *behind = j->on == &a->queue ? job_list_next(j) : NULL;
	job_free(j);
	if (was_running)
		sched_pump(a);
	else
		sched_moved(a, behind);
}

void job_shutdown(struct assistant_job *j)
{
	struct assistant *a = j->a;
	if (j->cancelled)
		return;
	buf_clear(&a->text);
	msg_append(&a->text, j->lang, MSG_SHUTDOWN, 0, NULL);
	struct buf note = job_take_text(a);
	if (j->kind == JOB_FACE) {
		const struct answerer_sink *sink = j->sink;
		j->cancelled = true; /* nothing after `done` */
		sink->done(j->ctx, note.data, note.len);
	} else {
		job_say(j, note.data, note.len);
		j->cancelled = true;
	}
	buf_free(&note);
}

void job_free(struct assistant_job *j)
{
	if (j->turn)
		turn_release(j->a, j->turn);
	job_list_remove(j);
	free(j->conv);
	free(j->user);
	free(j->name);
	free(j->room);
	free(j->question);
	answer_free(j);
	free(j);
}

/* ---- the start ---- */

struct assistant_job *job_new(struct assistant *a, enum job_kind kind, const char *question,
			      size_t len)
{
	struct assistant_job *j = xcalloc(1, sizeof(*j));
	j->a = a;
	j->kind = kind;
	j->state = JOB_PENDING;
	j->retry_after_s = -1;
	/* Trimmed and sanitised: a question is one clean line. */
	assistant_trim(&question, &len);
	struct buf q = BUF_INIT;
	utf8_sanitize(question, len, &q);
	j->question = q.data ? q.data : xstrdup("");
	j->qlen = q.len;
	return j;
}

void job_start(struct assistant_job *j)
{
	job_list_remove(j);
	job_list_push(&j->a->running, j);
	answer_start(j);
}

void job_accept(struct assistant_job *j)
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
	msg_append(&a->text, j->lang, MSG_QUEUED, (long)a->queue.n, NULL);
	job_tell(j, a->text.data, a->text.len);
}
