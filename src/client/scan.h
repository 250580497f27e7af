/* scan: matching a line the server sent against the printf-style format it was written with (an
 * English msgid of src/text/text_stable.h, or its translation from i18n_tr / i18n_trn), to read
 * the server's stable lines in whatever language it speaks.
 *
 * The format's literal text must match byte for byte; each conversion captures a part of the
 * line:
 *   %s, %.*s, and the hub's {1} .. {9}: one or more bytes, up to the first place where the
 *      literal that follows matches (or, when that literal ends the format and the whole line is
 *      matched, up to where it ends the line);
 *   %llu, %lu, %zu, %u: one or more decimal digits; %d: the same with an optional '-';
 *   %%: a literal '%'.
 * A capture must be followed by a literal (or end the format): "%s%s" cannot be matched, nor can
 * an unknown conversion. An empty capture never matches: the server never formats an empty name,
 * room or number into these lines.
 *
 * Values whose text may contain the literal after them are cut at its first occurrence, so a
 * caller checks what a capture may hold (a name or a room has no spaces). Nothing is allocated:
 * the spans point into the line. O(len * literal) time, no backtracking. */
#ifndef CHARLA_CLIENT_SCAN_H
#define CHARLA_CLIENT_SCAN_H

#include <stdbool.h>
#include <stddef.h>

/* The most captures a format may have. */
#define SCAN_MAX 8

struct scan_span {
	const char *p;
	size_t n;
};

/* The whole line against the whole format; fills caps[0..ncaps) with the first ncaps captures
 * (ncaps may be fewer than the format has). */
bool scan_whole(const char *fmt, const char *line, size_t len, struct scan_span *caps,
		size_t ncaps);
/* A prefix of the line against a prefix of the format: the format up to its ncaps-th capture and
 * the literal that follows it (for ncaps == 0, its leading literal); the rest of the line is not
 * looked at. For lines that go on with what the caller does not need ("You joined %s (%llu
 * members)." when only the room is). */
bool scan_prefix(const char *fmt, const char *line, size_t len, struct scan_span *caps,
		 size_t ncaps);
/* A line the server writes as head (its marker, "* ", "-- " or "") then fmt, which may end with
 * the LF of a whole line (not part of the line received): scan_whole, or scan_prefix when !whole.
 * *end (unless end is NULL) is set to how many bytes of the line matched. */
bool scan_said(const char *head, const char *fmt, bool whole, const char *line, size_t len,
	       struct scan_span *caps, size_t ncaps, size_t *end);

#endif
