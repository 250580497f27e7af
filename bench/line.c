/* line: charlad's line protocol. A client names itself with its first line and is in the lobby;
 * it may /part it or /join a room. Ready is "* Welcome" (or "* You joined", "* You left" when it
 * moves); messages are plain lines, delivered as "[room] name: text". */
#include <string.h>

#include "bench.h"

static void line_hello(struct bench *b, struct client *c, uint64_t now)
{
	(void)now;
	char name[NAME_MAX_LEN + 2];
	client_name(b, c, name, sizeof(name));
	client_out_str(c, name);
	client_out_str(c, "\n");
	if (b->o.part_lobby)
		client_out_str(c, "/part\n");
	if (b->o.room) {
		client_out_str(c, "/join ");
		client_out_str(c, b->o.room);
		client_out_str(c, "\n");
	}
}

/* One line from charlad (LF removed). */
static void line_in(struct bench *b, struct client *c, const char *p, size_t len, uint64_t now)
{
	if (len && p[len - 1] == '\r')
		len--;
	if (len == 0)
		return;
	if (p[0] == '[') {
		const char *end = memchr(p, ']', len);
		if (!end || (size_t)(end - p) + 2 > len) {
			b->bogus++;
			return;
		}
		const char *q = end + 2;
		size_t rest = len - (size_t)(q - p);
		if (bench_starts(q, rest, "-- ")) {
			if (rest >= 7 && memcmp(q + rest - 7, " joined", 7) == 0) {
				b->join_lines++;
				b->t_last_join = now;
			} else {
				b->other_lines++;
			}
		} else if (bench_starts(q, rest, "* ")) {
			b->other_lines++;
		} else if (rest >= b->o.size) {
			payload_in(b, c, p + len - b->o.size, b->o.size, now);
		} else {
			b->bogus++;
		}
		return;
	}
	if (p[0] == '*') {
		if (bench_starts(p, len, "* Welcome, ")) {
			if (!b->o.room && !b->o.part_lobby)
				bench_mark_ready(b, c, now);
		} else if (bench_starts(p, len, "* You joined ")) {
			bench_mark_ready(b, c, now);
		} else if (bench_starts(p, len, "* You left ") && b->o.part_lobby && !b->o.room) {
			bench_mark_ready(b, c, now);
		}
		return;
	}
	if (p[0] == '!') {
		bench_error_line(b, p, len);
		return;
	}
	b->other_lines++;
}

static size_t line_parse(struct bench *b, struct client *c, char *buf, size_t len, uint64_t now)
{
	size_t off = 0;
	while (off < len) {
		char *nl = memchr(buf + off, '\n', len - off);
		if (!nl)
			break;
		line_in(b, c, buf + off, (size_t)(nl - (buf + off)), now);
		off = (size_t)(nl - buf) + 1;
	}
	return off;
}

static char *line_frame(struct bench *b, struct client *c)
{
	char *p = client_out(c, b->o.size + 1);
	p[b->o.size] = '\n';
	return p;
}

const struct proto line_proto = {
	.name = "line",
	.hello = line_hello,
	.parse = line_parse,
	.frame = line_frame,
};
