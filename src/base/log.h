/* log: leveled logging to a stream (stderr in charlad).
 *
 * A logger is a small value owned by whoever configures it (server/main.c) and passed by pointer to
 * the modules that log; there is no global logger. Lines look like `charlad: warn: text`. */
#ifndef CHARLA_BASE_LOG_H
#define CHARLA_BASE_LOG_H

#include <stdio.h>

enum log_level { LOG_ERROR, LOG_WARN, LOG_INFO, LOG_DEBUG };

struct logger {
	FILE *out;
	const char *prog;
	enum log_level level;
};

void log_msg(const struct logger *lg, enum log_level level, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
#define log_error(lg, ...) log_msg((lg), LOG_ERROR, __VA_ARGS__)
#define log_warn(lg, ...) log_msg((lg), LOG_WARN, __VA_ARGS__)
#define log_info(lg, ...) log_msg((lg), LOG_INFO, __VA_ARGS__)
#define log_debug(lg, ...) log_msg((lg), LOG_DEBUG, __VA_ARGS__)
/* True when a message at `level` would be printed (to skip formatting work). */
int log_enabled(const struct logger *lg, enum log_level level);

#endif
