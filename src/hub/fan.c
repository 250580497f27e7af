#include "hub/fan.h"

#include <assert.h>
#include <string.h>

#include "base/frame.h"
#include "hub/hub.h"

/* Changes of state get an id from the clock: (ms << HUB_ID_SEQ_BITS) | sequence, which sorts by
 * time; a clock that stands still or steps back only advances the sequence, so ids never repeat
 * and never go down. The sequence's low HUB_ID_NODE_BITS are the node's, so that the nodes of a
 * cluster never give the same id. An event from elsewhere (remote.h) keeps its node's stamp. */
static void fan_stamp(struct hub *h, struct hub_event *ev)
{
	if (h->elsewhere) {
		ev->id = h->elsewhere->id;
		ev->time_ms = h->elsewhere->time_ms;
		ev->origin = h->elsewhere->origin;
		return;
	}
	const uint64_t node_mask = (UINT64_C(1) << HUB_ID_NODE_BITS) - 1;
	uint64_t now = h->cfg.clock_ms ? h->cfg.clock_ms() : 0;
	uint64_t id = now << HUB_ID_SEQ_BITS;
	if (id <= (h->last_event & ~node_mask))
		id = (h->last_event & ~node_mask) + (node_mask + 1);
	id |= h->cfg.node & node_mask;
	h->last_event = id;
	ev->id = id;
	ev->time_ms = now;
	ev->origin = h->cfg.node;
}

static void fan_observers(struct hub *h, const struct hub_event *ev)
{
	list_each_safe(n, &h->observers) {
		struct hub_observer *o = list_entry(n, struct hub_observer, node);
		if (o->mask & HUB_MASK(ev->type))
			o->event(o, ev);
	}
}

void fan_begin(struct hub *h, struct hub_event *ev, bool stamp)
{
	assert(h->fanning == 0 && "a bot's or observer's callback must not fan out");
	h->fanning++;
	if (stamp)
		fan_stamp(h, ev);
	else
		ev->origin = h->elsewhere ? h->elsewhere->origin : h->cfg.node;
	fan_observers(h, ev);
}

static const struct hub_format *fan_format(const struct hub *h, uint16_t slot)
{
	const struct hub_format *f = &h->formats[0];
	for (size_t i = 1; i < h->nformats && h->formats[i].base <= slot; i++)
		f = &h->formats[i];
	return f;
}

/* The frame of slot for ev, encoded now if no member of the slot had it yet. */
static struct frame *fan_slot(struct hub *h, const struct hub_format *f, uint16_t slot,
			      const struct hub_event *ev)
{
	struct frame *fr = h->fan[slot];
	if (fr)
		return fr;
	buf_clear(&h->scratch);
	h->encodes++;
	fr = f->face->encode(ev, (unsigned)(slot - f->base), &h->scratch);
	if (!fr)
		fr = frame_new(0); /* the format says nothing of it: remember that too */
	h->fan[slot] = fr;
	h->fan_used[++h->fan_used[0]] = slot;
	return fr;
}

void fan_to(struct hub *h, const struct hub_event *ev, struct session *s)
{
	if (s->slot == HUB_NO_SLOT) {
		if (!s->remote) /* a bot; a remote session's own node tells it (remote.h) */
			s->ops->event(s, ev);
		return;
	}
	struct frame *f = h->fan[s->slot];
	if (!f) {
		const struct hub_format *fmt = fan_format(h, s->slot);
		uint16_t same = s->slot;
		if (fmt->face->same_as)
			same = (uint16_t)(fmt->base +
					  fmt->face->same_as(ev, (unsigned)(s->slot - fmt->base)));
		f = fan_slot(h, fmt, same, ev);
		if (same != s->slot) {
			/* The slot shares the other's frame: one more reference, released with it. */
			h->fan[s->slot] = frame_ref(f);
			h->fan_used[++h->fan_used[0]] = s->slot;
		}
	}
	if (f->len) {
		s->ops->deliver(s, f);
		h->delivered[ev->type == HUB_EV_MESSAGE]++;
	}
}

void fan_end(struct hub *h)
{
	uint16_t n = h->fan_used[0];
	for (uint16_t i = 1; i <= n; i++) {
		uint16_t slot = h->fan_used[i];
		frame_unref(h->fan[slot]);
		h->fan[slot] = NULL;
	}
	h->fan_used[0] = 0;
	h->fanning--;
}

bool fan_announces(const struct hub *h, const struct room *r)
{
	return h->cfg.announce_max == 0 || r->count <= h->cfg.announce_max;
}

void fan_room(struct hub *h, struct room *r, const struct hub_event *ev,
	      const struct session *except)
{
	for (uint32_t i = 0; i < r->count; i++) {
		struct session *m = r->members[i].s;
		if (m != except)
			fan_to(h, ev, m);
	}
}

void fan_shared(struct hub *h, struct session *s, const struct hub_event *ev, bool quiet_big)
{
	uint64_t epoch = ++h->epoch;
	s->mark = epoch;
	for (uint32_t k = 0; k < s->nrooms; k++) {
		struct room *r = s->rooms[k].room;
		if (quiet_big && !fan_announces(h, r))
			continue;
		for (uint32_t i = 0; i < r->count; i++) {
			struct session *m = r->members[i].s;
			if (m->mark != epoch) {
				m->mark = epoch;
				fan_to(h, ev, m);
			}
		}
	}
}

void fan_one(struct hub *h, struct session *s, const struct hub_event *ev)
{
	if (s->slot == HUB_NO_SLOT) {
		if (!s->remote) /* a bot; a remote session's own node tells it (remote.h) */
			s->ops->event(s, ev);
		return;
	}
	const struct hub_format *fmt = fan_format(h, s->slot);
	buf_clear(&h->scratch);
	h->encodes++;
	struct frame *f = fmt->face->encode(ev, (unsigned)(s->slot - fmt->base), &h->scratch);
	if (!f)
		return;
	if (f->len) {
		s->ops->deliver(s, f);
		h->delivered[ev->type == HUB_EV_MESSAGE]++;
	}
	frame_unref(f);
}

void fan_self_and_shared(struct hub *h, struct session *s, struct hub_event *ev)
{
	fan_begin(h, ev, true);
	struct hub_event self = *ev;
	self.flags |= HUB_EVF_SELF;
	fan_one(h, s, &self);
	fan_shared(h, s, ev, false);
	fan_end(h);
}

enum hub_result fan_result(struct hub *h, struct session *s, enum hub_result code, const char *to,
			   size_t tolen, const char *room, size_t roomlen, int detail, size_t n)
{
	/* Event strings are C strings; names as typed are not: copy them. */
	struct buf arg = BUF_INIT, where = BUF_INIT;
	if (to)
		buf_append(&arg, to, tolen);
	if (room)
		buf_append(&where, room, roomlen);
	struct hub_event ev = {
		.type = HUB_EV_RESULT,
		.flags = HUB_EVF_SELF,
		.src = s,
		.from = s->name,
		.to = to ? arg.data : NULL,
		.room = room ? where.data : NULL,
		.u.result = {.code = code, .detail = detail, .n = n},
	};
	fan_one(h, s, &ev);
	buf_free(&arg);
	buf_free(&where);
	return code;
}
