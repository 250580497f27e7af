#include "face/irc/irc_sasl.h"

#include <string.h>

enum { IRC_SASL_BAD = 0xFF };

enum irc_sasl_feed irc_sasl_feed(struct irc_sasl *s, const char *chunk, size_t len)
{
	if (len == 1 && chunk[0] == '+')
		return IRC_SASL_DONE; /* empty, or the end of a multiple of a chunk */
	if (len > IRC_SASL_CHUNK)
		return IRC_SASL_CHUNK_TOO_LONG;
	if (len > IRC_SASL_MAX - s->len)
		return IRC_SASL_TOO_LONG;
	memcpy(s->b64 + s->len, chunk, len);
	s->len += len;
	return len == IRC_SASL_CHUNK ? IRC_SASL_MORE : IRC_SASL_DONE;
}

static unsigned irc_sasl_b64(char c)
{
	if (c >= 'A' && c <= 'Z')
		return (unsigned)(c - 'A');
	if (c >= 'a' && c <= 'z')
		return (unsigned)(c - 'a' + 26);
	if (c >= '0' && c <= '9')
		return (unsigned)(c - '0' + 52);
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return IRC_SASL_BAD;
}

long irc_sasl_decode(const struct irc_sasl *s, char *out)
{
	const char *in = s->b64;
	size_t len = s->len;
	if (len % 4)
		return -1;
	size_t n = 0;
	for (size_t i = 0; i < len; i += 4) {
		bool last = i + 4 == len;
		unsigned v[4];
		size_t pad = 0;
		for (int k = 0; k < 4; k++) {
			if (in[i + k] == '=' && last && k >= 2) {
				pad++;
				v[k] = 0;
				continue;
			}
			if (pad) /* a digit after '=' */
				goto bad;
			v[k] = irc_sasl_b64(in[i + k]);
			if (v[k] == IRC_SASL_BAD)
				goto bad;
		}
		unsigned w = v[0] << 18 | v[1] << 12 | v[2] << 6 | v[3];
		out[n++] = (char)(w >> 16);
		if (pad < 2)
			out[n++] = (char)(w >> 8 & 0xFF);
		if (pad < 1)
			out[n++] = (char)(w & 0xFF);
	}
	return (long)n;
bad:
	explicit_bzero(out, n); /* what was decoded before the bad digit: part of a password */
	return -1;
}

void irc_sasl_wipe(struct irc_sasl *s)
{
	/* explicit_bzero: a memset the compiler may not drop because the buffer dies next. */
	explicit_bzero(s->b64, s->len);
	s->len = 0;
}

bool irc_sasl_plain(const char *msg, size_t len, struct irc_sasl_plain *out)
{
	const char *z1 = memchr(msg, '\0', len);
	if (!z1)
		return false;
	const char *a = z1 + 1, *end = msg + len;
	const char *z2 = memchr(a, '\0', (size_t)(end - a));
	if (!z2 || memchr(z2 + 1, '\0', (size_t)(end - z2 - 1)))
		return false;
	*out = (struct irc_sasl_plain){
		.authzid = msg,
		.authzid_len = (size_t)(z1 - msg),
		.authcid = a,
		.authcid_len = (size_t)(z2 - a),
		.passwd = z2 + 1,
		.passwd_len = (size_t)(end - z2 - 1),
	};
	if (!out->authcid_len || !out->passwd_len)
		return false;
	return !out->authzid_len || (out->authzid_len == out->authcid_len &&
				     memcmp(out->authzid, out->authcid, out->authcid_len) == 0);
}
