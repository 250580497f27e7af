#include "client/members.h"

#include <stdlib.h>
#include <string.h>

#include "base/fold.h"
#include "base/xalloc.h"
#include "client/incoming.h"
#include "client/scan.h"
#include "text/text_stable.h"

/* What members reads, in the words of text/text_stable.h. */
enum members_what {
	MEMBERS_WHO_HEAD,  /* `* ROOM (N): names` */
	MEMBERS_WHO_MORE,  /* `* ROOM (continued): names` */
	MEMBERS_BOT,       /* `* Bot: NAME (...)` */
	MEMBERS_NO_ROOM,   /* `! No such room: ROOM` */
	MEMBERS_UNKNOWN,   /* `! Unknown command: /WORD. ...` */
	MEMBERS_QUIT,      /* `-- NAME quit` */
	MEMBERS_QUIT_WHY,  /* `-- NAME quit (REASON)` */
	MEMBERS_RENAMED,   /* `-- OLD is now known as NEW` */
	MEMBERS_JOINED,    /* `[ROOM] -- NAME joined` */
	MEMBERS_LEFT,      /* `[ROOM] -- NAME left` */
	MEMBERS_LEFT_WHY,  /* `[ROOM] -- NAME left (REASON)` */
	MEMBERS_WHAT_COUNT,
};

/* The marker the server puts before the format, the format, whether the whole line is matched
 * (else up to the literal after the last capture used), and the captures used. */
static const struct {
	const char *head;
	const char *msgid;
	bool whole;
	size_t need;
} members_forms[MEMBERS_WHAT_COUNT] = {
	[MEMBERS_WHO_HEAD] = {"* ", TEXT_STABLE_WHO_HEAD, false, 2},
	[MEMBERS_WHO_MORE] = {"* ", TEXT_STABLE_WHO_MORE, false, 1},
	[MEMBERS_BOT] = {"* ", TEXT_STABLE_BOT_LINE, false, 1},
	[MEMBERS_NO_ROOM] = {"", TEXT_STABLE_NO_SUCH_ROOM, true, 1},
	[MEMBERS_UNKNOWN] = {"! ", TEXT_STABLE_UNKNOWN, false, 1},
	[MEMBERS_QUIT] = {"", TEXT_STABLE_QUIT, true, 1},
	[MEMBERS_QUIT_WHY] = {"", TEXT_STABLE_QUIT_WHY, true, 1},
	[MEMBERS_RENAMED] = {"", TEXT_STABLE_RENAMED, true, 2},
	[MEMBERS_JOINED] = {"", TEXT_STABLE_JOINED, true, 2},
	[MEMBERS_LEFT] = {"", TEXT_STABLE_LEFT, true, 2},
	[MEMBERS_LEFT_WHY] = {"", TEXT_STABLE_LEFT_WHY, true, 2},
};


static char *members_fold(const char *s, size_t n);
static size_t members_token(const char *s, size_t len, size_t from);
static bool members_find(const struct members_set *set, const char *folded, size_t *pos);
static void members_add(struct members_set *set, const char *name, size_t n);
static void members_remove(struct members_set *set, const char *name, size_t n);
static void members_clear(struct members_set *set);
static struct members_room *members_room(struct members *m, const char *room, size_t n);
static void members_add_all(struct members_set *set, const char *s, size_t len, size_t from);
static bool members_says(const struct members *m, enum members_what what, const char *line,
			 size_t len, struct scan_span *caps, size_t *end);
static bool members_word(struct scan_span s);
static bool members_who(const struct members *m, const char *line, size_t len, struct scan_span *room,
			size_t *names, bool *head);
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

/* The line is `what`, in English (which the server speaks until /lang takes effect) or in
 * m->lang; caps gets its captures and *end how much of it matched. */
static bool members_says(const struct members *m, enum members_what what, const char *line,
			 size_t len, struct scan_span *caps, size_t *end)
{
	const char *msgid = members_forms[what].msgid;
	for (int i = 0; i < 2; i++) {
		enum lang lang = i == 0 ? LANG_EN : m->lang;
		if (i == 1 && lang == LANG_EN)
			break;
		if (scan_said(members_forms[what].head, i18n_tr(lang, msgid),
			      members_forms[what].whole, line, len, caps, members_forms[what].need,
			      end))
			return true;
	}
	return false;
}

/* Names and rooms have no spaces: a capture with one is a look-alike, not a name. */
static bool members_word(struct scan_span s)
{
	return s.n > 0 && memchr(s.p, ' ', s.n) == NULL;
}

/* `* ROOM (N): names` or `* ROOM (continued): names` (docs/protocol.md, /who): sets the room,
 * where the names start, and whether it is the first line of a reply. */
static bool members_who(const struct members *m, const char *line, size_t len, struct scan_span *room,
			size_t *names, bool *head)
{
	struct scan_span caps[2];
	*head = members_says(m, MEMBERS_WHO_HEAD, line, len, caps, names);
	if (!*head && !members_says(m, MEMBERS_WHO_MORE, line, len, caps, names))
		return false;
	*room = caps[0];
	return members_word(*room) && room->p[0] == '#';
}

bool members_line(struct members *m, const char *line, size_t len, uint64_t now)
{
	members_expire(m, now);
	struct scan_span room;
	size_t names;
	bool head;
	if (members_who(m, line, len, &room, &names, &head)) {
		char *folded = members_fold(room.p, room.n);
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
	struct scan_span caps[2];
	if (members_says(m, MEMBERS_BOT, line, len, caps, NULL) && members_word(caps[0])) {
		members_add(&m->bots, caps[0].p, caps[0].n);
		return m->reading && m->reading_ours;
	}
	members_stop_reading(m);
	if (m->nasked > 0 && members_says(m, MEMBERS_NO_ROOM, line, len, caps, NULL)) {
		char *folded = members_fold(caps[0].p, caps[0].n);
		bool ours = strcmp(folded, m->asked[0].folded) == 0;
		free(folded);
		if (ours)
			members_drop_asked(m, 1);
		return ours;
	}
	/* A server without /who: the command word as we sent it. */
	if (m->nasked > 0 && members_says(m, MEMBERS_UNKNOWN, line, len, caps, NULL) &&
	    caps[0].n == 3 && memcmp(caps[0].p, "who", 3) == 0) {
		members_drop_asked(m, 1);
		return true;
	}
	if (!members_news(m, line, len))
		members_tagged(m, line, len);
	return false;
}

/* `-- NAME quit ...` and `-- OLD is now known as NEW`: about a user, in every room;
 * `[ROOM] -- NAME joined` and `left ...`: about one room. True for any of them. */
static bool members_news(struct members *m, const char *line, size_t len)
{
	struct scan_span caps[2];
	if (members_says(m, MEMBERS_QUIT, line, len, caps, NULL) ||
	    members_says(m, MEMBERS_QUIT_WHY, line, len, caps, NULL)) {
		if (!members_word(caps[0]))
			return true;
		for (size_t i = 0; i < m->nrooms; i++)
			members_remove(&m->rooms[i].names, caps[0].p, caps[0].n);
		members_remove(&m->peers, caps[0].p, caps[0].n);
		return true;
	}
	if (members_says(m, MEMBERS_RENAMED, line, len, caps, NULL)) {
		if (!members_word(caps[0]) || !members_word(caps[1]))
			return true;
		struct members_set *sets[MEMBERS_ROOMS + 1];
		size_t count = 0;
		for (size_t i = 0; i < m->nrooms; i++)
			sets[count++] = &m->rooms[i].names;
		sets[count++] = &m->peers;
		for (size_t i = 0; i < count; i++) {
			size_t before = sets[i]->len;
			members_remove(sets[i], caps[0].p, caps[0].n);
			if (sets[i]->len < before)
				members_add(sets[i], caps[1].p, caps[1].n);
		}
		return true;
	}
	bool joined = members_says(m, MEMBERS_JOINED, line, len, caps, NULL);
	if (!joined && !members_says(m, MEMBERS_LEFT, line, len, caps, NULL) &&
	    !members_says(m, MEMBERS_LEFT_WHY, line, len, caps, NULL))
		return false;
	struct members_room *r = members_room(m, caps[0].p, caps[0].n);
	if (!r || !members_word(caps[0]) || !members_word(caps[1]))
		return true;
	if (joined)
		members_add(&r->names, caps[1].p, caps[1].n);
	else
		members_remove(&r->names, caps[1].p, caps[1].n);
	return true;
}

/* Whoever speaks: `[ROOM] NAME: ...`, `[ROOM] * NAME ...`, and `[pm] ...` for the private
 * correspondents. */
static void members_tagged(struct members *m, const char *line, size_t len)
{
	struct incoming_parts p;
	enum incoming_kind kind = incoming_classify(line, len, &p);
	if (kind != INCOMING_SAY && kind != INCOMING_ACTION)
		return;
	if (p.private_tag) {
		if (p.tag_len == 4)
			members_add(&m->peers, line + p.name_off, p.name_len);
		return;
	}
	struct members_room *r = members_room(m, line + 1, p.tag_len - 2);
	if (r)
		members_add(&r->names, line + p.name_off, p.name_len);
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
