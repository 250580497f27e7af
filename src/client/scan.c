#include "client/scan.h"

#include <stdio.h>
#include <string.h>

/* What a conversion captures. */
enum scan_conv {
	SCAN_TEXT,    /* %s, %.*s, {N} */
	SCAN_DIGITS,  /* %llu, %lu, %zu, %u */
	SCAN_SIGNED,  /* %d */
};

static size_t scan_conv(const char *fmt, enum scan_conv *conv);
static size_t scan_literal(const char *fmt, char *lit, size_t cap);
static size_t scan_find(const char *s, size_t len, const char *lit, size_t n, bool at_end);
static bool scan_run(const char *fmt, const char *line, size_t len, struct scan_span *caps,
		     size_t ncaps, bool whole, size_t *end);

/* Length of the conversion at fmt (which starts with '%' or '{'), 0 if it is none we know. */
static size_t scan_conv(const char *fmt, enum scan_conv *conv)
{
	static const struct {
		const char *text;
		enum scan_conv conv;
	} known[] = {
		{"%s", SCAN_TEXT},      {"%.*s", SCAN_TEXT}, {"%llu", SCAN_DIGITS},
		{"%lu", SCAN_DIGITS},   {"%zu", SCAN_DIGITS}, {"%u", SCAN_DIGITS},
		{"%d", SCAN_SIGNED},
	};
	if (fmt[0] == '{' && fmt[1] >= '1' && fmt[1] <= '9' && fmt[2] == '}') {
		*conv = SCAN_TEXT;
		return 3;
	}
	for (size_t i = 0; i < sizeof known / sizeof known[0]; i++) {
		size_t n = strlen(known[i].text);
		if (strncmp(fmt, known[i].text, n) == 0) {
			*conv = known[i].conv;
			return n;
		}
	}
	return 0;
}

/* Copies the literal text at fmt (with %% as '%') into lit, up to the next conversion or the end
 * of the format; returns the bytes of fmt it covers. A literal longer than cap - 1 bytes is cut,
 * which only makes the match stricter in length, never looser: the caller compares the rest. */
static size_t scan_literal(const char *fmt, char *lit, size_t cap)
{
	size_t i = 0, n = 0;
	enum scan_conv conv;
	while (fmt[i] != '\0') {
		if (fmt[i] == '%' && fmt[i + 1] == '%') {
			if (n + 1 < cap)
				lit[n++] = '%';
			i += 2;
			continue;
		}
		if ((fmt[i] == '%' || fmt[i] == '{') && scan_conv(fmt + i, &conv) > 0)
			break;
		if (fmt[i] == '%')
			break; /* an unknown conversion: the caller refuses it */
		if (n + 1 < cap)
			lit[n++] = fmt[i];
		i++;
	}
	lit[n] = '\0';
	return i;
}

/* Where the literal lit (n bytes) is in s: the first place, or, at_end, only at the very end.
 * len when it is not there. */
static size_t scan_find(const char *s, size_t len, const char *lit, size_t n, bool at_end)
{
	if (n > len)
		return len + 1;
	if (at_end)
		return memcmp(s + len - n, lit, n) == 0 ? len - n : len + 1;
	for (size_t i = 0; i + n <= len; i++)
		if (memcmp(s + i, lit, n) == 0)
			return i;
	return len + 1;
}

static bool scan_run(const char *fmt, const char *line, size_t len, struct scan_span *caps,
		     size_t ncaps, bool whole, size_t *matched)
{
	/* Formats are the server's short sentences; a literal longer than this is refused. */
	char lit[512];
	size_t at = 0, taken = 0;
	for (size_t k = 0; k < ncaps; k++)
		caps[k] = (struct scan_span){NULL, 0};
	size_t f = scan_literal(fmt, lit, sizeof lit);
	size_t n = strlen(lit);
	if (n + 1 >= sizeof lit || n > len || memcmp(line, lit, n) != 0)
		return false;
	at = n;
	*matched = at;
	if (!whole && ncaps == 0)
		return true;
	while (fmt[f] != '\0') {
		enum scan_conv conv;
		size_t c = scan_conv(fmt + f, &conv);
		if (c == 0 || taken == SCAN_MAX)
			return false;
		f += c;
		size_t next = f + scan_literal(fmt + f, lit, sizeof lit);
		n = strlen(lit);
		if (n + 1 >= sizeof lit || (n == 0 && fmt[next] != '\0'))
			return false; /* two conversions in a row, or an unknown one */
		bool last = fmt[next] == '\0';
		size_t end; /* where the capture ends */
		if (conv == SCAN_TEXT) {
			if (n == 0)
				end = len;
			else
				end = at + scan_find(line + at, len - at, lit, n, last && whole);
			if (end > len || end == at)
				return false;
		} else {
			end = at;
			if (conv == SCAN_SIGNED && end < len && line[end] == '-')
				end++;
			size_t digits = end;
			while (end < len && line[end] >= '0' && line[end] <= '9')
				end++;
			if (end == digits || len - end < n || memcmp(line + end, lit, n) != 0)
				return false;
		}
		if (taken < ncaps)
			caps[taken] = (struct scan_span){line + at, end - at};
		taken++;
		at = end + n;
		*matched = at;
		f = next;
		if (!whole && taken == ncaps)
			return true;
	}
	return whole ? at == len : taken >= ncaps;
}

bool scan_whole(const char *fmt, const char *line, size_t len, struct scan_span *caps,
		size_t ncaps)
{
	size_t end;
	return scan_run(fmt, line, len, caps, ncaps, true, &end);
}

bool scan_prefix(const char *fmt, const char *line, size_t len, struct scan_span *caps,
		 size_t ncaps)
{
	size_t end;
	return scan_run(fmt, line, len, caps, ncaps, false, &end);
}

bool scan_said(const char *head, const char *fmt, bool whole, const char *line, size_t len,
	       struct scan_span *caps, size_t ncaps, size_t *end)
{
	char whole_fmt[512];
	int w = snprintf(whole_fmt, sizeof whole_fmt, "%s%s", head, fmt);
	if (w < 0 || (size_t)w >= sizeof whole_fmt)
		return false;
	if (w > 0 && whole_fmt[w - 1] == '\n')
		whole_fmt[w - 1] = '\0';
	size_t at;
	if (!scan_run(whole_fmt, line, len, caps, ncaps, whole, &at))
		return false;
	if (end)
		*end = at;
	return true;
}
