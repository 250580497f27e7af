/* irc_kline: server bans from IRC (KLINE, UNKLINE, STATS k) over the hub's bans interface
 * (hub/bans.h), which server/ implements: this file only parses IRC's forms and words the
 * replies. Operators only (481 otherwise). */
#include <stdio.h>
#include <string.h>

#include "face/irc/irc_int.h"
#include "hub/bans.h"
#include "text/text_codec.h"

static const char T_NOPRIVILEGES[] = ":Permission Denied- You're not an IRC operator";
static const char T_NO_BANS[] = "Bans are not available on this server";
static const char T_BAD_MASK[] = "NOTICE %s :Not an address, a CIDR block or a nick!user@host "
				 "mask: %.*s";
static const char T_BAD_DURATION[] = "NOTICE %s :Not a duration (30s, 30m, 2h, 7d, 1w, minutes, "
				     "or perm): %.*s";
static const char T_FULL[] = "Too many bans already";
static const char T_ADDED[] = "NOTICE %s :Banned %s %s: %s (%zu disconnected)";
static const char T_REMOVED[] = "NOTICE %s :Ban on %.*s lifted";
static const char T_NO_SUCH[] = "NOTICE %s :No ban on %.*s";
static const char T_ENDOFSTATS[] = ":End of /STATS report";

static const struct hub_bans *irc_kline_bans(struct irc_client *c)
{
	if (!(c->sess.caps & SESSION_MODE_OPER)) {
		irc_num(c, "481", "%s", T_NOPRIVILEGES);
		return NULL;
	}
	const struct hub_bans *b = c->f->hub->bans;
	if (!b)
		irc_serverf(c, "NOTICE %s :%s", irc_nick(c), T_NO_BANS);
	return b;
}

/* "until 2026-12-06 10:00:00 UTC" or "for good". */
static void irc_kline_until(uint64_t until_ms, char *out, size_t cap)
{
	if (!until_ms) {
		snprintf(out, cap, "for good");
		return;
	}
	char when[TEXT_CODEC_WHEN_LEN];
	text_codec_when(until_ms / 1000, when);
	snprintf(out, cap, "until %s", when);
}

/* KLINE [DURATION] MASK :REASON (a DURATION of bare digits is minutes, as other servers take it;
 * without one the ban is for good). */
void irc_kline_add(struct irc_client *c, const struct irc_msg *m)
{
	const struct hub_bans *b = irc_kline_bans(c);
	if (!b)
		return;
	const struct irc_span *dur = NULL, *mask = &m->params[0], *why = NULL;
	static const struct irc_span perm = {"perm", 4};
	if (m->nparams >= 3) {
		dur = &m->params[0];
		mask = &m->params[1];
		why = &m->params[2];
	} else if (m->nparams == 2) {
		why = &m->params[1];
	}
	if (!dur)
		dur = &perm;
	struct hub_ban_view v;
	size_t cut = 0;
	enum hub_ban_status st = b->add(b->ctx, &c->sess, mask->p, mask->len, dur->p, dur->len,
					why ? why->p : "", why ? why->len : 0, &v, &cut);
	char until[64];
	switch (st) {
	case HUB_BAN_OK:
		irc_kline_until(v.until_ms, until, sizeof(until));
		irc_serverf(c, T_ADDED, irc_nick(c), v.mask, until, v.reason, cut);
		break;
	case HUB_BAN_BAD_MASK:
		irc_serverf(c, T_BAD_MASK, irc_nick(c), (int)mask->len, mask->p);
		break;
	case HUB_BAN_BAD_DURATION:
		irc_serverf(c, T_BAD_DURATION, irc_nick(c), (int)dur->len, dur->p);
		break;
	case HUB_BAN_FULL:
	case HUB_BAN_NO_SUCH:
		irc_serverf(c, "NOTICE %s :%s", irc_nick(c), T_FULL);
		break;
	}
}

void irc_kline_remove(struct irc_client *c, const struct irc_msg *m)
{
	const struct hub_bans *b = irc_kline_bans(c);
	if (!b)
		return;
	const struct irc_span *mask = &m->params[0];
	if (b->remove(b->ctx, mask->p, mask->len) == HUB_BAN_OK)
		irc_serverf(c, T_REMOVED, irc_nick(c), (int)mask->len, mask->p);
	else
		irc_serverf(c, T_NO_SUCH, irc_nick(c), (int)mask->len, mask->p);
}

/* STATS k: a 216 per ban ("K MASK * * :REASON (until ..., by NAME)"), then 219. Other letters
 * have nothing to report here: just the end. */
void irc_kline_stats(struct irc_client *c, const struct irc_msg *m)
{
	const struct irc_span *q = &m->params[0];
	char letter = q->len ? q->p[0] : '?';
	if (letter == 'k' || letter == 'K') {
		const struct hub_bans *b = irc_kline_bans(c);
		if (!b)
			return;
		struct hub_ban_view v;
		char until[64];
		for (size_t i = 0; b->get(b->ctx, i, &v); i++) {
			irc_kline_until(v.until_ms, until, sizeof(until));
			irc_num(c, "216", "K %s * * :%s (%s, by %s)", v.mask, v.reason, until, v.by);
		}
	}
	irc_num(c, "219", "%c %s", letter, T_ENDOFSTATS);
}
