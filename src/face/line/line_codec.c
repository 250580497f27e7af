#include "face/line/line_codec.h"

#include <string.h>

#include "base/frame.h"

/* User-facing text of the line format, in one place for translation. */
static const char T_JOINED[] = " joined";
static const char T_LEFT[] = " left";
static const char T_QUIT[] = " quit";
static const char T_RENAMED[] = " is now known as ";

const struct hub_face line_codec_face = {"line", line_codec_encode};

struct part {
	const char *p;
	size_t len;
};

#define P(s) ((struct part){(s), sizeof(s) - 1})
#define S(s) ((struct part){(s), strlen(s)})

static struct frame *line_codec_join(const struct part *parts, size_t n)
{
	size_t total = 1;
	for (size_t i = 0; i < n; i++)
		total += parts[i].len;
	struct frame *f = frame_new(total);
	char *o = f->data;
	for (size_t i = 0; i < n; i++) {
		memcpy(o, parts[i].p, parts[i].len);
		o += parts[i].len;
	}
	*o = '\n';
	return f;
}

struct frame *line_codec_encode(const struct hub_event *ev, struct buf *scratch)
{
	(void)scratch;
	struct part text = {ev->text ? ev->text : "", ev->text ? ev->len : 0};
	switch (ev->type) {
	case HUB_EV_SAY: {
		struct part p[] = {P("["), S(ev->room), P("] "), S(ev->from), P(": "), text};
		return line_codec_join(p, 6);
	}
	case HUB_EV_ACTION: {
		struct part p[] = {P("["), S(ev->room), P("] * "), S(ev->from), P(" "), text};
		return line_codec_join(p, 6);
	}
	case HUB_EV_PRIVATE: {
		struct part p[] = {P("[pm] "), S(ev->from), P(": "), text};
		return line_codec_join(p, 4);
	}
	case HUB_EV_PRIVATE_ACTION: {
		struct part p[] = {P("[pm] * "), S(ev->from), P(" "), text};
		return line_codec_join(p, 4);
	}
	case HUB_EV_JOIN: {
		struct part p[] = {P("["), S(ev->room), P("] -- "), S(ev->from), P(T_JOINED)};
		return line_codec_join(p, 5);
	}
	case HUB_EV_PART: {
		struct part p[] = {P("["), S(ev->room), P("] -- "), S(ev->from), P(T_LEFT),
				   P(" ("), text, P(")")};
		return line_codec_join(p, text.len ? 8 : 5);
	}
	case HUB_EV_QUIT: {
		struct part p[] = {P("-- "), S(ev->from), P(T_QUIT), P(" ("), text, P(")")};
		return line_codec_join(p, text.len ? 6 : 3);
	}
	case HUB_EV_NICK: {
		struct part p[] = {P("-- "), S(ev->from), P(T_RENAMED), text};
		return line_codec_join(p, 4);
	}
	case HUB_EV_INFO: {
		struct part p[] = {P("* "), text};
		return line_codec_join(p, 2);
	}
	case HUB_EV_ERROR: {
		struct part p[] = {P("! "), text};
		return line_codec_join(p, 2);
	}
	case HUB_EV_FORGET: /* for bots only; never on a wire */
		break;
	}
	return line_codec_join(NULL, 0);
}
