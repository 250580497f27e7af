/* libFuzzer target: the hub driven by several fake sessions typing arbitrary lines. Each input line
 * is "<session digit><text>"; digits 0-7 pick a session. A text starting with '~' closes that
 * session (and opens a fresh one in its place); one starting with '!' is a request the line
 * protocol cannot make (a topic, a kick, an invitation, a mode change, a name reserved and
 * committed); anything else goes through the line protocol (text/cmd). With max_clients 5 and 8
 * sessions, the admission queue is exercised too. The sanitizers catch memory errors; the checks
 * below catch broken membership back-indexes, counters and event ids. */
#include <assert.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "base/frame.h"
#include "base/utf8.h"
#include "hub/hub.h"
#include "text/cmd.h"

enum { FUZZ_SESSIONS = 8, FUZZ_CHANGES = 4 };

struct fuzz_session {
	struct session s;
};

/* Every event is rendered (so that every field is read) and its id checked. */
static uint64_t fuzz_last_id;

static struct frame *fuzz_encode(const struct hub_event *ev, unsigned variant, struct buf *scratch)
{
	if (ev->id) {
		assert(ev->id > fuzz_last_id || ev->id == fuzz_last_id);
		fuzz_last_id = ev->id;
	}
	buf_printf(scratch, "%u %d %s %s %s %.*s", variant, (int)ev->type,
		   ev->room ? ev->room : "-", ev->from ? ev->from : "-", ev->to ? ev->to : "-",
		   (int)ev->len, ev->text ? ev->text : "");
	if (ev->type == HUB_EV_NAMES)
		for (size_t i = 0; i < ev->u.names.n; i++)
			buf_puts(scratch, ev->u.names.v[i].s->name);
	buf_putc(scratch, '\n');
	return frame_from_buf(scratch);
}

static const struct hub_face fuzz_face = {"fuzz", 2, fuzz_encode, NULL};

static void fuzz_deliver(struct session *s, struct frame *f)
{
	(void)s;
	assert(f->len > 0 && f->data[f->len - 1] == '\n');
}

static void fuzz_admitted(struct session *s)
{
	(void)s;
}

static void fuzz_disconnect(struct session *s)
{
	assert(s->state == SESSION_GONE);
}

static const struct session_ops fuzz_ops = {&fuzz_face, fuzz_deliver, fuzz_admitted,
					    fuzz_disconnect, NULL, false, NULL, NULL};

static void fuzz_check(const struct hub *h)
{
	size_t it = 0;
	void *v;
	while (map_next(&h->rooms, &it, NULL, &v)) {
		const struct room *r = v;
		assert(r->count || r->kept);
		for (uint32_t i = 0; i < r->count; i++) {
			const struct session *s = r->members[i].s;
			assert(r->members[i].slot < s->nrooms);
			assert(s->rooms[r->members[i].slot].room == r);
			assert(s->rooms[r->members[i].slot].index == i);
		}
	}
	assert(h->names.count == h->online);
}

/* The next blank-separated word of *p (len *n). */
static const char *fuzz_word(const char **p, size_t *n, size_t *wlen)
{
	while (*n && **p == ' ') {
		(*p)++;
		(*n)--;
	}
	const char *w = *p;
	while (*n && **p != ' ') {
		(*p)++;
		(*n)--;
	}
	*wlen = (size_t)(*p - w);
	return w;
}

/* "!t ROOM TEXT", "!k ROOM NAME", "!i ROOM NAME", "!m ROOM +x[arg] -y[arg]...", "!n NAME",
 * "!e" (echo on), "!v" (the other variant). */
static void fuzz_request(struct hub *h, struct session *s, const char *p, size_t n)
{
	if (s->state != SESSION_ACTIVE || n < 2)
		return;
	char op = p[1];
	p += 2;
	n -= 2;
	size_t rl, al;
	const char *room = fuzz_word(&p, &n, &rl);
	switch (op) {
	case 't':
		room_topic(h, s, room, rl, p, n);
		break;
	case 'k':
		room_kick(h, s, room, rl, fuzz_word(&p, &n, &al), al, p, n);
		break;
	case 'i': {
		const char *who = fuzz_word(&p, &n, &al);
		room_invite(h, s, room, rl, who, al);
		break;
	}
	case 'm': {
		struct mode_change c[FUZZ_CHANGES];
		size_t k = 0;
		while (n && k < FUZZ_CHANGES) {
			const char *w = fuzz_word(&p, &n, &al);
			if (al < 2)
				break;
			c[k] = (struct mode_change){.mode = (enum room_mode)((unsigned char)w[1] %
									      MODE_COUNT),
						    .add = w[0] == '+', .arg = w + 2,
						    .arglen = al - 2};
			k++;
		}
		room_mode(h, s, room, rl, c, k);
		break;
	}
	case 'n':
		if (session_reserve(h, s, room, rl) == HUB_OK) {
			if (n % 2)
				session_commit(h, s);
			else
				session_release(h, s);
		}
		break;
	case 'e':
		s->caps ^= SESSION_CAP_ECHO;
		break;
	case 'v':
		session_set_variant(h, s, s->slot % 2 ? 0 : 1);
		break;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct hub h;
	/* announce_max 4 of 8 sessions: both sides of the join/part/quit news limit are reached. */
	struct hub_config cfg = {.server_name = "fuzz", .lobby = "#lobby", .max_rooms = 3,
				 .max_clients = 5, .max_queue = 2, .announce_max = 4};
	hub_init(&h, &cfg, NULL, 42);
	hub_add_face(&h, &fuzz_face);
	fuzz_last_id = 0;
	struct fuzz_session ss[FUZZ_SESSIONS];
	for (int i = 0; i < FUZZ_SESSIONS; i++) {
		session_init(&h, &ss[i].s, &fuzz_ops);
		session_open(&h, &ss[i].s);
	}
	struct buf clean = BUF_INIT;
	const char *p = (const char *)data, *end = p + size;
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t len = nl ? (size_t)(nl - p) : (size_t)(end - p);
		if (len >= 1) {
			int k = (p[0] - '0') & 7;
			struct session *s = &ss[k].s;
			buf_clear(&clean);
			utf8_sanitize(p + 1, len - 1, &clean);
			const char *text = clean.data ? clean.data : "";
			if (len >= 2 && p[1] == '~') {
				session_close(&h, s, "fuzz", 4);
			} else if (len >= 2 && p[1] == '!') {
				fuzz_request(&h, s, text, clean.len);
			} else if (s->state == SESSION_NAMING || s->state == SESSION_ACTIVE) {
				cmd_line(&h, s, text, clean.len, "192.0.2.1");
			}
			if (s->state == SESSION_GONE) {
				session_init(&h, s, &fuzz_ops);
				session_open(&h, s);
			}
			fuzz_check(&h);
		}
		p += len + 1;
	}
	hub_stop(&h);
	for (int i = 0; i < FUZZ_SESSIONS; i++)
		session_close(&h, &ss[i].s, "end", 3);
	assert(h.admitted == 0 && h.online == 0 && h.qlen == 0);
	buf_free(&clean);
	hub_free(&h);
	return 0;
}
