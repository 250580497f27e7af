/* irc_chathistory: CHATHISTORY's arguments and the text forms of message references (see the
 * header). Dates are converted with the proleptic Gregorian arithmetic of Howard Hinnant's
 * days_from_civil, so that nothing depends on the process's time zone or on timegm. */
#include "face/irc/irc_chathistory.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "hub/hub.h"

static const char *const irc_ch_names[IRC_CH_SUBS] = {
	[IRC_CH_LATEST] = "LATEST",   [IRC_CH_BEFORE] = "BEFORE",   [IRC_CH_AFTER] = "AFTER",
	[IRC_CH_AROUND] = "AROUND",   [IRC_CH_BETWEEN] = "BETWEEN", [IRC_CH_TARGETS] = "TARGETS",
};

/* The parameters after the subcommand each one takes: target and references, then the limit. */
static const unsigned irc_ch_params[IRC_CH_SUBS] = {
	[IRC_CH_LATEST] = 3, [IRC_CH_BEFORE] = 3, [IRC_CH_AFTER] = 3,
	[IRC_CH_AROUND] = 3, [IRC_CH_BETWEEN] = 4, [IRC_CH_TARGETS] = 3,
};

static const uint64_t IRC_CH_SEQ_MASK = (UINT64_C(1) << HUB_ID_SEQ_BITS) - 1;

const char *irc_ch_sub_name(enum irc_ch_sub sub)
{
	return sub < IRC_CH_SUBS ? irc_ch_names[sub] : "";
}

/* Days since 1970-01-01 of a proleptic Gregorian date (m 1..12). */
static int64_t irc_ch_days(int64_t y, unsigned m, unsigned d)
{
	y -= m <= 2;
	int64_t era = (y >= 0 ? y : y - 399) / 400;
	unsigned yoe = (unsigned)(y - era * 400);
	unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (int64_t)doe - 719468;
}

/* n digits at p as a number; false if any is not a digit. */
static bool irc_ch_digits(const char *p, size_t n, unsigned *out)
{
	unsigned v = 0;
	for (size_t i = 0; i < n; i++) {
		if (p[i] < '0' || p[i] > '9')
			return false;
		v = v * 10 + (unsigned)(p[i] - '0');
	}
	*out = v;
	return true;
}

bool irc_ch_time_parse(const char *p, size_t len, uint64_t *ms)
{
	/* YYYY-MM-DDThh:mm:ss, then an optional fraction, then Z. */
	unsigned y, mo, d, h, mi, s, frac = 0;
	if (len < 20 || p[4] != '-' || p[7] != '-' || (p[10] != 'T' && p[10] != 't') ||
	    p[13] != ':' || p[16] != ':' || (p[len - 1] != 'Z' && p[len - 1] != 'z'))
		return false;
	if (!irc_ch_digits(p, 4, &y) || !irc_ch_digits(p + 5, 2, &mo) ||
	    !irc_ch_digits(p + 8, 2, &d) || !irc_ch_digits(p + 11, 2, &h) ||
	    !irc_ch_digits(p + 14, 2, &mi) || !irc_ch_digits(p + 17, 2, &s))
		return false;
	size_t at = 19;
	if (at < len - 1) {
		if (p[at] != '.' || at + 1 >= len - 1)
			return false;
		unsigned scale = 100;
		for (at++; at < len - 1; at++) {
			if (p[at] < '0' || p[at] > '9')
				return false;
			frac += (unsigned)(p[at] - '0') * scale;
			scale /= 10;
		}
	}
	static const unsigned mdays[12] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	if (y < 1970 || mo < 1 || mo > 12 || d < 1 || d > mdays[mo - 1] || h > 23 || mi > 59 ||
	    s > 60)
		return false;
	bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
	if (mo == 2 && d == 29 && !leap)
		return false;
	int64_t days = irc_ch_days(y, mo, d);
	*ms = ((uint64_t)days * 86400 + h * 3600u + mi * 60u + s) * 1000 + frac;
	return true;
}

void irc_ch_time_format(uint64_t ms, char out[IRC_CH_TIME_LEN + 1])
{
	uint64_t secs = ms / 1000;
	int64_t z = (int64_t)(secs / 86400) + 719468;
	unsigned sod = (unsigned)(secs % 86400);
	int64_t era = z / 146097;
	unsigned doe = (unsigned)(z - era * 146097);
	unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	unsigned mp = (5 * doy + 2) / 153;
	unsigned d = doy - (153 * mp + 2) / 5 + 1;
	unsigned m = mp < 10 ? mp + 3 : mp - 9;
	int64_t y = (int64_t)yoe + era * 400 + (m <= 2);
	/* Every field is in range (the year cut to 4 digits), so the text is exactly
	 * IRC_CH_TIME_LEN bytes; formatted in a roomier buffer for the compiler's sake. */
	char tmp[64];
	snprintf(tmp, sizeof(tmp), "%04u-%02u-%02uT%02u:%02u:%02u.%03uZ", (unsigned)(y % 10000), m,
		 d, sod / 3600, sod / 60 % 60, sod % 60, (unsigned)(ms % 1000));
	memcpy(out, tmp, IRC_CH_TIME_LEN);
	out[IRC_CH_TIME_LEN] = '\0';
}

void irc_ch_msgid_format(uint64_t id, char out[17])
{
	snprintf(out, 17, "%016llx", (unsigned long long)id);
}

bool irc_ch_ref(const char *p, size_t len, uint64_t *id, bool *is_time)
{
	static const char msgid[] = "msgid=", ts[] = "timestamp=";
	if (len > sizeof(msgid) - 1 && strncasecmp(p, msgid, sizeof(msgid) - 1) == 0) {
		p += sizeof(msgid) - 1;
		len -= sizeof(msgid) - 1;
		if (!len || len > 16)
			return false;
		uint64_t v = 0;
		for (size_t i = 0; i < len; i++) {
			char c = p[i];
			unsigned x = c >= '0' && c <= '9'   ? (unsigned)(c - '0')
				     : c >= 'a' && c <= 'f' ? (unsigned)(c - 'a' + 10)
				     : c >= 'A' && c <= 'F' ? (unsigned)(c - 'A' + 10)
							    : 16;
			if (x == 16)
				return false;
			v = v << 4 | x;
		}
		*id = v > IRC_CH_ID_MAX ? IRC_CH_ID_MAX : v;
		*is_time = false;
		return true;
	}
	if (len > sizeof(ts) - 1 && strncasecmp(p, ts, sizeof(ts) - 1) == 0) {
		uint64_t ms;
		if (!irc_ch_time_parse(p + sizeof(ts) - 1, len - (sizeof(ts) - 1), &ms))
			return false;
		/* Past the ids' last millisecond (in 2248): the end of time, for ids. */
		uint64_t last = IRC_CH_ID_MAX >> HUB_ID_SEQ_BITS;
		*id = (ms > last ? last : ms) << HUB_ID_SEQ_BITS;
		*is_time = true;
		return true;
	}
	return false;
}

/* A limit: decimal digits, from 1, capped at max. */
static bool irc_ch_limit(const struct irc_span *s, unsigned max, unsigned *out)
{
	if (!s->len || s->len > 9)
		return false;
	unsigned v;
	if (!irc_ch_digits(s->p, s->len, &v) || v == 0)
		return false;
	*out = v > max ? max : v;
	return true;
}

/* A timestamp that bounds from below stands for the whole of its millisecond. */
static uint64_t irc_ch_lower(uint64_t id, bool is_time)
{
	return is_time ? id | IRC_CH_SEQ_MASK : id;
}

enum irc_ch_parse irc_ch_parse(const struct irc_msg *m, unsigned max, struct irc_ch_request *out)
{
	memset(out, 0, sizeof(*out));
	out->sub = IRC_CH_SUBS;
	if (!m->nparams)
		return IRC_CH_NEED_PARAMS;
	const struct irc_span *w = &m->params[0];
	for (int i = 0; i < IRC_CH_SUBS; i++)
		if (strlen(irc_ch_names[i]) == w->len && strncasecmp(irc_ch_names[i], w->p, w->len) == 0)
			out->sub = (enum irc_ch_sub)i;
	if (out->sub == IRC_CH_SUBS)
		return IRC_CH_UNKNOWN_SUB;
	if (m->nparams < 1 + irc_ch_params[out->sub])
		return IRC_CH_NEED_PARAMS;
	const struct irc_span *p = &m->params[1];
	unsigned nref = irc_ch_params[out->sub] - 1;
	if (out->sub == IRC_CH_TARGETS) {
		nref = 2; /* TARGETS <ref> <ref> <limit>: no target */
	} else {
		out->target = p[0];
		p++;
		nref--;
		if (!out->target.len)
			return IRC_CH_NEED_PARAMS;
	}
	uint64_t ref[2] = {0, 0};
	bool is_time[2] = {false, false};
	for (unsigned i = 0; i < nref; i++) {
		if (out->sub == IRC_CH_LATEST && p[i].len == 1 && p[i].p[0] == '*')
			continue;
		if (irc_ch_ref(p[i].p, p[i].len, &ref[i], &is_time[i])) {
			out->none |= !is_time[i] && ref[i] == 0; /* id 0 is no event's */
			continue;
		}
		/* A msgid that is not one of ours (another server's, or made up) names no
		 * message: the answer is empty, as for an id the store does not have. */
		if (p[i].len > 6 && strncasecmp(p[i].p, "msgid=", 6) == 0) {
			out->none = true;
			continue;
		}
		return IRC_CH_BAD_REF;
	}
	if (!irc_ch_limit(&p[nref], max, &out->limit))
		return IRC_CH_BAD_LIMIT;
	switch (out->sub) {
	case IRC_CH_LATEST:
	case IRC_CH_AFTER:
		out->from = irc_ch_lower(ref[0], is_time[0]);
		break;
	case IRC_CH_BEFORE:
	case IRC_CH_AROUND:
		out->from = ref[0];
		break;
	case IRC_CH_BETWEEN:
		/* The order says which end the limit counts from; the earlier end bounds from
		 * below. */
		out->from = ref[0] <= ref[1] ? irc_ch_lower(ref[0], is_time[0]) : ref[0];
		out->to = ref[0] <= ref[1] ? ref[1] : irc_ch_lower(ref[1], is_time[1]);
		break;
	case IRC_CH_TARGETS:
		out->desc = ref[0] > ref[1];
		out->from = ref[0] <= ref[1] ? irc_ch_lower(ref[0], is_time[0]) : irc_ch_lower(ref[1], is_time[1]);
		out->to = ref[0] <= ref[1] ? ref[1] : ref[0];
		break;
	case IRC_CH_SUBS:
		break;
	}
	return IRC_CH_OK;
}

void irc_ch_query(const struct irc_ch_request *r, struct hub_history_query *q)
{
	static const enum hub_history_kind kinds[IRC_CH_SUBS] = {
		[IRC_CH_LATEST] = HUB_HISTORY_LATEST,   [IRC_CH_BEFORE] = HUB_HISTORY_BEFORE,
		[IRC_CH_AFTER] = HUB_HISTORY_AFTER,     [IRC_CH_AROUND] = HUB_HISTORY_AROUND,
		[IRC_CH_BETWEEN] = HUB_HISTORY_BETWEEN, [IRC_CH_TARGETS] = HUB_HISTORY_LATEST,
	};
	memset(q, 0, sizeof(*q));
	q->target = r->target.p;
	q->target_len = r->target.len;
	q->kind = kinds[r->sub < IRC_CH_SUBS ? r->sub : IRC_CH_LATEST];
	q->from = r->from;
	q->to = r->to;
	q->limit = r->limit;
	if (r->none) { /* nothing is strictly between two ids next to each other */
		q->kind = HUB_HISTORY_BETWEEN;
		q->from = 1;
		q->to = 2;
	}
}
