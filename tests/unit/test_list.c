/* Unit tests for base/list: the intrusive list every module uses for its queues and registries. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "base/list.h"

struct item {
	int v;
	struct list_node node;
};

/* The values on l, in order, as a string of digits. */
static const char *values(const struct list *l)
{
	static char out[32];
	size_t n = 0;
	list_each(node, l) {
		out[n++] = (char)('0' + list_entry(node, struct item, node)->v);
	}
	out[n] = '\0';
	return out;
}

static void t_push_remove(void **state)
{
	(void)state;
	struct list l;
	list_init(&l);
	assert_true(list_empty(&l));
	assert_null(list_first(&l));
	assert_null(list_last(&l));
	struct item it[5] = {{.v = 0}, {.v = 1}, {.v = 2}, {.v = 3}, {.v = 4}};
	for (int i = 0; i < 5; i++)
		assert_false(list_linked(&it[i].node)); /* zeroed: on no list */
	list_push_back(&l, &it[1].node);
	list_push_back(&l, &it[2].node);
	list_push_front(&l, &it[0].node);
	list_push_back(&l, &it[3].node);
	assert_string_equal(values(&l), "0123");
	assert_ptr_equal(list_first(&l), &it[0].node);
	assert_ptr_equal(list_last(&l), &it[3].node);
	assert_ptr_equal(list_next(&l, &it[1].node), &it[2].node);
	assert_null(list_next(&l, &it[3].node));
	/* Removal needs only the node: middle, head, tail, and twice is harmless. */
	list_remove(&it[2].node);
	assert_false(list_linked(&it[2].node));
	list_remove(&it[2].node);
	assert_string_equal(values(&l), "013");
	list_remove(&it[0].node);
	list_remove(&it[3].node);
	assert_string_equal(values(&l), "1");
	list_remove(&it[4].node); /* never linked */
	list_remove(&it[1].node);
	assert_true(list_empty(&l));
	assert_string_equal(values(&l), "");
}

static void t_each_safe_removes_while_walking(void **state)
{
	(void)state;
	struct list l;
	list_init(&l);
	struct item it[6];
	for (int i = 0; i < 6; i++) {
		it[i] = (struct item){.v = i};
		list_push_back(&l, &it[i].node);
	}
	list_each_safe(node, &l) {
		struct item *x = list_entry(node, struct item, node);
		if (x->v % 2 == 0)
			list_remove(node);
	}
	assert_string_equal(values(&l), "135");
	/* A node can move to another list and back. */
	struct list other;
	list_init(&other);
	list_remove(&it[3].node);
	list_push_back(&other, &it[3].node);
	assert_string_equal(values(&l), "15");
	assert_string_equal(values(&other), "3");
	list_each_safe(node, &l) list_remove(node);
	assert_true(list_empty(&l));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(t_push_remove),
		cmocka_unit_test(t_each_safe_removes_while_walking),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
