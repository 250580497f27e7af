/* Unit tests for hub fan-out, rooms, names and the admission queue, with fake sessions and no
 * sockets.
 *
 * Each fake session records every frame the hub delivers to it and holds a reference to it, as a
 * real output queue would; tests read the frames (as text) and drop the references, and the
 * fixture drops whatever is left before hub_free, so LeakSanitizer would report a frame whose
 * reference the hub itself forgot to release. Two fake wire formats (A and B) count their encode
 * calls and tag their bytes, to check that the hub encodes once per format, not per recipient. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "base/buf.h"
#include "base/frame.h"
#include "base/xalloc.h"
#include "face/line/line_codec.h"
#include "hub/cmd.h"
#include "hub/hub.h"
#include "hub/name.h"

/* ---- two fake wire formats ---- */

static unsigned enc_a, enc_b;

/* The line protocol's bytes behind a tag, so the formats differ but stay readable. */
static struct frame *encode_tagged(const char *tag, const struct hub_event *ev, struct buf *scratch)
{
	struct frame *lf = line_codec_encode(ev, scratch);
	buf_clear(scratch);
	buf_puts(scratch, tag);
	buf_append(scratch, lf->data, lf->len);
	frame_unref(lf);
	return frame_from_buf(scratch);
}

static struct frame *encode_a(const struct hub_event *ev, struct buf *scratch)
{
	enc_a++;
	return encode_tagged("A|", ev, scratch);
}

static struct frame *encode_b(const struct hub_event *ev, struct buf *scratch)
{
	enc_b++;
	return encode_tagged("B|", ev, scratch);
}

static const struct hub_face face_a = {"fake-a", encode_a};
static const struct hub_face face_b = {"fake-b", encode_b};

/* ---- fake sessions ---- */

struct fake {
	struct session s;
	struct frame **got; /* delivered frames, one reference each */
	size_t ngot, capgot;
	unsigned admitted;
	unsigned disconnected;
};

static void fake_deliver(struct session *s, struct frame *f)
{
	struct fake *k = s->owner;
	k->got = xgrow(k->got, &k->capgot, k->ngot + 1, sizeof(*k->got));
	k->got[k->ngot++] = frame_ref(f);
}

static void fake_admitted(struct session *s)
{
	((struct fake *)s->owner)->admitted++;
}

static void fake_disconnect(struct session *s)
{
	((struct fake *)s->owner)->disconnected++;
}

static const struct session_ops ops_a = {&face_a, fake_deliver, fake_admitted, fake_disconnect, NULL};
static const struct session_ops ops_b = {&face_b, fake_deliver, fake_admitted, fake_disconnect, NULL};
static const struct session_ops ops_line = {&line_codec_face, fake_deliver, fake_admitted,
					    fake_disconnect, NULL};

static void drop(struct fake *k)
{
	for (size_t i = 0; i < k->ngot; i++)
		frame_unref(k->got[i]);
	k->ngot = 0;
}

/* Everything k was sent since the last look, as one string; the frames are released. */
static const char *text(struct fake *k)
{
	static struct buf out;
	buf_clear(&out);
	buf_append(&out, "", 0);
	for (size_t i = 0; i < k->ngot; i++)
		buf_append(&out, k->got[i]->data, k->got[i]->len);
	drop(k);
	return out.data;
}

/* ---- fixture ---- */

struct fx {
	struct hub h;
	size_t n;
	struct fake *k;
};

static struct fx *fx_new(size_t max_clients, size_t max_queue, size_t max_rooms, size_t n)
{
	struct fx *fx = xcalloc(1, sizeof(*fx));
	struct hub_config cfg = {.server_name = "test", .lobby = "#lobby", .max_rooms = max_rooms,
				 .max_clients = max_clients, .max_queue = max_queue};
	hub_init(&fx->h, &cfg, NULL, 0x5EED);
	fx->n = n;
	fx->k = xcalloc(n, sizeof(*fx->k));
	for (size_t i = 0; i < n; i++)
		hub_session_init(&fx->k[i].s, &ops_line, &fx->k[i]);
	return fx;
}

static void fx_free(struct fx *fx)
{
	for (size_t i = 0; i < fx->n; i++)
		hub_close(&fx->h, &fx->k[i].s, "test over");
	for (size_t i = 0; i < fx->n; i++) {
		assert_int_equal(fx->k[i].s.state == SESSION_GONE || fx->k[i].s.state == SESSION_NEW, 1);
		drop(&fx->k[i]);
		free(fx->k[i].got);
	}
	hub_free(&fx->h);
	free(fx->k);
	free(fx);
}

static void drop_all(struct fx *fx)
{
	for (size_t i = 0; i < fx->n; i++)
		drop(&fx->k[i]);
}

/* Opens session i (it must be admitted at once) and names it. */
static void join_as(struct fx *fx, size_t i, const char *name)
{
	struct fake *k = &fx->k[i];
	unsigned before = k->admitted;
	assert_int_equal(hub_open(&fx->h, &k->s), HUB_OPEN_ADMITTED);
	assert_int_equal(k->admitted, before + 1);
	assert_int_equal(k->s.state, SESSION_NAMING);
	assert_int_equal(hub_register(&fx->h, &k->s, name, strlen(name)), NAME_OK);
	assert_int_equal(k->s.state, SESSION_ACTIVE);
}

/* Session i types a line; returns what i itself was sent back. */
static const char *type(struct fx *fx, size_t i, const char *line)
{
	cmd_line(&fx->h, &fx->k[i].s, line, strlen(line));
	return text(&fx->k[i]);
}

/* ---- fan-out ---- */

static void t_say_encodes_once_per_format(void **state)
{
	(void)state;
	enum { NA = 100, NB = 50 };
	struct fx *fx = fx_new(0, 10, 10, NA + NB + 1);
	for (size_t i = 0; i < NA + NB + 1; i++)
		hub_session_init(&fx->k[i].s, i < NA ? &ops_a : &ops_b, &fx->k[i]);
	char name[16];
	for (size_t i = 0; i < NA + NB; i++) {
		snprintf(name, sizeof(name), "u%zu", i);
		join_as(fx, i, name);
	}
	drop_all(fx);

	/* A member saying something: each format is encoded once for the whole room. */
	enc_a = enc_b = 0;
	uint64_t encodes = fx->h.encodes;
	hub_say(&fx->h, &fx->k[0].s, "hola", 4);
	assert_int_equal(enc_a, 1);
	assert_int_equal(enc_b, 1);
	assert_int_equal(fx->h.encodes, encodes + 2);
	assert_int_equal(fx->k[0].ngot, 0); /* no echo */
	struct frame *fa = fx->k[1].got[0];
	struct frame *fb = fx->k[NA].got[0];
	assert_ptr_not_equal(fa, fb);
	for (size_t i = 1; i < NA + NB; i++) {
		assert_int_equal(fx->k[i].ngot, 1);
		assert_ptr_equal(fx->k[i].got[0], i < NA ? fa : fb);
	}
	assert_int_equal(fa->len, strlen("A|[#lobby] u0: hola\n"));
	assert_memory_equal(fa->data, "A|[#lobby] u0: hola\n", fa->len);
	assert_memory_equal(fb->data, "B|[#lobby] u0: hola\n", fb->len);
	/* The hub kept no reference of its own: the recipients hold them all. */
	assert_int_equal(fa->refs, NA - 1);
	assert_int_equal(fb->refs, NB);
	drop_all(fx);

	/* The same from a member of the other format. */
	enc_a = enc_b = 0;
	cmd_line(&fx->h, &fx->k[NA + 3].s, "/me waves", 9);
	assert_int_equal(enc_a, 1);
	assert_int_equal(enc_b, 1);
	assert_int_equal(fx->k[NA + 3].ngot, 0);
	fa = fx->k[0].got[0];
	fb = fx->k[NA].got[0];
	assert_memory_equal(fb->data, "B|[#lobby] * u103 waves\n", fb->len);
	for (size_t i = 0; i < NA + NB; i++) {
		if (i == NA + 3)
			continue;
		assert_int_equal(fx->k[i].ngot, 1);
		assert_ptr_equal(fx->k[i].got[0], i < NA ? fa : fb);
	}
	assert_int_equal(fa->refs, NA);
	assert_int_equal(fb->refs, NB - 1);
	drop_all(fx);

	/* A newcomer of format B: one welcome for it, and its join news once per format. */
	enc_a = enc_b = 0;
	join_as(fx, NA + NB, "late");
	assert_int_equal(enc_a, 1);
	assert_int_equal(enc_b, 2);
	assert_string_equal(text(&fx->k[NA + NB]),
			    "B|* Welcome, late! You are in #lobby with 150 others. "
			    "Type /help for commands.\n");
	assert_string_equal(text(&fx->k[7]), "A|[#lobby] -- late joined\n");
	assert_string_equal(text(&fx->k[NA + 7]), "B|[#lobby] -- late joined\n");
	drop_all(fx);

	/* Quit news: once per format too, the same frame for everyone of a format. */
	enc_a = enc_b = 0;
	hub_close(&fx->h, &fx->k[5].s, "connection closed");
	assert_int_equal(enc_a, 1);
	assert_int_equal(enc_b, 1);
	fa = fx->k[0].got[0];
	fb = fx->k[NA].got[0];
	assert_memory_equal(fa->data, "A|-- u5 quit (connection closed)\n", fa->len);
	for (size_t i = 0; i <= NA + NB; i++) {
		assert_int_equal(fx->k[i].ngot, i == 5 ? 0 : 1);
		if (i != 5)
			assert_ptr_equal(fx->k[i].got[0], i < NA ? fa : fb);
	}
	drop_all(fx);

	/* A private message is encoded for the recipient's format only. */
	enc_a = enc_b = 0;
	hub_private(&fx->h, &fx->k[0].s, "u120", 4, "psst", 4, false);
	assert_int_equal(enc_a, 0);
	assert_int_equal(enc_b, 1);
	assert_string_equal(text(&fx->k[120]), "B|[pm] u0: psst\n");
	for (size_t i = 0; i <= NA + NB; i++)
		assert_int_equal(fx->k[i].ngot, 0);
	fx_free(fx);
}

static void t_rooms_isolated(void **state)
{
	(void)state;
	struct fx *fx = fx_new(0, 10, 10, 5);
	const char *names[] = {"ana", "bob", "cy", "dee", "eve"};
	for (size_t i = 0; i < 5; i++)
		join_as(fx, i, names[i]);
	type(fx, 0, "/join #a");
	type(fx, 1, "/join #a");
	type(fx, 2, "/join #b");
	type(fx, 3, "/join #b");
	drop_all(fx);

	assert_string_equal(type(fx, 0, "in a"), "");
	assert_string_equal(text(&fx->k[1]), "[#a] ana: in a\n");
	assert_string_equal(text(&fx->k[2]), "");
	assert_string_equal(text(&fx->k[3]), "");
	assert_string_equal(text(&fx->k[4]), "");

	assert_string_equal(type(fx, 2, "in b"), "");
	assert_string_equal(text(&fx->k[3]), "[#b] cy: in b\n");
	assert_string_equal(text(&fx->k[0]), "");
	assert_string_equal(text(&fx->k[1]), "");
	assert_string_equal(text(&fx->k[4]), "");

	/* Joining a room one is in makes it current again: now ana talks in the lobby. */
	assert_string_equal(type(fx, 0, "/join #lobby"),
			    "* You are in #lobby already; it is now your current room.\n");
	type(fx, 0, "in lobby");
	for (size_t i = 1; i < 5; i++)
		assert_string_equal(text(&fx->k[i]), "[#lobby] ana: in lobby\n");
	fx_free(fx);
}

static void t_news_reach_each_once(void **state)
{
	(void)state;
	struct fx *fx = fx_new(0, 10, 10, 5);
	const char *names[] = {"ana", "bob", "cy", "dee", "eve"};
	for (size_t i = 0; i < 5; i++)
		join_as(fx, i, names[i]);
	/* bob shares three rooms with ana, cy one (#b), eve one (the lobby), dee none. */
	type(fx, 0, "/join #a");
	type(fx, 0, "/join #b");
	type(fx, 1, "/join #a");
	type(fx, 1, "/join #b");
	type(fx, 2, "/join #b");
	type(fx, 2, "/part #lobby");
	type(fx, 3, "/join #c");
	type(fx, 3, "/part #lobby");
	drop_all(fx);

	enc_a = enc_b = 0;
	uint64_t encodes = fx->h.encodes;
	assert_string_equal(type(fx, 0, "/nick anita"), "* You are now known as anita.\n");
	assert_int_equal(fx->h.encodes, encodes + 2); /* the reply, and the news once */
	assert_string_equal(text(&fx->k[1]), "-- ana is now known as anita\n");
	assert_string_equal(text(&fx->k[2]), "-- ana is now known as anita\n");
	assert_string_equal(text(&fx->k[4]), "-- ana is now known as anita\n");
	assert_string_equal(text(&fx->k[3]), "");
	assert_ptr_equal(hub_find(&fx->h, "ANITA", 5), &fx->k[0].s);
	assert_null(hub_find(&fx->h, "ana", 3));

	encodes = fx->h.encodes;
	hub_close(&fx->h, &fx->k[0].s, "connection reset");
	assert_int_equal(fx->h.encodes, encodes + 1);
	assert_string_equal(text(&fx->k[1]), "-- anita quit (connection reset)\n");
	assert_string_equal(text(&fx->k[2]), "-- anita quit (connection reset)\n");
	assert_string_equal(text(&fx->k[4]), "-- anita quit (connection reset)\n");
	assert_string_equal(text(&fx->k[3]), "");
	assert_string_equal(text(&fx->k[0]), "");
	assert_null(hub_find(&fx->h, "anita", 5));
	/* #a had only bob left; it is still there. */
	assert_non_null(hub_find_room(&fx->h, "#a", 2));
	assert_int_equal(hub_find_room(&fx->h, "#a", 2)->count, 1);

	/* A second round: the epoch mark must not leave anyone out next time. */
	type(fx, 1, "/nick bobby");
	assert_string_equal(text(&fx->k[2]), "-- bob is now known as bobby\n");
	assert_string_equal(text(&fx->k[4]), "-- bob is now known as bobby\n");
	assert_string_equal(text(&fx->k[3]), "");
	fx_free(fx);
}

static void t_replies(void **state)
{
	(void)state;
	struct fx *fx = fx_new(0, 10, 10, 2);
	join_as(fx, 0, "ana");
	join_as(fx, 1, "bob");
	drop_all(fx);
	struct fake *bob = &fx->k[1];

	assert_string_equal(type(fx, 0, "/join #dev"), "* You joined #dev (1 member).\n");
	assert_string_equal(text(bob), "");
	assert_string_equal(type(fx, 1, "/join DEV"), "* You joined #dev (2 members).\n");
	assert_string_equal(text(&fx->k[0]), "[#dev] -- bob joined\n");
	assert_string_equal(type(fx, 0, "/join #Dev"),
			    "* You are in #dev already; it is now your current room.\n");
	assert_string_equal(type(fx, 0, "/join #a:b"),
			    "! Cannot use that room name: a name cannot contain ':' or ','.\n");
	assert_string_equal(type(fx, 0, "/join #"),
			    "! Cannot use that room name: a name cannot be empty.\n");

	assert_string_equal(type(fx, 0, "/rooms"), "* 2 rooms:\n*   #dev (2)\n*   #lobby (2)\n");
	assert_string_equal(type(fx, 0, "/who"), "* #dev (2): ana bob\n");
	assert_string_equal(type(fx, 0, "/who #LOBBY"), "* #lobby (2): ana bob\n");
	assert_string_equal(type(fx, 0, "/who nope"), "! No such room: #nope\n");

	assert_string_equal(type(fx, 0, "/part"), "* You left #dev.\n* Your current room is #lobby.\n");
	assert_string_equal(text(bob), "[#dev] -- ana left\n");
	assert_string_equal(type(fx, 0, "/part #dev"), "! You are not in #dev.\n");
	assert_string_equal(type(fx, 0, "/part #zzz"), "! No such room: #zzz\n");
	assert_string_equal(type(fx, 0, "/rooms"), "* 2 rooms:\n*   #dev (1)\n*   #lobby (2)\n");

	/* Leaving a room that is not the current one says nothing about the current room. */
	type(fx, 0, "/join #x");
	drop_all(fx);
	assert_string_equal(type(fx, 0, "/part #lobby"), "* You left #lobby.\n");
	assert_string_equal(text(bob), "[#lobby] -- ana left\n");
	assert_ptr_equal(hub_current(&fx->k[0].s), hub_find_room(&fx->h, "#x", 2));

	assert_string_equal(type(fx, 0, "/msg bob hola que tal"), "");
	assert_string_equal(text(bob), "[pm] ana: hola que tal\n");
	assert_string_equal(type(fx, 0, "/msg BOB hi"), "");
	assert_string_equal(text(bob), "[pm] ana: hi\n");
	assert_string_equal(type(fx, 0, "/msg zoe hi"), "! No such user: zoe\n");
	hub_private(&fx->h, &fx->k[0].s, "bob", 3, "winks", 5, true);
	assert_string_equal(text(bob), "[pm] * ana winks\n");
	assert_string_equal(text(&fx->k[0]), "");

	assert_string_equal(type(fx, 0, "/nick bob"), "! The name bob is taken; pick another.\n");
	assert_string_equal(type(fx, 0, "/nick BOB"), "! The name BOB is taken; pick another.\n");
	assert_string_equal(type(fx, 0, "/nick a:b"),
			    "! Cannot use that name: a name cannot contain ':' or ','.\n");
	assert_string_equal(type(fx, 0, "/nick ana"), ""); /* no change at all */
	assert_string_equal(text(bob), "");
	/* Changing only the case of one's own name is allowed. */
	assert_string_equal(type(fx, 0, "/nick ANA"), "* You are now known as ANA.\n");
	assert_string_equal(text(bob), "");  /* bob shares no room with ana any more */
	assert_string_equal(type(fx, 1, "/msg ana x"), "");
	assert_string_equal(text(&fx->k[0]), "[pm] bob: x\n");

	/* In no room at all. */
	assert_string_equal(type(fx, 0, "/part"), "* You left #x.\n");
	assert_null(hub_current(&fx->k[0].s));
	assert_string_equal(type(fx, 0, "hola"), "! You are not in any room; /join one.\n");
	assert_string_equal(type(fx, 0, "/me x"), "! You are not in any room; /join one.\n");
	assert_string_equal(type(fx, 0, "/who"), "! You are not in any room; /join one.\n");
	assert_string_equal(type(fx, 0, "/part"), "! You are not in any room; /join one.\n");
	assert_string_equal(text(bob), "");
	assert_string_equal(type(fx, 0, "/join lobby"), "* You joined #lobby (2 members).\n");
	assert_string_equal(text(bob), "[#lobby] -- ANA joined\n");
	fx_free(fx);
}

static void t_who_long_lists_are_split(void **state)
{
	(void)state;
	enum { N = 100 };
	struct fx *fx = fx_new(0, 10, 10, N);
	char name[16];
	for (size_t i = 0; i < N; i++) {
		snprintf(name, sizeof(name), "member%03zu", (size_t)(N - 1 - i));
		join_as(fx, i, name);
	}
	drop_all(fx);
	const char *out = type(fx, 0, "/who");
	/* Every line is a "* " line of bounded length; together they list every name once, sorted. */
	struct buf names = BUF_INIT;
	int lines = 0;
	for (const char *p = out; *p;) {
		const char *nl = strchr(p, '\n');
		assert_non_null(nl);
		assert_true(nl - p <= 2 + 400);
		const char *head = lines ? "* #lobby (continued):" : "* #lobby (100):";
		assert_memory_equal(p, head, strlen(head));
		buf_append(&names, p + strlen(head), (size_t)(nl - p) - strlen(head));
		lines++;
		p = nl + 1;
	}
	assert_true(lines >= 3);
	struct buf expect = BUF_INIT;
	for (size_t i = 0; i < N; i++)
		buf_printf(&expect, " member%03zu", i);
	assert_string_equal(names.data, expect.data);
	buf_free(&names);
	buf_free(&expect);
	fx_free(fx);
}

static uint64_t rng_state = 0x0123456789ABCDEFull;

static uint64_t rng(void)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 0x2545F4914F6CDD1Dull;
}

/* Checks both directions of every membership against the reference. */
static void check_membership(struct fx *fx, bool in[][6], size_t n, const char *const rooms[6])
{
	for (size_t j = 0; j < 6; j++) {
		struct room *r = hub_find_room(&fx->h, rooms[j], strlen(rooms[j]));
		uint32_t want = 0;
		for (size_t i = 0; i < n; i++)
			want += in[i][j];
		if (!want && j != 5) {
			assert_null(r);
			continue;
		}
		assert_non_null(r);
		assert_int_equal(r->count, want);
		for (uint32_t x = 0; x < r->count; x++) {
			struct session *s = r->members[x].s;
			size_t i = (size_t)((struct fake *)s->owner - fx->k);
			assert_true(in[i][j]);
			assert_true(r->members[x].slot < s->nrooms);
			assert_ptr_equal(s->rooms[r->members[x].slot].room, r);
			assert_int_equal(s->rooms[r->members[x].slot].index, x);
		}
	}
	for (size_t i = 0; i < n; i++) {
		struct session *s = &fx->k[i].s;
		uint32_t want = 0;
		for (size_t j = 0; j < 6; j++)
			want += in[i][j];
		assert_int_equal(s->nrooms, want);
		for (uint32_t k = 0; k < s->nrooms; k++) {
			struct room *r = s->rooms[k].room;
			assert_ptr_equal(r->members[s->rooms[k].index].s, s);
			assert_int_equal(r->members[s->rooms[k].index].slot, k);
		}
	}
}

/* Random joins, parts and closes against a reference table; membership stays consistent both ways
 * (the swap-remove back-indexes), empty rooms go, and a message reaches exactly the members. */
static void t_membership_churn(void **state)
{
	(void)state;
	enum { N = 12 };
	static const char *const rooms[6] = {"#r0", "#r1", "#r2", "#r3", "#r4", "#lobby"};
	struct fx *fx = fx_new(0, 10, 10, N);
	bool in[N][6];
	memset(in, 0, sizeof(in));
	char name[8];
	for (size_t i = 0; i < N; i++) {
		snprintf(name, sizeof(name), "s%zu", i);
		join_as(fx, i, name);
		in[i][5] = true;
	}
	for (int step = 0; step < 4000; step++) {
		size_t i = (size_t)(rng() % N);
		size_t j = (size_t)(rng() % 6);
		struct session *s = &fx->k[i].s;
		if (rng() % 40 == 0) {
			hub_close(&fx->h, s, "churn");
			hub_session_init(s, &ops_line, &fx->k[i]);
			snprintf(name, sizeof(name), "s%zu", i);
			join_as(fx, i, name);
			for (size_t x = 0; x < 6; x++)
				in[i][x] = x == 5;
		} else if (in[i][j]) {
			hub_part(&fx->h, s, rooms[j], strlen(rooms[j]));
			in[i][j] = false;
		} else {
			hub_join(&fx->h, s, rooms[j], strlen(rooms[j]));
			in[i][j] = true;
		}
		check_membership(fx, in, N, rooms);
		drop_all(fx);
		if (step % 50 == 0) {
			/* Whoever joined a room last talks there: exactly the other members hear it. */
			for (size_t x = 0; x < N; x++) {
				struct room *cur = hub_current(&fx->k[x].s);
				if (!cur)
					continue;
				hub_say(&fx->h, &fx->k[x].s, "ping", 4);
				size_t j2 = 0;
				while (strcmp(rooms[j2], cur->name) != 0)
					j2++;
				for (size_t y = 0; y < N; y++)
					assert_int_equal(fx->k[y].ngot, y != x && in[y][j2] ? 1 : 0);
				drop_all(fx);
			}
		}
	}
	fx_free(fx);
}

/* ---- admission ---- */

static void t_admission_queue(void **state)
{
	(void)state;
	struct fx *fx = fx_new(2, 2, 10, 6);
	struct fake *k = fx->k;
	assert_int_equal(hub_open(&fx->h, &k[0].s), HUB_OPEN_ADMITTED);
	assert_int_equal(hub_open(&fx->h, &k[1].s), HUB_OPEN_ADMITTED);
	assert_int_equal(hub_register(&fx->h, &k[0].s, "ana", 3), NAME_OK);
	drop_all(fx);

	assert_int_equal(hub_open(&fx->h, &k[2].s), HUB_OPEN_QUEUED);
	assert_int_equal(k[2].admitted, 0);
	assert_int_equal(k[2].s.state, SESSION_WAITING);
	assert_string_equal(text(&k[2]), "* The server is full. You are number 1 in the queue.\n");
	assert_int_equal(hub_open(&fx->h, &k[3].s), HUB_OPEN_QUEUED);
	assert_string_equal(text(&k[3]), "* The server is full. You are number 2 in the queue.\n");

	/* The queue is full too. */
	assert_int_equal(hub_open(&fx->h, &k[4].s), HUB_OPEN_FULL);
	assert_string_equal(text(&k[4]), "! The server is full and so is its queue; try again later.\n");
	assert_int_equal(k[4].admitted, 0);
	assert_int_equal(k[4].s.state, SESSION_GONE);
	hub_close(&fx->h, &k[4].s, "connection closed"); /* harmless */
	assert_int_equal(fx->h.qlen, 2);
	assert_string_equal(text(&k[2]), "");
	assert_string_equal(text(&k[3]), "");

	/* An admitted one leaves: the first in line is admitted, the next moves up. */
	hub_close(&fx->h, &k[0].s, "connection closed");
	assert_int_equal(k[2].admitted, 1);
	assert_int_equal(k[2].s.state, SESSION_NAMING);
	assert_int_equal(k[3].admitted, 0);
	assert_string_equal(text(&k[3]), "* You are number 1 in the queue.\n");
	assert_string_equal(text(&k[2]), "");
	assert_int_equal(hub_register(&fx->h, &k[2].s, "cy", 2), NAME_OK);
	drop_all(fx);

	/* A newcomer joins the end of the line; one waiting ahead of it leaves. */
	assert_int_equal(hub_open(&fx->h, &k[5].s), HUB_OPEN_QUEUED);
	assert_string_equal(text(&k[5]), "* The server is full. You are number 2 in the queue.\n");
	hub_close(&fx->h, &k[3].s, "connection closed");
	assert_string_equal(text(&k[5]), "* You are number 1 in the queue.\n");
	assert_int_equal(k[5].admitted, 0);
	assert_string_equal(text(&k[2]), ""); /* waiting sessions are nobody's news */

	/* A session that never got a name leaves: the slot goes to the last one waiting. */
	hub_close(&fx->h, &k[1].s, "connection closed");
	assert_int_equal(k[5].admitted, 1);
	assert_int_equal(k[5].s.state, SESSION_NAMING);
	assert_int_equal(fx->h.qlen, 0);
	assert_null(fx->h.qhead);
	fx_free(fx);
}

static void t_unlimited_clients(void **state)
{
	(void)state;
	struct fx *fx = fx_new(0, 0, 10, 50);
	for (size_t i = 0; i < 50; i++) {
		assert_int_equal(hub_open(&fx->h, &fx->k[i].s), HUB_OPEN_ADMITTED);
		assert_int_equal(fx->k[i].admitted, 1);
	}
	assert_int_equal(fx->h.admitted, 50);
	fx_free(fx);
}

/* ---- names, rooms, limits ---- */

static void t_names_unique_case_insensitively(void **state)
{
	(void)state;
	struct fx *fx = fx_new(0, 10, 10, 4);
	for (size_t i = 0; i < 4; i++)
		assert_int_equal(hub_open(&fx->h, &fx->k[i].s), HUB_OPEN_ADMITTED);
	struct session *s0 = &fx->k[0].s, *s1 = &fx->k[1].s, *s2 = &fx->k[2].s;
#define REG(s, lit) hub_register(&fx->h, (s), (lit), sizeof(lit) - 1)
	assert_int_equal(REG(s0, "Ana"), NAME_OK);
	assert_int_equal(REG(s1, "aNA"), HUB_NAME_TAKEN);
	assert_int_equal(REG(s1, "ana"), HUB_NAME_TAKEN);
	assert_int_equal(REG(s1, "Ana"), HUB_NAME_TAKEN);
	assert_int_equal(REG(s1, "a na"), NAME_SPACE);
	assert_int_equal(fx->k[1].s.state, SESSION_NAMING);
	assert_int_equal(REG(s1, "\xC3\x91" "and\xC3\xBA"), NAME_OK);                /* Ñandú */
	assert_int_equal(REG(s2, "\xC3\xB1" "AND\xC3\x9A"), HUB_NAME_TAKEN);         /* ñANDÚ */
	assert_int_equal(REG(s2, "\xC3\xB1" "and\xC3\xBA"), HUB_NAME_TAKEN);         /* ñandú */
	assert_int_equal(REG(s2, "\xC3\x91" "ANDU"), NAME_OK); /* no accent: another name */
	assert_int_equal(REG(&fx->k[3].s, "\xCE\x9F\xCE\x94\xCE\xA5\xCE\xA3\xCE\xA3\xCE\x95\xCE\xA5\xCE\xA3"),
			 NAME_OK); /* ΟΔΥΣΣΕΥΣ */
	assert_ptr_equal(hub_find(&fx->h, "\xCE\x9F\xCE\xB4\xCF\x85\xCF\x83\xCF\x83\xCE\xB5\xCF\x85\xCF\x82",
				  16), &fx->k[3].s); /* Οδυσσευς */
	assert_ptr_equal(hub_find(&fx->h, "ANA", 3), s0);
	assert_string_equal(s0->name, "Ana"); /* shown as written */
	/* Once Ana is gone the name is free again. */
	hub_close(&fx->h, s0, "bye");
	assert_null(hub_find(&fx->h, "ana", 3));
	hub_session_init(s0, &ops_line, &fx->k[0]);
	assert_int_equal(hub_open(&fx->h, s0), HUB_OPEN_ADMITTED);
	assert_int_equal(REG(s0, "aNA"), NAME_OK);
#undef REG
	assert_int_equal(fx->h.online, 4);
	fx_free(fx);
}

static void t_max_rooms(void **state)
{
	(void)state;
	struct fx *fx = fx_new(0, 10, 3, 1);
	join_as(fx, 0, "ana");
	drop_all(fx);
	assert_string_equal(type(fx, 0, "/join #a"), "* You joined #a (1 member).\n");
	assert_string_equal(type(fx, 0, "/join #b"), "* You joined #b (1 member).\n");
	assert_string_equal(type(fx, 0, "/join #c"),
			    "! You are in 3 rooms already, the most allowed; /part one first.\n");
	assert_null(hub_find_room(&fx->h, "#c", 2));
	assert_ptr_equal(hub_current(&fx->k[0].s), hub_find_room(&fx->h, "#b", 2));
	/* Rejoining a room one is in is not a new room. */
	assert_string_equal(type(fx, 0, "/join #a"),
			    "* You are in #a already; it is now your current room.\n");
	type(fx, 0, "/part #b");
	assert_string_equal(type(fx, 0, "/join #c"), "* You joined #c (1 member).\n");
	assert_int_equal(fx->k[0].s.nrooms, 3);
	fx_free(fx);
}

static void t_empty_rooms_freed_lobby_kept(void **state)
{
	(void)state;
	struct fx *fx = fx_new(0, 10, 10, 3);
	join_as(fx, 0, "ana");
	join_as(fx, 1, "bob");
	join_as(fx, 2, "cy");
	drop_all(fx);
	type(fx, 0, "/join #tmp");
	assert_string_equal(type(fx, 1, "/join #TMP"), "* You joined #tmp (2 members).\n");
	struct room *tmp = hub_find_room(&fx->h, "#Tmp", 4);
	assert_non_null(tmp);
	assert_string_equal(tmp->name, "#tmp"); /* as first written */
	assert_int_equal(fx->h.rooms.count, 2);
	type(fx, 0, "/part #tmp");
	assert_ptr_equal(hub_find_room(&fx->h, "#tmp", 4), tmp);
	type(fx, 1, "/part #tmp");
	assert_null(hub_find_room(&fx->h, "#tmp", 4));
	assert_int_equal(fx->h.rooms.count, 1);

	/* A room emptied by a member closing goes too. */
	type(fx, 2, "/join #gone");
	assert_non_null(hub_find_room(&fx->h, "#gone", 5));
	hub_close(&fx->h, &fx->k[2].s, "connection closed");
	assert_null(hub_find_room(&fx->h, "#gone", 5));

	/* The lobby stays when empty, and can be joined again. */
	type(fx, 0, "/part #lobby");
	type(fx, 1, "/part #lobby");
	struct room *lobby = hub_find_room(&fx->h, "#lobby", 6);
	assert_non_null(lobby);
	assert_ptr_equal(lobby, fx->h.lobby);
	assert_int_equal(lobby->count, 0);
	drop_all(fx);
	assert_string_equal(type(fx, 0, "/join #lobby"), "* You joined #lobby (1 member).\n");
	hub_close(&fx->h, &fx->k[0].s, "connection closed");
	hub_close(&fx->h, &fx->k[1].s, "connection closed");
	assert_ptr_equal(hub_find_room(&fx->h, "#lobby", 6), lobby);
	assert_int_equal(fx->h.rooms.count, 1);
	assert_int_equal(fx->h.online, 0);
	assert_int_equal(fx->h.admitted, 0);
	fx_free(fx);
}

static void t_stop_makes_close_silent(void **state)
{
	(void)state;
	struct fx *fx = fx_new(2, 10, 10, 4);
	join_as(fx, 0, "ana");
	join_as(fx, 1, "bob");
	assert_int_equal(hub_open(&fx->h, &fx->k[2].s), HUB_OPEN_QUEUED);
	assert_int_equal(hub_open(&fx->h, &fx->k[3].s), HUB_OPEN_QUEUED);
	drop_all(fx);

	hub_stop(&fx->h);
	hub_close(&fx->h, &fx->k[0].s, "server shutting down");
	assert_string_equal(text(&fx->k[1]), "");
	/* Nobody is admitted from the queue while stopping, nor told about moving up. */
	assert_int_equal(fx->k[2].admitted, 0);
	assert_string_equal(text(&fx->k[2]), "");
	hub_close(&fx->h, &fx->k[2].s, "server shutting down");
	assert_string_equal(text(&fx->k[3]), "");
	hub_close(&fx->h, &fx->k[1].s, "server shutting down");
	hub_close(&fx->h, &fx->k[3].s, "server shutting down");
	for (size_t i = 0; i < 4; i++) {
		assert_string_equal(text(&fx->k[i]), "");
		assert_int_equal(fx->k[i].s.state, SESSION_GONE);
	}
	assert_int_equal(fx->h.admitted, 0);
	assert_int_equal(fx->h.qlen, 0);
	fx_free(fx);
}

static void t_quit_disconnects_once(void **state)
{
	(void)state;
	struct fx *fx = fx_new(0, 10, 10, 2);
	join_as(fx, 0, "ana");
	join_as(fx, 1, "bob");
	drop_all(fx);
	hub_quit(&fx->h, &fx->k[0].s, "adi\xC3\xB3s", 6);
	assert_string_equal(text(&fx->k[0]), "* Bye.\n");
	assert_int_equal(fx->k[0].disconnected, 1);
	assert_int_equal(fx->k[0].s.state, SESSION_GONE);
	assert_string_equal(text(&fx->k[1]), "-- ana quit (adi\xC3\xB3s)\n");
	/* The face's own close afterwards is a no-op for the hub. */
	hub_close(&fx->h, &fx->k[0].s, "connection closed");
	assert_string_equal(text(&fx->k[1]), "");
	assert_int_equal(fx->k[1].disconnected, 0);
	fx_free(fx);
}

/* --announce-max: no join, part or quit news in rooms above the size; renames still reach all. */
static void t_announce_max(void **state)
{
	(void)state;
	struct fx *fx = fx_new(0, 10, 10, 6);
	fx->h.cfg.announce_max = 3;
	join_as(fx, 0, "a0");
	drop_all(fx);
	join_as(fx, 1, "a1");
	join_as(fx, 2, "a2"); /* the lobby has 3: announced */
	assert_string_equal(text(&fx->k[0]), "[#lobby] -- a1 joined\n[#lobby] -- a2 joined\n");
	drop_all(fx);
	join_as(fx, 3, "a3"); /* 4: silent */
	assert_string_equal(text(&fx->k[0]), "");
	assert_string_equal(text(&fx->k[2]), "");
	drop_all(fx);

	/* A small room keeps its news while the lobby is quiet. */
	assert_string_equal(type(fx, 0, "/join #small"), "* You joined #small (1 member).\n");
	assert_string_equal(type(fx, 1, "/join #small"), "* You joined #small (2 members).\n");
	assert_string_equal(text(&fx->k[0]), "[#small] -- a1 joined\n");

	/* a1 quits: the news goes through #small only; a2 and a3 share just the big lobby. */
	hub_close(&fx->h, &fx->k[1].s, "connection closed");
	assert_string_equal(text(&fx->k[0]), "-- a1 quit (connection closed)\n");
	assert_string_equal(text(&fx->k[2]), "");
	assert_string_equal(text(&fx->k[3]), "");

	/* The lobby is back to 3 members: leaving it is announced again (counted before leaving). */
	assert_string_equal(type(fx, 3, "/part #lobby"), "* You left #lobby.\n");
	assert_string_equal(text(&fx->k[2]), "[#lobby] -- a3 left\n");

	/* Renames are announced whatever the size. */
	join_as(fx, 4, "a4");
	join_as(fx, 5, "a5");
	drop_all(fx);
	assert_string_equal(type(fx, 2, "/nick b2"), "* You are now known as b2.\n");
	assert_string_equal(text(&fx->k[5]), "-- a2 is now known as b2\n");
	drop_all(fx);

	/* 0 means always. */
	fx->h.cfg.announce_max = 0;
	hub_close(&fx->h, &fx->k[5].s, "bye");
	assert_string_equal(text(&fx->k[4]), "-- a5 quit (bye)\n");
	fx_free(fx);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(t_say_encodes_once_per_format),
		cmocka_unit_test(t_rooms_isolated),
		cmocka_unit_test(t_news_reach_each_once),
		cmocka_unit_test(t_replies),
		cmocka_unit_test(t_who_long_lists_are_split),
		cmocka_unit_test(t_membership_churn),
		cmocka_unit_test(t_admission_queue),
		cmocka_unit_test(t_unlimited_clients),
		cmocka_unit_test(t_names_unique_case_insensitively),
		cmocka_unit_test(t_max_rooms),
		cmocka_unit_test(t_empty_rooms_freed_lobby_kept),
		cmocka_unit_test(t_stop_makes_close_silent),
		cmocka_unit_test(t_quit_disconnects_once),
		cmocka_unit_test(t_announce_max),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
