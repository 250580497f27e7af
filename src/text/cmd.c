#include "text/cmd.h"

#include <string.h>
#include <strings.h>

#include "base/buf.h"
#include "base/i18n.h"
#include "hub/remote.h"
#include "hub/hub.h"
#include "hub/name.h"
#include "text/cmd_int.h"
#include "text/text_codec.h"
#include "text/text_history.h"
#include "text/text_stable.h"

/* User-facing text of the line protocol's words, in one place, marked for translation (each is
 * looked up in the session's language where it is used). */
#define T_GREETING(lang, n)                                                                     \
	i18n_trn((lang), "charlad %s on %s. %zu person online.",                               \
		 "charlad %s on %s. %zu people online.", (n))
/* TRANSLATORS: said in your language to those who speak another, after the greeting: name
 * your language in itself and put its code after /lang (Spanish: /lang es). */
static const char T_LANG_OFFER[] = N_("To speak English, type /lang en.");
static const char T_ASK_NAME[] = TEXT_STABLE_ASK_NAME;
static const char T_NAME_FIRST[] = N_("Give your name first.");
static const char T_UNKNOWN[] = TEXT_STABLE_UNKNOWN;
static const char T_USAGE[] = N_("Usage: %s");
static const char T_HELP_HEAD[] = TEXT_STABLE_HELP_HEAD;
static const char T_NO_ASSISTANT[] = N_("There is no assistant on this server.");
static const char T_NO_ROOM[] = N_("You are not in any room; /join one.");
static const char T_CURRENT[] = TEXT_STABLE_CURRENT;
static const char T_USAGE_EXTRA[] = "/%s%s%s";
static const char T_USAGE_EXTRA_ERR[] = N_("Usage: /%s%s%s");
static const char T_HELP_TAIL[] = TEXT_STABLE_HELP_TAIL;
/* TRANSLATORS: your language's name, its code, then the codes of all (en, es). */
static const char T_LANG_IS[] = N_("Your language is %s (%s). The languages are %s; /lang CODE "
				   "changes it.");
static const char T_LANG_NOW[] = N_("Your language is now %s.");
static const char T_LANG_UNKNOWN[] = N_("Unknown language: %.*s. The languages are %s.");

struct cmd_entry {
	const char *name;
	const char *usage; /* msgids: translated where they are shown */
	const char *help;
	bool needs_arg;   /* the first argument is required */
	bool rest_is_all; /* the whole argument text is one value (ME, QUIT) */
};

static const struct cmd_entry cmd_table[CMD_COUNT] = {
	[CMD_HELP] = {"help", "/help", N_("this list"), false, false},
	[CMD_NICK] = {"nick", N_("/nick NEW"), N_("change your name"), true, true},
	[CMD_JOIN] = {"join", N_("/join ROOM"), N_("join a room (creating it) and make it current"),
		      true, false},
	[CMD_PART] = {"part", N_("/part [ROOM]"), N_("leave a room (default: the current one)"),
		      false, false},
	[CMD_ROOMS] = {"rooms", "/rooms", N_("list the rooms and how many are in each"), false,
		       false},
	[CMD_WHO] = {"who", N_("/who [ROOM]"), N_("list who is in a room (default: the current "
						  "one)"), false, false},
	[CMD_MSG] = {"msg", N_("/msg NAME TEXT"), N_("send TEXT to NAME only"), true, false},
	[CMD_ME] = {"me", N_("/me ACTION"), N_("act in the current room: /me waves"), true, true},
	[CMD_TOPIC] = {"topic", N_("/topic [TEXT]"), N_("show or set the current room's topic "
							"(-delete clears it)"), false, true},
	[CMD_KICK] = {"kick", N_("/kick NAME [REASON]"), N_("remove NAME from the current room "
							    "(operators)"), true, false},
	[CMD_INVITE] = {"invite", N_("/invite NAME [ROOM]"), N_("invite NAME to a room (default: "
								"the current one)"), true, false},
	[CMD_OP] = {"op", N_("/op NAME"), N_("make NAME an operator of the current room"), true,
		    false},
	[CMD_DEOP] = {"deop", N_("/deop NAME"), N_("take operator from NAME"), true, false},
	[CMD_VOICE] = {"voice", N_("/voice NAME"), N_("let NAME speak in a moderated room"), true,
		       false},
	[CMD_DEVOICE] = {"devoice", N_("/devoice NAME"), N_("take NAME's voice"), true, false},
	[CMD_MODE] = {"mode", N_("/mode [ROOM] [+-MODES VALUES]"), N_("show or change a room's "
		      "modes: i m n s t k l b e I o v, as IRC's"), false, true},
	[CMD_AWAY] = {"away", N_("/away [TEXT]"), N_("mark yourself away (no text: back)"), false,
		      true},
	[CMD_LANG] = {"lang", N_("/lang [CODE]"), N_("show or change your language: en (English), "
						     "es (español)"), false, false},
	[CMD_HISTORY] = {"history", N_("/history [ROOM | NAME] [N | before ID]"),
			 N_("show the last N lines (default 20) of a room, or of your "
			    "account's private conversation with NAME; or those before ID"), false,
			 true},
	[CMD_REGISTER] = {"register", N_("/register PASSWORD [EMAIL]"),
			  N_("register your name as an account, with a password"), true, false},
	[CMD_LOGIN] = {"login", N_("/login [NAME] PASSWORD"),
		       N_("log in to your account (NAME: by default, your name)"), true, false},
	[CMD_LOGOUT] = {"logout", "/logout", N_("log out of your account"), false, false},
	[CMD_PASSWORD] = {"password", N_("/password OLD NEW"), N_("change your account's password"),
			  true, false},
	[CMD_QUIT] = {"quit", N_("/quit [REASON]"), N_("leave the chat (typing salir does too)"),
		      false, true},
	[CMD_OPER] = {"oper", N_("/oper NAME PASSWORD"), N_("become a server operator"), true,
		      false},
	[CMD_BAN] = {"ban", N_("/ban MASK [DURATION] [REASON]"),
		     N_("ban a name (nick!user@host masks) or an address or CIDR from the server for "
			"30m, 2h, 7d... or perm (server operators)"), true, false},
	[CMD_UNBAN] = {"unban", N_("/unban MASK"), N_("lift a server ban (server operators)"), true,
		       false},
	[CMD_BANS] = {"bans", "/bans", N_("list the server's bans (server operators)"), false,
		      false},
	[CMD_STATS] = {"stats", "/stats", N_("how many are in the chat, on which nodes"), false,
		       false},
};

/* Words of this protocol that a bridge provides (hub_add_command): without it, they say so. */
static const char *const cmd_bridged[] = {"ask", "forget"};

const char *cmd_usage(enum cmd_id id)
{
	return cmd_table[id].usage;
}

static bool cmd_blank(char c)
{
	return c == ' ' || c == '\t';
}

static struct cmd_span cmd_trim(const char *p, size_t len)
{
	while (len && cmd_blank(*p)) {
		p++;
		len--;
	}
	while (len && cmd_blank(p[len - 1]))
		len--;
	return (struct cmd_span){p, len};
}

struct cmd_span cmd_word(struct cmd_span s, struct cmd_span *rest)
{
	size_t i = 0;
	while (i < s.len && !cmd_blank(s.p[i]))
		i++;
	struct cmd_span w = {s.p, i};
	*rest = cmd_trim(s.p + i, s.len - i);
	return w;
}

enum cmd_kind cmd_parse(const char *line, size_t len, struct cmd_parsed *out)
{
	memset(out, 0, sizeof(*out));
	struct cmd_span all = cmd_trim(line, len);
	if (all.len == 0)
		return out->kind = CMD_EMPTY;
	if (all.len == 5 && strncasecmp(all.p, "salir", 5) == 0) {
		out->id = CMD_QUIT;
		return out->kind = CMD_COMMAND;
	}
	if (line[0] != '/') {
		out->text = (struct cmd_span){line, len};
		return out->kind = CMD_TEXT;
	}
	if (len >= 2 && line[1] == '/') {
		out->text = (struct cmd_span){line + 1, len - 1};
		return out->kind = CMD_TEXT;
	}
	struct cmd_span args;
	struct cmd_span word = cmd_word((struct cmd_span){line + 1, len - 1}, &args);
	out->name = word;
	for (int id = 0; id < CMD_COUNT; id++) {
		const struct cmd_entry *e = &cmd_table[id];
		if (strlen(e->name) != word.len || strncasecmp(e->name, word.p, word.len) != 0)
			continue;
		out->id = (enum cmd_id)id;
		if (e->rest_is_all) {
			out->arg = args;
			out->rest = args;
		} else {
			out->arg = cmd_word(args, &out->rest);
		}
		if (e->needs_arg && out->arg.len == 0)
			return out->kind = CMD_USAGE;
		if (id == CMD_MSG && out->rest.len == 0)
			return out->kind = CMD_USAGE;
		return out->kind = CMD_COMMAND;
	}
	out->rest = args;
	return out->kind = CMD_UNKNOWN;
}

struct room *cmd_current(const struct session *s)
{
	return s->nrooms ? s->rooms[s->nrooms - 1].room : NULL;
}

/* The greeting line: the server, how many are online, and the offer of every other language,
 * each in itself. */
void cmd_greet(struct hub *h, struct session *s, const char *version)
{
	enum lang lang = text_codec_lang(s);
	size_t n = hub_others(h, s);
	struct buf b = BUF_INIT;
	buf_printf(&b, T_GREETING(lang, n), version, h->cfg.server_name,
		   n);
	for (int l = 0; l < LANG_COUNT; l++) {
		if (l != (int)lang) {
			buf_putc(&b, ' ');
			buf_puts(&b, i18n_tr((enum lang)l, T_LANG_OFFER));
		}
	}
	text_codec_tell(s, TEXT_INFO, "%s", b.data);
	buf_free(&b);
	text_codec_tell(s, TEXT_INFO, "%s", i18n_tr(lang, T_ASK_NAME));
}

/* One line of /help: the usage padded to 16 characters (not bytes: "/lang [CÓDIGO]" lines up
 * with the others), then what it does. */
static void cmd_help_line(struct session *s, const char *usage, const char *help)
{
	size_t chars = 0;
	for (const char *p = usage; *p; p++)
		chars += ((unsigned char)*p & 0xC0) != 0x80;
	text_codec_tell(s, TEXT_INFO, "  %s%*s %s", usage, chars < 16 ? (int)(16 - chars) : 0, "",
			help);
}

static void cmd_help(struct hub *h, struct session *s)
{
	enum lang lang = text_codec_lang(s);
	text_codec_tell(s, TEXT_INFO, "%s", i18n_tr(lang, T_HELP_HEAD));
	for (int id = 0; id < CMD_COUNT; id++)
		cmd_help_line(s, i18n_tr(lang, cmd_table[id].usage), i18n_tr(lang, cmd_table[id].help));
	/* A bridge's words are msgids it marked: translated here, like the table's. */
	struct buf usage = BUF_INIT;
	for (size_t i = 0; i < h->ncommands; i++) {
		const struct hub_command *c = h->commands[i];
		buf_clear(&usage);
		buf_printf(&usage, T_USAGE_EXTRA, c->name, c->args[0] ? " " : "",
			   c->args[0] ? i18n_tr(lang, c->args) : "");
		cmd_help_line(s, usage.data, i18n_tr(lang, c->help));
	}
	buf_free(&usage);
	for (size_t i = 0; i < h->nbots; i++) {
		const struct hub_bot *bot = &h->bots[i];
		if (!bot->usage)
			continue;
		struct buf use = BUF_INIT, help = BUF_INIT;
		text_codec_bot_words(&use, lang, bot->usage, bot->s->name);
		text_codec_bot_words(&help, lang, bot->help, bot->s->name);
		cmd_help_line(s, use.data, help.data);
		buf_free(&use);
		buf_free(&help);
	}
	text_codec_tell(s, TEXT_INFO, "%s", i18n_tr(lang, T_HELP_TAIL));
}

/* /lang: shows the session's language, or changes it (and the variant its events are encoded
 * in). While naming, the name prompt is asked again in the new language. */
static void cmd_lang(struct hub *h, struct session *s, struct cmd_span code)
{
	enum lang lang = text_codec_lang(s);
	if (!code.len) {
		text_codec_tell(s, TEXT_INFO, i18n_tr(lang, T_LANG_IS), i18n_name(lang),
				i18n_code(lang), i18n_codes());
		return;
	}
	enum lang to;
	if (!i18n_parse(code.p, code.len, &to)) {
		text_codec_tell(s, TEXT_ERROR, i18n_tr(lang, T_LANG_UNKNOWN), (int)code.len, code.p,
				i18n_codes());
		return;
	}
	text_codec_set_lang(h, s, to);
	text_codec_tell(s, TEXT_INFO, i18n_tr(to, T_LANG_NOW), i18n_name(to));
	if (s->state == SESSION_NAMING)
		text_codec_tell(s, TEXT_INFO, "%s", i18n_tr(to, T_ASK_NAME));
}

struct cmd_span cmd_room(struct cmd_span room, char out[NAME_MAX_BYTES + 2])
{
	if (room.len == 0 || room.p[0] == '#' || room.len > NAME_MAX_BYTES)
		return room;
	out[0] = '#';
	memcpy(out + 1, room.p, room.len);
	return (struct cmd_span){out, room.len + 1};
}

static void cmd_name(struct hub *h, struct session *s, struct cmd_span name)
{
	if (session_register(h, s, name.p, name.len) != HUB_OK)
		text_codec_tell(s, TEXT_INFO, "%s",
				i18n_tr(text_codec_lang(s), T_ASK_NAME)); /* the hub said why */
	else if (h->lobby && s->nrooms)
		text_history_join(h, s, h->lobby->name);
}

static void cmd_name_first(struct session *s)
{
	text_codec_tell(s, TEXT_ERROR, "%s", i18n_tr(text_codec_lang(s), T_NAME_FIRST));
	text_codec_tell(s, TEXT_INFO, "%s", i18n_tr(text_codec_lang(s), T_ASK_NAME));
}

struct cmd_span cmd_target_room(struct session *s, struct cmd_span arg,
				char buf[NAME_MAX_BYTES + 2])
{
	if (arg.len)
		return cmd_room(arg, buf);
	struct room *r = cmd_current(s);
	if (!r) {
		text_codec_tell(s, TEXT_ERROR, "%s", i18n_tr(text_codec_lang(s), T_NO_ROOM));
		return (struct cmd_span){NULL, 0};
	}
	return (struct cmd_span){r->name, strlen(r->name)};
}

static void cmd_part(struct hub *h, struct session *s, struct cmd_span arg)
{
	char buf[NAME_MAX_BYTES + 2];
	struct cmd_span room = cmd_target_room(s, arg, buf);
	if (!room.p)
		return;
	struct room *before = cmd_current(s);
	bool current = before && room_find(h, room.p, room.len) == before;
	if (room_part(h, s, room.p, room.len, "", 0) == HUB_OK && current && s->nrooms)
		text_codec_tell(s, TEXT_INFO, i18n_tr(text_codec_lang(s), T_CURRENT),
				cmd_current(s)->name);
}

static void cmd_join(struct hub *h, struct session *s, struct cmd_parsed *c)
{
	char buf[NAME_MAX_BYTES + 2];
	struct cmd_span room = cmd_room(c->arg, buf);
	struct cmd_span key, rest;
	key = cmd_word(c->rest, &rest);
	enum hub_result r = room_join(h, s, room.p, room.len, key.len ? key.p : NULL, key.len);
	if (r == HUB_ERR_ALREADY_IN)
		session_room_to_back(s, room_find(h, room.p, room.len));
	else if (r == HUB_OK)
		text_history_join(h, s, cmd_current(s)->name);
}

/* Says text (or an action) in the current room. */
static void cmd_say(struct hub *h, struct session *s, enum hub_msg_kind kind, struct cmd_span text)
{
	struct room *r = cmd_current(s);
	if (!r) {
		text_codec_tell(s, TEXT_ERROR, "%s", i18n_tr(text_codec_lang(s), T_NO_ROOM));
		return;
	}
	room_say(h, s, r->name, strlen(r->name), kind, text.p, text.len);
}

/* A word not in the table: a bridge's command, or unknown. */
static bool cmd_is_bridged(struct cmd_span word)
{
	for (size_t i = 0; i < sizeof(cmd_bridged) / sizeof(cmd_bridged[0]); i++)
		if (strlen(cmd_bridged[i]) == word.len &&
		    strncasecmp(cmd_bridged[i], word.p, word.len) == 0)
			return true;
	return false;
}

/* A word not in the table: a bridge's command, or unknown. */
static void cmd_extra(struct hub *h, struct session *s, struct cmd_parsed *c)
{
	const struct hub_command *hc = hub_find_command(h, c->name.p, c->name.len);
	if (!hc && !cmd_is_bridged(c->name)) {
		text_codec_tell(s, TEXT_ERROR, i18n_tr(text_codec_lang(s), T_UNKNOWN),
				(int)c->name.len, c->name.p);
		return;
	}
	if (s->state == SESSION_NAMING) {
		cmd_name_first(s);
		return;
	}
	if (!hc) {
		text_codec_tell(s, TEXT_ERROR, "%s",
				i18n_tr(text_codec_lang(s), T_NO_ASSISTANT));
		return;
	}
	/* Everything after the word is the argument, as for /me. */
	if (hc->needs_args && !c->rest.len) {
		text_codec_tell(s, TEXT_ERROR, i18n_tr(text_codec_lang(s), T_USAGE_EXTRA_ERR),
				hc->name, hc->args[0] ? " " : "",
				hc->args[0] ? i18n_tr(text_codec_lang(s), hc->args) : "");
		return;
	}
	struct room *r = cmd_current(s);
	if (hc->needs_room && !r) {
		text_codec_tell(s, TEXT_ERROR, "%s", i18n_tr(text_codec_lang(s), T_NO_ROOM));
		return;
	}
	hc->run(hc, h, s, r ? r->name : NULL, c->rest.p, c->rest.len);
}

bool cmd_line(struct hub *h, struct session *s, const char *line, size_t len, const char *addr)
{
	struct cmd_parsed c;
	switch (cmd_parse(line, len, &c)) {
	case CMD_EMPTY:
		return true;
	case CMD_UNKNOWN:
		cmd_extra(h, s, &c);
		return s->state != SESSION_GONE;
	case CMD_USAGE:
		if (s->state == SESSION_NAMING)
			cmd_name_first(s);
		else
			text_codec_tell(s, TEXT_ERROR, i18n_tr(text_codec_lang(s), T_USAGE),
					i18n_tr(text_codec_lang(s), cmd_usage(c.id)));
		return true;
	case CMD_TEXT:
		if (s->state == SESSION_NAMING)
			cmd_name(h, s, cmd_trim(line, len));
		else
			cmd_say(h, s, HUB_MSG_SAY, c.text);
		return true;
	case CMD_COMMAND:
		break;
	}
	if (s->state == SESSION_NAMING && c.id != CMD_HELP && c.id != CMD_QUIT &&
	    c.id != CMD_LANG && c.id != CMD_LOGIN) {
		cmd_name_first(s);
		return true;
	}
	char roombuf[NAME_MAX_BYTES + 2];
	struct cmd_span room;
	switch (c.id) {
	case CMD_HELP:
		cmd_help(h, s);
		break;
	case CMD_NICK:
		session_nick(h, s, c.arg.p, c.arg.len);
		break;
	case CMD_JOIN:
		cmd_join(h, s, &c);
		break;
	case CMD_PART:
		cmd_part(h, s, c.arg);
		break;
	case CMD_ROOMS:
		room_list(h, s);
		break;
	case CMD_WHO:
		room = cmd_target_room(s, c.arg, roombuf);
		if (room.p)
			room_names(h, s, room.p, room.len);
		break;
	case CMD_MSG:
		if (session_message(h, s, c.arg.p, c.arg.len, HUB_MSG_SAY, c.rest.p, c.rest.len) ==
		    HUB_OK)
			cmd_ops_away_notice(h, s, c.arg);
		break;
	case CMD_ME:
		cmd_say(h, s, HUB_MSG_ACTION, c.arg);
		break;
	case CMD_TOPIC:
		cmd_ops_topic(h, s, c.arg);
		break;
	case CMD_KICK:
		cmd_ops_kick(h, s, c.arg, c.rest);
		break;
	case CMD_INVITE:
		cmd_ops_invite(h, s, c.arg, c.rest);
		break;
	case CMD_OP:
	case CMD_DEOP:
	case CMD_VOICE:
	case CMD_DEVOICE:
		cmd_ops_prefix(h, s, c.id, c.arg);
		break;
	case CMD_MODE:
		cmd_ops_mode(h, s, c.arg);
		break;
	case CMD_AWAY:
		cmd_ops_away(h, s, c.arg);
		break;
	case CMD_LANG:
		cmd_lang(h, s, c.arg);
		break;
	case CMD_HISTORY:
		text_history_command(h, s, c.rest.p ? c.rest.p : "", c.rest.len);
		break;
	case CMD_REGISTER:
	case CMD_LOGIN:
	case CMD_LOGOUT:
	case CMD_PASSWORD:
		cmd_account(h, s, c.id, c.arg, c.rest);
		break;
	case CMD_QUIT:
		session_quit(h, s, c.arg.p ? c.arg.p : "", c.arg.len);
		return false;
	case CMD_OPER:
		cmd_ban_oper(h, s, c.arg, c.rest, addr);
		break;
	case CMD_BAN:
		cmd_ban_add(h, s, c.arg, c.rest);
		return s->state != SESSION_GONE;
	case CMD_UNBAN:
		cmd_ban_remove(h, s, c.arg);
		break;
	case CMD_BANS:
		cmd_ban_list(h, s);
		break;
	case CMD_STATS:
		remote_list(h, s);
		break;
	case CMD_COUNT:
		break;
	}
	return true;
}
