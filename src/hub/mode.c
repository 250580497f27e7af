#include "hub/mode.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/fold.h"
#include "base/xalloc.h"
#include "hub/internal.h"
#include "hub/room.h"

enum {
	MODE_CHANGES_MAX = 16, /* changes taken from one request; the rest are ignored */
	MODE_NUMBER_TEXT = 24, /* a 64-bit number in decimal */
	MODE_LIMIT_MAX = 1000000,
	MODE_MASK_STORED = MODE_MASK_MAX + sizeof("!*@*"), /* a mask once normalised, with NUL */
};

bool mode_is_set(const struct room *r, enum room_mode m)
{
	return m < MODE_KEY && (r->modes & (1u << m));
}

const struct masklist *mode_list(const struct room *r, enum room_mode m)
{
	if (!r->state || m < MODE_BAN || m > MODE_INVEX || !r->state->lists[m - MODE_BAN].n)
		return NULL;
	return &r->state->lists[m - MODE_BAN];
}

/* ---- masks ---- */

bool mask_match(const char *pattern, size_t plen, const char *text, size_t tlen)
{
	/* Both sides folded, so that case never matters; folding never lengthens (fold.h). */
	char *p = xmalloc(plen + 1), *t = xmalloc(tlen + 1);
	size_t pn = fold_utf8(pattern, plen, p, plen + 1);
	size_t tn = fold_utf8(text, tlen, t, tlen + 1);
	/* The classic linear glob: on a mismatch after a '*', retry one byte further. */
	size_t pi = 0, ti = 0, star = (size_t)-1, mark = 0;
	bool ok = true;
	while (ti < tn) {
		if (pi < pn && p[pi] == '?') {
			/* One character, however many bytes it takes. */
			pi++;
			ti++;
			while (ti < tn && ((unsigned char)t[ti] & 0xC0) == 0x80)
				ti++;
		} else if (pi < pn && p[pi] == t[ti]) {
			pi++;
			ti++;
		} else if (pi < pn && p[pi] == '*') {
			star = pi++;
			mark = ti;
		} else if (star != (size_t)-1) {
			/* Let the '*' take one more character, and try the rest again. */
			pi = star + 1;
			ti = ++mark;
			while (ti < tn && ((unsigned char)t[ti] & 0xC0) == 0x80)
				ti = ++mark;
		} else {
			ok = false;
			break;
		}
	}
	while (ok && pi < pn && p[pi] == '*')
		pi++;
	ok = ok && pi == pn;
	free(p);
	free(t);
	return ok;
}

bool mask_list_match(const struct masklist *l, const struct session *s)
{
	if (!l || !l->n)
		return false;
	struct buf me = BUF_INIT;
	room_mask_of(s, &me);
	bool hit = false;
	for (size_t i = 0; i < l->n && !hit; i++)
		hit = mask_match(l->v[i].text, strlen(l->v[i].text), me.data, me.len);
	buf_free(&me);
	return hit;
}

void mask_list_free(struct masklist *l)
{
	for (size_t i = 0; i < l->n; i++) {
		free(l->v[i].text);
		free(l->v[i].by);
	}
	free(l->v);
	*l = (struct masklist){0};
}

void mask_normalise(const char *m, size_t len, struct buf *out)
{
	buf_clear(out);
	const char *bang = memchr(m, '!', len);
	const char *at = memchr(m, '@', len);
	if (!bang && !at) {
		buf_append(out, m, len);
		buf_puts(out, "!*@*");
	} else if (!bang) {
		buf_puts(out, "*!");
		buf_append(out, m, len);
	} else if (!at) {
		buf_append(out, m, len);
		buf_puts(out, "@*");
	} else {
		buf_append(out, m, len);
	}
}

/* The mask of l equal to m (any case), or NULL. */
static struct mask *mask_find(struct masklist *l, const char *m)
{
	size_t len = strlen(m);
	char *want = xmalloc(len + 1), *have = xmalloc(MODE_MASK_STORED);
	fold_utf8(m, len, want, len + 1);
	struct mask *hit = NULL;
	for (size_t i = 0; i < l->n && !hit; i++) {
		fold_utf8(l->v[i].text, strlen(l->v[i].text), have, MODE_MASK_STORED);
		if (strcmp(want, have) == 0)
			hit = &l->v[i];
	}
	free(want);
	free(have);
	return hit;
}

/* ---- changes ---- */

struct mode_apply {
	struct hub *h;
	struct session *s;
	struct room *r;
	enum hub_result last;
	struct buf mask;
	char numbers[MODE_CHANGES_MAX][MODE_NUMBER_TEXT];
	char keys[MODE_CHANGES_MAX][MODE_KEY_MAX + 1]; /* a key as the event shows it: a later
							* change in the same request may free the stored one */
	struct mask removed[MODE_CHANGES_MAX]; /* freed once the event is out */
	size_t nremoved;
};

static struct room_state *mode_state(struct room *r)
{
	if (!r->state)
		r->state = xcalloc(1, sizeof(*r->state));
	return r->state;
}

bool mode_restore_mask(struct room *r, enum room_mode m, const char *text, const char *by,
		       uint64_t at_ms)
{
	size_t len = strlen(text);
	if (m < MODE_BAN || m > MODE_INVEX || !len || len > MODE_MASK_MAX)
		return false;
	struct masklist *l = &mode_state(r)->lists[m - MODE_BAN];
	struct buf norm;
	buf_init(&norm);
	mask_normalise(text, len, &norm);
	bool add = l->n < MODE_LIST_MAX && !mask_find(l, norm.data);
	if (add) {
		l->v = xgrow(l->v, &l->cap, l->n + 1, sizeof(*l->v));
		l->v[l->n++] = (struct mask){.text = xstrdup(norm.data),
					     .by = xstrdup(by ? by : ""), .at_ms = at_ms};
	}
	buf_free(&norm);
	return add;
}

static enum hub_result mode_refuse(struct mode_apply *a, enum hub_result code, const char *to,
				   size_t tolen, int detail)
{
	const struct room *r = a->r;
	a->last = fan_result(a->h, a->s, code, to, tolen, r->name, strlen(r->name), detail, 0);
	return code;
}

/* Applies one list change; *out gets the mask as stored. */
static bool mode_apply_list(struct mode_apply *a, const struct mode_change *c, const char **out)
{
	if (!c->arg || !c->arglen || c->arglen > MODE_MASK_MAX)
		return false;
	struct masklist *l = &mode_state(a->r)->lists[c->mode - MODE_BAN];
	mask_normalise(c->arg, c->arglen, &a->mask);
	struct mask *m = mask_find(l, a->mask.data);
	if (c->add) {
		if (m)
			return false;
		if (l->n >= MODE_LIST_MAX) {
			mode_refuse(a, HUB_ERR_LIST_FULL, NULL, 0, (int)c->mode);
			return false;
		}
		l->v = xgrow(l->v, &l->cap, l->n + 1, sizeof(*l->v));
		m = &l->v[l->n++];
		*m = (struct mask){.text = xstrdup(a->mask.data), .by = xstrdup(a->s->name),
				   .at_ms = a->h->cfg.clock_ms ? a->h->cfg.clock_ms() : 0};
		*out = m->text;
		return true;
	}
	if (!m)
		return false;
	/* The text is the event's argument: it is freed once the event is out. */
	a->removed[a->nremoved] = *m;
	*out = a->removed[a->nremoved++].text;
	*m = l->v[--l->n];
	return true;
}

static bool mode_apply_member(struct mode_apply *a, const struct mode_change *c, const char **out)
{
	struct session *t = c->arg ? session_find(a->h, c->arg, c->arglen) : NULL;
	if (!t) {
		if (c->arg)
			mode_refuse(a, HUB_ERR_NO_SUCH_NAME, c->arg, c->arglen, 0);
		return false;
	}
	struct membership *m = session_membership(t, a->r);
	if (!m) {
		mode_refuse(a, HUB_ERR_TARGET_NOT_IN, t->name, strlen(t->name), 0);
		return false;
	}
	uint8_t bit = c->mode == MODE_OP ? MEMBER_OP : MEMBER_VOICE;
	uint8_t *prefix = &a->r->members[m->index].prefix;
	uint8_t before = *prefix;
	*prefix = c->add ? (uint8_t)(*prefix | bit) : (uint8_t)(*prefix & ~bit);
	*out = t->name;
	return *prefix != before;
}

/* Applies change i; *out gets the argument the event shows. */
static bool mode_apply_one(struct mode_apply *a, const struct mode_change *c, size_t i,
			   const char **out)
{
	*out = NULL;
	struct room *r = a->r;
	switch (c->mode) {
	case MODE_INVITE_ONLY:
	case MODE_MODERATED:
	case MODE_NO_EXTERNAL:
	case MODE_SECRET:
	case MODE_TOPIC_LOCK: {
		uint32_t before = r->modes;
		r->modes = c->add ? r->modes | (1u << c->mode) : r->modes & ~(1u << c->mode);
		return r->modes != before;
	}
	case MODE_KEY: {
		struct room_state *st = mode_state(r);
		if (!c->add) {
			if (!st->key)
				return false;
			free(st->key);
			st->key = NULL;
			*out = "*";
			return true;
		}
		if (!c->arg || !c->arglen || c->arglen > MODE_KEY_MAX ||
		    memchr(c->arg, ' ', c->arglen) || memchr(c->arg, ',', c->arglen))
			return false;
		free(st->key);
		st->key = xstrndup(c->arg, c->arglen);
		memcpy(a->keys[i], c->arg, c->arglen);
		a->keys[i][c->arglen] = '\0';
		*out = a->keys[i];
		return true;
	}
	case MODE_LIMIT: {
		struct room_state *st = mode_state(r);
		if (!c->add) {
			bool had = st->limit != 0;
			st->limit = 0;
			return had;
		}
		unsigned long v = 0;
		for (size_t k = 0; c->arg && k < c->arglen && v <= MODE_LIMIT_MAX; k++) {
			if (c->arg[k] < '0' || c->arg[k] > '9')
				return false;
			v = v * 10 + (unsigned long)(c->arg[k] - '0');
		}
		if (!v || v > MODE_LIMIT_MAX)
			return false;
		st->limit = (uint32_t)v;
		snprintf(a->numbers[i], sizeof(a->numbers[i]), "%lu", v);
		*out = a->numbers[i];
		return true;
	}
	case MODE_BAN:
	case MODE_EXCEPT:
	case MODE_INVEX:
		return mode_apply_list(a, c, out);
	case MODE_OP:
	case MODE_VOICE:
		return mode_apply_member(a, c, out);
	case MODE_COUNT:
		break;
	}
	return false;
}

enum hub_result room_mode(struct hub *h, struct session *s, const char *name, size_t len,
			  const struct mode_change *changes, size_t n)
{
	struct room *r = room_find(h, name, len);
	if (!r)
		return fan_result(h, s, HUB_ERR_NO_SUCH_ROOM, NULL, 0, name, len, 0, 0);
	if (!n)
		return HUB_OK;
	int prefix = room_prefix(r, s);
	if (prefix < 0)
		return fan_result(h, s, HUB_ERR_NOT_IN_ROOM, NULL, 0, r->name, strlen(r->name), 0, 0);
	if (!room_runs(s, prefix))
		return fan_result(h, s, HUB_ERR_NOT_OPERATOR, NULL, 0, r->name, strlen(r->name), 0,
				  0);
	if (n > MODE_CHANGES_MAX)
		n = MODE_CHANGES_MAX;
	struct mode_apply *a = xcalloc(1, sizeof(*a));
	*a = (struct mode_apply){.h = h, .s = s, .r = r, .last = HUB_OK};
	struct mode_change applied[MODE_CHANGES_MAX];
	size_t napplied = 0;
	for (size_t i = 0; i < n; i++) {
		const char *arg;
		if (mode_apply_one(a, &changes[i], i, &arg)) {
			applied[napplied] = changes[i];
			applied[napplied].arg = arg;
			applied[napplied].arglen = arg ? strlen(arg) : 0;
			napplied++;
		}
	}
	if (napplied) {
		struct hub_event ev = {.type = HUB_EV_MODE, .src = s, .from = s->name,
				       .room = r->name, .u.modes = {.v = applied, .n = napplied}};
		fan_begin(h, &ev, true);
		fan_room(h, r, &ev, NULL);
		fan_end(h);
	}
	for (size_t i = 0; i < a->nremoved; i++) {
		free(a->removed[i].text);
		free(a->removed[i].by);
	}
	enum hub_result last = a->last;
	buf_free(&a->mask);
	free(a);
	return last;
}
