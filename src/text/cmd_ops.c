/* cmd_ops: the line protocol's commands for what IRC users can do to rooms (docs/protocol.md,
 * "Commands"): /topic, /kick, /invite, /op, /deop, /voice, /devoice, /mode, and one's own /away.
 * Each is a hub request on the current room (or the one named); the hub checks rights and tells
 * refusals itself, so these only parse, and reply where the hub has nothing to say (a query, an
 * invitation sent, being marked away). */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "base/buf.h"
#include "base/i18n.h"
#include "hub/hub.h"
#include "text/cmd_int.h"
#include "text/modechar.h"
#include "text/text_codec.h"

/* User-facing text, in one place, marked for translation (looked up in the session's language
 * where it is used). */
static const char T_TOPIC_IS[] = N_("The topic of %s: %.*s (set by %s).");
static const char T_NO_TOPIC[] = N_("%s has no topic.");
static const char T_INVITE_SENT[] = N_("You invited %s to %s.");
static const char T_AWAY_ON[] = N_("You are marked as away: %.*s");
static const char T_AWAY_OFF[] = N_("You are no longer marked as away.");
static const char T_IS_AWAY[] = N_("%s is away: %s");
/* TRANSLATORS: the room, its mode letters (+nt), then its key if it has one. */
static const char T_MODES_ARE[] = N_("Modes of %s: %s%s%s");
static const char T_MODE_UNKNOWN[] = N_("Unknown mode %c; the modes are i m n s t k l b e I o v "
					"(see /help).");
static const char T_MODE_NEEDS[] = N_("Mode %c%c needs a value: /mode %c%c VALUE");
/* TRANSLATORS: a mask in a room's list, then who put it there. */
static const char T_LIST_ITEM[] = N_("  %s (set by %s)");
static const char T_TOPIC_DELETE[] = "-delete";
/* By list (+b, +e, +I): the room's list is empty, and the line before its masks. */
static const char T_BANS_EMPTY[] = N_("The ban list of %s is empty.");
static const char T_EXCEPTS_EMPTY[] = N_("The exception list of %s is empty.");
static const char T_INVEXES_EMPTY[] = N_("The invitation list of %s is empty.");
static const char T_BANS_HEAD[] = N_("The ban list of %s:");
static const char T_EXCEPTS_HEAD[] = N_("The exception list of %s:");
static const char T_INVEXES_HEAD[] = N_("The invitation list of %s:");

/* The mode changes one /mode command may make (as IRC's MODES=). */
enum { CMD_OPS_MODES = 4 };

/* ---- /topic ---- */

void cmd_ops_topic(struct hub *h, struct session *s, struct cmd_span text)
{
	char buf[NAME_MAX_BYTES + 2];
	struct cmd_span room = cmd_target_room(s, (struct cmd_span){NULL, 0}, buf);
	if (!room.p)
		return;
	if (text.len) {
		/* "-delete" clears it, as in irssi. */
		bool clear = text.len == sizeof(T_TOPIC_DELETE) - 1 &&
			     strncasecmp(text.p, T_TOPIC_DELETE, text.len) == 0;
		room_topic(h, s, room.p, room.len, text.p, clear ? 0 : text.len);
		return;
	}
	const struct room *r = room_find(h, room.p, room.len);
	const struct room_state *st = r ? r->state : NULL;
	if (st && st->topic)
		text_codec_tell(s, TEXT_INFO, i18n_tr(text_codec_lang(s), T_TOPIC_IS), r->name, (int)st->topic_len, st->topic,
				st->topic_by ? st->topic_by : "?");
	else if (r)
		text_codec_tell(s, TEXT_INFO, i18n_tr(text_codec_lang(s), T_NO_TOPIC), r->name);
}

/* ---- /kick, /invite ---- */

void cmd_ops_kick(struct hub *h, struct session *s, struct cmd_span name, struct cmd_span why)
{
	char buf[NAME_MAX_BYTES + 2];
	struct cmd_span room = cmd_target_room(s, (struct cmd_span){NULL, 0}, buf);
	if (!room.p)
		return;
	room_kick(h, s, room.p, room.len, name.p, name.len, why.p ? why.p : "", why.len);
}

void cmd_ops_invite(struct hub *h, struct session *s, struct cmd_span name, struct cmd_span room)
{
	char buf[NAME_MAX_BYTES + 2];
	struct cmd_span where = cmd_target_room(s, room, buf);
	if (!where.p)
		return;
	if (room_invite(h, s, where.p, where.len, name.p, name.len) != HUB_OK)
		return;
	const struct session *t = session_find(h, name.p, name.len);
	const struct room *r = room_find(h, where.p, where.len);
	if (t && r)
		text_codec_tell(s, TEXT_INFO, i18n_tr(text_codec_lang(s), T_INVITE_SENT), t->name, r->name);
}

/* ---- /op, /deop, /voice, /devoice, /mode ---- */

void cmd_ops_prefix(struct hub *h, struct session *s, enum cmd_id id, struct cmd_span name)
{
	char buf[NAME_MAX_BYTES + 2];
	struct cmd_span room = cmd_target_room(s, (struct cmd_span){NULL, 0}, buf);
	if (!room.p)
		return;
	struct mode_change c = {
		.mode = id == CMD_OP || id == CMD_DEOP ? MODE_OP : MODE_VOICE,
		.add = id == CMD_OP || id == CMD_VOICE,
		.arg = name.p,
		.arglen = name.len,
	};
	room_mode(h, s, room.p, room.len, &c, 1);
}

/* Lists the masks of one list (+b, +e, +I) to s. */
static void cmd_ops_list(struct session *s, const struct room *r, enum room_mode list)
{
	const struct masklist *l = mode_list(r, list);
	enum lang lang = text_codec_lang(s);
	if (!l || !l->n) {
		text_codec_tell(s, TEXT_INFO,
				i18n_tr(lang, list == MODE_BAN      ? T_BANS_EMPTY
					      : list == MODE_EXCEPT ? T_EXCEPTS_EMPTY
								    : T_INVEXES_EMPTY),
				r->name);
		return;
	}
	text_codec_tell(s, TEXT_INFO,
			i18n_tr(lang, list == MODE_BAN      ? T_BANS_HEAD
				      : list == MODE_EXCEPT ? T_EXCEPTS_HEAD
							    : T_INVEXES_HEAD),
			r->name);
	for (size_t i = 0; i < l->n; i++)
		text_codec_tell(s, TEXT_INFO, i18n_tr(lang, T_LIST_ITEM), l->v[i].text,
				l->v[i].by ? l->v[i].by : "?");
}

/* "/mode" shows the current room's modes; "/mode [ROOM] +-LETTERS [VALUES...]" changes them,
 * with IRC's letters, each value taken in turn by the letters that need one. */
void cmd_ops_mode(struct hub *h, struct session *s, struct cmd_span args)
{
	struct cmd_span rest, first = cmd_word(args, &rest);
	char buf[NAME_MAX_BYTES + 2];
	struct cmd_span named = first.len && first.p[0] == '#' ? first : (struct cmd_span){NULL, 0};
	if (!named.p)
		rest = args;
	struct cmd_span room = cmd_target_room(s, named, buf);
	if (!room.p)
		return;
	const struct room *r = room_find(h, room.p, room.len);
	struct cmd_span letters = cmd_word(rest, &rest);
	if (!letters.len) {
		if (!r) {
			room_mode(h, s, room.p, room.len, NULL, 0); /* the hub says why */
			return;
		}
		char flags[MODECHAR_FLAGS_MAX];
		modechar_flags(r, flags);
		bool member = room_prefix(r, s) >= 0;
		const char *key = r->state && r->state->key && member ? r->state->key : NULL;
		text_codec_tell(s, TEXT_INFO, i18n_tr(text_codec_lang(s), T_MODES_ARE), r->name, flags, key ? " " : "",
				key ? key : "");
		return;
	}
	struct mode_change changes[CMD_OPS_MODES];
	size_t n = 0;
	bool add = true;
	for (size_t i = 0; i < letters.len && n < CMD_OPS_MODES; i++) {
		char l = letters.p[i];
		if (l == '+' || l == '-') {
			add = l == '+';
			continue;
		}
		int m = modechar_mode(l);
		if (m < 0) {
			text_codec_tell(s, TEXT_ERROR, i18n_tr(text_codec_lang(s), T_MODE_UNKNOWN), l);
			return;
		}
		struct cmd_span value = {NULL, 0};
		if (modechar_takes_arg((enum room_mode)m, add))
			value = cmd_word(rest, &rest);
		bool list = m >= MODE_BAN && m < MODE_BAN + MODE_LISTS;
		if (list && !value.len) {
			if (r)
				cmd_ops_list(s, r, (enum room_mode)m);
			continue;
		}
		if (modechar_takes_arg((enum room_mode)m, add) && !value.len &&
		    !(m == MODE_KEY && !add)) {
			text_codec_tell(s, TEXT_ERROR, i18n_tr(text_codec_lang(s), T_MODE_NEEDS), add ? '+' : '-', l,
					add ? '+' : '-', l);
			return;
		}
		changes[n++] = (struct mode_change){.mode = (enum room_mode)m, .add = add,
						    .arg = value.p, .arglen = value.len};
	}
	if (n)
		room_mode(h, s, room.p, room.len, changes, n);
}

/* ---- /away ---- */

void cmd_ops_away(struct hub *h, struct session *s, struct cmd_span text)
{
	session_away(h, s, text.len ? text.p : NULL, text.len);
	if (s->info && s->info->away)
		text_codec_tell(s, TEXT_INFO, i18n_tr(text_codec_lang(s), T_AWAY_ON), (int)strlen(s->info->away), s->info->away);
	else
		text_codec_tell(s, TEXT_INFO, "%s", i18n_tr(text_codec_lang(s), T_AWAY_OFF));
}

void cmd_ops_away_notice(struct hub *h, struct session *s, struct cmd_span name)
{
	const struct session *t = session_find(h, name.p, name.len);
	if (t && t->info && t->info->away)
		text_codec_tell(s, TEXT_INFO, i18n_tr(text_codec_lang(s), T_IS_AWAY), t->name, t->info->away);
}
