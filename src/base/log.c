#include "base/log.h"

#include <stdarg.h>

static const char *const log_names[] = {"error", "warn", "info", "debug"};

int log_enabled(const struct logger *lg, enum log_level level)
{
	return lg && lg->out && level <= lg->level;
}

void log_msg(const struct logger *lg, enum log_level level, const char *fmt, ...)
{
	if (!log_enabled(lg, level))
		return;
	char line[1024];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	/* One fputs per line, so lines from a future second thread would not interleave mid-line. A
	 * truncated message is marked rather than silently cut. */
	fprintf(lg->out, "%s: %s: %s%s\n", lg->prog, log_names[level], line,
		(size_t)n >= sizeof(line) ? "..." : "");
	fflush(lg->out);
}
