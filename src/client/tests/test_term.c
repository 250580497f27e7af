/* Unit tests for term.c: the bytes that draw the edit row and print lines above it, read back
 * from a pipe. */
#include <errno.h>
#include <locale.h>
#include <signal.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "client/edit.h"
#include "client/term.h"

struct fixture {
	int fds[2];
	struct term term;
	struct edit edit;
};

static struct fixture fx;

static int setup(void **state)
{
	(void)state;
	if (pipe(fx.fds) < 0)
		return -1;
	term_init(&fx.term, fx.fds[1], false);
	edit_init(&fx.edit);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	close(fx.fds[0]);
	close(fx.fds[1]);
	term_free(&fx.term);
	edit_free(&fx.edit);
	return 0;
}

static void expect_output(const char *want)
{
	char got[1024];
	ssize_t n = read(fx.fds[0], got, sizeof got);
	assert_true(n >= 0);
	assert_int_equal((size_t)n, strlen(want));
	assert_memory_equal(got, want, (size_t)n);
}

static void test_a_pipe_is_taken_as_80_columns(void **state)
{
	(void)state;
	assert_int_equal(fx.term.cols, 80);
}

static void test_draw_puts_the_cursor_after_the_prompt_and_text(void **state)
{
	(void)state;
	edit_insert(&fx.edit, "héllo", strlen("héllo"));
	edit_left(&fx.edit);
	assert_int_equal(term_draw(&fx.term, "#lobby> ", &fx.edit), 0);
	expect_output("\r#lobby> héllo\x1b[K\r\x1b[12C");
}

static void test_prompt_is_bold_with_colour(void **state)
{
	(void)state;
	fx.term.colour = true;
	assert_int_equal(term_draw(&fx.term, "> ", &fx.edit), 0);
	expect_output("\r\x1b[1m> \x1b[0m\x1b[K\r\x1b[2C");
}

static void test_print_erases_the_row_writes_lines_and_redraws(void **state)
{
	(void)state;
	edit_insert(&fx.edit, "typing", 6);
	const char *lines = "[#lobby] luis: hola\n-- ana joined\n";
	assert_int_equal(term_print(&fx.term, lines, strlen(lines), "> ", &fx.edit), 0);
	expect_output("\r\x1b[K[#lobby] luis: hola\r\n-- ana joined\r\n\r> typing\x1b[K\r\x1b[8C");
}

static void test_long_lines_scroll_within_one_row(void **state)
{
	(void)state;
	fx.term.cols = 20;
	edit_insert(&fx.edit, "abcdefghijklmnopqrstuvwxyz", 26);
	assert_int_equal(term_draw(&fx.term, "#r> ", &fx.edit), 0);
	/* 19 usable columns: 4 for the prompt, the marker, 13 characters before the cursor in
	 * column 18. */
	expect_output("\r#r> <nopqrstuvwxyz\x1b[K\r\x1b[18C");
	edit_home(&fx.edit);
	assert_int_equal(term_draw(&fx.term, "#r> ", &fx.edit), 0);
	expect_output("\r#r> abcdefghijklmn>\x1b[K\r\x1b[4C");
}

static void test_markers_are_in_reverse_video_with_colour(void **state)
{
	(void)state;
	fx.term.cols = 12;
	fx.term.colour = true;
	edit_insert(&fx.edit, "abcdefghijklmnop", 16);
	for (int i = 0; i < 4; i++)
		edit_left(&fx.edit);
	/* 11 usable columns: the marker, 8 characters, the cursor on 'm', the marker. */
	assert_int_equal(term_draw(&fx.term, "", &fx.edit), 0);
	expect_output("\r\x1b[7m<\x1b[0mefghijklm\x1b[7m>\x1b[0m\x1b[K\r\x1b[9C");
}

static void test_a_narrow_terminal_drops_the_prompt(void **state)
{
	(void)state;
	fx.term.cols = 12;
	edit_insert(&fx.edit, "abc", 3);
	assert_int_equal(term_draw(&fx.term, "#long-room> ", &fx.edit), 0);
	expect_output("\rabc\x1b[K\r\x1b[3C");
}

static void test_write_all_reports_a_closed_reader(void **state)
{
	(void)state;
	close(fx.fds[0]);
	fx.fds[0] = -1;
	assert_int_equal(term_write_all(fx.fds[1], "x", 1), -EPIPE);
}

int main(void)
{
	if (!setlocale(LC_CTYPE, "C.UTF-8"))
		return 1;
	signal(SIGPIPE, SIG_IGN);
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_a_pipe_is_taken_as_80_columns, setup, teardown),
		cmocka_unit_test_setup_teardown(test_draw_puts_the_cursor_after_the_prompt_and_text, setup, teardown),
		cmocka_unit_test_setup_teardown(test_prompt_is_bold_with_colour, setup, teardown),
		cmocka_unit_test_setup_teardown(test_print_erases_the_row_writes_lines_and_redraws, setup, teardown),
		cmocka_unit_test_setup_teardown(test_long_lines_scroll_within_one_row, setup, teardown),
		cmocka_unit_test_setup_teardown(test_markers_are_in_reverse_video_with_colour, setup, teardown),
		cmocka_unit_test_setup_teardown(test_a_narrow_terminal_drops_the_prompt, setup, teardown),
		cmocka_unit_test_setup_teardown(test_write_all_reports_a_closed_reader, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
