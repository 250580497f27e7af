/* Unit tests for track.c: the Stable lines of docs/protocol.md that set the name and the room. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "client/track.h"

static enum track_fact feed(struct track *t, const char *line)
{
	return track_line(t, line, strlen(line));
}

static void test_welcome_sets_name_and_room(void **state)
{
	(void)state;
	struct track t = {0};
	assert_int_equal(feed(&t, "* Welcome, ana! You are in #lobby with 2 others. Type /help for commands."),
			 TRACK_WELCOME);
	assert_string_equal(t.name, "ana");
	assert_string_equal(t.room, "#lobby");
	track_free(&t);
}

static void test_welcome_with_punctuated_name_and_room_at_the_end(void **state)
{
	(void)state;
	struct track t = {0};
	assert_int_equal(feed(&t, "* Welcome, ¡hola!! You are in #a.b with 1 other."), TRACK_WELCOME);
	assert_string_equal(t.name, "¡hola!");
	assert_string_equal(t.room, "#a.b");
	track_free(&t);
}

static void test_nick_join_part_and_current(void **state)
{
	(void)state;
	struct track t = {0};
	feed(&t, "* Welcome, ana! You are in #lobby with 0 others.");
	assert_int_equal(feed(&t, "* You are now known as ana.b."), TRACK_NICK);
	assert_string_equal(t.name, "ana.b");
	assert_int_equal(feed(&t, "* You joined #dev (3 members)."), TRACK_JOINED);
	assert_int_equal(feed(&t, "* You are in #lobby already; it is now your current room."),
			 TRACK_CURRENT);
	assert_string_equal(t.room, "#lobby");
	assert_int_equal(feed(&t, "* You joined #dev (3 members)."), TRACK_JOINED);
	assert_int_equal(feed(&t, "* You are in 3 rooms already, the most allowed; /part one first."),
			 TRACK_NONE);
	assert_string_equal(t.room, "#dev");
	assert_string_equal(t.room, "#dev");
	/* Leaving a room that is not the current one changes nothing. */
	assert_int_equal(feed(&t, "* You left #other."), TRACK_LEFT);
	assert_string_equal(t.room, "#dev");
	assert_int_equal(feed(&t, "* You left #DEV."), TRACK_LEFT);
	assert_null(t.room);
	assert_int_equal(feed(&t, "* Your current room is #lobby."), TRACK_CURRENT);
	assert_string_equal(t.room, "#lobby");
	track_free(&t);
}

static void test_end_lines(void **state)
{
	(void)state;
	struct track t = {0};
	assert_int_equal(feed(&t, "* Bye."), TRACK_BYE);
	assert_int_equal(feed(&t, "! Server shutting down."), TRACK_SHUTDOWN);
	track_free(&t);
}

/* After /lang es the server speaks Spanish; before it takes effect, English. */
static void test_spanish_lines(void **state)
{
	(void)state;
	struct track t = {.lang = LANG_ES};
	assert_int_equal(feed(&t, "* ¡Hola, ana! Estás en #lobby con 1 persona más. Escribe /help "
				  "para ver los comandos."),
			 TRACK_WELCOME);
	assert_string_equal(t.name, "ana");
	assert_string_equal(t.room, "#lobby");
	assert_int_equal(feed(&t, "* Has entrado en #x (1 miembro)."), TRACK_JOINED);
	assert_string_equal(t.room, "#x");
	assert_int_equal(feed(&t, "* You joined #y (2 members)."), TRACK_JOINED);
	assert_string_equal(t.room, "#y");
	assert_int_equal(feed(&t, "* Has entrado en #z (7 miembros)."), TRACK_JOINED);
	assert_string_equal(t.room, "#z");
	assert_int_equal(feed(&t, "* Ahora te llamas anita."), TRACK_NICK);
	assert_string_equal(t.name, "anita");
	assert_int_equal(feed(&t, "* Ya estás en #x; ahora es tu sala actual."), TRACK_CURRENT);
	assert_string_equal(t.room, "#x");
	assert_int_equal(feed(&t, "* Has salido de #x."), TRACK_LEFT);
	assert_null(t.room);
	assert_int_equal(feed(&t, "* Tu sala actual es #lobby."), TRACK_CURRENT);
	assert_string_equal(t.room, "#lobby");
	assert_int_equal(feed(&t, "* Adiós."), TRACK_BYE);
	assert_int_equal(feed(&t, "! El servidor se está apagando."), TRACK_SHUTDOWN);
	assert_int_equal(feed(&t, "* ¿Cómo te llamas? (1-32 caracteres; sin espacios ni ':')"),
			 TRACK_ASK_NAME);
	/* Look-alikes. */
	assert_int_equal(feed(&t, "* Ahora te llamas dos palabras."), TRACK_NONE);
	assert_int_equal(feed(&t, "* Has entrado en sala (1 miembro)."), TRACK_NONE);
	assert_int_equal(feed(&t, "* Adiós. ¿Ya?"), TRACK_NONE);
	assert_string_equal(t.name, "anita");
	/* An English client does not read Spanish. */
	struct track en = {0};
	assert_int_equal(feed(&en, "* Has entrado en #x (1 miembro)."), TRACK_NONE);
	track_free(&t);
}

static void test_name_prompt(void **state)
{
	(void)state;
	struct track t = {0};
	assert_int_equal(feed(&t, "* What is your name? (1-32 characters; no spaces, no ':')"),
			 TRACK_ASK_NAME);
	assert_int_equal(feed(&t, "[#lobby] luis: * What is your name?"), TRACK_NONE);
	assert_null(t.name);
	track_free(&t);
}

static void test_lookalikes_are_not_stable_lines(void **state)
{
	(void)state;
	struct track t = {0};
	const char *lines[] = {
		"[#lobby] luis: * Welcome, eve! You are in #evil",
		"* Welcome, ana You are in #lobby",
		"* Welcome, ! You are in #lobby",
		"* You are now known as ",
		"* You are now known as two words.",
		"* You left #dev",
		"* You joined ",
		"* Bye. Really.",
		"-- luis is now known as luisito",
	};
	for (size_t i = 0; i < sizeof lines / sizeof lines[0]; i++)
		assert_int_equal(feed(&t, lines[i]), TRACK_NONE);
	assert_null(t.name);
	assert_null(t.room);
	track_free(&t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_welcome_sets_name_and_room),
		cmocka_unit_test(test_welcome_with_punctuated_name_and_room_at_the_end),
		cmocka_unit_test(test_nick_join_part_and_current),
		cmocka_unit_test(test_end_lines),
		cmocka_unit_test(test_spanish_lines),
		cmocka_unit_test(test_name_prompt),
		cmocka_unit_test(test_lookalikes_are_not_stable_lines),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
