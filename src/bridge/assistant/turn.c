/* turn: the floor of a room. Answers to one room go out one at a time, in the order their
 * questions were accepted, so that two answers streaming at once never interleave. Each room
 * answer holds a turn on its room's floor from acceptance to its end; only the first turn speaks
 * as the model writes, the lines of the others are held (an answer is capped at max_answer bytes,
 * so this is bounded) and said when their turn comes. A turn whose job ended before its turn came
 * keeps its lines until then.
 *
 * A floor (in a->floors, by the room's conversation key) exists while it has turns; it is freed
 * with its last turn. A turn and its job point at each other until turn_release. */
#include <stdlib.h>
#include <string.h>

#include "base/xalloc.h"
#include "bridge/assistant/assistant_int.h"

struct turn {
	struct list_node node;      /* on its floor, in order */
	struct floor *floor;
	struct assistant_job *job;  /* NULL once the job has ended */
	struct buf held;            /* lines not said yet, each ending in LF */
	bool gone;                  /* the room is gone: nothing more to say */
};

struct floor {
	char *key;                  /* the room's conversation key */
	char *room;                 /* its name as written, for bot_say */
	struct list turns;
};

static bool turn_is_first(const struct turn *t)
{
	return list_first(&t->floor->turns) == &t->node;
}

bool turn_say(struct assistant *a, struct turn *t, const char *line, size_t len)
{
	if (t->gone)
		return false;
	if (turn_is_first(t)) {
		if (!bot_say(a, t->floor->room, line, len))
			t->gone = true;
	} else if (bot_room_exists(a, t->floor->room)) {
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
		if (!bot_say(a, t->floor->room, p, (size_t)(lf - p)))
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

static void turn_free_floor(struct floor *f)
{
	free(f->key);
	free(f->room);
	free(f);
}

void turn_take(struct assistant *a, struct assistant_job *j)
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

void turn_release(struct assistant *a, struct turn *t)
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
	turn_free_floor(f);
}

void turn_free_all(struct assistant *a)
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
		turn_free_floor(f);
	}
	map_free(&a->floors);
}
