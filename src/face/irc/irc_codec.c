/* irc_codec: hub events as IRC lines. A shared event is encoded once per variant (irc_int.h's
 * IRC_V_* bits: the tags a client takes and the notifications it asked for); a reply to one client
 * (a result, a names list, the room list) is encoded for that client alone, so it may follow all of
 * its capabilities (multi-prefix, userhost-in-names) and the command it answers (LIST's patterns).
 *
 * Numerics follow RFC 1459/2812 as Modern IRC lists them; the words after the last colon are
 * the usual ones, which clients and irctest expect. */
#include <stdio.h>
#include <string.h>

#include "base/frame.h"
#include "base/i18n.h"
#include "face/irc/irc_chathistory.h"
#include "face/irc/irc_int.h"
#include "hub/mode.h"
#include "net/ws_frame.h"
#include "text/modechar.h"
#include "text/text_codec.h"

/* Only the queue's and the cluster's NOTICEs have words (a person's, in their language); every other event is
 * written the same in every language, so the language bits share one encoding. */
static unsigned irc_codec_same_as(const struct hub_event *ev, unsigned variant)
{
	return ev->type == HUB_EV_QUEUE || ev->type == HUB_EV_CLUSTER
		       ? variant
		       : variant & ~(unsigned)IRC_V_LANG;
}

const struct hub_face irc_codec_face = {"irc", IRC_VARIANTS, irc_codec_encode, irc_codec_same_as};


/* ---- pieces ---- */

/* "@time=...;msgid=...;+client=tags " as the variant takes them. */
void irc_codec_tags(struct irc_out *o, const struct hub_event *ev, unsigned variant,
		    struct buf *tmp)
{
	/* The forms CHATHISTORY reads back (msgid=, timestamp=): irc_chathistory.h. */
	if ((variant & IRC_V_TIME) && ev->time_ms) {
		char when[IRC_CH_TIME_LEN + 1];
		irc_ch_time_format(ev->time_ms, when);
		irc_out_tag(o, "time", when);
	}
	/* account-tag: what a logged-in user does carries its account. */
	const struct session_info *si = ev->src ? ev->src->info : NULL;
	if ((variant & IRC_V_ACCTAG) && si && si->account && ev->type != HUB_EV_ACCOUNT)
		irc_out_tag(o, "account", si->account);
	if (!(variant & IRC_V_TAGS))
		return;
	if (ev->src && session_is_bot(ev->src))
		irc_out_tag(o, "bot", NULL); /* IRCv3 bot mode: what a bot sends says so */
	if (ev->id) {
		char id[17];
		irc_ch_msgid_format(ev->id, id);
		irc_out_tag(o, "msgid", id);
	}
	/* The sender's client-only tags: relayed as sent (each unescaped, then escaped again). */
	const char *p = ev->tags, *end = ev->tags ? ev->tags + ev->tags_len : NULL;
	while (p && p < end) {
		const char *semi = memchr(p, ';', (size_t)(end - p));
		const char *stop = semi ? semi : end;
		const char *eq = memchr(p, '=', (size_t)(stop - p));
		struct buf key = BUF_INIT;
		buf_append(&key, p, (size_t)((eq ? eq : stop) - p));
		buf_clear(tmp);
		if (eq)
			irc_tag_unescape(eq + 1, (size_t)(stop - eq - 1), tmp);
		if (key.len)
			irc_out_tag(o, key.data, eq ? (tmp->data ? tmp->data : "") : NULL);
		buf_free(&key);
		p = stop + 1;
	}
}

/* ":nick!user@host" of the event's source; `name` is the nick to show (the old one for NICK). */
static void irc_codec_source(struct irc_out *o, const struct hub_event *ev, const char *name,
			     struct buf *tmp)
{
	buf_clear(tmp);
	if (ev->src) {
		buf_printf(tmp, "%s!%s@%s", name, irc_user_of(ev->src), irc_host_of(ev->src));
	} else {
		buf_printf(tmp, "%s!~u@remote", name ? name : "*");
	}
	irc_out_source(o, tmp->data, tmp->len);
}

static void irc_codec_param(struct irc_out *o, const char *p)
{
	irc_out_param(o, p, strlen(p));
}

/* ---- replies to one client ---- */

/* ":server NUM nick" for the client of a reply. */
static void irc_codec_num(struct irc_out *o, const struct irc_client *c, const char *num)
{
	const char *srv = irc_server(c->f);
	irc_out_source(o, srv, strlen(srv));
	irc_out_command(o, num);
	irc_codec_param(o, irc_nick(c));
}

/* What each refusal is in IRC: its numeric, the parameters before the text (the target's name,
 * the room's, or both; for a full list, the room and the list's mode letter) and the usual words.
 * Results without an entry (HUB_OK, ALREADY_IN: IRC says nothing) send nothing. */
enum irc_result_args { IRC_RA_NONE, IRC_RA_TO, IRC_RA_ROOM, IRC_RA_TO_ROOM, IRC_RA_ROOM_MODE };
static const struct {
	const char *num;
	enum irc_result_args args;
	const char *text;
} irc_results[HUB_RESULT_COUNT] = {
	[HUB_ERR_NAME_INVALID] = {"432", IRC_RA_TO, "Erroneous nickname"},
	[HUB_ERR_NAME_TAKEN] = {"433", IRC_RA_TO, "Nickname is already in use"},
	[HUB_ERR_NAME_BOT] = {"433", IRC_RA_TO, "Nickname is already in use"},
	[HUB_ERR_NO_SUCH_NAME] = {"401", IRC_RA_TO, "No such nick/channel"},
	[HUB_ERR_ROOM_INVALID] = {"403", IRC_RA_ROOM, "No such channel"},
	[HUB_ERR_NO_SUCH_ROOM] = {"403", IRC_RA_ROOM, "No such channel"},
	[HUB_ERR_NOT_IN_ROOM] = {"442", IRC_RA_ROOM, "You're not on that channel"},
	[HUB_ERR_TOO_MANY_ROOMS] = {"405", IRC_RA_ROOM, "You have joined too many channels"},
	[HUB_ERR_BANNED] = {"474", IRC_RA_ROOM, "Cannot join channel (+b)"},
	[HUB_ERR_BAD_KEY] = {"475", IRC_RA_ROOM, "Cannot join channel (+k)"},
	[HUB_ERR_ROOM_FULL] = {"471", IRC_RA_ROOM, "Cannot join channel (+l)"},
	[HUB_ERR_INVITE_ONLY] = {"473", IRC_RA_ROOM, "Cannot join channel (+i)"},
	[HUB_ERR_CANNOT_SEND] = {"404", IRC_RA_ROOM, "Cannot send to channel"},
	[HUB_ERR_NOT_OPERATOR] = {"482", IRC_RA_ROOM, "You're not channel operator"},
	[HUB_ERR_NOT_OPER] = {"481", IRC_RA_NONE, "Permission Denied- You're not an IRC operator"},
	[HUB_ERR_TARGET_NOT_IN] = {"441", IRC_RA_TO_ROOM, "They aren't on that channel"},
	[HUB_ERR_TARGET_IN] = {"443", IRC_RA_TO_ROOM, "is already on channel"},
	[HUB_ERR_LIST_FULL] = {"478", IRC_RA_ROOM_MODE, "Channel list is full"},
	[HUB_ERR_NAME_REGISTERED] = {"433", IRC_RA_TO, "Nickname is registered to an account: log "
				     "in with SASL or to NickServ first"},
};
/* TRANSLATORS: IRC: the nick is an account's; %zu is a number of seconds. */
static const char T_NICK_REGISTERED[] = N_("The nick %s is registered to an account: log in "
					   "within %zu s (SASL, or /msg NickServ IDENTIFY "
					   "PASSWORD) or you will be renamed.");
/* A person reads it: in the client's language (the variant's). */
static const char T_QUEUED[] = N_("The server is full; you are number %llu in the queue.");
/* The same sentences as the line protocol's (text/text_codec.c): one translation each. */
static const char T_SPLIT[] = N_("The chat is split: this server lost its link to the other nodes. "
				 "People here can still talk.");
static const char T_WHOLE[] = N_("The chat is whole again.");
static const char T_QUEUE_FULL[] = "ERROR :Closing Link: the server is full\r\n";
/* The message rate (hub/flood.h): a refused message is said once, a cut is IRC's usual words. */
static const char T_TOO_FAST[] = ":%s NOTICE %s :You are sending too fast: at most %zu a second. "
				 "That message was not sent.\r\n";
static const char T_FLOODED[] = "ERROR :Closing Link: %s (Excess Flood)\r\n";

void irc_codec_banned(struct buf *out, const char *who, const char *reason, uint64_t until_s)
{
	if (!until_s) {
		buf_printf(out, "ERROR :Closing Link: %s (Banned: %s)\r\n", who, reason);
		return;
	}
	char when[TEXT_CODEC_WHEN_LEN];
	text_codec_when(until_s, when);
	buf_printf(out, "ERROR :Closing Link: %s (Banned until %s: %s)\r\n", who, when, reason);
}

static void irc_codec_result(const struct hub_event *ev, struct buf *out)
{
	const struct irc_client *c = irc_client_const_of(ev->src);
	enum hub_result code = ev->u.result.code;
	if (code == HUB_ERR_FLOODED) {
		buf_printf(out, T_FLOODED, irc_nick(c));
		return;
	}
	if (code == HUB_ERR_SERVER_BANNED) {
		irc_codec_banned(out, irc_nick(c), ev->text ? ev->text : "", ev->u.result.n);
		return;
	}
	if (c->mute_results)
		return; /* a NOTICE's: never answered (but a cut is said: the link closes) */
	if (code == HUB_ERR_QUEUE_FULL) {
		buf_puts(out, T_QUEUE_FULL);
		return;
	}
	if (code == HUB_ERR_TOO_FAST) {
		buf_printf(out, T_TOO_FAST, irc_server(c->f), irc_nick(c), ev->u.result.n);
		return;
	}
	if (code == HUB_ERR_NAME_REGISTERED && ev->u.result.n) {
		/* A warning a person reads, not a refusal: a NOTICE in their language. */
		enum lang lang = c->sess.lang < LANG_COUNT ? (enum lang)c->sess.lang : LANG_EN;
		buf_printf(out, ":%s NOTICE %s :", irc_server(c->f), irc_nick(c));
		buf_printf(out, i18n_tr(lang, T_NICK_REGISTERED), ev->to ? ev->to : "*",
			   ev->u.result.n);
		buf_puts(out, "\r\n");
		return;
	}
	if (code < 0 || code >= HUB_RESULT_COUNT || !irc_results[code].num)
		return;
	const char *room = ev->room ? ev->room : "*";
	const char *to = ev->to ? ev->to : "*";
	struct irc_out o;
	irc_out_begin(&o, out);
	irc_codec_num(&o, c, irc_results[code].num);
	switch (irc_results[code].args) {
	case IRC_RA_NONE:
		break;
	case IRC_RA_TO:
		irc_codec_param(&o, to);
		break;
	case IRC_RA_ROOM:
		irc_codec_param(&o, room);
		break;
	case IRC_RA_TO_ROOM:
		irc_codec_param(&o, to);
		irc_codec_param(&o, room);
		break;
	case IRC_RA_ROOM_MODE:
		irc_codec_param(&o, room);
		if (ev->u.result.detail >= 0 && ev->u.result.detail < MODE_COUNT) {
			char letter = modechar_letter((enum room_mode)ev->u.result.detail);
			irc_out_param(&o, &letter, 1);
		}
		break;
	}
	const char *text = irc_results[code].text;
	irc_out_trailing(&o, text, strlen(text));
	irc_out_end(&o);
}

static void irc_codec_prefix_of(const struct irc_client *c, uint8_t prefix, struct buf *out)
{
	bool all = irc_has(c, IRC_CAP_MULTI_PREFIX);
	if (prefix & MEMBER_OP)
		buf_putc(out, '@');
	if ((prefix & MEMBER_VOICE) && (all || !(prefix & MEMBER_OP)))
		buf_putc(out, '+');
}

static void irc_codec_name_line(const struct irc_client *c, const char *room, const char *kind,
				const char *names, size_t len, struct buf *out)
{
	struct irc_out o;
	irc_out_begin(&o, out);
	irc_codec_num(&o, c, "353");
	irc_codec_param(&o, kind);
	irc_codec_param(&o, room);
	irc_out_trailing(&o, names, len);
	irc_out_end(&o);
}

void irc_codec_names(const struct irc_client *c, const struct hub_event *ev, struct buf *out)
{
	bool uh = irc_has(c, IRC_CAP_USERHOST_IN_NAMES);
	/* RPL_NAMREPLY's symbol: '@' for a secret channel, '=' for the others. */
	const char *kind = ev->u.names.secret ? "@" : "=";
	/* ":server 353 nick = #room :" leaves this much for names, each whole on some line. */
	size_t room_left = irc_num_room(c, sizeof(" = ") - 1 + strlen(ev->room));
	struct buf names = BUF_INIT, one = BUF_INIT;
	size_t n = ev->u.names.n + ev->u.names.nbots;
	for (size_t i = 0; i < n; i++) {
		const struct session *s;
		uint8_t prefix = 0;
		if (i < ev->u.names.n) {
			s = ev->u.names.v[i].s;
			prefix = ev->u.names.v[i].prefix;
		} else {
			s = ev->u.names.bots[i - ev->u.names.n]->s;
		}
		buf_clear(&one);
		irc_codec_prefix_of(c, prefix, &one);
		if (uh)
			irc_mask(s, &one);
		else
			buf_puts(&one, s->name);
		if (names.len && names.len + 1 + one.len > room_left) {
			irc_codec_name_line(c, ev->room, kind, names.data, names.len, out);
			buf_clear(&names);
		}
		if (names.len)
			buf_putc(&names, ' ');
		buf_append(&names, one.data, one.len);
	}
	if (names.len)
		irc_codec_name_line(c, ev->room, kind, names.data, names.len, out);
	buf_free(&names);
	buf_free(&one);
	if (c->names_one_end)
		return; /* NAMES of several channels: one 366 for them all, at the end */
	struct irc_out o;
	irc_out_begin(&o, out);
	irc_codec_num(&o, c, "366");
	irc_codec_param(&o, ev->room);
	irc_out_trailing(&o, "End of /NAMES list", 18);
	irc_out_end(&o);
}

/* Whether name matches one of LIST's comma-separated patterns (none: every room). */
static bool irc_codec_listed(const struct irc_client *c, const char *name)
{
	const char *p = c->list_mask, *end = p ? p + c->list_mask_len : NULL;
	if (!p || !c->list_mask_len)
		return true;
	while (p < end) {
		const char *comma = memchr(p, ',', (size_t)(end - p));
		const char *stop = comma ? comma : end;
		if (stop > p && mask_match(p, (size_t)(stop - p), name, strlen(name)))
			return true;
		p = stop + 1;
	}
	return false;
}

static void irc_codec_rooms(const struct hub_event *ev, struct buf *out)
{
	const struct irc_client *c = irc_client_const_of(ev->src);
	struct irc_out o;
	irc_out_begin(&o, out);
	irc_codec_num(&o, c, "321");
	irc_codec_param(&o, "Channel");
	irc_out_trailing(&o, "Users  Name", 11);
	irc_out_end(&o);
	for (size_t i = 0; i < ev->u.rooms.n; i++) {
		const struct room *r = ev->u.rooms.v[i];
		/* An empty room (the lobby, kept) is not a channel IRC would list. */
		if (!r->count || !irc_codec_listed(c, r->name))
			continue;
		irc_out_begin(&o, out);
		irc_codec_num(&o, c, "322");
		irc_codec_param(&o, r->name);
		irc_out_paramf(&o, "%u", r->count);
		const char *topic = r->state && r->state->topic ? r->state->topic : "";
		irc_out_trailing(&o, topic, r->state ? r->state->topic_len : 0);
		irc_out_end(&o);
	}
	irc_out_begin(&o, out);
	irc_codec_num(&o, c, "323");
	irc_out_trailing(&o, "End of /LIST", 12);
	irc_out_end(&o);
}

/* ---- shared events ---- */

static const char *irc_codec_verb(const struct hub_event *ev)
{
	switch (ev->kind) {
	case HUB_MSG_NOTICE:
		return "NOTICE";
	case HUB_MSG_TAGS:
		return "TAGMSG";
	default:
		return "PRIVMSG";
	}
}

static void irc_codec_message(const struct hub_event *ev, unsigned variant, struct buf *out,
			      struct buf *tmp)
{
	if (ev->kind == HUB_MSG_TAGS && !(variant & IRC_V_TAGS))
		return; /* TAGMSG is for message-tags clients alone */
	struct irc_out o;
	irc_out_begin(&o, out);
	irc_codec_tags(&o, ev, variant, tmp);
	irc_codec_source(&o, ev, ev->from, tmp);
	irc_out_command(&o, irc_codec_verb(ev));
	irc_codec_param(&o, ev->room ? ev->room : ev->to);
	if (ev->kind == HUB_MSG_ACTION) {
		buf_clear(tmp);
		buf_puts(tmp, "\001ACTION ");
		buf_append(tmp, ev->text ? ev->text : "", ev->len);
		buf_putc(tmp, '\001');
		irc_out_trailing(&o, tmp->data, tmp->len);
	} else if (ev->kind != HUB_MSG_TAGS) {
		irc_out_trailing(&o, ev->text ? ev->text : "", ev->len);
	}
	irc_out_end(&o);
}

static void irc_codec_modes(const struct hub_event *ev, struct irc_out *o)
{
	char letters[2 * MODE_COUNT + 8];
	size_t n = 0;
	int sign = -1;
	for (size_t i = 0; i < ev->u.modes.n && n + 2 < sizeof(letters); i++) {
		const struct mode_change *c = &ev->u.modes.v[i];
		if (sign != c->add) {
			letters[n++] = c->add ? '+' : '-';
			sign = c->add;
		}
		letters[n++] = modechar_letter(c->mode);
	}
	irc_out_param(o, letters, n);
	for (size_t i = 0; i < ev->u.modes.n; i++) {
		const struct mode_change *c = &ev->u.modes.v[i];
		if (c->arg && c->arglen && irc_msg_middle_ok(c->arg, c->arglen))
			irc_out_param(o, c->arg, c->arglen);
	}
}

/* Whether the variant shows ev at all. */
static bool irc_codec_wanted(const struct hub_event *ev, unsigned variant)
{
	switch (ev->type) {
	case HUB_EV_AWAY:
		return variant & IRC_V_AWAY;
	case HUB_EV_SETNAME:
		return variant & IRC_V_SETNAME;
	case HUB_EV_INVITE:
		return (ev->flags & HUB_EVF_SELF) || (variant & IRC_V_INVITE);
	case HUB_EV_ACCOUNT:
		return (ev->flags & HUB_EVF_SELF) || (variant & IRC_V_ACCOUNT);
	case HUB_EV_ARRIVE:
	case HUB_EV_WELCOME:
	case HUB_EV_COUNT:
		return false;
	default:
		return true;
	}
}

/* away-notify: a user who joins while away is followed by its AWAY, as the spec says, so that a
 * client need not ask WHO (not for the joiner's own copy). The line is one of its own: it takes
 * the JOIN's time but not its msgid. */
static void irc_codec_join_away(const struct hub_event *ev, unsigned variant, struct buf *out,
				struct buf *tmp)
{
	const struct session_info *i = ev->src ? ev->src->info : NULL;
	if (!(variant & IRC_V_AWAY) || (ev->flags & HUB_EVF_SELF) || !i || !i->away)
		return;
	struct irc_out o;
	irc_out_begin(&o, out);
	irc_codec_tags(&o, ev, variant & ~(unsigned)IRC_V_TAGS, tmp);
	irc_codec_source(&o, ev, ev->from, tmp);
	irc_out_command(&o, "AWAY");
	irc_out_trailing(&o, i->away, strlen(i->away));
	irc_out_end(&o);
}

static void irc_codec_shared(const struct hub_event *ev, unsigned variant, struct buf *out,
			     struct buf *tmp)
{
	struct irc_out o;
	irc_out_begin(&o, out);
	irc_codec_tags(&o, ev, variant, tmp);
	irc_codec_source(&o, ev, ev->from, tmp);
	const char *reason = ev->text ? ev->text : "";
	switch (ev->type) {
	case HUB_EV_JOIN:
		irc_out_command(&o, "JOIN");
		irc_codec_param(&o, ev->room);
		if (variant & IRC_V_XJOIN) {
			const struct session_info *i = ev->src ? ev->src->info : NULL;
			irc_codec_param(&o, i && i->account ? i->account : "*");
			const char *real = ev->src ? irc_real_of(ev->src) : "";
			irc_out_trailing(&o, real, strlen(real));
		}
		irc_out_end(&o);
		irc_codec_join_away(ev, variant, out, tmp);
		return;
	case HUB_EV_PART:
		irc_out_command(&o, "PART");
		irc_codec_param(&o, ev->room);
		if (ev->len)
			irc_out_trailing(&o, reason, ev->len);
		break;
	case HUB_EV_QUIT:
		irc_out_command(&o, "QUIT");
		irc_out_trailing(&o, reason, ev->len);
		break;
	case HUB_EV_NICK:
		irc_out_command(&o, "NICK");
		irc_out_trailing(&o, reason, ev->len);
		break;
	case HUB_EV_TOPIC:
		irc_out_command(&o, "TOPIC");
		irc_codec_param(&o, ev->room);
		irc_out_trailing(&o, reason, ev->len);
		break;
	case HUB_EV_MODE:
		irc_out_command(&o, "MODE");
		irc_codec_param(&o, ev->room);
		irc_codec_modes(ev, &o);
		break;
	case HUB_EV_KICK:
		irc_out_command(&o, "KICK");
		irc_codec_param(&o, ev->room);
		irc_codec_param(&o, ev->to);
		irc_out_trailing(&o, ev->len ? reason : ev->from, ev->len ? ev->len
									   : strlen(ev->from));
		break;
	case HUB_EV_INVITE:
		irc_out_command(&o, "INVITE");
		irc_codec_param(&o, ev->to);
		irc_codec_param(&o, ev->room);
		break;
	case HUB_EV_AWAY:
		irc_out_command(&o, "AWAY");
		if (ev->len)
			irc_out_trailing(&o, reason, ev->len);
		break;
	case HUB_EV_SETNAME:
		irc_out_command(&o, "SETNAME");
		irc_out_trailing(&o, reason, ev->len);
		break;
	case HUB_EV_WALLOPS:
		irc_out_command(&o, "WALLOPS");
		irc_out_trailing(&o, reason, ev->len);
		break;
	case HUB_EV_KILL:
		irc_out_command(&o, "KILL");
		irc_codec_param(&o, ev->to);
		irc_out_trailing(&o, reason, ev->len);
		irc_out_end(&o);
		/* The reason is the quit reason everyone else sees, which IRC's KILL has worded
		 * already ("Killed (op (why))"): said as it is, and cut to a line like any other. */
		buf_clear(tmp);
		buf_printf(tmp, "Closing Link: %s (%.*s)", ev->to, (int)ev->len, reason);
		irc_out_begin(&o, out);
		irc_out_command(&o, "ERROR");
		irc_out_trailing(&o, tmp->data, tmp->len);
		irc_out_end(&o);
		return;
	default:
		break;
	}
	irc_out_end(&o);
}

/* account-notify's ACCOUNT to others; 900 RPL_LOGGEDIN or 901 RPL_LOGGEDOUT to the session
 * itself (whose nick is "*" before registration). */
static void irc_codec_account(const struct hub_event *ev, unsigned variant, struct buf *out,
			      struct buf *tmp)
{
	struct irc_out o;
	irc_out_begin(&o, out);
	if (!(ev->flags & HUB_EVF_SELF)) {
		irc_codec_tags(&o, ev, variant, tmp);
		irc_codec_source(&o, ev, ev->from, tmp);
		irc_out_command(&o, "ACCOUNT");
		irc_codec_param(&o, ev->len ? ev->text : "*");
		irc_out_end(&o);
		return;
	}
	const struct irc_client *c = irc_client_const_of(ev->src);
	irc_codec_num(&o, c, ev->len ? "900" : "901");
	buf_clear(tmp);
	buf_printf(tmp, "%s!%s@%s", irc_nick(c), irc_user_of(ev->src), irc_host_of(ev->src));
	irc_out_param(&o, tmp->data, tmp->len);
	if (ev->len) {
		irc_codec_param(&o, ev->text);
		buf_clear(tmp);
		buf_printf(tmp, "You are now logged in as %s", ev->text);
		irc_out_trailing(&o, tmp->data, tmp->len);
	} else {
		irc_out_trailing(&o, "You are now logged out", 22);
	}
	irc_out_end(&o);
}

struct frame *irc_codec_encode(const struct hub_event *ev, unsigned variant, struct buf *scratch)
{
	if (!irc_codec_wanted(ev, variant))
		return NULL;
	struct buf tmp = BUF_INIT;
	switch (ev->type) {
	case HUB_EV_MESSAGE:
		irc_codec_message(ev, variant, scratch, &tmp);
		break;
	case HUB_EV_RESULT:
		irc_codec_result(ev, scratch);
		break;
	case HUB_EV_NAMES:
		irc_codec_names(irc_client_const_of(ev->src), ev, scratch);
		break;
	case HUB_EV_ROOMS:
		irc_codec_rooms(ev, scratch);
		break;
	case HUB_EV_QUEUE: {
		const struct irc_client *c = irc_client_const_of(ev->src);
		enum lang lang = (enum lang)((variant & IRC_V_LANG) >> IRC_V_LANG_SHIFT);
		buf_printf(scratch, ":%s NOTICE * :", irc_server(c->f));
		buf_printf(scratch, i18n_tr(lang, T_QUEUED), (unsigned long long)ev->u.count);
		buf_puts(scratch, "\r\n");
		break;
	}
	case HUB_EV_BYE:
		buf_puts(scratch, "ERROR :Closing Link: Bye\r\n");
		break;
	case HUB_EV_CLUSTER: {
		/* Split and whole, to everyone here at once: a server NOTICE to "*", as the queue's,
		 * since one encoding serves every nick. */
		enum lang lang = (enum lang)((variant & IRC_V_LANG) >> IRC_V_LANG_SHIFT);
		if (ev->u.cluster.what == HUB_CLUSTER_LIST || !ev->from)
			break;
		buf_printf(scratch, ":%s NOTICE * :%s\r\n", ev->from,
			   i18n_tr(lang, ev->u.cluster.what == HUB_CLUSTER_SPLIT ? T_SPLIT : T_WHOLE));
		break;
	}
	case HUB_EV_ACCOUNT:
		irc_codec_account(ev, variant, scratch, &tmp);
		break;
	default:
		irc_codec_shared(ev, variant, scratch, &tmp);
		break;
	}
	if (scratch->len && (variant & IRC_V_WS)) {
		/* Over WebSocket every line is a message of its own, without CR LF: framed
		 * here, once for every WebSocket client of the variant. */
		buf_clear(&tmp);
		ws_frame_lines(&tmp, (variant & IRC_V_WSBIN) ? WS_OP_BINARY : WS_OP_TEXT, scratch->data,
			       scratch->len);
		buf_clear(scratch);
		buf_append(scratch, tmp.data, tmp.len);
	}
	buf_free(&tmp);
	if (!scratch->len)
		return NULL;
	return frame_from_buf(scratch);
}
