/* libFuzzer target: the hub driven by several fake sessions typing arbitrary lines. Each input line
 * is "<session digit><text>"; digits 0-7 pick a session, and a line starting with '~' closes that
 * session (and opens a fresh one in its place). With max_clients 5 and 8 sessions, the admission
 * queue is exercised too. The sanitizers catch memory errors; the checks below catch broken
 * membership back-indexes and counters. */
#include <assert.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "base/frame.h"
#include "base/utf8.h"
#include "hub/cmd.h"
#include "hub/hub.h"

enum { FUZZ_SESSIONS = 8 };

static struct frame *fuzz_encode(const struct hub_event *ev, struct buf *scratch)
{
	buf_printf(scratch, "%d %s %s %.*s\n", (int)ev->type, ev->room ? ev->room : "-",
		   ev->from ? ev->from : "-", (int)ev->len, ev->text ? ev->text : "");
	return frame_from_buf(scratch);
}

static const struct hub_face fuzz_face = {"fuzz", fuzz_encode};

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

static const struct session_ops fuzz_ops = {&fuzz_face, fuzz_deliver, fuzz_admitted, fuzz_disconnect, NULL};

static void fuzz_check(const struct hub *h)
{
	size_t it = 0;
	void *v;
	while (map_next(&h->rooms, &it, NULL, &v)) {
		const struct room *r = v;
		for (uint32_t i = 0; i < r->count; i++) {
			const struct session *s = r->members[i].s;
			assert(r->members[i].slot < s->nrooms);
			assert(s->rooms[r->members[i].slot].room == r);
			assert(s->rooms[r->members[i].slot].index == i);
		}
	}
	assert(h->names.count == h->online);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct hub h;
	/* announce_max 4 of 8 sessions: both sides of the join/part/quit news limit are reached. */
	struct hub_config cfg = {.server_name = "fuzz", .lobby = "#lobby", .max_rooms = 3,
				 .max_clients = 5, .max_queue = 2, .announce_max = 4};
	hub_init(&h, &cfg, NULL, 42);
	struct session ss[FUZZ_SESSIONS];
	for (int i = 0; i < FUZZ_SESSIONS; i++) {
		hub_session_init(&ss[i], &fuzz_ops, NULL);
		hub_open(&h, &ss[i]);
	}
	struct buf clean = BUF_INIT;
	const char *p = (const char *)data, *end = p + size;
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t len = nl ? (size_t)(nl - p) : (size_t)(end - p);
		if (len >= 1) {
			int k = (p[0] - '0') & 7;
			struct session *s = &ss[k];
			buf_clear(&clean);
			utf8_sanitize(p + 1, len - 1, &clean);
			if (len >= 2 && p[1] == '~') {
				hub_close(&h, s, "fuzz");
			} else if (s->state == SESSION_NAMING || s->state == SESSION_ACTIVE) {
				cmd_line(&h, s, clean.data ? clean.data : "", clean.len);
			}
			if (s->state == SESSION_GONE) {
				hub_session_init(s, &fuzz_ops, NULL);
				hub_open(&h, s);
			}
			fuzz_check(&h);
		}
		p += len + 1;
	}
	hub_stop(&h);
	for (int i = 0; i < FUZZ_SESSIONS; i++)
		hub_close(&h, &ss[i], "end");
	assert(h.admitted == 0 && h.online == 0 && h.qlen == 0);
	buf_free(&clean);
	hub_free(&h);
	return 0;
}
