#include "face/udp/udp_codec.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "base/buf.h"
#include "base/utf8.h"

static const char W_HELLO[] = "/hello";
static const char W_COOKIE[] = "COOKIE ";
static const char W_HELLO_AGAIN[] = "HELLO?";

bool udp_codec_next_line(const char **data, size_t *len, const char **line, size_t *linelen)
{
	if (*len == 0)
		return false;
	const char *p = *data;
	const char *lf = memchr(p, '\n', *len);
	size_t n = lf ? (size_t)(lf - p) : *len;
	*data = p + n + (lf ? 1 : 0);
	*len -= n + (lf ? 1 : 0);
	if (n > 0 && p[n - 1] == '\r')
		n--;
	*line = p;
	*linelen = n;
	return true;
}

static bool udp_codec_blank(char c)
{
	return c == ' ' || c == '\t';
}

/* The next blank-separated word of s[*at..len); *at moves past it. Empty at the end. */
static size_t udp_codec_word(const char *s, size_t len, size_t *at, const char **word)
{
	size_t i = *at;
	while (i < len && udp_codec_blank(s[i]))
		i++;
	size_t start = i;
	while (i < len && !udp_codec_blank(s[i]))
		i++;
	*word = s + start;
	*at = i;
	return i - start;
}

static int udp_codec_hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static bool udp_codec_hex(const char *s, size_t len, uint64_t *out)
{
	if (len != UDP_COOKIE_DIGITS)
		return false;
	uint64_t v = 0;
	for (size_t i = 0; i < len; i++) {
		int d = udp_codec_hexval(s[i]);
		if (d < 0)
			return false;
		v = v << 4 | (uint64_t)d;
	}
	*out = v;
	return true;
}

/* True if line starts with the command word w (case-insensitive) followed by a blank or the end. */
static bool udp_codec_is(const char *line, size_t len, const char *w, size_t wlen)
{
	return len >= wlen && strncasecmp(line, w, wlen) == 0 &&
	       (len == wlen || udp_codec_blank(line[wlen]));
}

enum udp_request udp_codec_request(const char *line, size_t len, struct udp_hello *hello)
{
	memset(hello, 0, sizeof(*hello));
	if (udp_codec_is(line, len, UDP_KEEPALIVE, sizeof(UDP_KEEPALIVE) - 1))
		return UDP_REQ_KEEPALIVE;
	if (!udp_codec_is(line, len, W_HELLO, sizeof(W_HELLO) - 1))
		return UDP_REQ_LINE;
	size_t at = sizeof(W_HELLO) - 1;
	const char *w;
	size_t n = udp_codec_word(line, len, &at, &w);
	if (n) {
		/* "-" (never a valid name) holds the place of a name not given. */
		if (n != 1 || w[0] != '-') {
			hello->name = w;
			hello->namelen = n;
		}
		n = udp_codec_word(line, len, &at, &w);
		hello->has_cookie = udp_codec_hex(w, n, &hello->cookie);
	}
	return UDP_REQ_HELLO;
}

void udp_codec_hello(struct buf *out, const char *name, const uint64_t *cookie)
{
	size_t start = out->len;
	buf_puts(out, W_HELLO);
	if (name || cookie) {
		buf_putc(out, ' ');
		buf_puts(out, name ? name : "-");
	}
	if (cookie)
		buf_printf(out, " %016llx", (unsigned long long)*cookie);
	while (out->len - start + 1 < UDP_HELLO_MIN)
		buf_putc(out, ' ');
	buf_putc(out, '\n');
}

size_t udp_codec_header(char out[UDP_HEADER_MAX], uint64_t seq, unsigned part, unsigned parts)
{
	int r;
	if (parts <= 1)
		r = snprintf(out, UDP_HEADER_MAX, "%llu ", (unsigned long long)seq);
	else
		r = snprintf(out, UDP_HEADER_MAX, "%llu:%u/%u ", (unsigned long long)seq, part, parts);
	/* Cannot truncate: 20 digits + ":" + 2 + "/" + 2 + " " < UDP_HEADER_MAX. */
	return r < 0 ? 0 : (size_t)r;
}

/* The end of a part starting at `from`: at most max bytes, at a character boundary, never empty
 * (a run of bytes with no boundary, which valid text cannot have, is cut at max). */
static size_t udp_codec_cut(const char *line, size_t len, size_t from, size_t max)
{
	size_t n = utf8_boundary(line + from, len - from, max);
	if (n == 0)
		n = max < len - from ? max : len - from;
	return from + n;
}

unsigned udp_codec_split(const char *line, size_t len, size_t max, size_t ends[UDP_MAX_PARTS],
			 bool *cut)
{
	*cut = false;
	size_t at = 0;
	unsigned n = 0;
	do {
		if (n == UDP_MAX_PARTS - 1 && len - at > max) {
			/* The last part there is room for: cut it short, with room for the mark. */
			ends[n++] = udp_codec_cut(line, len, at, max - (sizeof(UDP_CUT_MARK) - 1));
			*cut = true;
			return n;
		}
		at = udp_codec_cut(line, len, at, max);
		ends[n++] = at;
	} while (at < len);
	return n;
}

void udp_codec_cookie(char out[UDP_COOKIE_REPLY], uint64_t cookie)
{
	char tmp[UDP_COOKIE_REPLY + 1];
	snprintf(tmp, sizeof(tmp), "%s%016llx\n", W_COOKIE, (unsigned long long)cookie);
	memcpy(out, tmp, UDP_COOKIE_REPLY);
}

/* Parses a decimal number of 1-20 digits without overflow; *at moves past it. */
static bool udp_codec_number(const char *s, size_t len, size_t *at, uint64_t *out)
{
	size_t i = *at;
	uint64_t v = 0;
	while (i < len && s[i] >= '0' && s[i] <= '9') {
		uint64_t d = (uint64_t)(s[i] - '0');
		if (v > (UINT64_MAX - d) / 10)
			return false;
		v = v * 10 + d;
		i++;
	}
	if (i == *at)
		return false;
	*at = i;
	*out = v;
	return true;
}

enum udp_reply udp_codec_reply(const char *dg, size_t len, struct udp_parsed *out)
{
	memset(out, 0, sizeof(*out));
	size_t body = len;
	if (body > 0 && dg[body - 1] == '\n')
		body--;
	if (len > 0 && dg[0] >= '0' && dg[0] <= '9') {
		size_t at = 0;
		uint64_t seq, part = 1, parts = 1;
		if (!udp_codec_number(dg, body, &at, &seq) || seq == 0)
			return UDP_REPLY_BAD;
		if (at < body && dg[at] == ':') {
			at++;
			if (!udp_codec_number(dg, body, &at, &part) || at >= body || dg[at] != '/')
				return UDP_REPLY_BAD;
			at++;
			if (!udp_codec_number(dg, body, &at, &parts))
				return UDP_REPLY_BAD;
			if (parts < 2 || parts > UDP_MAX_PARTS || part < 1 || part > parts)
				return UDP_REPLY_BAD;
		}
		if (at >= body || dg[at] != ' ')
			return UDP_REPLY_BAD;
		at++;
		out->seq = seq;
		out->part = (unsigned)part;
		out->parts = (unsigned)parts;
		out->text = dg + at;
		out->len = body - at;
		return UDP_REPLY_SESSION;
	}
	if (body == sizeof(W_COOKIE) - 1 + UDP_COOKIE_DIGITS &&
	    memcmp(dg, W_COOKIE, sizeof(W_COOKIE) - 1) == 0 &&
	    udp_codec_hex(dg + sizeof(W_COOKIE) - 1, UDP_COOKIE_DIGITS, &out->cookie))
		return UDP_REPLY_COOKIE;
	if (body == sizeof(W_HELLO_AGAIN) - 1 && memcmp(dg, W_HELLO_AGAIN, body) == 0)
		return UDP_REPLY_HELLO;
	if (body >= 2 && dg[0] == '!' && dg[1] == ' ') {
		out->text = dg;
		out->len = body;
		return UDP_REPLY_ERROR;
	}
	return UDP_REPLY_BAD;
}
