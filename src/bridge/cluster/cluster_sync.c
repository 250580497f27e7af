/* cluster_sync: a node's whole state, sent when it (re)joins or is asked, and read back by the
 * others, who bring their copy of its people in line: newcomers arrive, the missing quit, rooms
 * and prefixes follow. */
#include "bridge/cluster/cluster_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/log.h"
#include "base/utf8.h"
#include "base/xalloc.h"
#include "hub/mode.h"
#include "hub/name.h"
#include "hub/room.h"

/* A room's state as a ROOM message; its strings in scratch. */
static void cluster_room_msg(const struct room *r, struct cmsg *m, struct buf *scratch)
{
	const struct room_state *st = r->state;
	buf_clear(scratch);
	buf_printf(scratch, "%u%c%u%c%llu%c%llu%c", (unsigned)r->modes, 0,
		   st ? (unsigned)st->limit : 0u, 0, st ? (unsigned long long)st->topic_ms : 0ull,
		   0, (unsigned long long)r->created_ms, 0);
	const char *p = scratch->data;
	struct cmsg_field num[4];
	for (int i = 0; i < 4; i++) {
		num[i] = (struct cmsg_field){p, strlen(p)};
		p += num[i].len + 1;
	}
	*m = (struct cmsg){.type = CMSG_ROOM, .n = 8};
	m->f[0] = (struct cmsg_field){r->name, strlen(r->name)};
	m->f[1] = num[0];
	m->f[2] = (struct cmsg_field){st && st->key ? st->key : "", st && st->key ? strlen(st->key) : 0};
	m->f[3] = num[1];
	m->f[4] = (struct cmsg_field){st && st->topic ? st->topic : "", st ? st->topic_len : 0};
	m->f[5] = (struct cmsg_field){st && st->topic_by ? st->topic_by : "",
				      st && st->topic_by ? strlen(st->topic_by) : 0};
	m->f[6] = num[2];
	m->f[7] = num[3];
}

static void cluster_dump_free(struct cl_dump *d)
{
	for (size_t i = 0; i < d->n; i++)
		free(d->names[i]);
	free(d->names);
	free(d);
}

/* The dump's start: the names of this node's people now, then of the rooms they are in, and SYNC,
 * in one step, so that whoever arrives after goes out live after SYNC (and the receiver keeps
 * them). */
static void cluster_dump_begin(struct cluster *c, struct cl_dump *d)
{
	size_t it = 0, cap = 0;
	void *v;
	while (map_next(&c->h->names, &it, NULL, &v))
		cap += remote_local_person(v);
	it = 0;
	while (map_next(&c->h->rooms, &it, NULL, &v))
		cap += ((const struct room *)v)->local > 0;
	d->names = xcalloc(cap ? cap : 1, sizeof(*d->names));
	it = 0;
	while (map_next(&c->h->names, &it, NULL, &v)) {
		const struct session *s = v;
		if (remote_local_person(s))
			d->names[d->n++] = xstrdup(session_folded(s));
	}
	d->people = d->n;
	it = 0;
	while (map_next(&c->h->rooms, &it, NULL, &v)) {
		const struct room *r = v;
		if (r->local)
			d->names[d->n++] = xstrdup(room_folded(r));
	}
	struct cmsg m = {.type = CMSG_SYNC};
	cluster_send(c, d->channel, &m);
}

/* Entry k of the dump as a message (a person, then a room), false when it is gone since. */
static bool cluster_dump_entry(struct cluster *c, const struct cl_dump *d, size_t k,
			       struct cmsg *m, struct buf *scratch)
{
	const char *name = d->names[k];
	if (k < d->people) {
		const struct session *s = session_find(c->h, name, strlen(name));
		if (!s || s->remote || !s->ops->face)
			return false; /* gone since (its quit went out live) */
		cluster_user_msg(c, s, true, m, scratch);
		return true;
	}
	const struct room *r = map_get(&c->h->rooms, name);
	if (!r || !r->local)
		return false;
	cluster_room_msg(r, m, scratch);
	return true;
}

/* A step of the first dump: entries while what waits for Redis stays low (checked before each,
 * so that no batch alone passes --cluster-buffer). A send may drop the link, which cancels the
 * dumps: d is then gone, and the step ends at once. */
static void cluster_dump_step(uv_timer_t *t)
{
	struct cluster *c = t->data;
	struct cl_dump *d = c->dumps;
	if (!d || !c->up) {
		uv_timer_stop(t);
		return;
	}
	size_t low = c->cfg.buffer / CL_DUMP_LOW;
	if (clink_stats(&c->link).pending > low)
		return; /* the next step, once Redis drained some */
	if (!d->names) {
		cluster_dump_begin(c, d);
		if (!c->up || c->dumps != d)
			return;
	}
	struct buf scratch = BUF_INIT;
	struct cmsg m;
	for (size_t k = 0; k < CL_DUMP_BATCH && d->next < d->n; k++) {
		if (clink_stats(&c->link).pending > low)
			break;
		bool some = cluster_dump_entry(c, d, d->next++, &m, &scratch);
		if (some) {
			cluster_send(c, d->channel, &m);
			if (!c->up || c->dumps != d) {
				buf_free(&scratch);
				return;
			}
		}
	}
	buf_free(&scratch);
	if (d->next < d->n)
		return;
	m = (struct cmsg){.type = CMSG_SYNCED};
	cluster_send(c, d->channel, &m);
	if (!c->up || c->dumps != d)
		return;
	c->dumps = d->later;
	cluster_dump_free(d);
	if (!c->dumps)
		uv_timer_stop(t);
}

void cluster_dump(struct cluster *c, const char *channel)
{
	struct cl_dump *d = xcalloc(1, sizeof(*d));
	snprintf(d->channel, sizeof(d->channel), "%s", channel);
	struct cl_dump **tail = &c->dumps;
	while (*tail)
		tail = &(*tail)->later;
	*tail = d;
	if (!uv_is_active((uv_handle_t *)&c->pace))
		uv_timer_start(&c->pace, cluster_dump_step, 0, CL_DUMP_STEP_MS);
}

void cluster_dump_cancel(struct cluster *c)
{
	while (c->dumps) {
		struct cl_dump *d = c->dumps;
		c->dumps = d->later;
		cluster_dump_free(d);
	}
	if (uv_is_active((uv_handle_t *)&c->pace))
		uv_timer_stop(&c->pace);
}

void cluster_sync_begin(struct cluster *c, struct cnode *n)
{
	(void)c;
	n->syncing = true;
	n->refusing = 0;
	size_t it = 0;
	void *v;
	while (map_next(&n->users, &it, NULL, &v))
		((struct ghost *)v)->stale = true;
}

void cluster_sync_end(struct cluster *c, struct cnode *n, const struct hub_stamp *st)
{
	n->syncing = false;
	n->asked = false;
	n->refused = n->refusing;
	struct buf why = BUF_INIT;
	cluster_split_reason(c, n->name, &why);
	for (bool again = true; again;) {
		again = false;
		size_t it = 0;
		void *v;
		while (map_next(&n->users, &it, NULL, &v)) {
			struct ghost *g = v;
			if (g->stale) {
				cluster_ghost_close(c, g, st, why.data);
				again = true;
				break;
			}
		}
	}
	buf_free(&why);
}

static void cl_set(void (*set)(struct session *, const char *, size_t), struct session *s,
		   const struct cmsg_field *f, size_t max)
{
	set(s, f->p, f->len > max ? 0 : f->len);
}

/* A user or host part as masks show them ("nick!user@host"): one word, no ! @ or wildcard, not
 * starting with ':', clean: what an IRC line can carry as a prefix. */
static bool cl_ident(const struct cmsg_field *f, size_t max)
{
	if (f->len == 0 || f->len > max || f->p[0] == ':' || !utf8_is_clean(f->p, f->len))
		return false;
	for (size_t i = 0; i < f->len; i++)
		if (strchr(" !@*?,", f->p[i]))
			return false;
	return true;
}

void cluster_apply_user(struct cluster *c, struct cnode *n, const struct cmsg *m,
			const struct hub_stamp *st)
{
	if (name_check_user(m->f[0].p, m->f[0].len) != NAME_OK) {
		c->st.dropped++;
		return;
	}
	struct ghost *g = cluster_ghost(n, m->f[0].p);
	if (!g)
		g = cluster_ghost_new(c, n, m->f[0].p, st);
	if (!g) {
		/* Its name is someone's here (a bot of this node only): counted, so that the
		 * heartbeat's count does not ask for a dump again and again. During a dump, into
		 * the dump's own count, which SYNCED makes the node's. */
		if (n->syncing)
			n->refusing++;
		else
			n->refused++;
		return;
	}
	g->stale = false;
	struct session *s = &g->s;
	/* What another node says of its person is checked as its face would check a client's:
	 * the IRC encoder builds prefixes out of user and host. */
	if (cl_ident(&m->f[1], NAME_MAX_BYTES))
		cl_set(session_set_user, s, &m->f[1], NAME_MAX_BYTES);
	if (cl_ident(&m->f[2], CL_HOST_MAX))
		cl_set(session_set_host, s, &m->f[2], CL_HOST_MAX);
	cl_set(session_set_realname, s, &m->f[3], HUB_REASON_MAX);
	if (m->f[4].len == 0 || name_check_user(m->f[4].p, m->f[4].len) == NAME_OK)
		cl_set(session_set_account, s, &m->f[4], NAME_MAX_BYTES);
	cl_set(session_set_away, s, &m->f[5], HUB_REASON_MAX);
	s->caps = (uint32_t)strtoul(m->f[6].p, NULL, 10) &
		  (SESSION_MODE_INVISIBLE | SESSION_MODE_OPER | SESSION_MODE_BOT);
	if (!n->syncing)
		return;
	/* A dump says every room the person is in: join what is new, leave what is not listed. */
	remote_begin(c->h, st);
	for (size_t i = 7; i < m->n; i++) {
		const struct cmsg_field *f = &m->f[i];
		if (f->len < 2 || f->p[0] < '0' || f->p[0] > '0' + (MEMBER_OP | MEMBER_VOICE))
			continue;
		remote_join(c->h, s, f->p + 1, f->len - 1, (uint8_t)(f->p[0] - '0'));
	}
	for (uint32_t k = s->nrooms; k-- > 0;) {
		const struct room *r = s->rooms[k].room;
		bool listed = false;
		for (size_t i = 7; i < m->n && !listed; i++)
			listed = m->f[i].len > 1 &&
				 room_find(c->h, m->f[i].p + 1, m->f[i].len - 1) == r;
		if (!listed) {
			char name[NAME_MAX_BYTES + 2];
			snprintf(name, sizeof(name), "%s", r->name);
			room_part(c->h, s, name, strlen(name), "", 0);
		}
	}
	remote_end(c->h);
}

/* A room key as mode.c takes one: a word without ',' nor a leading ':' (IRC reads both). */
static bool cl_key(const struct cmsg_field *f)
{
	return f->len <= MODE_KEY_MAX && (f->len == 0 || f->p[0] != ':') &&
	       !memchr(f->p, ' ', f->len) && !memchr(f->p, ',', f->len) &&
	       utf8_is_clean(f->p, f->len);
}

/* A room's state from another node's dump. The topic: the newer wins. The modes, key and limit,
 * by IRC's rule for rooms that met after a split: the older room's stand (a dump about a room
 * created later than ours, or a stale one, cannot undo +i or +k set here), and a room with
 * nobody of this node in it takes the dump's. */
void cluster_apply_room(struct cluster *c, const struct cmsg *m)
{
	struct room *r = room_find(c->h, m->f[0].p, m->f[0].len);
	if (!r)
		return; /* nobody here is in it: the joins that made it have not come, or it is gone */
	uint64_t topic_ms = strtoull(m->f[6].p, NULL, 10);
	uint64_t created = strtoull(m->f[7].p, NULL, 10);
	const struct room_state *st = r->state;
	bool newer = (!st || !st->topic || topic_ms > st->topic_ms) &&
		     (m->f[5].len == 0 || name_check_user(m->f[5].p, m->f[5].len) == NAME_OK);
	bool theirs = r->local == 0 || (created && created < r->created_ms);
	if (!cl_key(&m->f[2]))
		theirs = false;
	/* room_restore frees what the room had: copy what stays first. */
	char *topic = xstrdup(newer ? m->f[4].p : (st && st->topic ? st->topic : ""));
	char *by = xstrdup(newer ? m->f[5].p : (st && st->topic_by ? st->topic_by : ""));
	char *founder = st && st->founder ? xstrdup(st->founder) : NULL;
	char *key = xstrdup(theirs ? m->f[2].p : (st && st->key ? st->key : ""));
	bool kept = r->kept;
	struct room_saved saved = {
		.name = r->name,
		.len = strlen(r->name),
		.modes = theirs ? (uint32_t)strtoul(m->f[1].p, NULL, 10) : r->modes,
		.topic = topic,
		.topic_len = strlen(topic),
		.topic_by = by,
		.topic_ms = newer ? topic_ms : (st ? st->topic_ms : 0),
		.created_ms = theirs && created ? created : r->created_ms,
		.key = key,
		.limit = theirs ? (uint32_t)strtoul(m->f[3].p, NULL, 10) : (st ? st->limit : 0),
		.founder = founder,
	};
	char *name = xstrdup(r->name);
	saved.name = name;
	r = room_restore(c->h, &saved);
	if (r && !kept)
		r->kept = false;
	free(name);
	free(topic);
	free(by);
	free(founder);
	free(key);
}
