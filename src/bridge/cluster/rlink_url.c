/* rlink_url: the pure parser of redis:// URLs (rlink.h). No I/O, no allocation: fuzzed. */
#include <arpa/inet.h>
#include <ctype.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <string.h>
#include <strings.h>

#include "bridge/cluster/rlink.h"

static const char rlink_scheme[] = "redis://";
static const char rlink_scheme_tls[] = "rediss://";

static int rlink_hex(char c)
{
	static const char digits[] = "0123456789abcdef";
	const char *d = c ? strchr(digits, tolower((unsigned char)c)) : NULL;
	return d ? (int)(d - digits) : -1;
}

/* Decodes s[0..n) (%XX escapes) into out[0..cap], NUL-terminated. False when an escape is
 * broken, decodes to NUL, or the result does not fit. */
static bool rlink_decode(const char *s, size_t n, char *out, size_t cap)
{
	size_t o = 0;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		if (c == '%') {
			if (i + 2 >= n)
				return false;
			int hi = rlink_hex(s[i + 1]), lo = rlink_hex(s[i + 2]);
			if (hi < 0 || lo < 0 || (hi == 0 && lo == 0))
				return false;
			c = (char)(hi * 16 + lo);
			i += 2;
		}
		if (o >= cap)
			return false;
		out[o++] = c;
	}
	out[o] = '\0';
	return true;
}

/* Reads a decimal number of at most `digits` digits from s[*i..n) into *v; false if none. */
static bool rlink_number(const char *s, size_t n, size_t *i, unsigned digits, unsigned long *v)
{
	size_t start = *i;
	*v = 0;
	while (*i < n && s[*i] >= '0' && s[*i] <= '9') {
		if (*i - start >= digits)
			return false;
		*v = *v * 10 + (unsigned long)(s[*i] - '0');
		(*i)++;
	}
	return *i > start;
}

/* The user information s[0..n) (USER:PASSWORD, :PASSWORD). */
static bool rlink_userinfo(const char *s, size_t n, struct rlink_url *out, const char **err)
{
	const char *colon = memchr(s, ':', n);
	if (!colon) {
		*err = "a Redis user name needs a password (redis://USER:PASSWORD@HOST)";
		return false;
	}
	size_t ulen = (size_t)(colon - s);
	if (!rlink_decode(s, ulen, out->user, RLINK_USER_MAX)) {
		*err = "the Redis user name is too long or has a bad %-escape (write '%' as %25)";
		return false;
	}
	if (!rlink_decode(colon + 1, n - ulen - 1, out->password, RLINK_PASSWORD_MAX)) {
		*err = "the Redis password is too long or has a bad %-escape (write '%' as %25)";
		return false;
	}
	if (out->password[0] == '\0' && out->user[0] != '\0') {
		*err = "a Redis user name needs a password (redis://USER:PASSWORD@HOST)";
		return false;
	}
	return true;
}

/* The host at s[*i..n): [IPv6], IPv4 or localhost. */
static bool rlink_host(const char *s, size_t n, size_t *i, struct rlink_url *out,
		       const char **err)
{
	static const char *const bad = "the Redis host must be a numeric address (127.0.0.1, "
				       "[::1]) or localhost: host names are not resolved";
	size_t start = *i, end;
	bool v6 = start < n && s[start] == '[';
	if (v6) {
		const char *close = memchr(s + start, ']', n - start);
		if (!close) {
			*err = "the Redis host has a '[' without its ']'";
			return false;
		}
		start++;
		end = (size_t)(close - s);
		*i = end + 1;
	} else {
		end = start;
		while (end < n && s[end] != ':' && s[end] != '/')
			end++;
		*i = end;
	}
	size_t len = end - start;
	if (len == 0) {
		*err = "the Redis URL has no host";
		return false;
	}
	if (len > RLINK_HOST_MAX) {
		*err = bad;
		return false;
	}
	memcpy(out->host, s + start, len);
	out->host[len] = '\0';
	unsigned char addr[sizeof(struct in6_addr)];
	if (v6 ? inet_pton(AF_INET6, out->host, addr) == 1
	       : inet_pton(AF_INET, out->host, addr) == 1)
		return true;
	if (!v6 && strcasecmp(out->host, "localhost") == 0) {
		strcpy(out->host, "127.0.0.1");
		return true;
	}
	*err = bad;
	return false;
}

bool rlink_url_parse(const char *url, struct rlink_url *out, const char **err)
{
	static const char *ignored;
	if (!err)
		err = &ignored;
	memset(out, 0, sizeof(*out));
	out->port = RLINK_PORT_DEFAULT;
	size_t n = strnlen(url, RLINK_URL_MAX + 1);
	if (n == 0) {
		*err = "the Redis URL is empty";
		return false;
	}
	if (n > RLINK_URL_MAX) {
		*err = "the Redis URL is too long";
		return false;
	}
	size_t sl = sizeof(rlink_scheme) - 1;
	if (n >= sizeof(rlink_scheme_tls) - 1 &&
	    strncasecmp(url, rlink_scheme_tls, sizeof(rlink_scheme_tls) - 1) == 0) {
		*err = "TLS to Redis (rediss://) is not supported; use redis://";
		return false;
	}
	if (n < sl || strncasecmp(url, rlink_scheme, sl) != 0) {
		*err = "the Redis URL must start with redis://";
		return false;
	}
	const char *s = url + sl;
	n -= sl;
	/* The password may hold '@' and '/': the user information runs to the last '@'. */
	size_t i = 0;
	const char *at = NULL;
	for (const char *p = s; (p = memchr(p, '@', n - (size_t)(p - s))) != NULL; p++)
		at = p;
	if (at) {
		if (!rlink_userinfo(s, (size_t)(at - s), out, err))
			return false;
		i = (size_t)(at - s) + 1;
	}
	if (!rlink_host(s, n, &i, out, err))
		return false;
	if (i < n && s[i] == ':') {
		i++;
		unsigned long port;
		if (!rlink_number(s, n, &i, 5, &port) || port == 0 || port > UINT16_MAX) {
			*err = "the Redis port must be a number from 1 to 65535";
			return false;
		}
		out->port = (uint16_t)port;
	}
	if (i < n && s[i] == '/') {
		i++;
		unsigned long db = 0;
		if (i < n && (!rlink_number(s, n, &i, 4, &db) || db > RLINK_DB_MAX)) {
			*err = "the Redis database must be a number from 0 to 9999"; /* DB_MAX */
			return false;
		}
		out->db = (unsigned)db;
	}
	if (i < n) {
		*err = "the Redis URL has something unexpected after its host, port and database "
		       "(redis://[:PASSWORD@]HOST[:PORT][/DB])";
		return false;
	}
	return true;
}
