/* Unit tests for members.c: the reply to our own /who is recognised (and hidden) and fills the
 * room; the news and the speakers keep it up to date; the names offered are sorted, unique, and
 * never our own. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "client/members.h"

static bool line(struct members *m, const char *s)
{
	return members_line(m, s, strlen(s), 1000);
}

/* The names offered in `room`, joined by spaces. */
static const char *names(const struct members *m, const char *room)
{
	static char joined[4096];
	const char **v;
	size_t n = members_names(m, room, &v);
	joined[0] = '\0';
	for (size_t i = 0; i < n; i++) {
		if (i > 0)
			strcat(joined, " ");
		strcat(joined, v[i]);
	}
	free(v);
	return joined;
}

static void session(struct members *m)
{
	members_init(m);
	members_self(m, "ana");
	members_enter(m, "#lobby");
	members_asked(m, "#lobby", 900);
}

static void test_our_who_reply_is_hidden_and_fills_the_room(void **state)
{
	(void)state;
	struct members m;
	session(&m);
	assert_false(line(&m, "[#lobby] luis: before the reply"));
	assert_true(line(&m, "* #lobby (4): ana bea luis Zoe"));
	assert_true(line(&m, "* #lobby (continued): ñandú"));
	assert_true(line(&m, "* Bot: gpt (the assistant; ask it with \"gpt: question\")"));
	assert_false(line(&m, "[#lobby] bea: hola"));
	assert_string_equal(names(&m, "#lobby"), "bea gpt luis Zoe ñandú");
	/* The user's own /who is shown, and refreshes the room. */
	assert_false(line(&m, "* #lobby (2): ana bea"));
	assert_false(line(&m, "* #lobby (continued): carla"));
	assert_false(line(&m, "* Bot: gpt (the assistant)"));
	assert_string_equal(names(&m, "#LOBBY"), "bea carla gpt");
	members_free(&m);
}

static void test_news_and_speakers_keep_the_room_up_to_date(void **state)
{
	(void)state;
	struct members m;
	session(&m);
	line(&m, "* #lobby (3): ana bea luis");
	line(&m, "[#lobby] -- carla joined");
	line(&m, "[#lobby] -- bea left");
	line(&m, "[#lobby] dani: hola");
	line(&m, "[#lobby] * eva waves");
	line(&m, "[#dev] -- fede joined");  /* not a room we are in */
	assert_string_equal(names(&m, "#lobby"), "carla dani eva luis");
	line(&m, "-- luis is now known as luisito");
	line(&m, "-- dani quit (connection closed)");
	line(&m, "-- eva quit");
	assert_string_equal(names(&m, "#lobby"), "carla luisito");
	/* Someone who wrote to us privately is offered everywhere, until they quit. */
	line(&m, "[pm] zoe: psst");
	line(&m, "[pm] * yago winks");
	assert_string_equal(names(&m, "#lobby"), "carla luisito yago zoe");
	assert_string_equal(names(&m, NULL), "yago zoe");
	line(&m, "-- zoe quit (bye)");
	assert_string_equal(names(&m, NULL), "yago");
	/* Lookalikes change nothing. */
	line(&m, "[#lobby] -- carla joined the band");
	line(&m, "-- carla quitting");
	line(&m, "-- carla is now known as two words");
	assert_string_equal(names(&m, "#lobby"), "carla luisito yago");
	members_free(&m);
}

/* A client that asked the server for Spanish reads its lines in Spanish, and in English too
 * (what arrives before /lang takes effect). */
static void test_spanish_lines(void **state)
{
	(void)state;
	struct members m;
	session(&m);
	m.lang = LANG_ES;
	assert_true(line(&m, "* #lobby (3): ana bea luis"));
	assert_true(line(&m, "* #lobby (continuación): carla"));
	assert_true(line(&m, "* Bot: gpt (el asistente; pregúntale con \"gpt: pregunta\")"));
	assert_string_equal(names(&m, "#lobby"), "bea carla gpt luis");
	line(&m, "[#lobby] -- dani ha entrado");
	line(&m, "[#lobby] -- bea se ha ido");
	line(&m, "[#lobby] -- carla se ha ido (hasta luego)");
	line(&m, "[#lobby] -- eva joined");
	assert_string_equal(names(&m, "#lobby"), "dani eva gpt luis");
	line(&m, "-- luis ahora se llama luisito");
	line(&m, "-- dani ha salido del chat");
	line(&m, "-- eva ha salido del chat (adiós)");
	assert_string_equal(names(&m, "#lobby"), "gpt luisito");
	/* Look-alikes in Spanish change nothing either. */
	line(&m, "[#lobby] -- fede ha entrado ya");
	line(&m, "-- luisito ahora se llama dos palabras");
	assert_string_equal(names(&m, "#lobby"), "gpt luisito");
	members_enter(&m, "#nada");
	members_asked(&m, "#nada", 950);
	assert_true(line(&m, "! No existe la sala: #nada"));
	members_free(&m);
}

static void test_rooms_joined_and_left(void **state)
{
	(void)state;
	struct members m;
	session(&m);
	line(&m, "* #lobby (2): ana bea");
	members_enter(&m, "#dev");
	members_asked(&m, "#dev", 950);
	/* An operator's '@' and a voiced member's '+' are not part of their names. */
	assert_true(line(&m, "* #dev (3): @ana carla +dani"));
	assert_string_equal(names(&m, "#dev"), "carla dani");
	line(&m, "[#dev] -- dani left");
	assert_string_equal(names(&m, "#dev"), "carla");
	assert_string_equal(names(&m, "#lobby"), "bea");
	members_leave(&m, "#DEV");
	assert_string_equal(names(&m, "#dev"), "");
	line(&m, "[#dev] carla: hola");
	assert_string_equal(names(&m, "#dev"), "");
	/* Our own rename moves us in the rooms, and we are still left out. */
	members_self(&m, "anita");
	assert_string_equal(names(&m, "#lobby"), "bea");
	line(&m, "* #lobby (2): anita bea");
	assert_string_equal(names(&m, "#lobby"), "bea");
	members_reset(&m);
	assert_string_equal(names(&m, "#lobby"), "");
	members_free(&m);
}

static void test_replies_that_never_come(void **state)
{
	(void)state;
	struct members m;
	session(&m);
	members_enter(&m, "#dev");
	members_asked(&m, "#dev", 950);
	/* The reply for #lobby was lost: the one for #dev ends the wait for it too. */
	assert_true(line(&m, "* #dev (1): ana"));
	assert_false(line(&m, "* #lobby (1): ana"));
	/* A room that vanished, or a server without /who: the error is ours to hide. */
	members_asked(&m, "#gone", 990);
	assert_false(line(&m, "! No such room: #other"));
	assert_true(line(&m, "! No such room: #gone"));
	members_asked(&m, "#lobby", 990);
	assert_true(line(&m, "! Unknown command: /who. Type /help for the list."));
	assert_false(line(&m, "! Unknown command: /who. Type /help for the list."));
	/* Not answered in time: a later /who is the user's, and shown. */
	members_asked(&m, "#lobby", 1000);
	assert_false(members_line(&m, "* #lobby (1): ana", 17, 1000 + MEMBERS_ASK_MS + 1));
	members_free(&m);
}

static void test_a_room_holds_at_most_its_limit(void **state)
{
	(void)state;
	struct members m;
	session(&m);
	char name[32];
	for (int i = 0; i < MEMBERS_ROOM_MAX + 5; i++) {
		snprintf(name, sizeof name, "[#lobby] u%05d: hi", i);
		line(&m, name);
	}
	const char **v;
	size_t n = members_names(&m, "#lobby", &v);
	free(v);
	assert_int_equal(n, MEMBERS_ROOM_MAX);
	members_free(&m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_our_who_reply_is_hidden_and_fills_the_room),
		cmocka_unit_test(test_news_and_speakers_keep_the_room_up_to_date),
		cmocka_unit_test(test_spanish_lines),
		cmocka_unit_test(test_rooms_joined_and_left),
		cmocka_unit_test(test_replies_that_never_come),
		cmocka_unit_test(test_a_room_holds_at_most_its_limit),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
