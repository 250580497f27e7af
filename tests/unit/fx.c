#include "fx.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "base/frame.h"
#include "base/xalloc.h"
#include "hub/name.h"

#define FX_COUNT(a) (sizeof(a) / sizeof((a)[0]))

unsigned fx_encodes[FX_FACES][FX_VARIANTS];
uint64_t fx_now;

/* ---- rendering ---- */

static const char *const fx_types[] = {
	"MESSAGE", "JOIN", "PART", "QUIT", "NICK", "TOPIC", "MODE", "KICK", "INVITE",
	"ARRIVE", "AWAY", "SETNAME", "WALLOPS", "KILL", "ACCOUNT",
	"WELCOME", "QUEUE", "BYE", "NAMES", "ROOMS", "RESULT", "CLUSTER",
};
static const char *const fx_results[] = {
	"OK", "QUEUE_FULL", "NAME_INVALID", "NAME_TAKEN", "NAME_BOT", "NO_SUCH_NAME",
	"ROOM_INVALID", "NO_SUCH_ROOM", "NOT_IN_ROOM", "ALREADY_IN", "TOO_MANY_ROOMS", "BANNED",
	"BAD_KEY", "ROOM_FULL", "INVITE_ONLY", "CANNOT_SEND", "NOT_OPERATOR", "NOT_OPER",
	"TARGET_NOT_IN",
	"TARGET_IN", "LIST_FULL", "TOO_FAST", "FLOODED", "SERVER_BANNED",
	"NAME_REGISTERED", "ACCOUNTS_OFF", "ACCOUNT_EXISTS",
	"NO_ACCOUNT", "BAD_LOGIN", "BAD_PASSWORD", "BAD_EMAIL", "NOT_LOGGED_IN", "LOGGED_IN",
	"LOGIN_THROTTLED", "REGISTER_THROTTLED", "AUTH_BUSY", "NO_CERT", "CERT_LIMIT",
};
static const char *const fx_name_results[] = {
	"OK", "EMPTY", "TOO_LONG", "BAD_UTF8", "SPACE", "CONTROL", "PUNCT", "INVISIBLE",
	"BAD_START", "RESERVED", "NO_HASH",
};
static const char *const fx_kinds[] = {"say", "action", "notice"};
static const char fx_letters[] = "imnstklbeIov"; /* by enum room_mode */

/* The tables follow the enums: a new event type or result must get its name here. */
_Static_assert(FX_COUNT(fx_types) == HUB_EV_COUNT, "fx_types");
_Static_assert(FX_COUNT(fx_results) == HUB_RESULT_COUNT, "fx_results");
_Static_assert(sizeof(fx_letters) - 1 == MODE_COUNT, "fx_letters");

static void fx_render_result(const struct hub_event *ev, struct buf *out)
{
	enum hub_result code = ev->u.result.code;
	buf_printf(out, " %s", code < HUB_RESULT_COUNT ? fx_results[code] : "?");
	int d = ev->u.result.detail;
	switch (code) {
	case HUB_ERR_NAME_INVALID:
	case HUB_ERR_ROOM_INVALID:
		buf_printf(out, ":%s",
			   d >= 0 && (size_t)d < FX_COUNT(fx_name_results) ? fx_name_results[d] : "?");
		return;
	case HUB_ERR_LIST_FULL:
		buf_printf(out, ":%c", d >= 0 && d < MODE_COUNT ? fx_letters[d] : '?');
		return;
	case HUB_ERR_TOO_MANY_ROOMS:
		buf_printf(out, ":%zu", ev->u.result.n);
		return;
	default:
		if (d || ev->u.result.n)
			buf_printf(out, " detail=%d n=%zu", d, ev->u.result.n);
	}
}

void fx_render(const struct hub_event *ev, bool stamp, struct buf *out)
{
	if (stamp && ev->id)
		buf_printf(out, "@%llu.%llu t=%llu o=%u ",
			   (unsigned long long)(ev->id >> HUB_ID_SEQ_BITS),
			   (unsigned long long)((ev->id & ((1ull << HUB_ID_SEQ_BITS) - 1)) >>
						HUB_ID_NODE_BITS),
			   (unsigned long long)ev->time_ms, (unsigned)ev->origin);
	else if (stamp)
		buf_puts(out, "@- ");
	buf_puts(out, ev->type < HUB_EV_COUNT ? fx_types[ev->type] : "?");
	if (ev->type == HUB_EV_MESSAGE)
		buf_printf(out, " %s", ev->kind < FX_COUNT(fx_kinds) ? fx_kinds[ev->kind] : "?");
	if (ev->flags & HUB_EVF_SELF)
		buf_puts(out, " self");
	if (ev->flags & HUB_EVF_MOVED)
		buf_puts(out, " moved");
	if (ev->room)
		buf_printf(out, " %s", ev->room);
	if (ev->from)
		buf_printf(out, " %s", ev->from);
	if (ev->to)
		buf_printf(out, " >%s", ev->to);
	if (ev->len) {
		/* Copied with memcpy rather than "%.*s", so that ASan checks every byte read. */
		buf_puts(out, " \"");
		buf_append(out, ev->text, ev->len);
		buf_putc(out, '"');
	}
	switch (ev->type) {
	case HUB_EV_JOIN:
	case HUB_EV_WELCOME:
	case HUB_EV_QUEUE:
		buf_printf(out, " n=%llu", (unsigned long long)ev->u.count);
		break;
	case HUB_EV_RESULT:
		fx_render_result(ev, out);
		break;
	case HUB_EV_NAMES:
		buf_puts(out, " [");
		for (size_t i = 0; i < ev->u.names.n; i++) {
			const struct hub_member_view *m = &ev->u.names.v[i];
			buf_printf(out, "%s%s%s%s", i ? " " : "", m->prefix & MEMBER_OP ? "@" : "",
				   m->prefix & MEMBER_VOICE ? "+" : "", m->s->name);
		}
		buf_putc(out, ']');
		if (ev->u.names.nbots) {
			buf_puts(out, " bots=[");
			for (size_t i = 0; i < ev->u.names.nbots; i++)
				buf_printf(out, "%s%s", i ? " " : "", ev->u.names.bots[i]->s->name);
			buf_putc(out, ']');
		}
		break;
	case HUB_EV_ROOMS:
		buf_puts(out, " [");
		for (size_t i = 0; i < ev->u.rooms.n; i++)
			buf_printf(out, "%s%s/%u", i ? " " : "", ev->u.rooms.v[i]->name,
				   (unsigned)ev->u.rooms.v[i]->count);
		buf_putc(out, ']');
		break;
	case HUB_EV_MODE:
		buf_puts(out, " [");
		for (size_t i = 0; i < ev->u.modes.n; i++) {
			const struct mode_change *c = &ev->u.modes.v[i];
			buf_printf(out, "%s%c%c", i ? " " : "", c->add ? '+' : '-',
				   c->mode < MODE_COUNT ? fx_letters[c->mode] : '?');
			if (c->arg) {
				buf_putc(out, ':');
				buf_append(out, c->arg, c->arglen);
			}
		}
		buf_putc(out, ']');
		break;
	default:
		break;
	}
	buf_putc(out, '\n');
}

/* ---- the fake faces ---- */

static struct frame *fx_encode(int face, const struct hub_event *ev, unsigned variant,
			       struct buf *scratch)
{
	assert_true(variant < FX_VARIANTS);
	assert_int_equal(scratch->len, 0); /* the hub clears it before each call */
	fx_encodes[face][variant]++;
	if (face == 1 && ev->type == HUB_EV_MESSAGE && ev->kind == HUB_MSG_NOTICE)
		return NULL;
	if (face == 1)
		buf_puts(scratch, "b|");
	fx_render(ev, variant == 1, scratch);
	return frame_from_buf(scratch);
}

static struct frame *fx_encode_a(const struct hub_event *ev, unsigned variant, struct buf *scratch)
{
	return fx_encode(0, ev, variant, scratch);
}

static struct frame *fx_encode_b(const struct hub_event *ev, unsigned variant, struct buf *scratch)
{
	return fx_encode(1, ev, variant, scratch);
}

const struct hub_face fx_face_a = {"fake-a", FX_VARIANTS, fx_encode_a, NULL};
const struct hub_face fx_face_b = {"fake-b", FX_VARIANTS, fx_encode_b, NULL};

/* ---- fake sessions ---- */

struct fake *fx_fake(struct session *s)
{
	return list_entry(s, struct fake, s);
}

static void fx_deliver(struct session *s, struct frame *f)
{
	struct fake *k = fx_fake(s);
	assert_true(f->len > 0); /* a format with nothing to say delivers nothing */
	k->got = xgrow(k->got, &k->capgot, k->ngot + 1, sizeof(*k->got));
	k->got[k->ngot++] = frame_ref(f);
}

static void fx_admitted(struct session *s)
{
	fx_fake(s)->admitted++;
}

static void fx_disconnect(struct session *s)
{
	fx_fake(s)->disconnected++;
}

static void fx_no_event(struct session *s, const struct hub_event *ev)
{
	(void)s;
	(void)ev;
	fail_msg("an event was handed to a session with a face");
}

static const struct session_ops fx_ops_a = {&fx_face_a, fx_deliver, fx_admitted, fx_disconnect,
					    fx_no_event, false, NULL, NULL};
static const struct session_ops fx_ops_b = {&fx_face_b, fx_deliver, fx_admitted, fx_disconnect,
					    fx_no_event, false, NULL, NULL};

void fx_drop(struct fake *k)
{
	for (size_t i = 0; i < k->ngot; i++)
		frame_unref(k->got[i]);
	k->ngot = 0;
}

void fx_drop_all(struct fx *fx)
{
	for (size_t i = 0; i < fx->n; i++)
		fx_drop(&fx->k[i]);
}

const char *fx_text(struct fake *k)
{
	static struct buf out;
	buf_clear(&out);
	buf_append(&out, "", 0);
	for (size_t i = 0; i < k->ngot; i++)
		buf_append(&out, k->got[i]->data, k->got[i]->len);
	fx_drop(k);
	return out.data;
}

const char *fx_log(struct buf *log)
{
	static struct buf out;
	buf_clear(&out);
	buf_append(&out, log->data ? log->data : "", log->len);
	buf_clear(log);
	return out.data;
}

/* ---- fake bots and observers ---- */

static struct fakebot *fx_bot_of(struct session *s)
{
	return list_entry(s, struct fakebot, s);
}

static void fx_bot_admitted(struct session *s)
{
	fx_bot_of(s)->admitted++;
}

static void fx_bot_deliver(struct session *s, struct frame *f)
{
	(void)s;
	(void)f;
	fail_msg("a frame was delivered to a bot");
}

static void fx_bot_disconnect(struct session *s)
{
	(void)s;
}

static void fx_bot_event(struct session *s, const struct hub_event *ev)
{
	struct fakebot *b = fx_bot_of(s);
	fx_render(ev, true, &b->log);
	if (b->hook)
		b->hook(b, ev);
}

static const struct session_ops fx_ops_bot = {NULL, fx_bot_deliver, fx_bot_admitted,
					      fx_bot_disconnect, fx_bot_event, false, NULL, NULL};

enum hub_result fx_bot(struct fx *fx, size_t i, const char *name, const char *role,
		       bool everywhere)
{
	struct fakebot *b = &fx->bot[i];
	session_init(&fx->h, &b->s, &fx_ops_bot);
	b->h = &fx->h;
	assert_int_equal(session_open(&fx->h, &b->s), SESSION_ADMITTED);
	assert_int_equal(b->admitted, 1);
	struct hub_bot info = {.role = role, .hint = "ask it", .everywhere = everywhere};
	return hub_bot_register(&fx->h, &b->s, name, strlen(name), &info);
}

static void fx_obs_event(struct hub_observer *o, const struct hub_event *ev)
{
	struct fxobs *ob = list_entry(o, struct fxobs, o);
	ob->heard++;
	fx_render(ev, true, &ob->log);
}

struct fxobs *fx_observe(struct fx *fx, size_t i, uint32_t mask)
{
	struct fxobs *ob = &fx->obs[i];
	ob->o.mask = mask;
	ob->o.event = fx_obs_event;
	hub_observe(&fx->h, &ob->o);
	return ob;
}

/* ---- fixture ---- */

static struct fx *fx_current; /* the live fixture, for fx_teardown */

static uint64_t fx_clock(void)
{
	return fx_now;
}

struct hub_config fx_config(void)
{
	return (struct hub_config){.server_name = "test", .lobby = "#lobby", .max_rooms = 10,
				   .max_queue = 10, .node = FX_NODE, .clock_ms = fx_clock};
}

struct fx *fx_new_cfg(const struct hub_config *cfg, size_t n)
{
	assert_null(fx_current);
	struct fx *fx = xcalloc(1, sizeof(*fx));
	fx_current = fx;
	fx_now = FX_T0;
	memset(fx_encodes, 0, sizeof(fx_encodes));
	hub_init(&fx->h, cfg, NULL, 0x5EED);
	hub_add_face(&fx->h, &fx_face_a);
	hub_add_face(&fx->h, &fx_face_b);
	fx->n = n;
	fx->k = xcalloc(n ? n : 1, sizeof(*fx->k));
	for (size_t i = 0; i < n; i++)
		session_init(&fx->h, &fx->k[i].s, &fx_ops_a);
	return fx;
}

int fx_teardown(void **state)
{
	(void)state;
	if (fx_current)
		fx_free(fx_current);
	return 0;
}

struct fx *fx_new(size_t n)
{
	struct hub_config cfg = fx_config();
	return fx_new_cfg(&cfg, n);
}

void fx_free(struct fx *fx)
{
	fx_current = NULL;
	for (size_t i = 0; i < FX_OBSERVERS; i++) {
		hub_unobserve(&fx->h, &fx->obs[i].o);
		buf_free(&fx->obs[i].log);
	}
	for (size_t i = 0; i < fx->n; i++)
		session_close(&fx->h, &fx->k[i].s, "test over", 9);
	for (size_t i = 0; i < FX_BOTS; i++) {
		if (fx->bot[i].s.ops)
			session_close(&fx->h, &fx->bot[i].s, "test over", 9);
		buf_free(&fx->bot[i].log);
	}
	for (size_t i = 0; i < fx->n; i++) {
		assert_int_equal(fx->k[i].s.state, SESSION_GONE);
		fx_drop(&fx->k[i]);
		free(fx->k[i].got);
	}
	assert_int_equal(fx->h.fanning, 0);
	assert_int_equal(fx->h.admitted, 0);
	assert_int_equal(fx->h.online, 0);
	assert_int_equal(fx->h.names.count, 0);
	assert_int_equal(fx->h.reserved.count, 0);
	hub_free(&fx->h);
	free(fx->k);
	free(fx);
}

void fx_use(struct fx *fx, size_t i, const struct hub_face *face, unsigned variant)
{
	struct session *s = &fx->k[i].s;
	assert_true(s->state == SESSION_NEW || s->state == SESSION_GONE);
	session_init(&fx->h, s, face == &fx_face_b ? &fx_ops_b : &fx_ops_a);
	session_set_variant(&fx->h, s, variant);
}

static void fx_open_len(struct fx *fx, size_t i, const char *name, size_t len)
{
	struct fake *k = &fx->k[i];
	unsigned before = k->admitted;
	assert_int_equal(session_open(&fx->h, &k->s), SESSION_ADMITTED);
	assert_int_equal(k->admitted, before + 1);
	assert_int_equal(k->s.state, SESSION_NAMING);
	assert_int_equal(session_register(&fx->h, &k->s, name, len), HUB_OK);
	assert_int_equal(k->s.state, SESSION_ACTIVE);
}

void fx_open(struct fx *fx, size_t i, const char *name)
{
	fx_open_len(fx, i, name, strlen(name));
}

void fx_people(struct fx *fx, const char *names)
{
	size_t i = 0;
	for (const char *p = names; *p;) {
		const char *space = strchr(p, ' ');
		size_t len = space ? (size_t)(space - p) : strlen(p);
		fx_open_len(fx, i++, p, len);
		p += len + (space ? 1 : 0);
	}
	fx_drop_all(fx);
}

/* ---- requests ---- */

enum hub_result fx_join(struct fx *fx, size_t i, const char *room)
{
	return room_join(&fx->h, &fx->k[i].s, room, strlen(room), NULL, 0);
}

enum hub_result fx_part(struct fx *fx, size_t i, const char *room, const char *reason)
{
	return room_part(&fx->h, &fx->k[i].s, room, strlen(room), reason, strlen(reason));
}

enum hub_result fx_say(struct fx *fx, size_t i, const char *room, const char *text)
{
	return room_say(&fx->h, &fx->k[i].s, room, strlen(room), HUB_MSG_SAY, text, strlen(text));
}

enum hub_result fx_msg(struct fx *fx, size_t i, const char *to, const char *text)
{
	return session_message(&fx->h, &fx->k[i].s, to, strlen(to), HUB_MSG_SAY, text,
			       strlen(text));
}

enum hub_result fx_nick(struct fx *fx, size_t i, const char *name)
{
	return session_nick(&fx->h, &fx->k[i].s, name, strlen(name));
}

void fx_close(struct fx *fx, size_t i, const char *reason)
{
	session_close(&fx->h, &fx->k[i].s, reason, strlen(reason));
}

enum hub_result fx_mode(struct fx *fx, size_t i, const char *room, const char *changes)
{
	struct mode_change v[32];
	size_t n = 0;
	for (const char *p = changes; *p; n++) {
		assert_true(n < FX_COUNT(v));
		assert_true(*p == '+' || *p == '-');
		const char *letter = strchr(fx_letters, p[1]);
		assert_non_null(letter);
		v[n] = (struct mode_change){.mode = (enum room_mode)(letter - fx_letters),
					    .add = *p == '+'};
		p += 2;
		if (*p == ':') {
			v[n].arg = ++p;
			v[n].arglen = strcspn(p, " ");
			p += v[n].arglen;
		}
		if (*p == ' ')
			p++;
	}
	return room_mode(&fx->h, &fx->k[i].s, room, strlen(room), v, n);
}

/* ---- checks ---- */

static void fx_check_session(const struct session *s)
{
	for (uint32_t k = 0; k < s->nrooms; k++) {
		const struct room *r = s->rooms[k].room;
		assert_true(s->rooms[k].index < r->count);
		assert_ptr_equal(r->members[s->rooms[k].index].s, s);
		assert_int_equal(r->members[s->rooms[k].index].slot, k);
	}
}

void fx_check_links(struct fx *fx)
{
	size_t it = 0;
	void *v;
	while (map_next(&fx->h.rooms, &it, NULL, &v)) {
		const struct room *r = v;
		assert_true(r->count > 0 || r->kept);
		for (uint32_t x = 0; x < r->count; x++) {
			const struct session *s = r->members[x].s;
			assert_true(r->members[x].slot < s->nrooms);
			assert_ptr_equal(s->rooms[r->members[x].slot].room, r);
			assert_int_equal(s->rooms[r->members[x].slot].index, x);
		}
	}
	for (size_t i = 0; i < fx->n; i++)
		fx_check_session(&fx->k[i].s);
}

const char *fx_isolated(struct fx *fx, int (*fn)(struct fx *fx))
{
	static char why[64];
	fflush(NULL);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0)
		_exit(fn(fx)); /* no atexit handlers, no leak check: the child's state is a copy */
	int status;
	assert_int_equal(waitpid(pid, &status, 0), pid);
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		return NULL;
	if (WIFSIGNALED(status))
		snprintf(why, sizeof(why), "the hub died of signal %d (%s)", WTERMSIG(status),
			 strsignal(WTERMSIG(status)));
	else
		snprintf(why, sizeof(why), "the check failed with status %d", WEXITSTATUS(status));
	return why;
}
