/* Unit tests for text/text_codec: the exact bytes of every hub event in the line protocol
 * (docs/protocol.md, "The lines the server sends"). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "base/buf.h"
#include "base/frame.h"
#include "base/utf8.h"
#include "hub/hub.h"
#include "hub/name.h"
#include "text/text_codec.h"

/* Encodes ev and checks the frame holds exactly `expect` (one or more whole lines) and one
 * reference for the caller; NULL expects no frame (the line protocol says nothing of ev). */
static void check_in(const struct hub_event *ev, enum lang lang, const char *expect)
{
	struct buf scratch = BUF_INIT;
	struct frame *f = text_codec_encode(ev, lang, &scratch);
	if (!expect) {
		assert_null(f);
		buf_free(&scratch);
		return;
	}
	assert_non_null(f);
	assert_int_equal(f->refs, 1);
	assert_int_equal(f->len, strlen(expect));
	assert_memory_equal(f->data, expect, f->len);
	assert_int_equal(f->data[f->len - 1], '\n');
	frame_unref(f);
	buf_free(&scratch);
}

static void check(const struct hub_event *ev, const char *expect)
{
	check_in(ev, LANG_EN, expect);
}

#define TEXT(s) .text = (s), .len = sizeof(s) - 1
#define SELF .flags = HUB_EVF_SELF

static void t_room_lines(void **state)
{
	(void)state;
	check(&(struct hub_event){.type = HUB_EV_MESSAGE, .room = "#lobby", .from = "ana",
				  TEXT("hola")},
	      "[#lobby] ana: hola\n");
	check(&(struct hub_event){.type = HUB_EV_MESSAGE, .kind = HUB_MSG_ACTION, .room = "#lobby",
				  .from = "ana", TEXT("waves")},
	      "[#lobby] * ana waves\n");
	/* A notice (from IRC) reads as a plain line. */
	check(&(struct hub_event){.type = HUB_EV_MESSAGE, .kind = HUB_MSG_NOTICE, .room = "#lobby",
				  .from = "bot", TEXT("build ok")},
	      "[#lobby] bot: build ok\n");
	check(&(struct hub_event){.type = HUB_EV_JOIN, .room = "#dev", .from = "ana"},
	      "[#dev] -- ana joined\n");
	check(&(struct hub_event){.type = HUB_EV_PART, .room = "#dev", .from = "ana", TEXT("")},
	      "[#dev] -- ana left\n");
	check(&(struct hub_event){.type = HUB_EV_PART, .room = "#dev", .from = "ana", TEXT("bye")},
	      "[#dev] -- ana left (bye)\n");
	check(&(struct hub_event){.type = HUB_EV_PART, .room = "#dev", .from = "ana"},
	      "[#dev] -- ana left\n");
}

static void t_private_lines(void **state)
{
	(void)state;
	check(&(struct hub_event){.type = HUB_EV_MESSAGE, .from = "luis", .to = "ana", TEXT("psst")},
	      "[pm] luis: psst\n");
	check(&(struct hub_event){.type = HUB_EV_MESSAGE, .kind = HUB_MSG_ACTION, .from = "luis",
				  .to = "ana", TEXT("winks")},
	      "[pm] * luis winks\n");
}

static void t_news_lines(void **state)
{
	(void)state;
	check(&(struct hub_event){.type = HUB_EV_QUIT, .from = "ana", TEXT("connection closed")},
	      "-- ana quit (connection closed)\n");
	check(&(struct hub_event){.type = HUB_EV_QUIT, .from = "ana", TEXT("")}, "-- ana quit\n");
	check(&(struct hub_event){.type = HUB_EV_NICK, .from = "luis", .to = "luisito",
				  TEXT("luisito")},
	      "-- luis is now known as luisito\n");
}

static void t_replies_to_oneself(void **state)
{
	(void)state;
	check(&(struct hub_event){.type = HUB_EV_JOIN, SELF, .room = "#dev", .from = "ana",
				  .u.count = 3},
	      "* You joined #dev (3 members).\n");
	check(&(struct hub_event){.type = HUB_EV_JOIN, SELF, .room = "#dev", .from = "ana",
				  .u.count = 1},
	      "* You joined #dev (1 member).\n");
	check(&(struct hub_event){.type = HUB_EV_PART, SELF, .room = "#dev", .from = "ana"},
	      "* You left #dev.\n");
	check(&(struct hub_event){.type = HUB_EV_NICK, SELF, .from = "luis", .to = "luisito",
				  TEXT("luisito")},
	      "* You are now known as luisito.\n");
	check(&(struct hub_event){.type = HUB_EV_WELCOME, SELF, .to = "ana", .room = "#lobby",
				  .u.count = 2},
	      "* Welcome, ana! You are in #lobby with 2 others. Type /help for commands.\n");
	check(&(struct hub_event){.type = HUB_EV_WELCOME, SELF, .to = "ana", .room = "#lobby",
				  .u.count = 1},
	      "* Welcome, ana! You are in #lobby with 1 other. Type /help for commands.\n");
	check(&(struct hub_event){.type = HUB_EV_QUEUE, SELF, .u.count = 3},
	      "* The server is full. You are number 3 in the queue.\n");
	check(&(struct hub_event){.type = HUB_EV_QUEUE, .flags = HUB_EVF_SELF | HUB_EVF_MOVED,
				  .u.count = 1},
	      "* You are number 1 in the queue.\n");
	check(&(struct hub_event){.type = HUB_EV_BYE, SELF}, "* Bye.\n");
}

static void t_room_state_lines(void **state)
{
	(void)state;
	check(&(struct hub_event){.type = HUB_EV_TOPIC, .room = "#dev", .from = "ana",
				  TEXT("sockets today")},
	      "[#dev] -- ana set the topic: sockets today\n");
	check(&(struct hub_event){.type = HUB_EV_TOPIC, .room = "#dev", .from = "ana"},
	      "[#dev] -- ana cleared the topic\n");
	struct mode_change m[] = {
		{.mode = MODE_MODERATED, .add = true},
		{.mode = MODE_OP, .add = true, .arg = "bob", .arglen = 3},
		{.mode = MODE_BAN, .add = false, .arg = "*!*@x", .arglen = 5},
		{.mode = MODE_LIMIT, .add = true, .arg = "10", .arglen = 2},
	};
	check(&(struct hub_event){.type = HUB_EV_MODE, .room = "#dev", .from = "ana",
				  .u.modes = {.v = m, .n = 4}},
	      "[#dev] -- ana let only operators and voiced members speak; made bob an operator; "
	      "lifted the ban on *!*@x; limited the room to 10 members\n");
	check(&(struct hub_event){.type = HUB_EV_KICK, .room = "#dev", .from = "ana", .to = "bob",
				  TEXT("spam")},
	      "[#dev] -- ana removed bob (spam)\n");
	check(&(struct hub_event){.type = HUB_EV_KICK, .room = "#dev", .from = "ana", .to = "bob"},
	      "[#dev] -- ana removed bob\n");
	check(&(struct hub_event){.type = HUB_EV_KICK, SELF, .room = "#dev", .from = "ana",
				  .to = "bob", TEXT("spam")},
	      "* ana removed you from #dev (spam).\n");
	check(&(struct hub_event){.type = HUB_EV_KICK, SELF, .room = "#dev", .from = "ana",
				  .to = "bob"},
	      "* ana removed you from #dev.\n");
	check(&(struct hub_event){.type = HUB_EV_INVITE, SELF, .room = "#dev", .from = "ana",
				  .to = "bob"},
	      "* ana invites you to #dev; /join #dev to go in.\n");
	/* The operators' copy, and what only IRC clients are told, say nothing here. */
	check(&(struct hub_event){.type = HUB_EV_INVITE, .room = "#dev", .from = "ana", .to = "bob"},
	      NULL);
	check(&(struct hub_event){.type = HUB_EV_AWAY, .from = "ana", TEXT("lunch")}, NULL);
	check(&(struct hub_event){.type = HUB_EV_SETNAME, .from = "ana", TEXT("Ana B")}, NULL);
	check(&(struct hub_event){.type = HUB_EV_ARRIVE, .from = "ana"}, NULL);
	check(&(struct hub_event){.type = HUB_EV_WALLOPS, .from = "root", TEXT("restart at 5")},
	      "-- root, server operator, to everyone: restart at 5\n");
	check(&(struct hub_event){.type = HUB_EV_KILL, SELF, .from = "root", .to = "bob",
				  TEXT("spam")},
	      "! root disconnected you (spam).\n");
}

/* A session with a name only, for lists. */
static struct session named(const char *name)
{
	struct session s = {.name = (char *)(uintptr_t)name};
	return s;
}

static void t_lists(void **state)
{
	(void)state;
	struct session a = named("ana\0ana"), b = named("Bob\0bob"), c = named("cy\0cy");
	struct session g = named("gpt\0gpt");
	/* Operators with '@', voiced members with '+' (an operator's voice is not shown). */
	struct hub_member_view v[] = {{.s = &a},
				      {.s = &b, .prefix = MEMBER_OP | MEMBER_VOICE},
				      {.s = &c, .prefix = MEMBER_VOICE}};
	struct hub_bot bot = {.s = &g, .role = "the assistant", .hint = "ask it"};
	const struct hub_bot *bots[] = {&bot};
	check(&(struct hub_event){.type = HUB_EV_NAMES, SELF, .room = "#dev",
				  .u.names = {.v = v, .n = 3, .bots = bots, .nbots = 1}},
	      "* #dev (3): ana @Bob +cy\n* Bot: gpt (the assistant; ask it)\n");
	struct room r1 = {.name = (char *)(uintptr_t)"#a\0#a", .count = 1};
	struct room r2 = {.name = (char *)(uintptr_t)"#lobby\0#lobby", .count = 7};
	const struct room *rooms[] = {&r1, &r2};
	check(&(struct hub_event){.type = HUB_EV_ROOMS, SELF, .u.rooms = {.v = rooms, .n = 2}},
	      "* 2 rooms:\n*   #a (1)\n*   #lobby (7)\n");
	check(&(struct hub_event){.type = HUB_EV_ROOMS, SELF, .u.rooms = {.v = rooms + 1, .n = 1}},
	      "* 1 room:\n*   #lobby (7)\n");
}

#define RESULT(code_, ...) \
	(&(struct hub_event){.type = HUB_EV_RESULT, SELF, .u.result = {.code = (code_)}, __VA_ARGS__})

static void t_results(void **state)
{
	(void)state;
	check(RESULT(HUB_ERR_QUEUE_FULL, .to = NULL),
	      "! The server is full and so is its queue; try again later.\n");
	check(&(struct hub_event){.type = HUB_EV_RESULT, SELF,
				  .u.result = {.code = HUB_ERR_NAME_INVALID, .detail = NAME_SPACE}},
	      "! Cannot use that name: a name cannot contain spaces.\n");
	check(RESULT(HUB_ERR_NAME_TAKEN, .to = "ANA"), "! The name ANA is taken; pick another.\n");
	check(RESULT(HUB_ERR_NAME_BOT, .to = "gpt", TEXT("the assistant")),
	      "! The name gpt is taken by the assistant; pick another.\n");
	check(RESULT(HUB_ERR_NO_SUCH_NAME, .to = "zoe"), "! No such user: zoe\n");
	check(&(struct hub_event){.type = HUB_EV_RESULT, SELF,
				  .u.result = {.code = HUB_ERR_ROOM_INVALID, .detail = NAME_NO_HASH}},
	      "! Cannot use that room name: a room name starts with #.\n");
	check(RESULT(HUB_ERR_NO_SUCH_ROOM, .room = "#nope"), "! No such room: #nope\n");
	check(RESULT(HUB_ERR_NOT_IN_ROOM, .room = "#dev"), "! You are not in #dev.\n");
	check(RESULT(HUB_ERR_ALREADY_IN, .room = "#dev"),
	      "* You are in #dev already; it is now your current room.\n");
	check(&(struct hub_event){.type = HUB_EV_RESULT, SELF,
				  .u.result = {.code = HUB_ERR_TOO_MANY_ROOMS, .n = 10}},
	      "! You are in 10 rooms already, the most allowed; /part one first.\n");
	check(RESULT(HUB_ERR_BANNED, .room = "#x"), "! You are banned from #x.\n");
	check(RESULT(HUB_ERR_BAD_KEY, .room = "#x"), "! #x needs its key: /join #x KEY\n");
	check(RESULT(HUB_ERR_ROOM_FULL, .room = "#x"), "! #x is full.\n");
	check(RESULT(HUB_ERR_INVITE_ONLY, .room = "#x"), "! #x takes only those invited.\n");
	check(RESULT(HUB_ERR_CANNOT_SEND, .room = "#x"), "! You cannot speak in #x now.\n");
	check(RESULT(HUB_ERR_NOT_OPERATOR, .room = "#x"), "! Only operators of #x can do that.\n");
	check(RESULT(HUB_ERR_TARGET_NOT_IN, .to = "bob", .room = "#x"), "! bob is not in #x.\n");
	check(RESULT(HUB_ERR_TARGET_IN, .to = "bob", .room = "#x"), "! bob is in #x already.\n");
	check(RESULT(HUB_ERR_LIST_FULL, .room = "#x"), "! That list of #x is full.\n");
	/* Every code has words (HUB_OK has none: nothing failed). */
	for (int c = HUB_OK + 1; c < HUB_RESULT_COUNT; c++) {
		struct buf scratch = BUF_INIT;
		struct hub_event ev = {.type = HUB_EV_RESULT, SELF, .to = "x", .room = "#x",
				       .u.result = {.code = (enum hub_result)c}};
		struct frame *f = text_codec_encode(&ev, 0, &scratch);
		assert_non_null(f);
		assert_true(f->len > 3);
		frame_unref(f);
		buf_free(&scratch);
	}
	check(RESULT(HUB_OK, .to = NULL), NULL);
}

static void t_text_uses_len_not_nul(void **state)
{
	(void)state;
	/* The text is a span: bytes past len are not sent, and multibyte text passes untouched. */
	check(&(struct hub_event){.type = HUB_EV_MESSAGE, .room = "#x", .from = "\xC3\xB1u",
				  .text = "hola que tal", .len = 4},
	      "[#x] \xC3\xB1u: hola\n");
	check(&(struct hub_event){.type = HUB_EV_MESSAGE, .room = "#\xE4\xB8\xAD", .from = "a",
				  TEXT("\xF0\x9F\x98\x80\t!")},
	      "[#\xE4\xB8\xAD] a: \xF0\x9F\x98\x80\t!\n");
}

static void t_irc_formatting_never_reaches_a_terminal(void **state)
{
	(void)state;
	/* Bold, colours with their digits, reset, italics, underline, CTCP's ^A: dropped. */
	check(&(struct hub_event){.type = HUB_EV_MESSAGE, .room = "#x", .from = "irc",
				  TEXT("\x02" "bold\x02 \x03" "04,12red\x03 \x03" "7x\x0f \x1d" "it\x1d \x1f" "u\x1f")},
	      "[#x] irc: bold red x it u\n");
	/* Any other control character becomes U+FFFD, as in a line a netcat user typed. */
	check(&(struct hub_event){.type = HUB_EV_MESSAGE, .room = "#x", .from = "irc",
				  TEXT("a\x1b" "[31mb\x07")},
	      "[#x] irc: a\xEF\xBF\xBD[31mb\xEF\xBF\xBD\n");
	/* Reasons and topics too. */
	check(&(struct hub_event){.type = HUB_EV_TOPIC, .room = "#x", .from = "irc",
				  TEXT("\x02" "news\x02\x1b")},
	      "[#x] -- irc set the topic: news\xEF\xBF\xBD\n");
	check(&(struct hub_event){.type = HUB_EV_QUIT, .from = "irc", TEXT("\x03" "3bye")},
	      "-- irc quit (bye)\n");
	/* Tags alone say nothing. */
	check(&(struct hub_event){.type = HUB_EV_MESSAGE, .kind = HUB_MSG_TAGS, .room = "#x",
				  .from = "irc"},
	      NULL);
	/* Nor does a query between IRC clients (CTCP), in a room or privately. */
	check(&(struct hub_event){.type = HUB_EV_MESSAGE, .kind = HUB_MSG_SAY, .room = "#x",
				  .from = "irc", TEXT("\001VERSION\001")},
	      NULL);
	check(&(struct hub_event){.type = HUB_EV_MESSAGE, .kind = HUB_MSG_NOTICE, .to = "ana",
				  .from = "irc", TEXT("\001PING 123\001")},
	      NULL);
}

static void t_long_text(void **state)
{
	(void)state;
	size_t n = 100000;
	char *text = malloc(n);
	assert_non_null(text);
	memset(text, 'z', n);
	struct hub_event ev = {.type = HUB_EV_MESSAGE, .room = "#r", .from = "a", .text = text,
			       .len = n};
	struct buf scratch = BUF_INIT;
	struct frame *f = text_codec_encode(&ev, 0, &scratch);
	assert_int_equal(f->len, 8 + n + 1);
	assert_memory_equal(f->data, "[#r] a: ", 8);
	assert_memory_equal(f->data + 8, text, n);
	assert_int_equal(f->data[f->len - 1], '\n');
	frame_unref(f);
	buf_free(&scratch);
	free(text);
}

static void t_name_reasons(void **state)
{
	(void)state;
	/* Every refusal of a name has a distinct sentence for the user. */
	for (int a = NAME_EMPTY; a <= NAME_NO_HASH; a++) {
		const char *ra = text_codec_name_reason(LANG_EN, a);
		assert_non_null(ra);
		assert_true(strlen(ra) > 0);
		assert_true(utf8_is_clean(ra, strlen(ra)));
		for (int b = a + 1; b <= NAME_NO_HASH; b++)
			assert_string_not_equal(ra, text_codec_name_reason(LANG_EN, b));
	}
	assert_non_null(strstr(text_codec_name_reason(LANG_EN, NAME_TOO_LONG), "32"));
}

/* The variant is the language: the same events in Spanish, whole sentences with the arguments
 * where Spanish puts them, plurals by number. */
static void t_spanish(void **state)
{
	(void)state;
	check_in(&(struct hub_event){.type = HUB_EV_JOIN, .room = "#dev", .from = "ana"}, LANG_ES,
		 "[#dev] -- ana ha entrado\n");
	check_in(&(struct hub_event){.type = HUB_EV_PART, .room = "#dev", .from = "ana",
				     TEXT("adiós")},
		 LANG_ES, "[#dev] -- ana se ha ido (adiós)\n");
	check_in(&(struct hub_event){.type = HUB_EV_QUIT, .from = "ana", TEXT("")}, LANG_ES,
		 "-- ana ha salido del chat\n");
	check_in(&(struct hub_event){.type = HUB_EV_NICK, .from = "ana", .to = "anita",
				     TEXT("anita")},
		 LANG_ES, "-- ana ahora se llama anita\n");
	check_in(&(struct hub_event){.type = HUB_EV_JOIN, .room = "#dev", .u.count = 1, SELF}, LANG_ES,
		 "* Has entrado en #dev (1 miembro).\n");
	check_in(&(struct hub_event){.type = HUB_EV_JOIN, .room = "#dev", .u.count = 3, SELF}, LANG_ES,
		 "* Has entrado en #dev (3 miembros).\n");
	check_in(&(struct hub_event){.type = HUB_EV_WELCOME, .to = "ana", .room = "#lobby",
				     .u.count = 1, SELF},
		 LANG_ES,
		 "* ¡Hola, ana! Estás en #lobby con 1 persona más. Escribe /help para ver los "
		 "comandos.\n");
	check_in(&(struct hub_event){.type = HUB_EV_KICK, .room = "#dev", .from = "op", .to = "ana",
				     TEXT("spam"), SELF},
		 LANG_ES, "* op te ha echado de #dev (spam).\n");
	check_in(&(struct hub_event){.type = HUB_EV_RESULT,
				     .u.result = {.code = HUB_ERR_TARGET_NOT_IN},
				     .to = "luis", .room = "#dev", SELF},
		 LANG_ES, "! luis no está en #dev.\n");
	check_in(&(struct hub_event){.type = HUB_EV_RESULT,
				     .u.result = {.code = HUB_ERR_NAME_INVALID, .detail = NAME_SPACE},
				     SELF},
		 LANG_ES, "! No puedes usar ese nombre: un nombre no puede tener espacios.\n");
	check_in(&(struct hub_event){.type = HUB_EV_BYE, SELF}, LANG_ES, "* Adiós.\n");
	/* A message has no words: every language shares the English variant's frame. */
	const struct hub_event msg = {.type = HUB_EV_MESSAGE, .room = "#dev", .from = "ana",
				      TEXT("hola")};
	assert_int_equal(text_codec_face.same_as(&msg, LANG_ES), LANG_EN);
	const struct hub_event join = {.type = HUB_EV_JOIN, .room = "#dev", .from = "ana"};
	assert_int_equal(text_codec_face.same_as(&join, LANG_ES), LANG_ES);
	/* A bot's words are msgids with {s} for its name. */
	struct buf b = BUF_INIT;
	text_codec_bot_words(&b, LANG_ES, "ask it with \"{s}: question\"", "gpt");
	assert_string_equal(b.data, "pregúntale con \"gpt: pregunta\"");
	buf_free(&b);
	assert_string_equal(text_codec_name_reason(LANG_ES, NAME_EMPTY),
			    "un nombre no puede estar vacío");
}

static void t_face_descriptor(void **state)
{
	(void)state;
	assert_ptr_equal(text_codec_face.encode, text_codec_encode);
	assert_non_null(text_codec_face.name);
	assert_int_equal(text_codec_face.variants, LANG_COUNT); /* one per language */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(t_room_lines),
		cmocka_unit_test(t_private_lines),
		cmocka_unit_test(t_news_lines),
		cmocka_unit_test(t_replies_to_oneself),
		cmocka_unit_test(t_room_state_lines),
		cmocka_unit_test(t_lists),
		cmocka_unit_test(t_results),
		cmocka_unit_test(t_text_uses_len_not_nul),
		cmocka_unit_test(t_irc_formatting_never_reaches_a_terminal),
		cmocka_unit_test(t_long_text),
		cmocka_unit_test(t_name_reasons),
		cmocka_unit_test(t_spanish),
		cmocka_unit_test(t_face_descriptor),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
