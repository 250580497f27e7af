#include "client/members.h"

#include <stdlib.h>
#include <string.h>

#include "base/fold.h"
#include "base/xalloc.h"
#include "client/incoming.h"

#define BOT_PREFIX "* Bot: "
#define NO_ROOM_PREFIX "! No such room: "
#define NO_WHO_PREFIX "! Unknown command: /who"
#define RENAMED " is now known as "

struct span {
	const char *p;
	size_t n;
};

static char *members_fold(const char *s, size_t n);
static bool members_starts(const char *s, size_t len, const char *prefix);
static size_t members_token(const char *s, size_t len, size_t from);
static bool members_find(const struct members_set *set, const char *folded, size_t *pos);
static void members_add(struct members_set *set, const char *name, size_t n);
static void members_remove(struct members_set *set, const char *name, size_t n);
static void members_clear(struct members_set *set);
static struct members_room *members_room(struct members *m, const char *room, size_t n);
static void members_add_all(struct members_set *set, const char *s, size_t len, size_t from);
static bool members_who(const char *line, size_t len, struct span *room, size_t *names);
static void members_stop_reading(struct members *m);
static void members_drop_asked(struct members *m, size_t count);
static void members_expire(struct members *m, uint64_t now);
static bool members_news(struct members *m, const char *line, size_t len);
static void members_tagged(struct members *m, const char *line, size_t len);
static int members_cmp(const void *a, const void *b);

/* Lines reach us sanitised (valid UTF-8), which fold_utf8 needs; folding never lengthens. */
static char *members_fold(const char *s, size_t n)
{
	char *out = xmalloc(n + 1);
	fold_utf8(s, n, out, n + 1);
	return out;
}

static bool members_starts(const char *s, size_t len, const char *prefix)
{
	size_t n = strlen(prefix);
	return len >= n && memcmp(s, prefix, n) == 0;
}

/* Names and rooms contain no spaces: one runs from `from` to the next space. */
static size_t members_token(const char *s, size_t len, size_t from)
{
	size_t i = from;
	while (i < len && s[i] != ' ')
		i++;
	return i - from;
}

/* Binary search by folded name; *pos is where it is or would go. */
static bool members_find(const struct members_set *set, const char *folded, size_t *pos)
{
	size_t lo = 0, hi = set->len;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strcmp(set->v[mid].folded, folded);
		if (c == 0) {
			*pos = mid;
			return true;
		}
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	*pos = lo;
	return false;
}

/* O(log n) to find the place and O(n) to make room; a /who reply arrives sorted, so its names
 * go at the end. */
static void members_add(struct members_set *set, const char *name, size_t n)
{
	if (n == 0 || set->len >= MEMBERS_ROOM_MAX)
		return;
	char *folded = members_fold(name, n);
	size_t pos;
	if (members_find(set, folded, &pos)) {
		free(folded);
		return;
	}
	set->v = xgrow(set->v, &set->cap, set->len + 1, sizeof *set->v);
	memmove(set->v + pos + 1, set->v + pos, (set->len - pos) * sizeof *set->v);
	set->v[pos].name = xstrndup(name, n);
	set->v[pos].folded = folded;
	set->len++;
}

static void members_remove(struct members_set *set, const char *name, size_t n)
{
	char *folded = members_fold(name, n);
	size_t pos;
	if (members_find(set, folded, &pos)) {
		free(set->v[pos].name);
		free(set->v[pos].folded);
		memmove(set->v + pos, set->v + pos + 1, (set->len - pos - 1) * sizeof *set->v);
		set->len--;
	}
	free(folded);
}

static void members_clear(struct members_set *set)
{
	for (size_t i = 0; i < set->len; i++) {
		free(set->v[i].name);
		free(set->v[i].folded);
	}
	set->len = 0;
}

static struct members_room *members_room(struct members *m, const char *room, size_t n)
{
	char *folded = members_fold(room, n);
	struct members_room *found = NULL;
	for (size_t i = 0; i < m->nrooms && !found; i++)
		if (strcmp(m->rooms[i].folded, folded) == 0)
			found = &m->rooms[i];
	free(folded);
	return found;
}

/* Adds every space-separated name in s[from..len), without the '@' (operator) or '+' (voice)
 * that /who puts before a name (no name starts with either). */
static void members_add_all(struct members_set *set, const char *s, size_t len, size_t from)
{
	while (from < len) {
		while (from < len && s[from] == ' ')
			from++;
		while (from < len && (s[from] == '@' || s[from] == '+'))
			from++;
		size_t n = members_token(s, len, from);
		members_add(set, s + from, n);
		from += n;
	}
}

void members_init(struct members *m)
{
	memset(m, 0, sizeof *m);
}

void members_free(struct members *m)
{
	members_reset(m);
	for (size_t i = 0; i < MEMBERS_ROOMS; i++)
		free(m->rooms[i].names.v);
	free(m->bots.v);
	free(m->peers.v);
	memset(m, 0, sizeof *m);
}

/* Keeps the sets' arrays for the next session; they are small next to a reconnection. */
void members_reset(struct members *m)
{
	for (size_t i = 0; i < m->nrooms; i++) {
		free(m->rooms[i].room);
		free(m->rooms[i].folded);
		m->rooms[i].room = NULL;
		m->rooms[i].folded = NULL;
		members_clear(&m->rooms[i].names);
	}
	m->nrooms = 0;
	members_clear(&m->bots);
	members_clear(&m->peers);
	free(m->self);
	m->self = NULL;
	members_drop_asked(m, m->nasked);
	members_stop_reading(m);
}

void members_self(struct members *m, const char *name)
{
	if (m->self && strcmp(m->self, name) != 0) {
		for (size_t i = 0; i < m->nrooms; i++) {
			struct members_set *set = &m->rooms[i].names;
			size_t before = set->len;
			members_remove(set, m->self, strlen(m->self));
			if (set->len < before)
				members_add(set, name, strlen(name));
		}
	}
	free(m->self);
	m->self = xstrdup(name);
}

void members_enter(struct members *m, const char *room)
{
	size_t n = strlen(room);
	if (members_room(m, room, n) || m->nrooms == MEMBERS_ROOMS)
		return;
	struct members_room *r = &m->rooms[m->nrooms++];
	r->room = xstrndup(room, n);
	r->folded = members_fold(room, n);
}

void members_leave(struct members *m, const char *room)
{
	struct members_room *r = members_room(m, room, strlen(room));
	if (!r)
		return;
	free(r->room);
	free(r->folded);
	members_clear(&r->names);
	free(r->names.v);
	struct members_room *last = &m->rooms[m->nrooms - 1];
	*r = *last;
	memset(last, 0, sizeof *last);
	m->nrooms--;
}

void members_asked(struct members *m, const char *room, uint64_t now)
{
	if (m->nasked == MEMBERS_ROOMS)
		members_drop_asked(m, 1);
	m->asked[m->nasked].folded = members_fold(room, strlen(room));
	m->asked[m->nasked].at = now;
	m->nasked++;
}

static void members_drop_asked(struct members *m, size_t count)
{
	for (size_t i = 0; i < count; i++)
		free(m->asked[i].folded);
	memmove(m->asked, m->asked + count, (m->nasked - count) * sizeof *m->asked);
	m->nasked -= count;
}

static void members_expire(struct members *m, uint64_t now)
{
	size_t old = 0;
	while (old < m->nasked && now > m->asked[old].at && now - m->asked[old].at > MEMBERS_ASK_MS)
		old++;
	members_drop_asked(m, old);
}

static void members_stop_reading(struct members *m)
{
	free(m->reading);
	m->reading = NULL;
	m->reading_ours = false;
}

/* `* ROOM (N): names` or `* ROOM (continued): names` (docs/protocol.md, /who): sets the room and
 * where the names start. */
static bool members_who(const char *line, size_t len, struct span *room, size_t *names)
{
	if (!members_starts(line, len, "* #"))
		return false;
	room->p = line + 2;
	room->n = members_token(line, len, 2);
	size_t at = 2 + room->n;
	if (len - at < 4 || line[at] != ' ' || line[at + 1] != '(')
		return false;
	at += 2;
	static const char more[] = "continued";
	if (members_starts(line + at, len - at, more)) {
		at += sizeof more - 1;
	} else {
		size_t digits = at;
		while (at < len && line[at] >= '0' && line[at] <= '9')
			at++;
		if (at == digits)
			return false;
	}
	if (len - at < 2 || line[at] != ')' || line[at + 1] != ':')
		return false;
	*names = at + 2;
	return true;
}

bool members_line(struct members *m, const char *line, size_t len, uint64_t now)
{
	members_expire(m, now);
	struct span room;
	size_t names;
	if (members_who(line, len, &room, &names)) {
		char *folded = members_fold(room.p, room.n);
		bool head = line[2 + room.n + 2] != 'c';
		if (head) {
			/* Replies come in the order asked: one for a later room means the earlier
			 * ones were lost. */
			bool ours = false;
			for (size_t i = 0; i < m->nasked && !ours; i++) {
				if (strcmp(m->asked[i].folded, folded) == 0) {
					ours = true;
					members_drop_asked(m, i + 1);
				}
			}
			members_stop_reading(m);
			m->reading = folded;
			m->reading_ours = ours;
			struct members_room *r = members_room(m, room.p, room.n);
			if (r) {
				members_clear(&r->names);
				members_add_all(&r->names, line, len, names);
			}
			return ours;
		}
		bool same = m->reading && strcmp(m->reading, folded) == 0;
		free(folded);
		if (same) {
			struct members_room *r = members_room(m, room.p, room.n);
			if (r)
				members_add_all(&r->names, line, len, names);
			return m->reading_ours;
		}
	}
	if (members_starts(line, len, BOT_PREFIX)) {
		size_t off = strlen(BOT_PREFIX);
		members_add(&m->bots, line + off, members_token(line, len, off));
		return m->reading && m->reading_ours;
	}
	members_stop_reading(m);
	if (m->nasked > 0 && members_starts(line, len, NO_ROOM_PREFIX)) {
		size_t off = strlen(NO_ROOM_PREFIX);
		char *folded = members_fold(line + off, len - off);
		bool ours = strcmp(folded, m->asked[0].folded) == 0;
		free(folded);
		if (ours)
			members_drop_asked(m, 1);
		return ours;
	}
	if (m->nasked > 0 && members_starts(line, len, NO_WHO_PREFIX)) {
		members_drop_asked(m, 1);
		return true;
	}
	if (!members_news(m, line, len))
		members_tagged(m, line, len);
	return false;
}

/* `-- NAME quit ...` and `-- OLD is now known as NEW`: about a user, in every room. */
static bool members_news(struct members *m, const char *line, size_t len)
{
	if (!members_starts(line, len, "-- "))
		return false;
	size_t n = members_token(line, len, 3);
	const char *name = line + 3;
	const char *rest = name + n;
	size_t left = len - 3 - n;
	if (members_starts(rest, left, " quit") && (left == 5 || rest[5] == ' ')) {
		for (size_t i = 0; i < m->nrooms; i++)
			members_remove(&m->rooms[i].names, name, n);
		members_remove(&m->peers, name, n);
		return true;
	}
	size_t r = strlen(RENAMED);
	if (members_starts(rest, left, RENAMED) && members_token(rest, left, r) == left - r) {
		struct members_set *sets[MEMBERS_ROOMS + 1];
		size_t count = 0;
		for (size_t i = 0; i < m->nrooms; i++)
			sets[count++] = &m->rooms[i].names;
		sets[count++] = &m->peers;
		for (size_t i = 0; i < count; i++) {
			size_t before = sets[i]->len;
			members_remove(sets[i], name, n);
			if (sets[i]->len < before)
				members_add(sets[i], rest + r, left - r);
		}
	}
	return true;
}

/* `[ROOM] -- NAME joined` and `left`, and whoever speaks: `[ROOM] NAME: ...`, `[ROOM] * NAME ...`,
 * and `[pm] ...` for the private correspondents. */
static void members_tagged(struct members *m, const char *line, size_t len)
{
	struct incoming_parts p;
	enum incoming_kind kind = incoming_classify(line, len, &p);
	if (kind != INCOMING_SAY && kind != INCOMING_ACTION && kind != INCOMING_EVENT)
		return;
	if (p.private_tag) {
		if (kind != INCOMING_EVENT && p.tag_len == 4)
			members_add(&m->peers, line + p.name_off, p.name_len);
		return;
	}
	struct members_room *r = members_room(m, line + 1, p.tag_len - 2);
	if (!r)
		return;
	if (kind != INCOMING_EVENT) {
		members_add(&r->names, line + p.name_off, p.name_len);
		return;
	}
	const char *text = line + p.text_off;
	size_t left = len - p.text_off;
	size_t n = members_token(text, left, 0);
	if (left - n == strlen(" joined") && members_starts(text + n, left - n, " joined"))
		members_add(&r->names, text, n);
	else if (left - n == strlen(" left") && members_starts(text + n, left - n, " left"))
		members_remove(&r->names, text, n);
}

static int members_cmp(const void *a, const void *b)
{
	const struct members_name *x = *(const struct members_name *const *)a;
	const struct members_name *y = *(const struct members_name *const *)b;
	return strcmp(x->folded, y->folded);
}

size_t members_names(const struct members *m, const char *room, const char ***out)
{
	const struct members_set *sets[3] = {NULL, &m->bots, &m->peers};
	if (room) {
		char *folded = members_fold(room, strlen(room));
		for (size_t i = 0; i < m->nrooms; i++)
			if (strcmp(m->rooms[i].folded, folded) == 0)
				sets[0] = &m->rooms[i].names;
		free(folded);
	}
	size_t total = 0;
	for (size_t s = 0; s < 3; s++)
		total += sets[s] ? sets[s]->len : 0;
	const struct members_name **all = xmalloc((total ? total : 1) * sizeof *all);
	size_t n = 0;
	for (size_t s = 0; s < 3; s++)
		for (size_t i = 0; sets[s] && i < sets[s]->len; i++)
			all[n++] = &sets[s]->v[i];
	qsort(all, n, sizeof *all, members_cmp);
	char *self = m->self ? members_fold(m->self, strlen(m->self)) : NULL;
	const char **names = xmalloc((n ? n : 1) * sizeof *names);
	size_t k = 0;
	for (size_t i = 0; i < n; i++) {
		if (i > 0 && strcmp(all[i]->folded, all[i - 1]->folded) == 0)
			continue;
		if (self && strcmp(all[i]->folded, self) == 0)
			continue;
		names[k++] = all[i]->name;
	}
	free(self);
	free(all);
	*out = names;
	return k;
}
