/* cmd_ban: the line protocol's server operators and bans (/oper, /ban, /unban, /bans), over the
 * hub's interfaces (hub/auth.h for the password, checked off the loop; hub/bans.h for the list),
 * which server/ implements. This file parses the arguments and words the replies. */
#include <stdio.h>
#include <string.h>

#include "base/i18n.h"
#include "hub/auth.h"
#include "hub/bans.h"
#include "hub/hub.h"
#include "text/cmd_int.h"
#include "text/text_codec.h"

static const char T_NOT_OPER[] = N_("Only server operators can do that.");
static const char T_OPERED[] = N_("You are now a server operator.");
static const char T_OPER_WRONG[] = N_("Wrong operator name or password.");
static const char T_OPER_THROTTLED[] = N_("Too many failed attempts from your address; try "
					  "again later.");
static const char T_OPER_BUSY[] = N_("The server is busy checking passwords; try again.");
static const char T_OPER_NONE[] = N_("This server has no operators.");
static const char T_OPER_WAIT[] = N_("Your last /oper is still being checked.");
/* TRANSLATORS: the mask, "until DATE" or "for good", the reason, how many were disconnected. */
static const char T_BANNED[] = N_("Banned %s %s: %s (%zu disconnected).");
static const char T_UNTIL[] = N_("until %s");
static const char T_FOR_GOOD[] = N_("for good");
static const char T_BAD_MASK[] = N_("Not an address, a CIDR block or a name mask: %.*s");
static const char T_BANS_FULL[] = N_("Too many bans already.");
static const char T_LIFTED[] = N_("Ban on %.*s lifted.");
static const char T_NO_SUCH[] = N_("No ban on %.*s.");
static const char T_NO_BANS[] = N_("No bans.");
/* TRANSLATORS: the mask, "until DATE" or "for good", who set it, the reason. */
static const char T_BAN_LINE[] = N_("Ban %s %s, by %s: %s");
static const char T_PERM[] = "perm";

enum { CMD_BAN_UNTIL_MAX = 64 };

static bool cmd_ban_oper_only(struct session *s)
{
	if (s->caps & SESSION_MODE_OPER)
		return true;
	text_codec_tell(s, TEXT_ERROR, "%s", i18n_tr(text_codec_lang(s), T_NOT_OPER));
	return false;
}

static void cmd_ban_told(struct session *s, enum hub_auth_status st)
{
	const char *t = st == HUB_AUTH_THROTTLED ? T_OPER_THROTTLED
			: st == HUB_AUTH_BUSY	  ? T_OPER_BUSY
			: st == HUB_AUTH_NONE	  ? T_OPER_NONE
						  : T_OPER_WRONG;
	text_codec_tell(s, TEXT_ERROR, "%s", i18n_tr(text_codec_lang(s), t));
}

/* The check's answer, on the loop (a session that left had it cancelled by session_close). */
static void cmd_ban_opered(void *arg, enum hub_auth_status st)
{
	struct session *s = arg;
	s->auth_job = NULL;
	if (st != HUB_AUTH_OK) {
		cmd_ban_told(s, st);
		return;
	}
	s->caps |= SESSION_MODE_OPER;
	text_codec_tell(s, TEXT_INFO, "%s", i18n_tr(text_codec_lang(s), T_OPERED));
}

void cmd_ban_oper(struct hub *h, struct session *s, struct cmd_span name, struct cmd_span password,
		  const char *addr)
{
	if (s->auth_job) {
		text_codec_tell(s, TEXT_ERROR, "%s", i18n_tr(text_codec_lang(s), T_OPER_WAIT));
		return;
	}
	enum hub_auth_status st = HUB_AUTH_NONE;
	if (h->auth)
		s->auth_job = h->auth->oper(h->auth->ctx, addr ? addr : "", name.p, name.len,
					    password.p ? password.p : "", password.len,
					    cmd_ban_opered, s, &st);
	if (!s->auth_job)
		cmd_ban_told(s, st);
}

static void cmd_ban_until(enum lang lang, uint64_t until_ms, char out[CMD_BAN_UNTIL_MAX])
{
	if (!until_ms) {
		snprintf(out, CMD_BAN_UNTIL_MAX, "%s", i18n_tr(lang, T_FOR_GOOD));
		return;
	}
	char when[TEXT_CODEC_WHEN_LEN];
	text_codec_when(until_ms / 1000, when);
	snprintf(out, CMD_BAN_UNTIL_MAX, i18n_tr(lang, T_UNTIL), when);
}

/* /ban MASK [DURATION] [REASON]: a first word of the rest that reads as a duration is one;
 * otherwise the ban is for good and the whole rest is the reason. */
void cmd_ban_add(struct hub *h, struct session *s, struct cmd_span mask, struct cmd_span rest)
{
	if (!cmd_ban_oper_only(s) || !h->bans)
		return;
	enum lang lang = text_codec_lang(s);
	struct cmd_span after, dur = cmd_word(rest, &after), why = after;
	struct hub_ban_view v;
	size_t cut = 0;
	enum hub_ban_status st = HUB_BAN_BAD_DURATION;
	if (dur.len)
		st = h->bans->add(h->bans->ctx, s, mask.p, mask.len, dur.p, dur.len, why.p, why.len,
				  &v, &cut);
	if (st == HUB_BAN_BAD_DURATION)
		st = h->bans->add(h->bans->ctx, s, mask.p, mask.len, T_PERM, sizeof(T_PERM) - 1,
				  rest.p, rest.len, &v, &cut);
	char until[CMD_BAN_UNTIL_MAX];
	switch (st) {
	case HUB_BAN_OK:
		cmd_ban_until(lang, v.until_ms, until);
		text_codec_tell(s, TEXT_INFO, i18n_tr(lang, T_BANNED), v.mask, until, v.reason, cut);
		break;
	case HUB_BAN_BAD_MASK:
		text_codec_tell(s, TEXT_ERROR, i18n_tr(lang, T_BAD_MASK), (int)mask.len, mask.p);
		break;
	case HUB_BAN_FULL:
	case HUB_BAN_BAD_DURATION:
	case HUB_BAN_NO_SUCH:
		text_codec_tell(s, TEXT_ERROR, "%s", i18n_tr(lang, T_BANS_FULL));
		break;
	}
}

void cmd_ban_remove(struct hub *h, struct session *s, struct cmd_span mask)
{
	if (!cmd_ban_oper_only(s) || !h->bans)
		return;
	enum lang lang = text_codec_lang(s);
	if (h->bans->remove(h->bans->ctx, mask.p, mask.len) == HUB_BAN_OK)
		text_codec_tell(s, TEXT_INFO, i18n_tr(lang, T_LIFTED), (int)mask.len, mask.p);
	else
		text_codec_tell(s, TEXT_ERROR, i18n_tr(lang, T_NO_SUCH), (int)mask.len, mask.p);
}

void cmd_ban_list(struct hub *h, struct session *s)
{
	if (!cmd_ban_oper_only(s) || !h->bans)
		return;
	enum lang lang = text_codec_lang(s);
	struct hub_ban_view v;
	char until[CMD_BAN_UNTIL_MAX];
	size_t i = 0;
	for (; h->bans->get(h->bans->ctx, i, &v); i++) {
		cmd_ban_until(lang, v.until_ms, until);
		text_codec_tell(s, TEXT_INFO, i18n_tr(lang, T_BAN_LINE), v.mask, until, v.by,
				v.reason);
	}
	if (!i)
		text_codec_tell(s, TEXT_INFO, "%s", i18n_tr(lang, T_NO_BANS));
}
