#include "text/text_history.h"

#include <stdint.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "base/i18n.h"
#include "hub/history.h"
#include "hub/hub.h"
#include "hub/name.h"
#include "text/cmd.h"
#include "text/text_codec.h"
#include "text/text_stable.h"

static const char T_HEAD[] = TEXT_STABLE_HISTORY_HEAD;
static const char T_END[] = TEXT_STABLE_HISTORY_END;
static const char T_NONE[] = N_("No earlier lines here.");
static const char T_REFUSED[] = N_("You can read the history of a room you are in only.");
static const char T_UNAVAILABLE[] = N_("History is not available right now: the server cannot "
				       "read or write it.");
static const char T_OFF[] = N_("This server keeps no history.");
static const char T_BUSY[] = N_("Too many history requests at once; try again.");
static const char T_BAD[] = N_("Usage: /history [ROOM | NAME] [N] or /history [ROOM | NAME] "
			       "before ID [N]");
static const char T_NO_ACCOUNT[] = N_("Private history is kept for accounts only: /login to read "
				      "yours.");
static const char T_NO_ROOM[] = N_("You are not in any room; /join one.");

enum {
	TEXT_HISTORY_TIME = sizeof("2026-12-31 23:59"),
	TEXT_HISTORY_MS = 1000,
	TEXT_HISTORY_DAY_S = 86400,
};

/* "HH:MM" (UTC) for today's lines, "YYYY-MM-DD HH:MM" for older ones. */
static void text_history_when(uint64_t ms, uint64_t now_ms, char out[TEXT_HISTORY_TIME])
{
	time_t t = (time_t)(ms / TEXT_HISTORY_MS);
	struct tm tm;
	gmtime_r(&t, &tm);
	bool today = ms / TEXT_HISTORY_MS / TEXT_HISTORY_DAY_S ==
		     now_ms / TEXT_HISTORY_MS / TEXT_HISTORY_DAY_S;
	strftime(out, TEXT_HISTORY_TIME, today ? "%H:%M" : "%Y-%m-%d %H:%M", &tm);
}

/* Writes the answer: head, lines, tail; nothing at all for an empty answer on join. */
static void text_history_write(struct session *s, enum hub_history_status st,
			       const struct hub_history_msg *m, size_t n, bool on_join)
{
	enum lang lang = text_codec_lang(s);
	if (st == HUB_HISTORY_UNAVAILABLE) {
		text_codec_tell(s, TEXT_ERROR, "%s", i18n_tr(lang, T_UNAVAILABLE));
		return;
	}
	if (st != HUB_HISTORY_OK)
		return;
	if (n == 0) {
		if (!on_join)
			text_codec_tell(s, TEXT_INFO, "%s", i18n_tr(lang, T_NONE));
		return;
	}
	uint64_t now = (uint64_t)time(NULL) * TEXT_HISTORY_MS;
	text_codec_tell(s, TEXT_INFO, i18n_tr(lang, T_HEAD), m[0].target);
	for (size_t i = 0; i < n; i++) {
		char when[TEXT_HISTORY_TIME];
		text_history_when(m[i].time_ms, now, when);
		int tlen = (int)m[i].len, flen = (int)m[i].from_len;
		if (m[i].kind == HUB_MSG_ACTION)
			text_codec_tell(s, TEXT_HISTORY, "%s * %.*s %.*s", when, flen, m[i].from,
					tlen, m[i].text);
		else
			text_codec_tell(s, TEXT_HISTORY, "%s %.*s: %.*s", when, flen, m[i].from, tlen,
					m[i].text);
	}
	text_codec_tell(s, TEXT_INFO, i18n_tr(lang, T_END), m[0].target,
			(unsigned long long)m[0].id);
}

static void text_history_on_join(void *ctx, enum hub_history_status st,
				 const struct hub_history_msg *m, size_t n)
{
	text_history_write(ctx, st, m, n, true);
}

static void text_history_on_command(void *ctx, enum hub_history_status st,
				    const struct hub_history_msg *m, size_t n)
{
	text_history_write(ctx, st, m, n, false);
}

void text_history_join(struct hub *h, struct session *s, const char *room)
{
	if (!h->cfg.history_on_join || !hub_history_available(h))
		return;
	/* What was said before the join: whatever came after it, s saw live. */
	struct hub_history_query q = {.target = room, .target_len = strlen(room),
				      .kind = HUB_HISTORY_BEFORE, .from = h->last_event + 1,
				      .limit = h->cfg.history_on_join};
	uint64_t req;
	enum hub_history_status st = hub_history_query(h, s, &q, text_history_on_join, s, &req);
	if (st == HUB_HISTORY_UNAVAILABLE)
		text_codec_tell(s, TEXT_ERROR, "%s", i18n_tr(text_codec_lang(s), T_UNAVAILABLE));
}

/* A decimal number of at most 19 digits, or 0 (not one). */
static uint64_t text_history_number(const char *p, size_t len)
{
	enum { DIGITS_MAX = 19, BASE = 10 };
	if (len == 0 || len > DIGITS_MAX)
		return 0;
	uint64_t v = 0;
	for (size_t i = 0; i < len; i++) {
		if (p[i] < '0' || p[i] > '9')
			return 0;
		v = v * BASE + (uint64_t)(p[i] - '0');
	}
	return v;
}

/* The next blank-separated word of *p (len *len), consumed. */
static size_t text_history_word(const char **p, size_t *len, const char **w)
{
	while (*len && (**p == ' ' || **p == '\t')) {
		(*p)++;
		(*len)--;
	}
	*w = *p;
	size_t n = 0;
	while (n < *len && (*p)[n] != ' ' && (*p)[n] != '\t')
		n++;
	*p += n;
	*len -= n;
	return n;
}

void text_history_command(struct hub *h, struct session *s, const char *args, size_t len)
{
	enum lang lang = text_codec_lang(s);
	struct hub_history_query q = {.kind = HUB_HISTORY_BEFORE, .from = h->last_event + 1,
				      .limit = TEXT_HISTORY_DEFAULT};
	const char *w;
	size_t wl = text_history_word(&args, &len, &w);
	bool named = wl && w[0] == '#'; /* a room named: the hub checks that s is in it */
	/* Or a name: the private conversation with it, s's account's (hub/history.h). A number and
	 * "before" are what they always were. */
	if (!named && wl && !text_history_number(w, wl) &&
	    !(wl == strlen("before") && strncasecmp(w, "before", wl) == 0))
		named = name_check_user(w, wl) == NAME_OK;
	if (named) {
		q.target = w;
		q.target_len = wl;
		wl = text_history_word(&args, &len, &w);
	} else {
		const struct room *r = cmd_current(s);
		if (!r) {
			text_codec_tell(s, TEXT_ERROR, "%s", i18n_tr(lang, T_NO_ROOM));
			return;
		}
		q.target = r->name;
		q.target_len = strlen(r->name);
	}
	if (wl == strlen("before") && strncasecmp(w, "before", wl) == 0) {
		wl = text_history_word(&args, &len, &w);
		q.from = text_history_number(w, wl);
		if (!q.from) {
			text_codec_tell(s, TEXT_ERROR, "%s", i18n_tr(lang, T_BAD));
			return;
		}
		wl = text_history_word(&args, &len, &w);
	}
	if (wl) {
		uint64_t n = text_history_number(w, wl);
		if (!n) {
			text_codec_tell(s, TEXT_ERROR, "%s", i18n_tr(lang, T_BAD));
			return;
		}
		q.limit = n > HUB_HISTORY_MAX ? HUB_HISTORY_MAX : (unsigned)n;
	}
	if (text_history_word(&args, &len, &w)) {
		text_codec_tell(s, TEXT_ERROR, "%s", i18n_tr(lang, T_BAD));
		return;
	}
	uint64_t req;
	switch (hub_history_query(h, s, &q, text_history_on_command, s, &req)) {
	case HUB_HISTORY_OK:
		break;
	case HUB_HISTORY_REFUSED:
		text_codec_tell(s, TEXT_ERROR, "%s", i18n_tr(lang, T_REFUSED));
		break;
	case HUB_HISTORY_NO_ACCOUNT:
		text_codec_tell(s, TEXT_ERROR, "%s", i18n_tr(lang, T_NO_ACCOUNT));
		break;
	case HUB_HISTORY_UNAVAILABLE:
		text_codec_tell(s, TEXT_ERROR, "%s",
				i18n_tr(lang, hub_history_available(h) ? T_UNAVAILABLE : T_OFF));
		break;
	case HUB_HISTORY_BUSY:
		text_codec_tell(s, TEXT_ERROR, "%s", i18n_tr(lang, T_BUSY));
		break;
	}
}
