/* Unit tests for face/line/line_codec: the exact bytes of every event in the line protocol
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
#include "face/line/line_codec.h"

/* Encodes ev and checks the frame holds exactly `expect` and one reference for the caller. */
static void check(const struct hub_event *ev, const char *expect)
{
	struct buf scratch = BUF_INIT;
	struct frame *f = line_codec_encode(ev, &scratch);
	assert_non_null(f);
	assert_int_equal(f->refs, 1);
	assert_int_equal(f->len, strlen(expect));
	assert_memory_equal(f->data, expect, f->len);
	/* One line: a single LF, at the end. */
	assert_ptr_equal(memchr(f->data, '\n', f->len), f->data + f->len - 1);
	frame_unref(f);
	buf_free(&scratch);
}

#define TEXT(s) .text = (s), .len = sizeof(s) - 1

static void t_room_lines(void **state)
{
	(void)state;
	check(&(struct hub_event){.type = HUB_EV_SAY, .room = "#lobby", .from = "ana", TEXT("hola")},
	      "[#lobby] ana: hola\n");
	check(&(struct hub_event){.type = HUB_EV_ACTION, .room = "#lobby", .from = "ana", TEXT("waves")},
	      "[#lobby] * ana waves\n");
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
	check(&(struct hub_event){.type = HUB_EV_PRIVATE, .from = "luis", .to = "ana", TEXT("psst")},
	      "[pm] luis: psst\n");
	check(&(struct hub_event){.type = HUB_EV_PRIVATE_ACTION, .from = "luis", .to = "ana",
				  TEXT("winks")},
	      "[pm] * luis winks\n");
}

static void t_news_lines(void **state)
{
	(void)state;
	check(&(struct hub_event){.type = HUB_EV_QUIT, .from = "ana", TEXT("connection closed")},
	      "-- ana quit (connection closed)\n");
	check(&(struct hub_event){.type = HUB_EV_QUIT, .from = "ana", TEXT("")}, "-- ana quit\n");
	check(&(struct hub_event){.type = HUB_EV_NICK, .from = "luis", TEXT("luisito")},
	      "-- luis is now known as luisito\n");
}

static void t_server_lines(void **state)
{
	(void)state;
	check(&(struct hub_event){.type = HUB_EV_INFO, TEXT("You joined #dev (3 members).")},
	      "* You joined #dev (3 members).\n");
	check(&(struct hub_event){.type = HUB_EV_ERROR, TEXT("No such user: zoe")},
	      "! No such user: zoe\n");
}

static void t_text_uses_len_not_nul(void **state)
{
	(void)state;
	/* The text is a span: bytes past len are not sent, and multibyte text passes untouched. */
	check(&(struct hub_event){.type = HUB_EV_SAY, .room = "#x", .from = "\xC3\xB1u",
				  .text = "hola que tal", .len = 4},
	      "[#x] \xC3\xB1u: hola\n");
	check(&(struct hub_event){.type = HUB_EV_SAY, .room = "#\xE4\xB8\xAD", .from = "a",
				  TEXT("\xF0\x9F\x98\x80\t!")},
	      "[#\xE4\xB8\xAD] a: \xF0\x9F\x98\x80\t!\n");
}

static void t_long_text(void **state)
{
	(void)state;
	size_t n = 100000;
	char *text = malloc(n);
	assert_non_null(text);
	memset(text, 'z', n);
	struct hub_event ev = {.type = HUB_EV_SAY, .room = "#r", .from = "a", .text = text, .len = n};
	struct buf scratch = BUF_INIT;
	struct frame *f = line_codec_encode(&ev, &scratch);
	assert_int_equal(f->len, 8 + n + 1);
	assert_memory_equal(f->data, "[#r] a: ", 8);
	assert_memory_equal(f->data + 8, text, n);
	assert_int_equal(f->data[f->len - 1], '\n');
	frame_unref(f);
	buf_free(&scratch);
	free(text);
}

static void t_face_descriptor(void **state)
{
	(void)state;
	assert_ptr_equal(line_codec_face.encode, line_codec_encode);
	assert_non_null(line_codec_face.name);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(t_room_lines),
		cmocka_unit_test(t_private_lines),
		cmocka_unit_test(t_news_lines),
		cmocka_unit_test(t_server_lines),
		cmocka_unit_test(t_text_uses_len_not_nul),
		cmocka_unit_test(t_long_text),
		cmocka_unit_test(t_face_descriptor),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
