/* fx: the fixture of the hub's unit tests (test_hub.c, test_room.c): fake faces that render every
 * typed event as one readable line, fake sessions that keep what they are sent, fake bots and
 * observers that log the events they hear, and a clock the test sets.
 *
 * The line of an event is, in this order and only for what it has: the type, a message's kind,
 * "self" and "moved" for its flags, the room ("#x"), who did it, ">target", the text in quotes and
 * the payload: "n=" for a count, the result's code (with ":detail"), "[@op +voiced plain]" and
 * "bots=[...]" for a names list, "[#room/members ...]" for a rooms list, "[+k:key -o:name]" for
 * mode changes (IRC's letters, which are this face's business). For example
 *     MESSAGE say #lobby ana "hola"
 *     RESULT self ana >bob NAME_TAKEN
 * Variant 1 of a face puts the stamp in front ("@1000.2 t=1000 o=7 ", the id as its milliseconds
 * and sequence; "@- " when unstamped), as IRC with message tags would. Face B prefixes "b|" and
 * has nothing to say of notices (its encoder returns NULL). Encodes are counted per face and
 * variant.
 *
 * Ownership. A fake session takes a reference on every frame delivered to it and keeps it until
 * the test reads it (fx_text) or the fixture ends, so LeakSanitizer reports a frame whose
 * reference the hub forgot and ASan one it released too early. The fixture owns the hub, the
 * sessions, the bots and the observers; fx_free closes them all before hub_free. One fixture
 * lives at a time. */
#ifndef CHARLA_TESTS_FX_H
#define CHARLA_TESTS_FX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/buf.h"
#include "hub/hub.h"
#include "hub/mode.h"

enum { FX_FACES = 2, FX_VARIANTS = 2, FX_BOTS = 2, FX_NODE = 7, FX_T0 = 1000 };

extern const struct hub_face fx_face_a, fx_face_b;
extern unsigned fx_encodes[FX_FACES][FX_VARIANTS];
/* The clock every fixture's hub reads (hub_config.clock_ms), in ms; fx_new sets it to FX_T0. */
extern uint64_t fx_now;

struct fake {
	struct session s;
	struct frame **got; /* delivered frames, one reference each */
	size_t ngot, capgot;
	unsigned admitted, disconnected;
};

struct fakebot {
	struct session s;
	struct buf log;    /* every event heard, stamped, one per line */
	unsigned admitted;
	struct hub *h;
	/* Runs after an event is logged, from inside the hub's call; NULL: none. */
	void (*hook)(struct fakebot *b, const struct hub_event *ev);
};

struct fxobs {
	struct hub_observer o;
	struct buf log;    /* every event heard, stamped, one per line */
	unsigned heard;
};

enum { FX_OBSERVERS = 2 };

struct fx {
	struct hub h;
	struct fake *k;
	size_t n;
	struct fakebot bot[FX_BOTS];
	struct fxobs obs[FX_OBSERVERS];
};

/* The default settings: lobby "#lobby", 10 rooms each, no client limit, a queue of 10, every
 * join announced, node FX_NODE, the fake clock. */
struct hub_config fx_config(void);
struct fx *fx_new(size_t n);
struct fx *fx_new_cfg(const struct hub_config *cfg, size_t n);
void fx_free(struct fx *fx);
/* A cmocka teardown: frees the fixture a failed test left behind, so that LeakSanitizer speaks
 * only of what the hub leaked. */
int fx_teardown(void **state);

/* Prepares session i (NEW or GONE) for a face and a variant of it. */
void fx_use(struct fx *fx, size_t i, const struct hub_face *face, unsigned variant);
/* Opens session i, which must be admitted at once, and names it. */
void fx_open(struct fx *fx, size_t i, const char *name);
/* Opens sessions 0, 1, ... named by the space-separated words of names; forgets what they got. */
void fx_people(struct fx *fx, const char *names);
/* Opens bot i and registers it; returns what bot_register did. */
enum hub_result fx_bot(struct fx *fx, size_t i, const char *name, const char *role,
		       bool everywhere);

/* The fake behind a session (container arithmetic: a session has no owner pointer). */
struct fake *fx_fake(struct session *s);
/* Everything k was sent since the last look, as one string, valid until the next call; the
 * frames are released. */
const char *fx_text(struct fake *k);
/* A bot's or observer's log since the last look, likewise. */
const char *fx_log(struct buf *log);
void fx_drop(struct fake *k);
void fx_drop_all(struct fx *fx);

/* Requests by session index, names as C strings. */
enum hub_result fx_join(struct fx *fx, size_t i, const char *room);
enum hub_result fx_part(struct fx *fx, size_t i, const char *room, const char *reason);
enum hub_result fx_say(struct fx *fx, size_t i, const char *room, const char *text);
enum hub_result fx_msg(struct fx *fx, size_t i, const char *to, const char *text);
enum hub_result fx_nick(struct fx *fx, size_t i, const char *name);
void fx_close(struct fx *fx, size_t i, const char *reason);
/* Mode changes written as the renderer shows them: "+i +k:sesame -o:bob". */
enum hub_result fx_mode(struct fx *fx, size_t i, const char *room, const char *changes);

/* The event's line (see above), stamped or not, appended to out. */
void fx_render(const struct hub_event *ev, bool stamp, struct buf *out);

/* Starts observer i of the fixture with mask; fx_free stops it. */
struct fxobs *fx_observe(struct fx *fx, size_t i, uint32_t mask);

/* Checks every membership both ways: each room's member knows its slot in the session's array,
 * each session's membership its index in the room's. */
void fx_check_links(struct fx *fx);

/* Runs fn in a child process, so that an abort or a memory error in the hub fails one test rather
 * than the whole run. fn must not use cmocka's assertions (the child has no runner to go back to);
 * it returns 0 when all went as expected. Returns NULL then, else what happened to the child. */
const char *fx_isolated(struct fx *fx, int (*fn)(struct fx *fx));

#endif
