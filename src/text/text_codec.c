#include "text/text_codec.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "base/buf.h"
#include "base/frame.h"
#include "base/utf8.h"
#include "hub/account.h"
#include "hub/hub.h"
#include "hub/name.h"
#include "hub/remote.h"
#include "text/text_stable.h"

/* ---- the words ---- */

/* Every line is a whole sentence with placeholders, marked N_() for xgettext and translated with
 * i18n_tr where it is used, in the language of the variant being encoded (variant = enum lang). */

/* News about others, and replies to one's own requests. */
static const char T_JOINED[] = TEXT_STABLE_JOINED;
static const char T_LEFT[] = TEXT_STABLE_LEFT;
static const char T_LEFT_WHY[] = TEXT_STABLE_LEFT_WHY;
static const char T_QUIT[] = TEXT_STABLE_QUIT;
static const char T_QUIT_WHY[] = TEXT_STABLE_QUIT_WHY;
static const char T_RENAMED[] = TEXT_STABLE_RENAMED;
static const char T_YOU_LEFT[] = TEXT_STABLE_YOU_LEFT;
static const char T_YOU_RENAMED[] = TEXT_STABLE_YOU_RENAMED;
static const char T_TOPIC_SET[] = N_("[%s] -- %s set the topic: %.*s");
static const char T_TOPIC_CLEARED[] = N_("[%s] -- %s cleared the topic");
/* TRANSLATORS: the room, then who; what they did follows (the mode phrases below). */
static const char T_MODE[] = N_("[%s] -- %s ");
static const char T_KICKED[] = N_("[%s] -- %s removed %s");
static const char T_KICKED_WHY[] = N_("[%s] -- %s removed %s (%.*s)");
static const char T_YOU_KICKED[] = N_("%s removed you from %s.");
static const char T_YOU_KICKED_WHY[] = N_("%s removed you from %s (%.*s).");
static const char T_INVITED[] = N_("%s invites you to %s; /join %s to go in.");
static const char T_WALLOPS[] = N_("%s, server operator, to everyone: %.*s");
static const char T_KILLED[] = N_("%s disconnected you.");
static const char T_KILLED_WHY[] = N_("%s disconnected you (%.*s).");
static const char T_QUEUED[] = N_("The server is full. You are number %llu in the queue.");
static const char T_QUEUE_MOVED[] = N_("You are number %llu in the queue.");
static const char T_BYE[] = TEXT_STABLE_BYE;
static const char T_WHO_HEAD[] = TEXT_STABLE_WHO_HEAD;
static const char T_WHO_MORE[] = TEXT_STABLE_WHO_MORE;
static const char T_BOT_LINE[] = TEXT_STABLE_BOT_LINE;
static const char T_ROOM_LINE[] = "  %s (%u)";
/* The cluster (hub/remote.h). */
static const char T_SPLIT[] = N_("The chat is split: this server lost its link to the other nodes. "
				 "People here can still talk.");
static const char T_WHOLE[] = N_("The chat is whole again.");
static const char T_STATS_PEOPLE[] = N_("People in the chat: %zu.");
static const char T_STATS_ALONE[] = N_("This server runs alone, not in a cluster.");
static const char T_STATS_WHOLE[] = N_("The chat is whole: this node is linked to the others.");
static const char T_STATS_NODE[] = N_("  node %s: %zu online");
static const char T_STATS_HERE[] = N_("  node %s: %zu online (this node)");

/* The lines with a number of things: i18n_trn's singular and plural, for the number n. */
#define T_YOU_JOINED(lang, n) TEXT_STABLE_YOU_JOINED(lang, n)
#define T_WELCOME(lang, n) TEXT_STABLE_WELCOME(lang, n)
#define T_ROOMS(lang, n) i18n_trn((lang), "%zu room:", "%zu rooms:", (n))

/* What a mode change did, by mode: [0] when added, [1] when removed. {1} is the argument. They
 * follow "[room] -- who ". */
static const char *const T_MODES[MODE_COUNT][2] = {
	[MODE_INVITE_ONLY] = {N_("made the room invitation only"), N_("opened the room to all")},
	[MODE_MODERATED] = {N_("let only operators and voiced members speak"),
			    N_("let everyone speak")},
	[MODE_NO_EXTERNAL] = {N_("closed the room to messages from outside"),
			      N_("opened the room to messages from outside")},
	[MODE_SECRET] = {N_("made the room secret"), N_("made the room visible")},
	[MODE_TOPIC_LOCK] = {N_("let only operators set the topic"),
			     N_("let everyone set the topic")},
	[MODE_KEY] = {N_("set a key on the room"), N_("removed the room's key")},
	[MODE_LIMIT] = {N_("limited the room to {1} members"), N_("removed the room's limit")},
	[MODE_BAN] = {N_("banned {1}"), N_("lifted the ban on {1}")},
	[MODE_EXCEPT] = {N_("exempted {1} from bans"), N_("removed the ban exemption of {1}")},
	[MODE_INVEX] = {N_("let {1} in without an invitation"),
			N_("no longer lets {1} in uninvited")},
	[MODE_OP] = {N_("made {1} an operator"), N_("took operator from {1}")},
	[MODE_VOICE] = {N_("gave {1} a voice"), N_("took the voice of {1}")},
};

/* Refusals and other results, by code. {1}, {2} are the arguments the code names in event.h. */
static const char *const T_RESULTS[HUB_RESULT_COUNT] = {
	[HUB_ERR_QUEUE_FULL] = N_("! The server is full and so is its queue; try again later."),
	[HUB_ERR_NAME_INVALID] = N_("! Cannot use that name: {1}."),
	[HUB_ERR_NAME_TAKEN] = N_("! The name {1} is taken; pick another."),
	/* TRANSLATORS: {2} is what the bot is, e.g. "the assistant". */
	[HUB_ERR_NAME_BOT] = N_("! The name {1} is taken by {2}; pick another."),
	[HUB_ERR_NO_SUCH_NAME] = N_("! No such user: {1}"),
	[HUB_ERR_ROOM_INVALID] = N_("! Cannot use that room name: {1}."),
	[HUB_ERR_NO_SUCH_ROOM] = TEXT_STABLE_NO_SUCH_ROOM,
	[HUB_ERR_NOT_IN_ROOM] = N_("! You are not in {1}."),
	[HUB_ERR_ALREADY_IN] = TEXT_STABLE_ALREADY_IN,
	[HUB_ERR_TOO_MANY_ROOMS] = N_("! You are in {1} rooms already, the most allowed; /part one "
				      "first."),
	[HUB_ERR_BANNED] = N_("! You are banned from {1}."),
	[HUB_ERR_BAD_KEY] = N_("! {1} needs its key: /join {1} KEY"),
	[HUB_ERR_ROOM_FULL] = N_("! {1} is full."),
	[HUB_ERR_INVITE_ONLY] = N_("! {1} takes only those invited."),
	[HUB_ERR_CANNOT_SEND] = N_("! You cannot speak in {1} now."),
	[HUB_ERR_NOT_OPERATOR] = N_("! Only operators of {1} can do that."),
	[HUB_ERR_NOT_OPER] = N_("! Only server operators can do that."),
	[HUB_ERR_TARGET_NOT_IN] = N_("! {1} is not in {2}."),
	[HUB_ERR_TARGET_IN] = N_("! {1} is in {2} already."),
	[HUB_ERR_LIST_FULL] = N_("! That list of {1} is full."),
	[HUB_ERR_TOO_FAST] = N_("! You are sending too fast: at most {1} a second. That message was "
				"not sent."),
	[HUB_ERR_FLOODED] = N_("! Excess flood: you kept sending more than {1} a second; "
			       "disconnected."),
	[HUB_ERR_SERVER_BANNED] = N_("! You are banned from this server: {1}"),
	/* TRANSLATORS: {2} is a number of seconds. */
	[HUB_ERR_NAME_REGISTERED] = N_("! The name {1} is registered to an account: log in within "
				       "{2} s (/login PASSWORD) or you will be renamed."),
	[HUB_ERR_ACCOUNTS_OFF] = N_("! This server keeps no accounts."),
	[HUB_ERR_ACCOUNT_EXISTS] = N_("! The name {1} is registered already."),
	[HUB_ERR_NO_ACCOUNT] = N_("! Wrong name or password."),
	[HUB_ERR_BAD_LOGIN] = N_("! Wrong name or password."),
	[HUB_ERR_BAD_PASSWORD] = N_("! Cannot use that password: {1}."),
	[HUB_ERR_BAD_EMAIL] = N_("! That is not an e-mail address."),
	[HUB_ERR_NOT_LOGGED_IN] = N_("! You are not logged in."),
	[HUB_ERR_LOGGED_IN] = N_("! You are logged in as {1} already; /logout first."),
	[HUB_ERR_LOGIN_THROTTLED] = N_("! Too many failed logins; try again in {1} s."),
	[HUB_ERR_REGISTER_THROTTLED] = N_("! Too many registrations from your address; try again "
					  "in {1} s."),
	[HUB_ERR_AUTH_BUSY] = N_("! The server is busy checking passwords; try again in a moment."),
	[HUB_ERR_NO_CERT] = N_("! No such certificate."),
	[HUB_ERR_CERT_LIMIT] = N_("! An account has at most {1} certificates."),
};

/* HUB_ERR_NAME_REGISTERED with no grace: the name is refused at naming. */
static const char T_NAME_REFUSED[] = N_("! The name {1} is registered to an account: /login {1} "
					"PASSWORD first, or pick another.");
/* Why a password is refused, by enum hub_password_rule. */
static const char *const T_PASSWORD_RULES[] = {
	[HUB_PASSWORD_OK] = "ok",
	[HUB_PASSWORD_EMPTY] = N_("it is empty"),
	[HUB_PASSWORD_TOO_LONG] = N_("it is longer than 512 bytes"),
	[HUB_PASSWORD_NOT_UTF8] = N_("it must be UTF-8 text without control characters"),
};
/* A ban for a time (HUB_ERR_SERVER_BANNED with an end): {1} the reason, {2} the end. */
static const char T_BANNED_UNTIL[] = N_("! You are banned from this server until {2}: {1}");

static const char *const T_NAME_REASONS[] = {
	[NAME_OK] = "ok",
	[NAME_EMPTY] = N_("a name cannot be empty"),
	[NAME_TOO_LONG] = N_("a name can have at most 32 characters"),
	[NAME_BAD_UTF8] = N_("a name must be valid UTF-8 text"),
	[NAME_SPACE] = N_("a name cannot contain spaces"),
	[NAME_CONTROL] = N_("a name cannot contain control characters"),
	[NAME_PUNCT] = N_("a name cannot contain ':' or ','"),
	[NAME_INVISIBLE] = N_("a name cannot contain invisible characters"),
	[NAME_MASK] = N_("a name cannot contain '!', '@', '*' or '?'"),
	[NAME_BAD_START] = N_("a name cannot start with # / @ + * ! - or ["),
	[NAME_RESERVED] = N_("that name is reserved"),
	[NAME_NO_HASH] = N_("a room name starts with #"),
};

/* /who lines are split so that no line grows past this many bytes. */
enum { WHO_LINE_MAX = 400 };

/* Messages have no words: every language shares the first one's frame. */
static unsigned text_codec_same_as(const struct hub_event *ev, unsigned variant)
{
	return ev->type == HUB_EV_MESSAGE ? LANG_EN : variant;
}

const struct hub_face text_codec_face = {"line", LANG_COUNT, text_codec_encode,
					 text_codec_same_as};

const char *text_codec_name_reason(enum lang lang, int r)
{
	if (r < 0 || (size_t)r >= sizeof(T_NAME_REASONS) / sizeof(T_NAME_REASONS[0]))
		r = NAME_OK;
	return i18n_tr(lang, T_NAME_REASONS[r]);
}

void text_codec_bot_words(struct buf *b, enum lang lang, const char *msgid, const char *name)
{
	const char *t = msgid ? i18n_tr(lang, msgid) : "";
	const char *at;
	while ((at = strstr(t, "{s}"))) {
		buf_append(b, t, (size_t)(at - t));
		buf_puts(b, name);
		t = at + 3;
	}
	buf_puts(b, t); /* b is a C string even when t is empty */
}

void text_codec_set_lang(struct hub *h, struct session *s, enum lang lang)
{
	s->lang = (uint8_t)lang;
	session_set_variant(h, s, lang);
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

static void text_codec_names(const struct hub_event *ev, enum lang lang, struct buf *b)
{
	struct buf line = BUF_INIT;
	buf_printf(&line, i18n_tr(lang, T_WHO_HEAD), ev->room, ev->u.names.n);
	for (size_t i = 0; i < ev->u.names.n; i++) {
		const char *nm = ev->u.names.v[i].s->name;
		uint8_t prefix = ev->u.names.v[i].prefix;
		if (line.len + 2 + strlen(nm) > WHO_LINE_MAX) {
			text_codec_line(b, "* ", "%s", line.data);
			buf_clear(&line);
			buf_printf(&line, i18n_tr(lang, T_WHO_MORE), ev->room);
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
	/* A bot's role and hint are msgids its bridge marked: they are translated here. */
	for (size_t i = 0; i < ev->u.names.nbots; i++) {
		const struct hub_bot *bot = ev->u.names.bots[i];
		struct buf role = BUF_INIT, hint = BUF_INIT;
		text_codec_bot_words(&role, lang, bot->role, bot->s->name);
		text_codec_bot_words(&hint, lang, bot->hint, bot->s->name);
		text_codec_line(b, "* ", i18n_tr(lang, T_BOT_LINE), bot->s->name, role.data, hint.data);
		buf_free(&role);
		buf_free(&hint);
	}
}

static void text_codec_rooms(const struct hub_event *ev, enum lang lang, struct buf *b)
{
	size_t n = ev->u.rooms.n;
	text_codec_line(b, "* ", T_ROOMS(lang, n), n);
	for (size_t i = 0; i < n; i++)
		text_codec_line(b, "* ", T_ROOM_LINE, ev->u.rooms.v[i]->name,
				ev->u.rooms.v[i]->count);
}

static void text_codec_modes(const struct hub_event *ev, enum lang lang, struct buf *b)
{
	buf_printf(b, i18n_tr(lang, T_MODE), ev->room, ev->from ? ev->from : "");
	for (size_t i = 0; i < ev->u.modes.n; i++) {
		const struct mode_change *c = &ev->u.modes.v[i];
		if (i)
			buf_puts(b, "; ");
		text_codec_expand(b, i18n_tr(lang, T_MODES[c->mode][c->add ? 0 : 1]), c->arg, NULL);
	}
	buf_putc(b, '\n');
}

void text_codec_banned(struct buf *b, enum lang lang, const char *reason, uint64_t until_s)
{
	if (!until_s) {
		text_codec_expand(b, i18n_tr(lang, T_RESULTS[HUB_ERR_SERVER_BANNED]), reason, NULL);
		return;
	}
	char when[TEXT_CODEC_WHEN_LEN];
	text_codec_when(until_s, when);
	text_codec_expand(b, i18n_tr(lang, T_BANNED_UNTIL), reason, when);
}

void text_codec_when(uint64_t s, char out[TEXT_CODEC_WHEN_LEN])
{
	time_t t = (time_t)s;
	struct tm tm;
	gmtime_r(&t, &tm);
	if (!strftime(out, TEXT_CODEC_WHEN_LEN, "%Y-%m-%d %H:%M:%S UTC", &tm))
		snprintf(out, TEXT_CODEC_WHEN_LEN, "%llu", (unsigned long long)s);
}

static void text_codec_result(const struct hub_event *ev, enum lang lang, struct buf *b)
{
	if (!T_RESULTS[ev->u.result.code])
		return;
	const char *t = i18n_tr(lang, T_RESULTS[ev->u.result.code]);
	char n[24];
	switch (ev->u.result.code) {
	case HUB_ERR_SERVER_BANNED:
		text_codec_banned(b, lang, ev->text ? ev->text : "", ev->u.result.n);
		break;
	case HUB_ERR_NAME_INVALID:
	case HUB_ERR_ROOM_INVALID:
		text_codec_expand(b, t, text_codec_name_reason(lang, ev->u.result.detail), NULL);
		break;
	case HUB_ERR_NAME_BOT:
		/* The bot's role: a msgid its bridge marked. */
		text_codec_expand(b, t, ev->to, ev->text ? i18n_tr(lang, ev->text) : NULL);
		/* (A bot's role has no "{s}"; hub.h.) */
		break;
	case HUB_ERR_NAME_TAKEN:
	case HUB_ERR_NO_SUCH_NAME:
		text_codec_expand(b, t, ev->to, NULL);
		break;
	case HUB_ERR_TOO_MANY_ROOMS:
	case HUB_ERR_TOO_FAST:
	case HUB_ERR_FLOODED:
	case HUB_ERR_LOGIN_THROTTLED:
	case HUB_ERR_REGISTER_THROTTLED:
	case HUB_ERR_CERT_LIMIT:
		snprintf(n, sizeof(n), "%zu", ev->u.result.n);
		text_codec_expand(b, t, n, NULL);
		break;
	case HUB_ERR_NAME_REGISTERED:
		snprintf(n, sizeof(n), "%zu", ev->u.result.n);
		text_codec_expand(b, ev->u.result.n ? t : i18n_tr(lang, T_NAME_REFUSED), ev->to, n);
		break;
	case HUB_ERR_ACCOUNT_EXISTS:
	case HUB_ERR_LOGGED_IN:
		text_codec_expand(b, t, ev->to ? ev->to : "", NULL);
		break;
	case HUB_ERR_BAD_PASSWORD: {
		int d = ev->u.result.detail;
		bool known = d > HUB_PASSWORD_OK && d <= HUB_PASSWORD_NOT_UTF8;
		text_codec_expand(b, t, i18n_tr(lang, T_PASSWORD_RULES[known ? d
									 : HUB_PASSWORD_EMPTY]),
				  NULL);
		break;
	}
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

/* The cluster's news, and /stats. */
static void text_codec_cluster(const struct hub_event *ev, enum lang lang, struct buf *b)
{
	switch (ev->u.cluster.what) {
	case HUB_CLUSTER_SPLIT:
		text_codec_line(b, "* ", "%s", i18n_tr(lang, T_SPLIT));
		return;
	case HUB_CLUSTER_WHOLE:
		text_codec_line(b, "* ", "%s", i18n_tr(lang, T_WHOLE));
		return;
	default:
		break;
	}
	text_codec_line(b, "* ", i18n_tr(lang, T_STATS_PEOPLE), ev->u.cluster.people);
	if (!ev->u.cluster.clustered)
		text_codec_line(b, "* ", "%s", i18n_tr(lang, T_STATS_ALONE));
	else
		text_codec_line(b, "* ", "%s",
				i18n_tr(lang, ev->u.cluster.whole ? T_STATS_WHOLE : T_SPLIT));
	for (size_t i = 0; i < ev->u.cluster.n; i++) {
		const struct hub_node_view *v = &ev->u.cluster.v[i];
		text_codec_line(b, "* ", i18n_tr(lang, v->here ? T_STATS_HERE : T_STATS_NODE), v->name,
				v->online);
	}
}

/* Everything but messages, in lang. Returns false when the line protocol says nothing of ev. */
static bool text_codec_other(const struct hub_event *ev, enum lang lang, struct buf *b)
{
	bool self = ev->flags & HUB_EVF_SELF;
	bool why = ev->len > 0;
	int rlen = (int)ev->len;
	const char *reason = ev->text ? ev->text : "";
	unsigned long long count = (unsigned long long)ev->u.count;
	switch (ev->type) {
	case HUB_EV_JOIN:
		if (self)
			text_codec_line(b, "* ", T_YOU_JOINED(lang, count),
					ev->room, count);
		else
			text_codec_line(b, "", i18n_tr(lang, T_JOINED), ev->room, ev->from);
		return true;
	case HUB_EV_PART:
		if (self)
			text_codec_line(b, "* ", i18n_tr(lang, T_YOU_LEFT), ev->room);
		else if (why)
			text_codec_line(b, "", i18n_tr(lang, T_LEFT_WHY), ev->room, ev->from, rlen,
					reason);
		else
			text_codec_line(b, "", i18n_tr(lang, T_LEFT), ev->room, ev->from);
		return true;
	case HUB_EV_QUIT:
		if (why)
			text_codec_line(b, "", i18n_tr(lang, T_QUIT_WHY), ev->from, rlen, reason);
		else
			text_codec_line(b, "", i18n_tr(lang, T_QUIT), ev->from);
		return true;
	case HUB_EV_NICK:
		if (self)
			text_codec_line(b, "* ", i18n_tr(lang, T_YOU_RENAMED), ev->to);
		else
			text_codec_line(b, "", i18n_tr(lang, T_RENAMED), ev->from, rlen, reason);
		return true;
	case HUB_EV_TOPIC:
		if (ev->len)
			text_codec_line(b, "", i18n_tr(lang, T_TOPIC_SET), ev->room, ev->from, rlen,
					reason);
		else
			text_codec_line(b, "", i18n_tr(lang, T_TOPIC_CLEARED), ev->room, ev->from);
		return true;
	case HUB_EV_MODE:
		text_codec_modes(ev, lang, b);
		return true;
	case HUB_EV_KICK:
		if (self && why)
			text_codec_line(b, "* ", i18n_tr(lang, T_YOU_KICKED_WHY), ev->from, ev->room,
					rlen, reason);
		else if (self)
			text_codec_line(b, "* ", i18n_tr(lang, T_YOU_KICKED), ev->from, ev->room);
		else if (why)
			text_codec_line(b, "", i18n_tr(lang, T_KICKED_WHY), ev->room, ev->from, ev->to,
					rlen, reason);
		else
			text_codec_line(b, "", i18n_tr(lang, T_KICKED), ev->room, ev->from, ev->to);
		return true;
	case HUB_EV_INVITE:
		if (!self)
			return false; /* the operators' copy: the line protocol says nothing of it */
		text_codec_line(b, "* ", i18n_tr(lang, T_INVITED), ev->from, ev->room, ev->room);
		return true;
	case HUB_EV_WALLOPS:
		text_codec_line(b, "-- ", i18n_tr(lang, T_WALLOPS), ev->from, rlen, reason);
		return true;
	case HUB_EV_KILL:
		if (why)
			text_codec_line(b, "! ", i18n_tr(lang, T_KILLED_WHY), ev->from, rlen, reason);
		else
			text_codec_line(b, "! ", i18n_tr(lang, T_KILLED), ev->from);
		return true;
	case HUB_EV_ARRIVE:
	case HUB_EV_AWAY:
	case HUB_EV_SETNAME:
	case HUB_EV_ACCOUNT: /* the command that logged in says so (cmd_account.c) */
		return false; /* nothing the line protocol shows */
	case HUB_EV_WELCOME:
		text_codec_line(b, "* ", T_WELCOME(lang, count), ev->to,
				ev->room, count);
		return true;
	case HUB_EV_QUEUE:
		text_codec_line(b, "* ",
				i18n_tr(lang, (ev->flags & HUB_EVF_MOVED) ? T_QUEUE_MOVED : T_QUEUED),
				count);
		return true;
	case HUB_EV_BYE:
		text_codec_line(b, "* ", "%s", i18n_tr(lang, T_BYE));
		return true;
	case HUB_EV_NAMES:
		text_codec_names(ev, lang, b);
		return true;
	case HUB_EV_ROOMS:
		text_codec_rooms(ev, lang, b);
		return true;
	case HUB_EV_RESULT:
		text_codec_result(ev, lang, b);
		return b->len > 0;
	case HUB_EV_CLUSTER:
		text_codec_cluster(ev, lang, b);
		return true;
	case HUB_EV_MESSAGE:
	case HUB_EV_COUNT:
		break;
	}
	return false;
}

struct frame *text_codec_encode(const struct hub_event *ev, unsigned variant, struct buf *scratch)
{
	enum lang lang = variant < LANG_COUNT ? (enum lang)variant : LANG_EN;
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
	bool said = text_codec_other(&clean, lang, scratch);
	buf_free(&text);
	if (!said)
		return NULL;
	return frame_from_buf(scratch);
}

void text_codec_tell(struct session *s, enum text_tell kind, const char *fmt, ...)
{
	struct buf b = BUF_INIT;
	static const char *const marks[] = {[TEXT_INFO] = "* ", [TEXT_ERROR] = "! ",
					    [TEXT_HISTORY] = "= "};
	buf_puts(&b, marks[kind]);
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
