#include "hub/cmd.h"

#include <string.h>
#include <strings.h>

#include "base/buf.h"
#include "hub/hub.h"
#include "hub/name.h"

/* User-facing text of the line protocol's words, in one place for translation. */
static const char T_GREETING[] = "charlad %s on %s. %zu %s online.";
static const char T_PERSON[] = "person";
static const char T_PEOPLE[] = "people";
static const char T_ASK_NAME[] = "What is your name? (1-32 characters; no spaces, no ':')";
static const char T_NAME_BAD[] = "Cannot use that name: %s.";
static const char T_NAME_TAKEN[] = "The name %.*s is taken; pick another.";
static const char T_NAME_BOT[] = "The name %s is taken by %s; pick another.";
static const char T_NAME_FIRST[] = "Give your name first.";
static const char T_UNKNOWN[] = "Unknown command: /%.*s. Type /help for the list.";
static const char T_USAGE[] = "Usage: %s";
static const char T_HELP_HEAD[] = "Commands:";
static const char T_HELP_LINE[] = "  %-16s %s";
static const char T_ASK_FORM[] = "%s: QUESTION";
static const char T_ASK_FORM_HELP[] = "ask the assistant; everyone in the room sees the answer";
static const char T_NO_ASSISTANT[] = "There is no assistant on this server.";
static const char T_HELP_TAIL[] = "Anything else you type is said in your current room. "
				  "Start a line with // to say a line starting with /.";

struct cmd_entry {
	const char *name;
	const char *usage;
	const char *help;
	bool needs_arg;   /* the first argument is required */
	bool rest_is_all; /* the whole argument text is one value (ME, QUIT) */
};

static const struct cmd_entry cmd_table[CMD_COUNT] = {
	[CMD_HELP] = {"help", "/help", "this list", false, false},
	[CMD_NICK] = {"nick", "/nick NEW", "change your name", true, true},
	[CMD_JOIN] = {"join", "/join ROOM", "join a room (creating it) and make it current", true, false},
	[CMD_PART] = {"part", "/part [ROOM]", "leave a room (default: the current one)", false, false},
	[CMD_ROOMS] = {"rooms", "/rooms", "list the rooms and how many are in each", false, false},
	[CMD_WHO] = {"who", "/who [ROOM]", "list who is in a room (default: the current one)", false, false},
	[CMD_MSG] = {"msg", "/msg NAME TEXT", "send TEXT to NAME only", true, false},
	[CMD_ME] = {"me", "/me ACTION", "act in the current room: /me waves", true, true},
	[CMD_QUIT] = {"quit", "/quit [REASON]", "leave the chat (typing salir does too)", false, true},
	[CMD_ASK] = {"ask", "/ask QUESTION", "ask the assistant in the current room", true, true},
	[CMD_FORGET] = {"forget", "/forget", "make the assistant forget this room's conversation",
			false, false},
};

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

/* Splits off the first blank-separated word of s; *rest gets what follows, trimmed. */
static struct cmd_span cmd_word(struct cmd_span s, struct cmd_span *rest)
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
	return out->kind = CMD_UNKNOWN;
}

void cmd_greet(struct hub *h, struct session *s, const char *version)
{
	/* Everyone else admitted, named or still giving a name: all of them are online. */
	size_t n = h->admitted ? h->admitted - 1 : 0;
	hub_info(h, s, T_GREETING, version, h->cfg.server_name, n, n == 1 ? T_PERSON : T_PEOPLE);
	hub_info(h, s, T_ASK_NAME);
}

static void cmd_help(struct hub *h, struct session *s)
{
	hub_info(h, s, T_HELP_HEAD);
	for (int id = 0; id < CMD_COUNT; id++) {
		if ((id == CMD_ASK || id == CMD_FORGET) && !h->assistant)
			continue;
		hub_info(h, s, T_HELP_LINE, cmd_table[id].usage, cmd_table[id].help);
	}
	if (h->assistant) {
		struct buf form = BUF_INIT;
		buf_printf(&form, T_ASK_FORM, h->assistant->name);
		hub_info(h, s, T_HELP_LINE, form.data, T_ASK_FORM_HELP);
		buf_free(&form);
	}
	hub_info(h, s, T_HELP_TAIL);
}

/* Room arguments may omit the '#': "/join dev" means "/join #dev". Writes the name to out. */
static struct cmd_span cmd_room(struct cmd_span room, char out[NAME_MAX_BYTES + 2])
{
	if (room.len == 0 || room.p[0] == '#' || room.len > NAME_MAX_BYTES)
		return room;
	out[0] = '#';
	memcpy(out + 1, room.p, room.len);
	return (struct cmd_span){out, room.len + 1};
}

static void cmd_name(struct hub *h, struct session *s, struct cmd_span name)
{
	int r = hub_register(h, s, name.p, name.len);
	if (r == NAME_OK)
		return;
	struct session *bot = r == HUB_NAME_BOT ? hub_find(h, name.p, name.len) : NULL;
	if (bot)
		hub_error(h, s, T_NAME_BOT, bot->name, hub_bot_of(h, bot)->role);
	else if (r == HUB_NAME_TAKEN || r == HUB_NAME_BOT)
		hub_error(h, s, T_NAME_TAKEN, (int)name.len, name.p);
	else
		hub_error(h, s, T_NAME_BAD, name_reason((enum name_result)r));
	hub_info(h, s, T_ASK_NAME);
}

/* "/ask QUESTION" is "NAME: QUESTION" said in the current room, so everyone sees the question the
 * answer belongs to; the assistant hears every room. */
static void cmd_ask(struct hub *h, struct session *s, struct cmd_span question)
{
	if (!h->assistant) {
		hub_error(h, s, T_NO_ASSISTANT);
		return;
	}
	struct buf line;
	buf_init(&line);
	buf_printf(&line, "%s: ", h->assistant->name);
	buf_append(&line, question.p, question.len);
	hub_say(h, s, line.data, line.len);
	buf_free(&line);
}

static void cmd_forget(struct hub *h, struct session *s)
{
	if (!h->assistant) {
		hub_error(h, s, T_NO_ASSISTANT);
		return;
	}
	struct room *r = hub_current(s);
	struct hub_event ev = {.type = HUB_EV_FORGET, .room = r ? r->name : NULL, .from = s->name};
	hub_send(h, h->assistant, &ev);
}

bool cmd_line(struct hub *h, struct session *s, const char *line, size_t len)
{
	struct cmd_parsed c;
	switch (cmd_parse(line, len, &c)) {
	case CMD_EMPTY:
		return true;
	case CMD_UNKNOWN:
		hub_error(h, s, T_UNKNOWN, (int)c.name.len, c.name.p);
		return true;
	case CMD_USAGE:
		if (s->state == SESSION_NAMING) {
			hub_error(h, s, T_NAME_FIRST);
			hub_info(h, s, T_ASK_NAME);
		} else {
			hub_error(h, s, T_USAGE, cmd_usage(c.id));
		}
		return true;
	case CMD_TEXT:
		if (s->state == SESSION_NAMING)
			cmd_name(h, s, cmd_trim(line, len));
		else
			hub_say(h, s, c.text.p, c.text.len);
		return true;
	case CMD_COMMAND:
		break;
	}
	if (s->state == SESSION_NAMING && c.id != CMD_HELP && c.id != CMD_QUIT) {
		hub_error(h, s, T_NAME_FIRST);
		hub_info(h, s, T_ASK_NAME);
		return true;
	}
	char roombuf[NAME_MAX_BYTES + 2];
	struct cmd_span room;
	switch (c.id) {
	case CMD_HELP:
		cmd_help(h, s);
		break;
	case CMD_NICK:
		hub_nick(h, s, c.arg.p, c.arg.len);
		break;
	case CMD_JOIN:
		room = cmd_room(c.arg, roombuf);
		hub_join(h, s, room.p, room.len);
		break;
	case CMD_PART:
		room = cmd_room(c.arg, roombuf);
		hub_part(h, s, room.len ? room.p : NULL, room.len);
		break;
	case CMD_ROOMS:
		hub_list_rooms(h, s);
		break;
	case CMD_WHO:
		room = cmd_room(c.arg, roombuf);
		hub_who(h, s, room.len ? room.p : NULL, room.len);
		break;
	case CMD_MSG:
		hub_private(h, s, c.arg.p, c.arg.len, c.rest.p, c.rest.len, false);
		break;
	case CMD_ME:
		hub_action(h, s, c.arg.p, c.arg.len);
		break;
	case CMD_QUIT:
		hub_quit(h, s, c.arg.p ? c.arg.p : "", c.arg.len);
		return false;
	case CMD_ASK:
		cmd_ask(h, s, c.arg);
		break;
	case CMD_FORGET:
		cmd_forget(h, s);
		break;
	case CMD_COUNT:
		break;
	}
	return true;
}
