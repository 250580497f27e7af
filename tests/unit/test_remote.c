/* Unit tests of the hub's people of other nodes (src/hub/remote.c): a remote session named, in
 * rooms, heard with its node's stamp, delivered nothing, counted nowhere but in the greeting and
 * lists; and ids that carry the node, so that two nodes never give the same one. Through the fake
 * faces of fx.h (its lines say which events a session was sent). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "fx.h"
#include "hub/remote.h"

static void ghost_event(struct session *s, const struct hub_event *ev)
{
	(void)s, (void)ev;
}

static void ghost_nop(struct session *s)
{
	(void)s;
}

static const struct session_ops ghost_ops = {.deliver = NULL, .admitted = ghost_nop,
					     .disconnect = ghost_nop, .event = ghost_event};

static void t_remote_sessions(void **state)
{
	(void)state;
	struct fx *fx = fx_new(3);
	fx_use(fx, 0, &fx_face_a, 1);
	fx_people(fx, "ana bob cy");
	fx_join(fx, 0, "#a");
	fx_join(fx, 1, "#a");
	fx_part(fx, 2, "#lobby", "");
	fx_drop_all(fx);
	struct fxobs *ob = fx_observe(fx, 0, ~0u);
	uint64_t last;
	size_t online = fx->h.online;
	struct hub *h = &fx->h;

	/* zed of node 9 arrives: named here, counted nowhere, heard by observers with its origin. */
	struct session zed;
	session_init(h, &zed, &ghost_ops);
	struct hub_stamp st = {.origin = 9, .id = (41ull << 20) | (1u << 8) | 9, .time_ms = 41};
	remote_begin(h, &st);
	assert_int_equal(remote_open(h, &zed, "zed", 3), HUB_OK);
	remote_end(h);
	assert_true(zed.remote);
	assert_ptr_equal(session_find(h, "ZED", 3), &zed);
	assert_int_equal(h->online, online);
	assert_int_equal(remote_people(h), online + 1);
	assert_int_equal(hub_others(h, &fx->k[0].s), 3); /* bob, cy and zed */
	assert_string_equal(fx_log(&ob->log), "@- ARRIVE zed\n");

	/* A local name is not anyone else's: a remote session cannot take it either. */
	struct session dup;
	session_init(h, &dup, &ghost_ops);
	assert_int_equal(remote_open(h, &dup, "Ana", 3), HUB_ERR_NAME_TAKEN);
	session_close(h, &dup, "", 0);

	/* It joins #a as an operator (its node said so): members here see it, with its stamp. */
	st = (struct hub_stamp){.origin = 9, .id = (42ull << 20) | (1u << 8) | 9, .time_ms = 42};
	remote_begin(h, &st);
	assert_int_equal(remote_join(h, &zed, "#A", 2, MEMBER_OP), HUB_OK);
	remote_end(h);
	assert_string_equal(fx_text(&fx->k[0]), "@42.1 t=42 o=9 JOIN #a zed n=3\n");
	assert_string_equal(fx_text(&fx->k[1]), "JOIN #a zed n=3\n");
	assert_string_equal(fx_text(&fx->k[2]), "");
	assert_int_equal(room_prefix(room_find(h, "#a", 2), &zed), MEMBER_OP);
	assert_int_equal(room_find(h, "#a", 2)->local, 2);
	fx_log(&ob->log);

	/* It talks in a room whose modes would refuse it here (+m): its node checked, so it is
	 * heard, with its stamp, and last_event (this node's ids) does not move. */
	fx_mode(fx, 0, "#a", "+m");
	fx_drop_all(fx);
	fx_log(&ob->log);
	last = fx->h.last_event;
	st = (struct hub_stamp){.origin = 9, .id = (43ull << 20) | (1u << 8) | 9, .time_ms = 43};
	remote_begin(h, &st);
	assert_int_equal(room_say(h, &zed, "#a", 2, HUB_MSG_SAY, "hola", 4), HUB_OK);
	assert_int_equal(session_message(h, &zed, "cy", 2, HUB_MSG_SAY, "psst", 4), HUB_OK);
	remote_end(h);
	assert_string_equal(fx_text(&fx->k[0]), "@43.1 t=43 o=9 MESSAGE say #a zed \"hola\"\n");
	assert_string_equal(fx_text(&fx->k[1]), "MESSAGE say #a zed \"hola\"\n");
	assert_string_equal(fx_text(&fx->k[2]), "MESSAGE say zed >cy \"psst\"\n");
	assert_int_equal(fx->h.last_event, last);
	fx_log(&ob->log);

	/* A local message to it is not delivered here (its node does), but observers hear it. */
	last = fx->h.last_event;
	assert_int_equal(fx_msg(fx, 2, "zed", "hi"), HUB_OK);
	assert_true(fx->h.last_event > last);
	assert_non_null(strstr(fx_log(&ob->log), " o=7 MESSAGE say cy >zed \"hi\"\n"));
	fx_drop_all(fx);

	/* Its quit goes to those sharing a room, and the room's local count stays. */
	st = (struct hub_stamp){.origin = 9, .id = (44ull << 20) | (1u << 8) | 9, .time_ms = 44};
	remote_begin(h, &st);
	session_close(h, &zed, "a b", 3);
	remote_end(h);
	assert_string_equal(fx_text(&fx->k[1]), "QUIT zed \"a b\"\n");
	assert_string_equal(fx_text(&fx->k[2]), "");
	assert_null(session_find(h, "zed", 3));
	assert_int_equal(room_find(h, "#a", 2)->count, 2);
	assert_int_equal(room_find(h, "#a", 2)->local, 2);
	fx_log(&ob->log);
	fx_free(fx);
}

/* Ids carry the node in their low bits, so that two nodes never give the same one. */
static void t_ids_carry_the_node(void **state)
{
	(void)state;
	struct fx *fx = fx_new(2);
	fx_people(fx, "ana bob");
	fx_say(fx, 0, "#lobby", "one");
	fx_say(fx, 0, "#lobby", "two");
	const uint64_t node_mask = (1u << HUB_ID_NODE_BITS) - 1;
	assert_int_equal(fx->h.last_event & node_mask, FX_NODE);
	assert_int_equal(fx->h.last_event >> HUB_ID_SEQ_BITS, FX_T0);
	fx_free(fx);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(t_remote_sessions, fx_teardown),
		cmocka_unit_test_teardown(t_ids_carry_the_node, fx_teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
