/* log: leveled logging to a stream (stderr in charlad), as text or as JSON lines.
 *
 * A logger is a small value owned by whoever configures it (server/server.c) and passed by
 * pointer to the modules that log; there is no global logger. Text lines look like
 * `charlad: warn: text` (journald and syslog add the time). JSON lines are one object each:
 * `{"ts":"2026-12-06T05:55:00.123Z","level":"warn","msg":"text","prog":"charlad"}`, the time in
 * UTC with milliseconds, the message escaped as JSON requires (quotes, backslashes, every control
 * character) and any ill-formed UTF-8 in it replaced by U+FFFD, so that every line parses whatever
 * a peer sent. A message cut at LOG_MSG_MAX bytes ends with "..." (and "truncated":true in JSON).
 *
 * log_format_record is the pure part: one record into a caller's buffer, for the unit tests. */
#ifndef CHARLA_BASE_LOG_H
#define CHARLA_BASE_LOG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

enum log_level { LOG_ERROR, LOG_WARN, LOG_INFO, LOG_DEBUG };
enum log_format { LOG_FORMAT_TEXT, LOG_FORMAT_JSON };

enum {
	LOG_MSG_MAX = 1024, /* bytes of a message, formatted */
	/* A record: the message with every byte escaped at worst (\ufffd, six bytes), and room for
	 * the other fields. */
	LOG_RECORD_MAX = LOG_MSG_MAX * 6 + 256,
};

struct logger {
	FILE *out;
	const char *prog;
	enum log_level level;
	enum log_format format;
	uint64_t (*clock_ms)(void); /* wall-clock ms since 1970, for JSON's ts; NULL: the system's */
};

/* One record, with no newline, into out[0..cap) (NUL-terminated, cut to fit); msg[0..len) is the
 * message, `truncated` whether it was cut. Returns the record's length. Pure. */
size_t log_format_record(char *out, size_t cap, enum log_format fmt, const char *prog,
			 enum log_level level, uint64_t ts_ms, const char *msg, size_t len,
			 bool truncated);
/* The name of a level, as logged: "error", "warn", "info", "debug". */
const char *log_level_name(enum log_level level);

void log_msg(const struct logger *lg, enum log_level level, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
#define log_error(lg, ...) log_msg((lg), LOG_ERROR, __VA_ARGS__)
#define log_warn(lg, ...) log_msg((lg), LOG_WARN, __VA_ARGS__)
#define log_info(lg, ...) log_msg((lg), LOG_INFO, __VA_ARGS__)
#define log_debug(lg, ...) log_msg((lg), LOG_DEBUG, __VA_ARGS__)
/* True when a message at `level` would be printed (to skip formatting work). */
int log_enabled(const struct logger *lg, enum log_level level);

#endif
