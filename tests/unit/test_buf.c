/* Unit tests for base/buf and base/frame: the growable buffer and the refcounted frame. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "base/buf.h"
#include "base/frame.h"

static void t_append_and_nul(void **state)
{
	(void)state;
	struct buf b = BUF_INIT;
	buf_append(&b, "", 0);
	assert_non_null(b.data);
	assert_string_equal(b.data, "");
	buf_puts(&b, "hola");
	buf_putc(&b, ' ');
	buf_append(&b, "mundo!!", 5);
	assert_int_equal(b.len, 10);
	assert_string_equal(b.data, "hola mundo");
	assert_true(b.cap > b.len);
	/* Binary-safe: a NUL inside counts through len. */
	buf_append(&b, "\0x", 2);
	assert_int_equal(b.len, 12);
	assert_memory_equal(b.data, "hola mundo\0x", 13);
	buf_free(&b);
	assert_null(b.data);
	assert_int_equal(b.len, 0);
	assert_int_equal(b.cap, 0);
}

static void t_growth(void **state)
{
	(void)state;
	struct buf b = BUF_INIT;
	for (int i = 0; i < 100000; i++)
		buf_putc(&b, (char)('a' + i % 26));
	assert_int_equal(b.len, 100000);
	assert_int_equal(b.data[b.len], '\0');
	for (int i = 0; i < 100000; i++)
		assert_int_equal(b.data[i], 'a' + i % 26);
	size_t cap = b.cap;
	buf_reserve(&b, 0);
	assert_int_equal(b.cap, cap);
	buf_reserve(&b, cap); /* needs more: grows */
	assert_true(b.cap >= b.len + cap + 1);
	buf_free(&b);
}

static void t_printf(void **state)
{
	(void)state;
	struct buf b = BUF_INIT;
	buf_printf(&b, "%d-%s", 42, "x");
	assert_string_equal(b.data, "42-x");
	/* Longer than any initial capacity: formatted again after growing. */
	char big[1000];
	memset(big, 'q', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	buf_printf(&b, "[%s]", big);
	assert_int_equal(b.len, 4 + 2 + 999);
	assert_memory_equal(b.data, "42-x[", 5);
	assert_memory_equal(b.data + 5, big, 999);
	assert_string_equal(b.data + 5 + 999, "]");
	buf_printf(&b, "%s", "");
	assert_int_equal(b.len, 1005);
	buf_free(&b);
}

static void t_consume_and_clear(void **state)
{
	(void)state;
	struct buf b = BUF_INIT;
	buf_consume(&b, 3); /* on an empty buf: nothing */
	assert_int_equal(b.len, 0);
	buf_clear(&b);
	buf_puts(&b, "abcdef");
	buf_consume(&b, 2);
	assert_string_equal(b.data, "cdef");
	assert_int_equal(b.len, 4);
	buf_consume(&b, 4);
	assert_int_equal(b.len, 0);
	assert_string_equal(b.data, "");
	buf_puts(&b, "xyz");
	buf_consume(&b, 100);
	assert_int_equal(b.len, 0);
	buf_puts(&b, "again");
	size_t cap = b.cap;
	buf_clear(&b);
	assert_int_equal(b.len, 0);
	assert_int_equal(b.cap, cap); /* clearing keeps the memory */
	assert_string_equal(b.data, "");
	buf_free(&b);
}

static void t_frames(void **state)
{
	(void)state;
	struct frame *f = frame_from("hola\n", 5);
	assert_int_equal(f->refs, 1);
	assert_int_equal(f->len, 5);
	assert_memory_equal(f->data, "hola\n", 5);
	assert_ptr_equal(frame_ref(f), f);
	assert_int_equal(f->refs, 2);
	frame_unref(f);
	assert_int_equal(f->refs, 1);
	frame_unref(f); /* freed: LeakSanitizer would notice otherwise */
	frame_unref(NULL);

	struct frame *e = frame_from(NULL, 0);
	assert_int_equal(e->len, 0);
	frame_unref(e);

	struct buf b = BUF_INIT;
	buf_puts(&b, "moved bytes");
	size_t cap = b.cap;
	struct frame *g = frame_from_buf(&b);
	assert_int_equal(g->len, 11);
	assert_memory_equal(g->data, "moved bytes", 11);
	assert_int_equal(b.len, 0);
	assert_int_equal(b.cap, cap);
	frame_unref(g);
	buf_free(&b);

	struct frame *n = frame_new(3);
	memcpy(n->data, "abc", 3);
	assert_int_equal(n->len, 3);
	assert_int_equal(n->refs, 1);
	frame_unref(n);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(t_append_and_nul),
		cmocka_unit_test(t_growth),
		cmocka_unit_test(t_printf),
		cmocka_unit_test(t_consume_and_clear),
		cmocka_unit_test(t_frames),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
