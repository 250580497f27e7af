/* sched: who runs. At most cfg.inflight jobs hold a slot (a->running: in flight, or waiting to
 * retry); the others wait in a->queue, a FIFO whose askers are told their place each time it
 * moves. One uv_timer (a->timer, owned by assistant.c) wakes the earliest retry due. */
#include "bridge/assistant/assistant_int.h"

static void sched_on_timer(uv_timer_t *t);

static void sched_arm_timer(struct assistant *a)
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
	uv_timer_start(&a->timer, sched_on_timer, due > now ? due - now : 0, 0);
}

static void sched_on_timer(uv_timer_t *t)
{
	struct assistant *a = t->data;
	uint64_t now = assistant_now(a);
	list_each_safe(n, &a->running.list) {
		struct assistant_job *j = list_entry(n, struct assistant_job, node);
		if (j->state == JOB_WAITING && j->due_ms <= now)
			answer_attempt(j);
	}
	sched_arm_timer(a);
}

void sched_retry(struct assistant_job *j, uint64_t delay_ms)
{
	j->state = JOB_WAITING;
	j->due_ms = assistant_now(j->a) + delay_ms;
	sched_arm_timer(j->a);
}

/* O(queue), once per move. */
void sched_moved(struct assistant *a, struct assistant_job *from)
{
	if (a->stopping || !from)
		return;
	size_t pos = 1;
	for (struct assistant_job *q = job_list_first(&a->queue); q != from; q = job_list_next(q))
		pos++;
	for (struct assistant_job *q = from; q; q = job_list_next(q)) {
		buf_clear(&a->text);
		msg_append(&a->text, q->lang, MSG_QUEUE_MOVED, (long)pos++, NULL);
		job_tell(q, a->text.data, a->text.len);
	}
}

void sched_pump(struct assistant *a)
{
	bool moved = false;
	while (!a->stopping && a->queue.n && a->running.n < a->cfg.inflight) {
		job_start(job_list_first(&a->queue));
		moved = true;
	}
	if (moved)
		sched_moved(a, job_list_first(&a->queue));
}
