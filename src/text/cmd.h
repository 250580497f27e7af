/* cmd: the words of the line protocol (docs/protocol.md), shared by every face that speaks it (TCP
 * lines, UDP datagrams): the greeting, the name prompt, slash commands and plain text.
 *
 * cmd_parse is a pure function over one line, so the command table is unit-tested and fuzzable
 * without a hub. cmd_line takes one sanitised line from a session and turns it into hub calls; it
 * owns nothing and keeps no state beyond the session's. The "current room" is this protocol's idea,
 * not the hub's: it is the last of the session's memberships (session_room_to_back keeps the one
 * joined or re-joined last there). Words a bridge adds (hub_add_command: the assistant's /ask and
 * /forget) are looked up in the hub when the table here does not know a word. */
#ifndef CHARLA_TEXT_CMD_H
#define CHARLA_TEXT_CMD_H

#include <stdbool.h>
#include <stddef.h>

struct hub;
struct room;
struct session;

enum cmd_id {
	CMD_HELP,
	CMD_NICK,
	CMD_JOIN,
	CMD_PART,
	CMD_ROOMS,
	CMD_WHO,
	CMD_MSG,
	CMD_ME,
	CMD_TOPIC,
	CMD_KICK,
	CMD_INVITE,
	CMD_OP,
	CMD_DEOP,
	CMD_VOICE,
	CMD_DEVOICE,
	CMD_MODE,
	CMD_AWAY,
	CMD_LANG,
	CMD_HISTORY,
	CMD_REGISTER,
	CMD_LOGIN,
	CMD_LOGOUT,
	CMD_PASSWORD,
	CMD_QUIT,
	CMD_OPER,
	CMD_BAN,
	CMD_UNBAN,
	CMD_BANS,
	CMD_STATS,
	CMD_COUNT,
};

enum cmd_kind {
	CMD_EMPTY,    /* blank line: ignored */
	CMD_TEXT,     /* plain text (a leading "//" already turned into "/") */
	CMD_COMMAND,  /* a known command with valid arguments */
	CMD_UNKNOWN,  /* "/x" for an x not in the table (the hub may know it: hub_find_command) */
	CMD_USAGE,    /* a known command with missing arguments */
};

struct cmd_span {
	const char *p;
	size_t len;
};

struct cmd_parsed {
	enum cmd_kind kind;
	enum cmd_id id;        /* CMD_COMMAND, CMD_USAGE */
	struct cmd_span name;  /* the command word as typed (CMD_UNKNOWN) */
	struct cmd_span arg;   /* the first argument word, if any */
	struct cmd_span rest;  /* the text after the first argument (MSG, KICK, INVITE), or all
				* arguments (ME, QUIT, TOPIC, MODE, AWAY, and a word not in the
				* table) */
	struct cmd_span text;  /* CMD_TEXT */
};

/* Classifies one line. "salir" alone (any case, surrounding blanks ignored) is CMD_QUIT. */
enum cmd_kind cmd_parse(const char *line, size_t len, struct cmd_parsed *out);
/* "Usage: ..." text for a command (English: a msgid). */
const char *cmd_usage(enum cmd_id id);

/* Sends the greeting and the name prompt to a session that was just admitted. */
void cmd_greet(struct hub *h, struct session *s, const char *version);
/* The session's current room (the last of its memberships), or NULL. */
struct room *cmd_current(const struct session *s);
/* Handles one line from s. Returns false if the session is gone (it quit): stop reading its input. */
bool cmd_line(struct hub *h, struct session *s, const char *line, size_t len, const char *addr);

#endif
