#include "text/text_codec.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "base/buf.h"
#include "base/frame.h"
#include "base/utf8.h"
#include "hub/hub.h"
#include "hub/name.h"

/* ---- the words ---- */

/* News about others, and replies to one's own requests. */
static const char T_JOINED[] = " joined";
static const char T_LEFT[] = " left";
static const char T_QUIT[] = " quit";
static const char T_RENAMED[] = " is now known as ";
static const char T_YOU_JOINED[] = "You joined %s (%llu %s).";
static const char T_MEMBER[] = "member";
static const char T_MEMBERS[] = "members";
static const char T_YOU_LEFT[] = "You left %s.";
static const char T_YOU_RENAMED[] = "You are now known as %s.";
static const char T_TOPIC_SET[] = "[%s] -- %s set the topic: %.*s";
static const char T_TOPIC_CLEARED[] = "[%s] -- %s cleared the topic";
static const char T_MODE[] = "[%s] -- %s ";
#define T_KICKED "[%s] -- %s removed %s"
#define T_YOU_KICKED "%s removed you from %s"
static const char T_INVITED[] = "%s invites you to %s; /join %s to go in.";
static const char T_WALLOPS[] = "%s, server operator, to everyone: %.*s";
static const char T_KILLED[] = "%s disconnected you%s%.*s%s.";
static const char T_WELCOME[] = "Welcome, %s! You are in %s with %llu %s. Type /help for commands.";
static const char T_OTHER[] = "other";
static const char T_OTHERS[] = "others";
static const char T_QUEUED[] = "The server is full. You are number %llu in the queue.";
static const char T_QUEUE_MOVED[] = "You are number %llu in the queue.";
static const char T_BYE[] = "Bye.";
static const char T_WHO_HEAD[] = "%s (%zu):";
static const char T_WHO_MORE[] = "%s (continued):";
static const char T_BOT_LINE[] = "Bot: %s (%s; %s)";
static const char T_ROOMS[] = "%zu rooms:";
static const char T_ROOMS_ONE[] = "1 room:";
static const char T_ROOM_LINE[] = "  %s (%u)";

/* What a mode change did, by mode: [0] when added, [1] when removed. {1} is the argument. */
static const char *const T_MODES[MODE_COUNT][2] = {
	[MODE_INVITE_ONLY] = {"made the room invitation only", "opened the room to all"},
	[MODE_MODERATED] = {"let only operators and voiced members speak", "let everyone speak"},
	[MODE_NO_EXTERNAL] = {"closed the room to messages from outside",
			      "opened the room to messages from outside"},
	[MODE_SECRET] = {"made the room secret", "made the room visible"},
	[MODE_TOPIC_LOCK] = {"let only operators set the topic", "let everyone set the topic"},
	[MODE_KEY] = {"set a key on the room", "removed the room's key"},
	[MODE_LIMIT] = {"limited the room to {1} members", "removed the room's limit"},
	[MODE_BAN] = {"banned {1}", "lifted the ban on {1}"},
	[MODE_EXCEPT] = {"exempted {1} from bans", "removed the ban exemption of {1}"},
	[MODE_INVEX] = {"let {1} in without an invitation", "no longer lets {1} in uninvited"},
	[MODE_OP] = {"made {1} an operator", "took operator from {1}"},
	[MODE_VOICE] = {"gave {1} a voice", "took the voice of {1}"},
};

/* Refusals and other results, by code. {1}, {2} are the arguments the code names in event.h. */
static const char *const T_RESULTS[HUB_RESULT_COUNT] = {
	[HUB_ERR_QUEUE_FULL] = "! The server is full and so is its queue; try again later.",
	[HUB_ERR_NAME_INVALID] = "! Cannot use that name: {1}.",
	[HUB_ERR_NAME_TAKEN] = "! The name {1} is taken; pick another.",
	[HUB_ERR_NAME_BOT] = "! The name {1} is taken by {2}; pick another.",
	[HUB_ERR_NO_SUCH_NAME] = "! No such user: {1}",
	[HUB_ERR_ROOM_INVALID] = "! Cannot use that room name: {1}.",
	[HUB_ERR_NO_SUCH_ROOM] = "! No such room: {1}",
	[HUB_ERR_NOT_IN_ROOM] = "! You are not in {1}.",
	[HUB_ERR_ALREADY_IN] = "* You are in {1} already; it is now your current room.",
	[HUB_ERR_TOO_MANY_ROOMS] = "! You are in {1} rooms already, the most allowed; /part one "
				   "first.",
	[HUB_ERR_BANNED] = "! You are banned from {1}.",
	[HUB_ERR_BAD_KEY] = "! {1} needs its key: /join {1} KEY",
	[HUB_ERR_ROOM_FULL] = "! {1} is full.",
	[HUB_ERR_INVITE_ONLY] = "! {1} takes only those invited.",
	[HUB_ERR_CANNOT_SEND] = "! You cannot speak in {1} now.",
	[HUB_ERR_NOT_OPERATOR] = "! Only operators of {1} can do that.",
	[HUB_ERR_NOT_OPER] = "! Only server operators can do that.",
	[HUB_ERR_TARGET_NOT_IN] = "! {1} is not in {2}.",
	[HUB_ERR_TARGET_IN] = "! {1} is in {2} already.",
	[HUB_ERR_LIST_FULL] = "! That list of {1} is full.",
};

static const char *const T_NAME_REASONS[] = {
	[NAME_OK] = "ok",
	[NAME_EMPTY] = "a name cannot be empty",
	[NAME_TOO_LONG] = "a name can have at most 32 characters",
	[NAME_BAD_UTF8] = "a name must be valid UTF-8 text",
	[NAME_SPACE] = "a name cannot contain spaces",
	[NAME_CONTROL] = "a name cannot contain control characters",
	[NAME_PUNCT] = "a name cannot contain ':' or ','",
	[NAME_INVISIBLE] = "a name cannot contain invisible characters",
	[NAME_MASK] = "a name cannot contain '!', '@', '*' or '?'",
	[NAME_BAD_START] = "a name cannot start with # / @ + * ! - or [",
	[NAME_RESERVED] = "that name is reserved",
	[NAME_NO_HASH] = "a room name starts with #",
};

/* /who lines are split so that no line grows past this many bytes. */
enum { WHO_LINE_MAX = 400 };

const struct hub_face text_codec_face = {"line", 1, text_codec_encode};

const char *text_codec_name_reason(int r)
{
	if (r < 0 || (size_t)r >= sizeof(T_NAME_REASONS) / sizeof(T_NAME_REASONS[0]))
		return T_NAME_REASONS[NAME_OK];
	return T_NAME_REASONS[r];
}

/* ---- the hot path: lines joined from parts, one allocation ---- */

struct part {
	const char *p;
	size_t len;
};

#define P(s) ((struct part){(s), sizeof(s) - 1})
#define S(s) ((struct part){(s), strlen(s)})

static struct frame *text_codec_join(const struct part *parts, size_t n)
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

/* Text from a face that lets control characters through (IRC's formatting: bold ^B, colour ^C with
 * its digits, reset ^O, reverse ^V, italic ^], underline ^_, strike ^^, monospace ^Q, and CTCP's
 * ^A) means nothing on a terminal line and must never reach one: formatting is dropped, any other
 * control character becomes U+FFFD (base/utf8.h), and the clean text lands in out. Clean text, the
 * usual case, costs one scan and no copy. */
static struct part text_codec_clean(const char *t, size_t len, struct buf *out)
{
	if (utf8_is_clean(t, len))
		return (struct part){t, len};
	struct buf plain = BUF_INIT;
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)t[i];
		if (c == 0x03) {
			/* ^C, then up to two digits, then optionally a comma and up to two more. */
			size_t k = 0;
			while (k < 2 && i + 1 < len && t[i + 1] >= '0' && t[i + 1] <= '9') {
				i++;
				k++;
			}
			if (k && i + 2 < len && t[i + 1] == ',' && t[i + 2] >= '0' && t[i + 2] <= '9') {
				i += 2;
				if (i + 1 < len && t[i + 1] >= '0' && t[i + 1] <= '9')
					i++;
			}
			continue;
		}
		if (c == 0x01 || c == 0x02 || c == 0x0f || c == 0x11 || c == 0x16 || c == 0x1d ||
		    c == 0x1e || c == 0x1f)
			continue;
		buf_putc(&plain, (char)c);
	}
	buf_clear(out);
	utf8_sanitize(plain.data ? plain.data : "", plain.len, out);
	buf_free(&plain);
	return (struct part){out->data ? out->data : "", out->len};
}

static struct frame *text_codec_message(const struct hub_event *ev, struct part text)
{
	bool action = ev->kind == HUB_MSG_ACTION;
	if (ev->room) {
		struct part p[] = {P("["), S(ev->room), action ? P("] * ") : P("] "), S(ev->from),
				   action ? P(" ") : P(": "), text};
		return text_codec_join(p, 6);
	}
	struct part p[] = {action ? P("[pm] * ") : P("[pm] "), S(ev->from),
			   action ? P(" ") : P(": "), text};
	return text_codec_join(p, 4);
}

/* ---- the rest: lines formatted into scratch ---- */

/* Appends template t with {1} and {2} replaced by a1 and a2 (the tables above are templates, not
 * printf formats, so that a translation may put the arguments in any order). */
static void text_codec_expand(struct buf *b, const char *t, const char *a1, const char *a2)
{
	while (*t) {
		const char *brace = strchr(t, '{');
		if (!brace || (brace[1] != '1' && brace[1] != '2') || brace[2] != '}') {
			if (!brace) {
				buf_puts(b, t);
				return;
			}
			buf_append(b, t, (size_t)(brace - t) + 1);
			t = brace + 1;
			continue;
		}
		buf_append(b, t, (size_t)(brace - t));
		const char *a = brace[1] == '1' ? a1 : a2;
		buf_puts(b, a ? a : "");
		t = brace + 3;
	}
}

static void text_codec_line(struct buf *b, const char *prefix, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void text_codec_line(struct buf *b, const char *prefix, const char *fmt, ...)
{
	buf_puts(b, prefix);
	va_list ap;
	va_start(ap, fmt);
	buf_vprintf(b, fmt, ap);
	va_end(ap);
	buf_putc(b, '\n');
}

static void text_codec_names(const struct hub_event *ev, struct buf *b)
{
	struct buf line = BUF_INIT;
	buf_printf(&line, T_WHO_HEAD, ev->room, ev->u.names.n);
	for (size_t i = 0; i < ev->u.names.n; i++) {
		const char *nm = ev->u.names.v[i].s->name;
		uint8_t prefix = ev->u.names.v[i].prefix;
		if (line.len + 2 + strlen(nm) > WHO_LINE_MAX) {
			text_codec_line(b, "* ", "%s", line.data);
			buf_clear(&line);
			buf_printf(&line, T_WHO_MORE, ev->room);
		}
		buf_putc(&line, ' ');
		/* An operator's name with '@', a voiced member's with '+' (no name starts with
		 * either). */
		if (prefix & MEMBER_OP)
			buf_putc(&line, '@');
		else if (prefix & MEMBER_VOICE)
			buf_putc(&line, '+');
		buf_puts(&line, nm);
	}
	text_codec_line(b, "* ", "%s", line.data);
	buf_free(&line);
	for (size_t i = 0; i < ev->u.names.nbots; i++) {
		const struct hub_bot *bot = ev->u.names.bots[i];
		text_codec_line(b, "* ", T_BOT_LINE, bot->s->name, bot->role, bot->hint);
	}
}

static void text_codec_rooms(const struct hub_event *ev, struct buf *b)
{
	size_t n = ev->u.rooms.n;
	if (n == 1)
		text_codec_line(b, "* ", "%s", T_ROOMS_ONE);
	else
		text_codec_line(b, "* ", T_ROOMS, n);
	for (size_t i = 0; i < n; i++)
		text_codec_line(b, "* ", T_ROOM_LINE, ev->u.rooms.v[i]->name,
				ev->u.rooms.v[i]->count);
}

static void text_codec_modes(const struct hub_event *ev, struct buf *b)
{
	buf_printf(b, T_MODE, ev->room, ev->from ? ev->from : "");
	for (size_t i = 0; i < ev->u.modes.n; i++) {
		const struct mode_change *c = &ev->u.modes.v[i];
		if (i)
			buf_puts(b, "; ");
		text_codec_expand(b, T_MODES[c->mode][c->add ? 0 : 1], c->arg, NULL);
	}
	buf_putc(b, '\n');
}

static void text_codec_result(const struct hub_event *ev, struct buf *b)
{
	const char *t = T_RESULTS[ev->u.result.code];
	if (!t)
		return;
	char n[24];
	switch (ev->u.result.code) {
	case HUB_ERR_NAME_INVALID:
	case HUB_ERR_ROOM_INVALID:
		text_codec_expand(b, t, text_codec_name_reason(ev->u.result.detail), NULL);
		break;
	case HUB_ERR_NAME_BOT:
		text_codec_expand(b, t, ev->to, ev->text);
		break;
	case HUB_ERR_NAME_TAKEN:
	case HUB_ERR_NO_SUCH_NAME:
		text_codec_expand(b, t, ev->to, NULL);
		break;
	case HUB_ERR_TOO_MANY_ROOMS:
		snprintf(n, sizeof(n), "%zu", ev->u.result.n);
		text_codec_expand(b, t, n, NULL);
		break;
	case HUB_ERR_TARGET_NOT_IN:
	case HUB_ERR_TARGET_IN:
		text_codec_expand(b, t, ev->to, ev->room);
		break;
	default:
		text_codec_expand(b, t, ev->room, NULL);
		break;
	}
	buf_putc(b, '\n');
}

/* Everything but messages. Returns false when the line protocol says nothing of ev. */
static bool text_codec_other(const struct hub_event *ev, struct buf *b)
{
	bool self = ev->flags & HUB_EVF_SELF;
	const char *why = ev->len ? " (" : "";
	const char *end = ev->len ? ")" : "";
	int rlen = (int)ev->len;
	const char *reason = ev->text ? ev->text : "";
	switch (ev->type) {
	case HUB_EV_JOIN:
		if (self)
			text_codec_line(b, "* ", T_YOU_JOINED, ev->room,
					(unsigned long long)ev->u.count,
					ev->u.count == 1 ? T_MEMBER : T_MEMBERS);
		else
			text_codec_line(b, "", "[%s] -- %s%s", ev->room, ev->from, T_JOINED);
		return true;
	case HUB_EV_PART:
		if (self)
			text_codec_line(b, "* ", T_YOU_LEFT, ev->room);
		else
			text_codec_line(b, "", "[%s] -- %s%s%s%.*s%s", ev->room, ev->from, T_LEFT,
					why, rlen, reason, end);
		return true;
	case HUB_EV_QUIT:
		text_codec_line(b, "-- ", "%s%s%s%.*s%s", ev->from, T_QUIT, why, rlen, reason, end);
		return true;
	case HUB_EV_NICK:
		if (self)
			text_codec_line(b, "* ", T_YOU_RENAMED, ev->to);
		else
			text_codec_line(b, "-- ", "%s%s%.*s", ev->from, T_RENAMED, rlen, reason);
		return true;
	case HUB_EV_TOPIC:
		if (ev->len)
			text_codec_line(b, "", T_TOPIC_SET, ev->room, ev->from, rlen, reason);
		else
			text_codec_line(b, "", T_TOPIC_CLEARED, ev->room, ev->from);
		return true;
	case HUB_EV_MODE:
		text_codec_modes(ev, b);
		return true;
	case HUB_EV_KICK:
		if (self)
			buf_printf(b, "* " T_YOU_KICKED, ev->from, ev->room);
		else
			buf_printf(b, T_KICKED, ev->room, ev->from, ev->to);
		if (ev->len)
			buf_printf(b, " (%.*s)", rlen, reason);
		buf_puts(b, self ? ".\n" : "\n");
		return true;
	case HUB_EV_INVITE:
		if (!self)
			return false; /* the operators' copy: the line protocol says nothing of it */
		text_codec_line(b, "* ", T_INVITED, ev->from, ev->room, ev->room);
		return true;
	case HUB_EV_WALLOPS:
		text_codec_line(b, "-- ", T_WALLOPS, ev->from, rlen, reason);
		return true;
	case HUB_EV_KILL:
		text_codec_line(b, "! ", T_KILLED, ev->from, why, rlen, reason, end);
		return true;
	case HUB_EV_ARRIVE:
	case HUB_EV_AWAY:
	case HUB_EV_SETNAME:
		return false; /* nothing the line protocol shows */
	case HUB_EV_WELCOME:
		text_codec_line(b, "* ", T_WELCOME, ev->to, ev->room, (unsigned long long)ev->u.count,
				ev->u.count == 1 ? T_OTHER : T_OTHERS);
		return true;
	case HUB_EV_QUEUE:
		text_codec_line(b, "* ", (ev->flags & HUB_EVF_MOVED) ? T_QUEUE_MOVED : T_QUEUED,
				(unsigned long long)ev->u.count);
		return true;
	case HUB_EV_BYE:
		text_codec_line(b, "* ", "%s", T_BYE);
		return true;
	case HUB_EV_NAMES:
		text_codec_names(ev, b);
		return true;
	case HUB_EV_ROOMS:
		text_codec_rooms(ev, b);
		return true;
	case HUB_EV_RESULT:
		text_codec_result(ev, b);
		return b->len > 0;
	case HUB_EV_MESSAGE:
	case HUB_EV_COUNT:
		break;
	}
	return false;
}

struct frame *text_codec_encode(const struct hub_event *ev, unsigned variant, struct buf *scratch)
{
	(void)variant;
	if (ev->type == HUB_EV_MESSAGE && ev->kind == HUB_MSG_TAGS)
		return NULL; /* tags alone: nothing to read */
	/* A text that starts with ^A is a query between IRC clients (CTCP VERSION, PING...; IRC's
	 * ACTION arrives as an action): nothing for a person to read, nothing to answer it. */
	if (ev->type == HUB_EV_MESSAGE && ev->text && ev->len && ev->text[0] == '\001')
		return NULL;
	if (ev->type == HUB_EV_MESSAGE)
		return text_codec_message(ev, text_codec_clean(ev->text ? ev->text : "",
							       ev->text ? ev->len : 0, scratch));
	/* Reasons, topics and the like may come from IRC too: the same cleaning, on a copy. */
	struct hub_event clean = *ev;
	struct buf text = BUF_INIT;
	if (ev->text && ev->len) {
		struct part t = text_codec_clean(ev->text, ev->len, &text);
		clean.text = t.p;
		clean.len = t.len;
	}
	bool said = text_codec_other(&clean, scratch);
	buf_free(&text);
	if (!said)
		return NULL;
	return frame_from_buf(scratch);
}

void text_codec_tell(struct session *s, enum text_tell kind, const char *fmt, ...)
{
	struct buf b = BUF_INIT;
	buf_puts(&b, kind == TEXT_ERROR ? "! " : "* ");
	va_list ap;
	va_start(ap, fmt);
	buf_vprintf(&b, fmt, ap);
	va_end(ap);
	buf_putc(&b, '\n');
	struct frame *f = frame_from_buf(&b);
	s->ops->deliver(s, f);
	frame_unref(f);
	buf_free(&b);
}
