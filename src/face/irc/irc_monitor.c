/* irc_monitor: MONITOR (ircv3.net/specs/extensions/monitor) and WHOWAS, both fed by the face's
 * hub observer: every arrival, rename and quit in the chat, whatever face the user came by.
 *
 * Ownership. f->monitors maps a folded nick to a struct irc_watchers (the clients that watch it),
 * which the table owns and frees when its last watcher goes; each client keeps the folded nicks it
 * watches (c->watching), its own strings, so that it can leave every list when it closes. The
 * WHOWAS ring owns its copies of the departed's nick, user, host and real name. The observer runs
 * inside the hub's fan-outs: it only writes lines to clients and copies strings, and calls nothing
 * of the hub. */
#include <stdlib.h>
#include <string.h>

#include "base/fold.h"
#include "base/xalloc.h"
#include "face/irc/irc_int.h"
#include "hub/name.h"

/* User-facing text, in one place for translation. */
static const char T_MONLISTFULL[] = "%zu %.*s :Monitor list is full.";
static const char T_ENDOFMONLIST[] = ":End of MONITOR list";
static const char T_WASNOSUCHNICK[] = "%.*s :There was no such nickname";
static const char T_ENDOFWHOWAS[] = "%.*s :End of WHOWAS";
static const char T_WHOWAS_WHEN[] = "%s %s :%s";


struct irc_watchers {
	char *key;                   /* the folded nick */
	struct irc_client **v;
	size_t n, cap;
};

/* The folded form of a nick, on the heap (NULL for one too long to be anyone's). */
static char *irc_monitor_fold(const char *nick, size_t len)
{
	if (!len || len > NAME_MAX_BYTES)
		return NULL;
	char *k = xmalloc(len + 1);
	fold_utf8(nick, len, k, len + 1);
	return k;
}

/* Whether two nicks are one (they fold alike). */
static bool irc_monitor_same(const char *a, const char *b)
{
	char *ka = irc_monitor_fold(a, strlen(a)), *kb = irc_monitor_fold(b, strlen(b));
	bool same = ka && kb && strcmp(ka, kb) == 0;
	free(ka);
	free(kb);
	return same;
}

/* ---- notifications ---- */

/* 730 (online, with the mask) or 731 (offline) about one nick, to every client watching it. */
static void irc_monitor_tell(struct irc_face *f, const char *nick, const struct session *s,
			     bool online)
{
	char *key = irc_monitor_fold(nick, strlen(nick));
	struct irc_watchers *w = key ? map_get(&f->monitors, key) : NULL;
	free(key);
	if (!w)
		return;
	struct buf what = BUF_INIT;
	if (online)
		irc_mask(s, &what);
	else
		buf_puts(&what, nick);
	for (size_t i = 0; i < w->n; i++)
		irc_num(w->v[i], online ? "730" : "731", ":%s", what.data);
	buf_free(&what);
}

/* ---- WHOWAS ---- */

static void irc_monitor_remember(struct irc_face *f, const char *nick, const struct session *s)
{
	if (!f->cfg.whowas_max || !nick)
		return;
	struct irc_whowas *e = &f->whowas[f->whowas_at];
	free(e->nick);
	free(e->user);
	free(e->host);
	free(e->realname);
	e->nick = xstrdup(nick);
	e->user = xstrdup(irc_user_of(s));
	e->host = xstrdup(irc_host_of(s));
	e->realname = xstrdup(irc_real_of(s));
	e->when_ms = uv_now(f->net->loop);
	f->whowas_at = (f->whowas_at + 1) % f->cfg.whowas_max;
	if (f->whowas_n < f->cfg.whowas_max)
		f->whowas_n++;
}

void irc_monitor_hears(struct hub_observer *o, const struct hub_event *ev)
{
	struct irc_face *f = o->ctx;
	if (!ev->src || !ev->from)
		return;
	switch (ev->type) {
	case HUB_EV_ARRIVE:
		irc_monitor_tell(f, ev->from, ev->src, true);
		break;
	case HUB_EV_NICK:
		if (irc_monitor_same(ev->from, ev->src->name))
			break; /* a change of case: the same nick to MONITOR */
		irc_monitor_remember(f, ev->from, ev->src);
		irc_monitor_tell(f, ev->from, ev->src, false);
		if (ev->text)
			irc_monitor_tell(f, ev->src->name, ev->src, true);
		break;
	case HUB_EV_QUIT:
		irc_monitor_remember(f, ev->from, ev->src);
		irc_monitor_tell(f, ev->from, ev->src, false);
		break;
	default:
		break;
	}
}

void irc_monitor_whowas(struct irc_client *c, const struct irc_msg *m)
{
	struct irc_face *f = c->f;
	const struct irc_span *nick = &m->params[0];
	long want = 0;
	if (m->nparams > 1)
		want = strtol(m->params[1].p, NULL, 10);
	char *key = irc_monitor_fold(nick->p, nick->len);
	size_t found = 0;
	struct buf fold = BUF_INIT;
	/* Newest first. */
	for (size_t i = 0; key && i < f->whowas_n && (want <= 0 || found < (size_t)want); i++) {
		size_t at = (f->whowas_at + f->cfg.whowas_max - 1 - i) % f->cfg.whowas_max;
		const struct irc_whowas *e = &f->whowas[at];
		char *ek = irc_monitor_fold(e->nick, strlen(e->nick));
		bool hit = ek && strcmp(ek, key) == 0;
		free(ek);
		if (!hit)
			continue;
		found++;
		irc_num(c, "314", "%s %s %s * :%s", e->nick, e->user, e->host, e->realname);
		irc_num(c, "312", T_WHOWAS_WHEN, e->nick, irc_server(f), f->cfg.info);
	}
	buf_free(&fold);
	free(key);
	if (!found)
		irc_num(c, "406", T_WASNOSUCHNICK, (int)nick->len, nick->p);
	irc_num(c, "369", T_ENDOFWHOWAS, (int)nick->len, nick->p);
}

/* ---- the MONITOR list ---- */

static bool irc_monitor_watches(const struct irc_client *c, const char *key)
{
	for (size_t i = 0; i < c->nwatching; i++)
		if (strcmp(c->watching[i], key) == 0)
			return true;
	return false;
}

static void irc_monitor_add(struct irc_client *c, char *key)
{
	struct irc_face *f = c->f;
	struct irc_watchers *w = map_get(&f->monitors, key);
	if (!w) {
		w = xcalloc(1, sizeof(*w));
		w->key = xstrdup(key);
		map_put(&f->monitors, w->key, w);
	}
	w->v = xgrow(w->v, &w->cap, w->n + 1, sizeof(*w->v));
	w->v[w->n++] = c;
	c->watching = xgrow(c->watching, &c->capwatching, c->nwatching + 1, sizeof(*c->watching));
	c->watching[c->nwatching++] = key;
}

static void irc_monitor_drop(struct irc_client *c, size_t i)
{
	struct irc_face *f = c->f;
	char *key = c->watching[i];
	struct irc_watchers *w = map_get(&f->monitors, key);
	for (size_t k = 0; w && k < w->n; k++) {
		if (w->v[k] == c) {
			w->v[k] = w->v[--w->n];
			break;
		}
	}
	if (w && !w->n) {
		map_del(&f->monitors, w->key);
		free(w->key);
		free(w->v);
		free(w);
	}
	free(key);
	c->watching[i] = c->watching[--c->nwatching];
}

void irc_monitor_forget(struct irc_client *c)
{
	while (c->nwatching)
		irc_monitor_drop(c, c->nwatching - 1);
	free(c->watching);
	c->watching = NULL;
	c->capwatching = 0;
}

/* Appends nick to a 730/731/732 line being built, sending it first if it would grow too long. */
static void irc_monitor_line(struct irc_client *c, const char *num, struct buf *line,
			     const char *item)
{
	if (line->len && line->len + 1 + strlen(item) > irc_num_room(c, 0)) {
		irc_num(c, num, ":%s", line->data);
		buf_clear(line);
	}
	if (line->len)
		buf_putc(line, ',');
	buf_puts(line, item);
}

static void irc_monitor_flush(struct irc_client *c, const char *num, struct buf *line)
{
	if (line->len)
		irc_num(c, num, ":%s", line->data);
	buf_clear(line);
}

/* 730 for the nicks in `targets` who are online, 731 for the others. */
static void irc_monitor_status(struct irc_client *c, const char *const *nicks, size_t n)
{
	struct buf on = BUF_INIT, off = BUF_INIT, mask = BUF_INIT;
	for (size_t i = 0; i < n; i++) {
		const struct session *s = session_find(c->f->hub, nicks[i], strlen(nicks[i]));
		if (s) {
			buf_clear(&mask);
			irc_mask(s, &mask);
			irc_monitor_line(c, "730", &on, mask.data);
		} else {
			irc_monitor_line(c, "731", &off, nicks[i]);
		}
	}
	irc_monitor_flush(c, "730", &on);
	irc_monitor_flush(c, "731", &off);
	buf_free(&on);
	buf_free(&off);
	buf_free(&mask);
}

static void irc_monitor_plus(struct irc_client *c, const struct irc_span *targets)
{
	const char **added = xmalloc((targets->len / 2 + 1) * sizeof(*added));
	char **names = xmalloc((targets->len / 2 + 1) * sizeof(*names));
	size_t n = 0;
	const char *p = targets->p, *end = p + targets->len;
	while (p < end) {
		const char *comma = memchr(p, ',', (size_t)(end - p));
		const char *stop = comma ? comma : end;
		size_t len = (size_t)(stop - p);
		char *key = irc_monitor_fold(p, len);
		if (key && !irc_monitor_watches(c, key)) {
			if (c->nwatching >= c->f->cfg.monitor_max) {
				irc_num(c, "734", T_MONLISTFULL, c->f->cfg.monitor_max,
					(int)(end - p), p);
				free(key);
				break;
			}
			irc_monitor_add(c, key);
			names[n] = xstrndup(p, len);
			added[n] = names[n];
			n++;
		} else {
			free(key);
		}
		p = stop + 1;
	}
	irc_monitor_status(c, added, n);
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
	free(added);
}

static void irc_monitor_minus(struct irc_client *c, const struct irc_span *targets)
{
	const char *p = targets->p, *end = p + targets->len;
	while (p < end) {
		const char *comma = memchr(p, ',', (size_t)(end - p));
		const char *stop = comma ? comma : end;
		char *key = irc_monitor_fold(p, (size_t)(stop - p));
		for (size_t i = 0; key && i < c->nwatching; i++) {
			if (strcmp(c->watching[i], key) == 0) {
				irc_monitor_drop(c, i);
				break;
			}
		}
		free(key);
		p = stop + 1;
	}
}

void irc_monitor_command(struct irc_client *c, const struct irc_msg *m)
{
	const struct irc_span *op = &m->params[0];
	char what = op->len == 1 ? op->p[0] : 0;
	switch (what) {
	case '+':
	case '-':
		if (m->nparams < 2) {
			irc_num(c, "461", "MONITOR :Not enough parameters");
			return;
		}
		if (what == '+')
			irc_monitor_plus(c, &m->params[1]);
		else
			irc_monitor_minus(c, &m->params[1]);
		return;
	case 'C':
	case 'c':
		irc_monitor_forget(c);
		return;
	case 'L':
	case 'l': {
		struct buf line = BUF_INIT;
		for (size_t i = 0; i < c->nwatching; i++)
			irc_monitor_line(c, "732", &line, c->watching[i]);
		irc_monitor_flush(c, "732", &line);
		buf_free(&line);
		irc_num(c, "733", "%s", T_ENDOFMONLIST);
		return;
	}
	case 'S':
	case 's':
		irc_monitor_status(c, (const char *const *)c->watching, c->nwatching);
		return;
	default:
		irc_num(c, "421", "MONITOR :Unknown command");
	}
}

void irc_monitor_free(struct irc_face *f)
{
	size_t it = 0;
	void *v;
	while (map_next(&f->monitors, &it, NULL, &v)) {
		struct irc_watchers *w = v;
		free(w->key);
		free(w->v);
		free(w);
	}
	map_free(&f->monitors);
	for (size_t i = 0; f->whowas && i < f->cfg.whowas_max; i++) {
		free(f->whowas[i].nick);
		free(f->whowas[i].user);
		free(f->whowas[i].host);
		free(f->whowas[i].realname);
	}
	free(f->whowas);
}
