#include "base/log.h"

#include <stdarg.h>
#include <string.h>
#include <time.h>

#include "base/utf8.h"

static const char *const log_names[] = {"error", "warn", "info", "debug"};
static const char TRUNCATED_MARK[] = "...";

enum {
	LOG_TS_MAX = 96, /* "2026-12-06T05:55:00.123Z", with room for any value of struct tm's ints */
	LOG_JSON_ESCAPE_MAX = 6,                           /* \u00XX, \ufffd */
	LOG_JSON_TAIL_MAX = sizeof("\",\"truncated\":true,\"prog\":\"\"}"), /* without prog */
};

const char *log_level_name(enum log_level level)
{
	return log_names[level];
}

int log_enabled(const struct logger *lg, enum log_level level)
{
	return lg && lg->out && level <= lg->level;
}

/* A bounded writer: appends while there is room, always leaving one byte for the NUL. */
struct log_out {
	char *p;
	size_t cap, len;
};

static bool log_room(const struct log_out *o, size_t n)
{
	return o->len + n < o->cap;
}

static void log_put(struct log_out *o, const char *s, size_t n)
{
	if (!log_room(o, n))
		n = o->cap > o->len + 1 ? o->cap - o->len - 1 : 0;
	memcpy(o->p + o->len, s, n);
	o->len += n;
	o->p[o->len] = '\0';
}

static void log_puts(struct log_out *o, const char *s)
{
	log_put(o, s, strlen(s));
}

/* s[0..len) as the inside of a JSON string. Escapes are never cut in half: a character that does
 * not fit whole, with `reserve` bytes still free after it, ends the string there. Returns the
 * bytes of s written. */
static size_t log_json_string(struct log_out *o, const char *s, size_t len, size_t reserve)
{
	static const char hex[] = "0123456789abcdef";
	size_t i = 0;
	while (i < len) {
		char esc[LOG_JSON_ESCAPE_MAX + 1];
		const char *piece = esc;
		size_t n = 0;
		unsigned char ch = (unsigned char)s[i];
		size_t used = 1;
		if (ch == '"' || ch == '\\') {
			esc[0] = '\\';
			esc[1] = (char)ch;
			n = 2;
		} else if (ch == '\n' || ch == '\t' || ch == '\r') {
			esc[0] = '\\';
			esc[1] = ch == '\n' ? 'n' : ch == '\t' ? 't' : 'r';
			n = 2;
		} else if (ch < 0x20 || ch == 0x7f) {
			memcpy(esc, "\\u00", 4);
			esc[4] = hex[ch >> 4];
			esc[5] = hex[ch & 0xf];
			n = 6;
		} else if (ch < 0x80) {
			piece = s + i;
			n = 1;
		} else {
			uint32_t cp;
			bool valid;
			used = utf8_decode(s + i, len - i, &cp, &valid);
			if (valid) {
				piece = s + i;
				n = used;
			} else {
				memcpy(esc, "\\ufffd", 6);
				n = 6;
			}
		}
		if (!log_room(o, n + reserve))
			return i;
		log_put(o, piece, n);
		i += used;
	}
	return i;
}

/* ms since 1970 as ISO 8601 in UTC with milliseconds: 2026-12-06T05:55:00.123Z. */
static void log_timestamp(uint64_t ts_ms, char out[LOG_TS_MAX])
{
	time_t secs = (time_t)(ts_ms / 1000);
	struct tm tm;
	if (!gmtime_r(&secs, &tm)) {
		snprintf(out, LOG_TS_MAX, "1970-01-01T00:00:00.000Z");
		return;
	}
	snprintf(out, LOG_TS_MAX, "%04d-%02d-%02dT%02d:%02d:%02d.%03uZ", tm.tm_year + 1900,
		 tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
		 (unsigned)(ts_ms % 1000));
}

size_t log_format_record(char *out, size_t cap, enum log_format fmt, const char *prog,
			 enum log_level level, uint64_t ts_ms, const char *msg, size_t len,
			 bool truncated)
{
	struct log_out o = {.p = out, .cap = cap, .len = 0};
	if (!cap)
		return 0;
	out[0] = '\0';
	if (fmt == LOG_FORMAT_TEXT) {
		log_puts(&o, prog);
		log_puts(&o, ": ");
		log_puts(&o, log_names[level]);
		log_puts(&o, ": ");
		log_put(&o, msg, len);
		if (truncated)
			log_puts(&o, TRUNCATED_MARK);
		return o.len;
	}
	char ts[LOG_TS_MAX];
	log_timestamp(ts_ms, ts);
	log_puts(&o, "{\"ts\":\"");
	log_puts(&o, ts);
	log_puts(&o, "\",\"level\":\"");
	log_puts(&o, log_names[level]);
	log_puts(&o, "\",\"msg\":\"");
	/* The message gives way to what must close the object: the tail and the program's name
	 * (a plain word: one that needs escapes would be cut, the object still closed). */
	size_t tail = LOG_JSON_TAIL_MAX + sizeof(TRUNCATED_MARK) + strlen(prog);
	if (log_json_string(&o, msg, len, tail) < len)
		truncated = true;
	if (truncated)
		log_puts(&o, TRUNCATED_MARK);
	log_puts(&o, truncated ? "\",\"truncated\":true" : "\"");
	log_puts(&o, ",\"prog\":\"");
	log_json_string(&o, prog, strlen(prog), sizeof("\"}"));
	log_puts(&o, "\"}");
	return o.len;
}

static uint64_t log_clock_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

void log_msg(const struct logger *lg, enum log_level level, const char *fmt, ...)
{
	if (!log_enabled(lg, level))
		return;
	char line[LOG_MSG_MAX];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	bool truncated = (size_t)n >= sizeof(line);
	size_t len = truncated ? sizeof(line) - 1 : (size_t)n;
	uint64_t now = lg->format == LOG_FORMAT_JSON ? (lg->clock_ms ? lg->clock_ms() : log_clock_ms())
						     : 0;
	char rec[LOG_RECORD_MAX];
	size_t rl = log_format_record(rec, sizeof(rec) - 1, lg->format, lg->prog, level, now, line,
				      len, truncated);
	/* One write per line, so that lines from a future second thread would not interleave. */
	rec[rl] = '\n';
	fwrite(rec, 1, rl + 1, lg->out);
	fflush(lg->out);
}
