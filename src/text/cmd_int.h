/* cmd_int: what cmd.c and cmd_ops.c share, and nothing outside src/text/ may use. Both own
 * nothing; the spans point into the line being handled. */
#ifndef CHARLA_TEXT_CMD_INT_H
#define CHARLA_TEXT_CMD_INT_H

#include "hub/name.h"
#include "text/cmd.h"

/* A room argument as a name: "dev" means "#dev" (written to buf). */
struct cmd_span cmd_room(struct cmd_span room, char buf[NAME_MAX_BYTES + 2]);
/* The room a command means: the one named, or the current one (NULL, told, if there is none). */
struct cmd_span cmd_target_room(struct session *s, struct cmd_span arg,
				char buf[NAME_MAX_BYTES + 2]);
/* Splits off the first blank-separated word of s; *rest gets what follows, trimmed. */
struct cmd_span cmd_word(struct cmd_span s, struct cmd_span *rest);

/* The room operators' and one's own commands (cmd_ops.c). */
void cmd_ops_topic(struct hub *h, struct session *s, struct cmd_span text);
void cmd_ops_kick(struct hub *h, struct session *s, struct cmd_span name, struct cmd_span why);
void cmd_ops_invite(struct hub *h, struct session *s, struct cmd_span name,
		    struct cmd_span room);
/* /op, /deop, /voice, /devoice: one mode change on a member of the current room. */
void cmd_ops_prefix(struct hub *h, struct session *s, enum cmd_id id, struct cmd_span name);
void cmd_ops_mode(struct hub *h, struct session *s, struct cmd_span args);
void cmd_ops_away(struct hub *h, struct session *s, struct cmd_span text);
/* After a private message to `name` went out: tells s if its recipient is away. */
void cmd_ops_away_notice(struct hub *h, struct session *s, struct cmd_span name);

/* Server operators and bans (cmd_ban.c), over the hub's interfaces (hub/auth.h, hub/bans.h).
 * addr: the client's address as text, the key of the throttle of failed attempts. */
void cmd_ban_oper(struct hub *h, struct session *s, struct cmd_span name, struct cmd_span password,
		  const char *addr);
void cmd_ban_add(struct hub *h, struct session *s, struct cmd_span mask, struct cmd_span rest);
void cmd_ban_remove(struct hub *h, struct session *s, struct cmd_span mask);
void cmd_ban_list(struct hub *h, struct session *s);
/* /register, /login, /logout, /password (cmd_account.c): the arguments as cmd_parse split them
 * (arg: the first word; rest: what follows). /login may come before a name is given. */
void cmd_account(struct hub *h, struct session *s, enum cmd_id id, struct cmd_span arg,
		 struct cmd_span rest);

#endif
