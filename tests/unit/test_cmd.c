/* Unit tests for text/cmd: cmd_parse over single lines, and cmd_line's replies through a real hub
 * with fake line-protocol sessions (no sockets: each session collects the bytes it is sent). */
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
#include "hub/hub.h"
#include "hub/name.h"
#include "text/cmd.h"
#include "text/text_codec.h"

/* ---- cmd_parse ---- */

/* The span as a NUL-terminated copy in a static buffer (one per slot). */
static const char *span(struct cmd_span s, int slot)
{
	static char bufs[4][512];
	assert_true(s.len < sizeof(bufs[0]));
	if (s.len)
		memcpy(bufs[slot], s.p, s.len);
	bufs[slot][s.len] = '\0';
	return bufs[slot];
}

static void span_inside(struct cmd_span s, const char *line, size_t len)
{
	if (s.len)
		assert_true(s.p >= line && s.p + s.len <= line + len);
}

static struct cmd_parsed parse(const char *line, enum cmd_kind kind)
{
	struct cmd_parsed c;
	size_t len = strlen(line);
	assert_int_equal(cmd_parse(line, len, &c), kind);
	assert_int_equal(c.kind, kind);
	span_inside(c.arg, line, len);
	span_inside(c.rest, line, len);
	span_inside(c.text, line, len);
	span_inside(c.name, line, len);
	return c;
}

static void expect_cmd(const char *line, enum cmd_id id, const char *arg, const char *rest)
{
	struct cmd_parsed c = parse(line, CMD_COMMAND);
	assert_int_equal(c.id, id);
	assert_string_equal(span(c.arg, 0), arg);
	assert_string_equal(span(c.rest, 1), rest);
}

static void expect_text(const char *line, const char *text)
{
	struct cmd_parsed c = parse(line, CMD_TEXT);
	assert_string_equal(span(c.text, 0), text);
}

static void expect_usage(const char *line, enum cmd_id id)
{
	struct cmd_parsed c = parse(line, CMD_USAGE);
	assert_int_equal(c.id, id);
}

static void expect_unknown(const char *line, const char *name)
{
	struct cmd_parsed c = parse(line, CMD_UNKNOWN);
	assert_string_equal(span(c.name, 0), name);
}

static void t_every_command(void **state)
{
	(void)state;
	expect_cmd("/help", CMD_HELP, "", "");
	expect_cmd("/nick bob", CMD_NICK, "bob", "bob");
	expect_cmd("/join #dev", CMD_JOIN, "#dev", "");
	expect_cmd("/join dev", CMD_JOIN, "dev", "");
	expect_cmd("/join dev extra words", CMD_JOIN, "dev", "extra words");
	expect_cmd("/part", CMD_PART, "", "");
	expect_cmd("/part #dev", CMD_PART, "#dev", "");
	expect_cmd("/rooms", CMD_ROOMS, "", "");
	expect_cmd("/who", CMD_WHO, "", "");
	expect_cmd("/who #dev", CMD_WHO, "#dev", "");
	expect_cmd("/msg bob hola", CMD_MSG, "bob", "hola");
	expect_cmd("/me waves", CMD_ME, "waves", "waves");
	expect_cmd("/quit", CMD_QUIT, "", "");
	expect_cmd("/quit bye", CMD_QUIT, "bye", "bye");
}

static void t_case_insensitive(void **state)
{
	(void)state;
	expect_cmd("/HELP", CMD_HELP, "", "");
	expect_cmd("/Help", CMD_HELP, "", "");
	expect_cmd("/NiCk Bob", CMD_NICK, "Bob", "Bob");
	expect_cmd("/JOIN #Dev", CMD_JOIN, "#Dev", "");
	expect_cmd("/MSG bob hi", CMD_MSG, "bob", "hi");
	expect_cmd("/ME x", CMD_ME, "x", "x");
	expect_cmd("/QUIT", CMD_QUIT, "", "");
	expect_cmd("/ROOMS", CMD_ROOMS, "", "");
	expect_cmd("/wHo", CMD_WHO, "", "");
	expect_cmd("/PART", CMD_PART, "", "");
}

static void t_spans_and_blanks(void **state)
{
	(void)state;
	/* /msg: the first word is the name, the rest (trimmed, inner blanks kept) the text. */
	expect_cmd("/msg bob hola que tal", CMD_MSG, "bob", "hola que tal");
	expect_cmd("/msg   bob    hola  que  tal   ", CMD_MSG, "bob", "hola  que  tal");
	expect_cmd("/msg\tbob\thi\tthere", CMD_MSG, "bob", "hi\tthere");
	/* /me and /quit take the whole rest as one value. */
	expect_cmd("/me  waves at   everyone ", CMD_ME, "waves at   everyone", "waves at   everyone");
	expect_cmd("/quit  me voy, adi\xC3\xB3s ", CMD_QUIT, "me voy, adi\xC3\xB3s", "me voy, adi\xC3\xB3s");
	expect_cmd("/help   ", CMD_HELP, "", "");
	expect_cmd("/nick  a b ", CMD_NICK, "a b", "a b"); /* the hub refuses the space later */
}

static void t_missing_arguments(void **state)
{
	(void)state;
	expect_usage("/nick", CMD_NICK);
	expect_usage("/nick   ", CMD_NICK);
	expect_usage("/join", CMD_JOIN);
	expect_usage("/join \t ", CMD_JOIN);
	expect_usage("/msg", CMD_MSG);
	expect_usage("/msg bob", CMD_MSG);
	expect_usage("/msg bob   ", CMD_MSG);
	expect_usage("/me", CMD_ME);
	expect_usage("/me   ", CMD_ME);
	expect_usage("/MSG", CMD_MSG);
}

static void t_unknown(void **state)
{
	(void)state;
	expect_unknown("/x", "x");
	expect_unknown("/xyz with args", "xyz");
	expect_unknown("/helpme", "helpme");
	expect_unknown("/hel", "hel");
	expect_unknown("/salir", "salir");
	expect_unknown("/", "");
}

static void t_text_and_escape(void **state)
{
	(void)state;
	expect_text("hola", "hola");
	expect_text("  hola  ", "  hola  "); /* text is said as typed */
	expect_text("//etc/hosts is a file", "/etc/hosts is a file");
	expect_text("//", "/");
	expect_text("///x", "//x");
	expect_text(" /help", " /help"); /* only a line that starts with '/' is a command */
	expect_text("a/b", "a/b");
}

static void t_blank_lines(void **state)
{
	(void)state;
	parse("", CMD_EMPTY);
	parse(" ", CMD_EMPTY);
	parse("   \t  ", CMD_EMPTY);
	struct cmd_parsed c;
	assert_int_equal(cmd_parse("x", 0, &c), CMD_EMPTY);
}

static void t_salir(void **state)
{
	(void)state;
	expect_cmd("salir", CMD_QUIT, "", "");
	expect_cmd("SALIR", CMD_QUIT, "", "");
	expect_cmd("Salir", CMD_QUIT, "", "");
	expect_cmd("  salir  ", CMD_QUIT, "", "");
	expect_cmd("\tsAlIr\t", CMD_QUIT, "", "");
	expect_text("salir ya", "salir ya");
	expect_text("salirr", "salirr");
	expect_text("sal", "sal");
	expect_text("no salir", "no salir");
	/* The length decides, not a NUL. */
	struct cmd_parsed c;
	assert_int_equal(cmd_parse("salir ya", 5, &c), CMD_COMMAND);
	assert_int_equal(c.id, CMD_QUIT);
}

static void t_usage_strings(void **state)
{
	(void)state;
	static const char *const names[CMD_COUNT] = {
		[CMD_HELP] = "/help", [CMD_NICK] = "/nick", [CMD_JOIN] = "/join",
		[CMD_PART] = "/part", [CMD_ROOMS] = "/rooms", [CMD_WHO] = "/who",
		[CMD_MSG] = "/msg", [CMD_ME] = "/me", [CMD_QUIT] = "/quit",
		[CMD_TOPIC] = "/topic", [CMD_KICK] = "/kick", [CMD_INVITE] = "/invite",
		[CMD_OP] = "/op", [CMD_DEOP] = "/deop", [CMD_VOICE] = "/voice",
		[CMD_DEVOICE] = "/devoice", [CMD_MODE] = "/mode", [CMD_AWAY] = "/away",
		[CMD_LANG] = "/lang", [CMD_HISTORY] = "/history", [CMD_OPER] = "/oper",
		[CMD_BAN] = "/ban", [CMD_UNBAN] = "/unban", [CMD_BANS] = "/bans", [CMD_STATS] = "/stats",
		[CMD_REGISTER] = "/register",
		[CMD_LOGIN] = "/login", [CMD_LOGOUT] = "/logout", [CMD_PASSWORD] = "/password",
	};
	for (int id = 0; id < CMD_COUNT; id++) {
		const char *u = cmd_usage((enum cmd_id)id);
		assert_non_null(u);
		assert_memory_equal(u, names[id], strlen(names[id]));
		/* The usage names the command that parses back to this id. */
		struct cmd_parsed c;
		enum cmd_kind k = cmd_parse(names[id], strlen(names[id]), &c);
		assert_true(k == CMD_COMMAND || k == CMD_USAGE);
		assert_int_equal(c.id, id);
	}
	assert_string_equal(cmd_usage(CMD_MSG), "/msg NAME TEXT");
}

/* ---- cmd_line through a hub ---- */

struct tsess {
	struct session s;
	struct buf out; /* every byte the session was sent */
	int admitted;
	int disconnected;
};

static void t_deliver(struct session *s, struct frame *f)
{
	struct tsess *t = list_entry(s, struct tsess, s);
	assert_true(f->refs >= 1);
	buf_append(&t->out, f->data, f->len);
}

static void t_admitted(struct session *s)
{
	list_entry(s, struct tsess, s)->admitted++;
}

static void t_disconnect(struct session *s)
{
	list_entry(s, struct tsess, s)->disconnected++;
}

static const struct session_ops tops = {
	.face = &text_codec_face,
	.deliver = t_deliver,
	.admitted = t_admitted,
	.disconnect = t_disconnect,
};

struct fixture {
	struct hub hub;
	struct tsess ses[4];
};

#define ASK "* What is your name? (1-32 characters; no spaces, no ':')\n"

static int setup(void **state)
{
	struct fixture *fx = calloc(1, sizeof(*fx));
	struct hub_config cfg = {.server_name = "testhost", .lobby = "#lobby", .max_rooms = 10,
				 .max_clients = 0, .max_queue = 10};
	hub_init(&fx->hub, &cfg, NULL, 1);
	hub_add_face(&fx->hub, &text_codec_face);
	for (int i = 0; i < 4; i++) {
		session_init(&fx->hub, &fx->ses[i].s, &tops);
		buf_init(&fx->ses[i].out);
		assert_int_equal(session_open(&fx->hub, &fx->ses[i].s), SESSION_ADMITTED);
		assert_int_equal(fx->ses[i].admitted, 1);
	}
	*state = fx;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *fx = *state;
	/* A test that failed half-way may have left its bot's observer behind, on its stack. */
	while (!list_empty(&fx->hub.observers))
		list_remove(list_first(&fx->hub.observers));
	for (int i = 0; i < 4; i++) {
		session_close(&fx->hub, &fx->ses[i].s, "test over", 9);
		buf_free(&fx->ses[i].out);
	}
	hub_free(&fx->hub);
	free(fx);
	return 0;
}

/* Runs one line from session i and returns what i was sent (then forgets it). */
static const char *say(struct fixture *fx, int i, const char *line)
{
	static struct buf last;
	struct tsess *t = &fx->ses[i];
	buf_clear(&t->out);
	cmd_line(&fx->hub, &t->s, line, strlen(line), "192.0.2.1");
	buf_clear(&last);
	buf_append(&last, t->out.data ? t->out.data : "", t->out.len);
	buf_clear(&t->out);
	return last.data;
}

/* What session i was sent since the last look. */
static const char *seen(struct fixture *fx, int i)
{
	static struct buf last;
	struct tsess *t = &fx->ses[i];
	buf_clear(&last);
	buf_append(&last, t->out.data ? t->out.data : "", t->out.len);
	buf_clear(&t->out);
	return last.data;
}

static void clear_all(struct fixture *fx)
{
	for (int i = 0; i < 4; i++)
		buf_clear(&fx->ses[i].out);
}

static void t_greeting(void **state)
{
	struct fixture *fx = *state;
	/* Everyone admitted is online, whether named yet or not: the fixture admitted four. */
	cmd_greet(&fx->hub, &fx->ses[0].s, "9.9");
	assert_string_equal(seen(fx, 0), "* charlad 9.9 on testhost. 3 people online. Para hablar en español, escribe /lang es.\n" ASK);
	assert_string_equal(say(fx, 0, "ana"),
			    "* Welcome, ana! You are in #lobby with 0 others. Type /help for commands.\n");
	cmd_greet(&fx->hub, &fx->ses[1].s, "9.9");
	assert_string_equal(seen(fx, 1), "* charlad 9.9 on testhost. 3 people online. Para hablar en español, escribe /lang es.\n" ASK);
	assert_string_equal(say(fx, 1, "  luis \t"),
			    "* Welcome, luis! You are in #lobby with 1 other. Type /help for commands.\n");
	assert_string_equal(seen(fx, 0), "[#lobby] -- luis joined\n");
	session_close(&fx->hub, &fx->ses[3].s, "gone", 4);
	cmd_greet(&fx->hub, &fx->ses[2].s, "9.9");
	assert_string_equal(seen(fx, 2), "* charlad 9.9 on testhost. 2 people online. Para hablar en español, escribe /lang es.\n" ASK);
	session_close(&fx->hub, &fx->ses[0].s, "gone", 4);
	session_close(&fx->hub, &fx->ses[1].s, "gone", 4);
	cmd_greet(&fx->hub, &fx->ses[2].s, "9.9");
	assert_string_equal(seen(fx, 2), "* charlad 9.9 on testhost. 0 people online. Para hablar en español, escribe /lang es.\n" ASK);
}

static void t_naming_phase(void **state)
{
	struct fixture *fx = *state;
	assert_string_equal(say(fx, 0, ""), "");
	assert_string_equal(say(fx, 0, "   "), "");
	assert_string_equal(say(fx, 0, "/join #x"), "! Give your name first.\n" ASK);
	assert_string_equal(say(fx, 0, "/who"), "! Give your name first.\n" ASK);
	assert_string_equal(say(fx, 0, "/msg"), "! Give your name first.\n" ASK);
	assert_string_equal(say(fx, 0, "/bogus"),
			    "! Unknown command: /bogus. Type /help for the list.\n");
	assert_string_equal(say(fx, 0, "pm"), "! Cannot use that name: that name is reserved.\n" ASK);
	assert_string_equal(say(fx, 0, "a b"),
			    "! Cannot use that name: a name cannot contain spaces.\n" ASK);
	assert_string_equal(say(fx, 0, "a:b"),
			    "! Cannot use that name: a name cannot contain ':' or ','.\n" ASK);
	assert_string_equal(say(fx, 0, "//x"),
			    "! Cannot use that name: a name cannot start with # / @ + * ! - or [.\n" ASK);
	assert_int_equal(fx->ses[0].s.state, SESSION_NAMING);
	assert_string_equal(say(fx, 0, "Ana"),
			    "* Welcome, Ana! You are in #lobby with 0 others. Type /help for commands.\n");
	assert_int_equal(fx->ses[0].s.state, SESSION_ACTIVE);
	/* Taken, case-insensitively. */
	assert_string_equal(say(fx, 1, "ANA"), "! The name ANA is taken; pick another.\n" ASK);
	assert_int_equal(fx->ses[1].s.state, SESSION_NAMING);
	assert_string_equal(seen(fx, 0), "");
}

static void t_help(void **state)
{
	struct fixture *fx = *state;
	/* Help works before and after naming; every line is a "* " line and every command is listed. */
	for (int round = 0; round < 2; round++) {
		const char *h = say(fx, 0, round ? "/HELP" : "/help");
		assert_memory_equal(h, "* Commands:\n", 12);
		for (int id = 0; id < CMD_COUNT; id++)
			assert_non_null(strstr(h, cmd_usage((enum cmd_id)id)));
		/* The assistant's commands are listed only when there is one (t_bot). */
		assert_null(strstr(h, "/ask"));
		assert_null(strstr(h, "/forget"));
		for (const char *p = h; *p; p = strchr(p, '\n') + 1)
			assert_memory_equal(p, "* ", 2);
		say(fx, 0, "ana");
	}
}

static void t_text_and_commands_when_named(void **state)
{
	struct fixture *fx = *state;
	say(fx, 0, "ana");
	say(fx, 1, "luis");
	clear_all(fx);
	assert_string_equal(say(fx, 0, "hola"), ""); /* no echo */
	assert_string_equal(seen(fx, 1), "[#lobby] ana: hola\n");
	assert_string_equal(say(fx, 0, "//etc/hosts"), "");
	assert_string_equal(seen(fx, 1), "[#lobby] ana: /etc/hosts\n");
	assert_string_equal(say(fx, 0, "  spaced  "), "");
	assert_string_equal(seen(fx, 1), "[#lobby] ana:   spaced  \n");
	assert_string_equal(say(fx, 0, "/nick"), "! Usage: /nick NEW\n");
	assert_string_equal(say(fx, 0, "/msg luis"), "! Usage: /msg NAME TEXT\n");
	assert_string_equal(say(fx, 0, "/me"), "! Usage: /me ACTION\n");
	assert_string_equal(say(fx, 0, "/join"), "! Usage: /join ROOM\n");
	assert_string_equal(say(fx, 0, "/nope"), "! Unknown command: /nope. Type /help for the list.\n");
	assert_string_equal(seen(fx, 1), "");
	assert_string_equal(say(fx, 0, "/me waves  hi"), "");
	assert_string_equal(seen(fx, 1), "[#lobby] * ana waves  hi\n");
	assert_string_equal(say(fx, 0, "/MSG LUIS psst, hey"), "");
	assert_string_equal(seen(fx, 1), "[pm] ana: psst, hey\n");
	assert_string_equal(say(fx, 0, "/join dev"), "* You joined #dev (1 member).\n");
	assert_string_equal(say(fx, 1, "/join DEV"), "* You joined #dev (2 members).\n");
	assert_string_equal(seen(fx, 0), "[#dev] -- luis joined\n");
	assert_string_equal(say(fx, 1, "/who dev"), "* #dev (2): @ana luis\n");
	assert_string_equal(say(fx, 1, "/part dev"),
			    "* You left #dev.\n* Your current room is #lobby.\n");
	assert_string_equal(seen(fx, 0), "[#dev] -- luis left\n");
}

/* The room operators' commands: rights are the hub's, replies the line protocol's. */
static void t_room_ops(void **state)
{
	struct fixture *fx = *state;
	say(fx, 0, "ana");
	say(fx, 1, "luis");
	say(fx, 2, "zoe");
	assert_string_equal(say(fx, 0, "/join dev"), "* You joined #dev (1 member).\n");
	say(fx, 1, "/join dev");
	clear_all(fx);
	/* The creator is the operator, and /who says so. */
	assert_string_equal(say(fx, 1, "/who"), "* #dev (2): @ana luis\n");
	/* Topic: shown, set (by the operator only, +t), cleared. */
	assert_string_equal(say(fx, 1, "/topic"), "* #dev has no topic.\n");
	assert_string_equal(say(fx, 1, "/topic mine"), "! Only operators of #dev can do that.\n");
	assert_string_equal(say(fx, 0, "/topic  Sockets en C "),
			    "[#dev] -- ana set the topic: Sockets en C\n");
	assert_string_equal(seen(fx, 1), "[#dev] -- ana set the topic: Sockets en C\n");
	assert_string_equal(say(fx, 1, "/topic"), "* The topic of #dev: Sockets en C (set by ana).\n");
	assert_string_equal(say(fx, 0, "/topic -delete"), "[#dev] -- ana cleared the topic\n");
	assert_string_equal(seen(fx, 1), "[#dev] -- ana cleared the topic\n");
	/* Modes: shown with IRC's letters, changed with them. */
	assert_string_equal(say(fx, 1, "/mode"), "* Modes of #dev: +nt\n");
	assert_string_equal(say(fx, 1, "/mode +m"), "! Only operators of #dev can do that.\n");
	assert_string_equal(say(fx, 0, "/mode +mk sesame"),
			    "[#dev] -- ana let only operators and voiced members speak; set a key on "
			    "the room\n");
	assert_string_equal(seen(fx, 1), "[#dev] -- ana let only operators and voiced members "
					 "speak; set a key on the room\n");
	assert_string_equal(say(fx, 0, "/mode"), "* Modes of #dev: +mntk sesame\n");
	assert_string_equal(say(fx, 1, "quiet?"), "! You cannot speak in #dev now.\n");
	assert_string_equal(say(fx, 0, "/mode +x"),
			    "! Unknown mode x; the modes are i m n s t k l b e I o v (see /help).\n");
	assert_string_equal(say(fx, 0, "/mode +l"), "! Mode +l needs a value: /mode +l VALUE\n");
	assert_string_equal(say(fx, 0, "/mode #dev +b"), "* The ban list of #dev is empty.\n");
	assert_string_equal(say(fx, 0, "/mode #dev +b zoe"), "[#dev] -- ana banned zoe!*@*\n");
	assert_string_equal(say(fx, 0, "/mode +b"),
			    "* The ban list of #dev:\n*   zoe!*@* (set by ana)\n");
	assert_string_equal(say(fx, 2, "/join dev sesame"), "! You are banned from #dev.\n");
	/* Voice, op, deop. */
	clear_all(fx);
	assert_string_equal(say(fx, 0, "/voice luis"), "[#dev] -- ana gave luis a voice\n");
	assert_string_equal(seen(fx, 1), "[#dev] -- ana gave luis a voice\n");
	assert_string_equal(say(fx, 1, "now I can"), "");
	assert_string_equal(seen(fx, 0), "[#dev] luis: now I can\n");
	assert_string_equal(say(fx, 0, "/op luis"), "[#dev] -- ana made luis an operator\n");
	assert_string_equal(say(fx, 0, "/who"), "* #dev (2): @ana @luis\n");
	assert_string_equal(say(fx, 1, "/deop ana"), "[#dev] -- luis took operator from ana\n");
	assert_string_equal(say(fx, 1, "/devoice luis"), "[#dev] -- luis took the voice of luis\n");
	assert_string_equal(say(fx, 1, "/who"), "* #dev (2): ana @luis\n");
	assert_string_equal(say(fx, 0, "/op zoe"), "! Only operators of #dev can do that.\n");
	assert_string_equal(say(fx, 1, "/op zoe"), "! zoe is not in #dev.\n");
	assert_string_equal(say(fx, 1, "/op"), "! Usage: /op NAME\n");
	/* Kick: the room sees it, the one removed is told, and is out. */
	clear_all(fx);
	assert_string_equal(say(fx, 1, "/kick ana  too chatty"),
			    "[#dev] -- luis removed ana (too chatty)\n");
	assert_string_equal(seen(fx, 0), "* luis removed you from #dev (too chatty).\n");
	assert_string_equal(say(fx, 1, "/who"), "* #dev (1): @luis\n");
	assert_string_equal(say(fx, 1, "/kick nobody"), "! No such user: nobody\n");
	/* Invitations through +i. */
	say(fx, 1, "/mode -b+i zoe!*@*");
	clear_all(fx);
	assert_string_equal(say(fx, 2, "/join dev sesame"), "! #dev takes only those invited.\n");
	assert_string_equal(say(fx, 1, "/invite zoe"), "* You invited zoe to #dev.\n");
	assert_string_equal(seen(fx, 2), "* luis invites you to #dev; /join #dev to go in.\n");
	assert_string_equal(say(fx, 2, "/join dev sesame"), "* You joined #dev (2 members).\n");
	/* Away: said, and told to whoever writes privately. */
	assert_string_equal(say(fx, 2, "/away  at lunch"), "* You are marked as away: at lunch\n");
	assert_string_equal(say(fx, 1, "/msg zoe hi"), "* zoe is away: at lunch\n");
	assert_string_equal(seen(fx, 2), "[pm] luis: hi\n");
	assert_string_equal(say(fx, 2, "/away"), "* You are no longer marked as away.\n");
	assert_string_equal(say(fx, 1, "/msg zoe back?"), "");
}

static void t_quit_and_salir(void **state)
{
	struct fixture *fx = *state;
	say(fx, 0, "ana");
	say(fx, 1, "luis");
	say(fx, 2, "zoe");
	clear_all(fx);
	struct tsess *t = &fx->ses[0];
	assert_false(cmd_line(&fx->hub, &t->s, "/quit me voy", 12, "192.0.2.1"));
	assert_string_equal(seen(fx, 0), "* Bye.\n");
	assert_int_equal(t->disconnected, 1);
	assert_int_equal(t->s.state, SESSION_GONE);
	assert_string_equal(seen(fx, 1), "-- ana quit (me voy)\n");
	assert_string_equal(seen(fx, 2), "-- ana quit (me voy)\n");

	assert_false(cmd_line(&fx->hub, &fx->ses[1].s, "  SaLiR ", 8, "192.0.2.1"));
	assert_string_equal(seen(fx, 1), "* Bye.\n");
	assert_int_equal(fx->ses[1].disconnected, 1);
	assert_string_equal(seen(fx, 2), "-- luis quit\n"); /* no reason given */

	/* "salir ya" is just text. */
	assert_true(cmd_line(&fx->hub, &fx->ses[2].s, "salir ya", 8, "192.0.2.1"));
	assert_int_equal(fx->ses[2].disconnected, 0);
	assert_string_equal(seen(fx, 2), "");

	/* Quitting before having a name is allowed and tells nobody. */
	assert_false(cmd_line(&fx->hub, &fx->ses[3].s, "/quit", 5, "192.0.2.1"));
	assert_string_equal(seen(fx, 3), "* Bye.\n");
	assert_int_equal(fx->ses[3].disconnected, 1);
	assert_string_equal(seen(fx, 2), "");
}

/* ---- bots ---- */

/* A bot like the assistant: it hears every room through an observer, private messages as its
 * session's events, and adds /ask and /forget as commands. */
struct tbot {
	struct session s;
	struct hub_observer ears;
	struct hub_command ask, forget;
	struct buf log; /* one line per event: "TYPE room from to text" */
};

static const char *const tbot_types[HUB_EV_COUNT] = {
	[HUB_EV_MESSAGE] = "MESSAGE", [HUB_EV_JOIN] = "JOIN", [HUB_EV_PART] = "PART",
	[HUB_EV_QUIT] = "QUIT", [HUB_EV_NICK] = "NICK", [HUB_EV_TOPIC] = "TOPIC",
	[HUB_EV_MODE] = "MODE", [HUB_EV_KICK] = "KICK", [HUB_EV_INVITE] = "INVITE",
	[HUB_EV_WELCOME] = "WELCOME", [HUB_EV_QUEUE] = "QUEUE", [HUB_EV_BYE] = "BYE",
	[HUB_EV_NAMES] = "NAMES", [HUB_EV_ROOMS] = "ROOMS", [HUB_EV_RESULT] = "RESULT",
};

static void tbot_log(struct tbot *b, const struct hub_event *ev)
{
	buf_printf(&b->log, "%s %s %s %s %.*s\n", tbot_types[ev->type], ev->room ? ev->room : "-",
		   ev->from ? ev->from : "-", ev->to ? ev->to : "-", (int)ev->len,
		   ev->text ? ev->text : "");
}

static void tbot_admitted(struct session *s)
{
	(void)s;
}

static void tbot_disconnect(struct session *s)
{
	(void)s;
	fail();
}

static void tbot_event(struct session *s, const struct hub_event *ev)
{
	tbot_log(list_entry(s, struct tbot, s), ev);
}

static void tbot_hears(struct hub_observer *o, const struct hub_event *ev)
{
	struct tbot *b = o->ctx;
	/* What is said in rooms (not its own words), and who leaves or is renamed. */
	if (ev->src == &b->s || (ev->type == HUB_EV_MESSAGE && !ev->room))
		return;
	tbot_log(b, ev);
}

static enum hub_result tbot_ask(const struct hub_command *c, struct hub *h, struct session *s,
				const char *room, const char *args, size_t len)
{
	(void)c;
	struct buf line = BUF_INIT;
	buf_printf(&line, "gpt: %.*s", (int)len, args);
	enum hub_result r = room ? room_say(h, s, room, strlen(room), HUB_MSG_SAY, line.data,
					    line.len)
				 : HUB_ERR_NOT_IN_ROOM;
	buf_free(&line);
	return r;
}

static enum hub_result tbot_forget(const struct hub_command *c, struct hub *h, struct session *s,
				   const char *room, const char *args, size_t len)
{
	(void)h;
	(void)args;
	(void)len;
	struct tbot *b = c->ctx;
	buf_printf(&b->log, "FORGET %s %s\n", room ? room : "-", s->name);
	return HUB_OK;
}

static const struct session_ops tbot_ops = {
	.face = NULL,
	.admitted = tbot_admitted,
	.disconnect = tbot_disconnect,
	.event = tbot_event,
};

static const char *botlog(struct tbot *b)
{
	static struct buf last;
	buf_clear(&last);
	buf_append(&last, b->log.data ? b->log.data : "", b->log.len);
	buf_clear(&b->log);
	return last.data;
}

static void t_bot(void **state)
{
	struct fixture *fx = *state;
	/* Without an assistant, its commands say so. */
	say(fx, 0, "ana");
	assert_string_equal(say(fx, 0, "/ask hi"), "! There is no assistant on this server.\n");
	assert_string_equal(say(fx, 0, "/forget"), "! There is no assistant on this server.\n");

	struct tbot bot = {0};
	buf_init(&bot.log);
	session_init(&fx->hub, &bot.s, &tbot_ops);
	assert_int_equal(session_open(&fx->hub, &bot.s), SESSION_ADMITTED);
	const struct hub_bot info = {.role = "the assistant", .hint = "ask it with \"gpt: question\"",
				     .usage = "gpt: QUESTION",
				     .help = "ask the assistant; everyone in the room sees the answer",
				     .everywhere = true};
	assert_int_equal(hub_bot_register(&fx->hub, &bot.s, "ANA", 3, &info), HUB_ERR_NAME_TAKEN);
	assert_string_equal(botlog(&bot), "RESULT - - ANA \n"); /* told, like anyone */
	assert_int_equal(hub_bot_register(&fx->hub, &bot.s, "gpt", 3, &info), HUB_OK);
	bot.ears = (struct hub_observer){.mask = HUB_MASK(HUB_EV_MESSAGE) | HUB_MASK(HUB_EV_QUIT) |
						 HUB_MASK(HUB_EV_NICK),
					 .event = tbot_hears, .ctx = &bot};
	hub_observe(&fx->hub, &bot.ears);
	bot.ask = (struct hub_command){.name = "ask", .args = "QUESTION",
				       .help = "ask the assistant in the current room",
				       .needs_args = true, .run = tbot_ask, .ctx = &bot};
	bot.forget = (struct hub_command){.name = "forget", .args = "",
					  .help = "make the assistant forget this room's conversation",
					  .run = tbot_forget, .ctx = &bot};
	hub_add_command(&fx->hub, &bot.ask);
	hub_add_command(&fx->hub, &bot.forget);
	/* A bot is in no room and is not one of the people online. */
	assert_int_equal(bot.s.nrooms, 0);
	cmd_greet(&fx->hub, &fx->ses[1].s, "9.9");
	assert_string_equal(seen(fx, 1), "* charlad 9.9 on testhost. 3 people online. Para hablar en español, escribe /lang es.\n" ASK);
	say(fx, 1, "luis");
	assert_string_equal(botlog(&bot), ""); /* joins are not what it listens to */
	const char *help = say(fx, 0, "/help");
	assert_non_null(strstr(help, "\n*   /ask QUESTION    ask the assistant in the current room\n"
				     "*   /forget          make the assistant forget this room's "
				     "conversation\n"
				     "*   gpt: QUESTION    ask the assistant; everyone in the room "
				     "sees the answer\n"));
	/* People look for members with /who: the bot is named there, though in no room. */
	assert_string_equal(say(fx, 0, "/who"),
			    "* #lobby (2): ana luis\n"
			    "* Bot: gpt (the assistant; ask it with \"gpt: question\")\n");
	clear_all(fx);

	/* It hears every room once, and private messages; users cannot take its name. */
	say(fx, 0, "hola");
	say(fx, 0, "/me waves");
	say(fx, 0, "/join #dev");
	say(fx, 0, "en dev");
	assert_string_equal(say(fx, 0, "/msg GPT secret"), "");
	assert_string_equal(say(fx, 1, "/nick GPT"),
			    "! The name gpt is taken by the assistant; pick another.\n");
	assert_string_equal(say(fx, 2, "Gpt"),
			    "! The name gpt is taken by the assistant; pick another.\n" ASK);
	assert_string_equal(botlog(&bot), "MESSAGE #lobby ana - hola\n"
					  "MESSAGE #lobby ana - waves\n"
					  "MESSAGE #dev ana - en dev\n"
					  "MESSAGE - ana gpt secret\n");

	/* /ask is "gpt: QUESTION" said in the current room; /forget goes to the bot alone. */
	clear_all(fx);
	assert_string_equal(say(fx, 1, "/ask what is TCP?"), "");
	assert_string_equal(seen(fx, 0), "[#lobby] luis: gpt: what is TCP?\n");
	assert_string_equal(say(fx, 1, "/ask"), "! Usage: /ask QUESTION\n");
	assert_string_equal(say(fx, 0, "/forget"), "");
	assert_string_equal(botlog(&bot), "MESSAGE #lobby luis - gpt: what is TCP?\n"
					  "FORGET #dev ana\n");

	/* It speaks in rooms it is not in; a vanished room is refused. */
	assert_int_equal(room_say(&fx->hub, &bot.s, "#DEV", 4, HUB_MSG_SAY, "answer", 6), HUB_OK);
	assert_string_equal(seen(fx, 0), "[#dev] gpt: answer\n");
	assert_string_equal(seen(fx, 1), "");
	assert_int_equal(room_say(&fx->hub, &bot.s, "#gone", 5, HUB_MSG_SAY, "x", 1),
			 HUB_ERR_NO_SUCH_ROOM);
	session_message(&fx->hub, &bot.s, "luis", 4, HUB_MSG_SAY, "just you", 8);
	assert_string_equal(seen(fx, 1), "[pm] gpt: just you\n");
	assert_string_equal(botlog(&bot), "RESULT #gone gpt - \n"); /* the refusal, told to it */

	/* It hears quits and renames of people it shares no room with. */
	say(fx, 1, "/nick luisa");
	session_close(&fx->hub, &fx->ses[1].s, "connection closed", 17);
	assert_string_equal(botlog(&bot), "NICK - luis luisa luisa\n"
					  "QUIT - luisa - connection closed\n");

	/* Closing the bot takes it off the lists; it never took a client slot. */
	size_t admitted = fx->hub.admitted;
	hub_unobserve(&fx->hub, &bot.ears);
	hub_remove_command(&fx->hub, &bot.ask);
	hub_remove_command(&fx->hub, &bot.forget);
	session_close(&fx->hub, &bot.s, "bye", 3);
	assert_int_equal(fx->hub.admitted, admitted);
	assert_int_equal(fx->hub.nbots, 0);
	clear_all(fx);
	say(fx, 0, "anyone?");
	assert_string_equal(botlog(&bot), "");
	assert_string_equal(say(fx, 0, "/ask hi"), "! There is no assistant on this server.\n");
	assert_string_equal(say(fx, 0, "/who #lobby"), "* #lobby (1): ana\n");
	buf_free(&bot.log);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(t_every_command),
		cmocka_unit_test(t_case_insensitive),
		cmocka_unit_test(t_spans_and_blanks),
		cmocka_unit_test(t_missing_arguments),
		cmocka_unit_test(t_unknown),
		cmocka_unit_test(t_text_and_escape),
		cmocka_unit_test(t_blank_lines),
		cmocka_unit_test(t_salir),
		cmocka_unit_test(t_usage_strings),
		cmocka_unit_test_setup_teardown(t_greeting, setup, teardown),
		cmocka_unit_test_setup_teardown(t_naming_phase, setup, teardown),
		cmocka_unit_test_setup_teardown(t_help, setup, teardown),
		cmocka_unit_test_setup_teardown(t_text_and_commands_when_named, setup, teardown),
		cmocka_unit_test_setup_teardown(t_room_ops, setup, teardown),
		cmocka_unit_test_setup_teardown(t_quit_and_salir, setup, teardown),
		cmocka_unit_test_setup_teardown(t_bot, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
