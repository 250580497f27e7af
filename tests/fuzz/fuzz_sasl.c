/* libFuzzer target: the account words a client sends, pure (no hub, no loop): IRC's SASL
 * (src/face/irc/irc_sasl.c: AUTHENTICATE chunks, base64, PLAIN), NickServ's commands
 * (src/bridge/accounts/nickserv_parse.c) and the password rules (hub_password_check in
 * src/hub/account.c). The input is split at newlines into AUTHENTICATE parameters; the same bytes
 * are NickServ commands and passwords. Checks, beyond the sanitizers: the buffer never holds more
 * than IRC_SASL_MAX; a decoded message is at most 3/4 of its base64; PLAIN's three fields lie in
 * the message and add up to it; a parsed command's spans lie in its text; a wiped buffer is
 * empty. */
#include <assert.h>
#include <stdint.h>
#include <string.h>

#include "bridge/accounts/nickserv.h"
#include "face/irc/irc_sasl.h"
#include "hub/account.h"

static void fuzz_span_in(struct nickserv_span s, const char *p, size_t len)
{
	assert(s.len == 0 || (s.p >= p && s.p + s.len <= p + len));
}

static void fuzz_nickserv(const char *p, size_t len)
{
	struct nickserv_cmd c;
	nickserv_parse(p, len, &c);
	assert(c.verb <= NICKSERV_UNKNOWN);
	fuzz_span_in(c.word, p, len);
	fuzz_span_in(c.name, p, len);
	fuzz_span_in(c.password, p, len);
	fuzz_span_in(c.email, p, len);
	fuzz_span_in(c.certfp, p, len);
	assert(c.verb != NICKSERV_SYNTAX || c.usage);
	enum hub_password_rule r = hub_password_check(p, len);
	assert(r <= HUB_PASSWORD_NOT_UTF8);
	assert(r != HUB_PASSWORD_OK || (len > 0 && len <= HUB_ACCOUNT_PASSWORD_MAX));
}

static void fuzz_message(const struct irc_sasl *s)
{
	static char out[IRC_SASL_DECODED_MAX];
	long n = irc_sasl_decode(s, out);
	assert(n >= -1 && (n < 0 || (size_t)n <= s->len / 4 * 3));
	if (n < 0)
		return;
	struct irc_sasl_plain pl;
	if (irc_sasl_plain(out, (size_t)n, &pl)) {
		assert(pl.authzid == out);
		assert(pl.authzid_len + pl.authcid_len + pl.passwd_len + 2 == (size_t)n);
		assert(pl.authcid_len > 0 && pl.passwd_len > 0);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *p = (const char *)data, *end = p + size;
	static struct irc_sasl s;
	s.len = 0;
	fuzz_nickserv(p, size);
	while (p <= end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *stop = nl ? nl : end;
		size_t len = (size_t)(stop - p);
		switch (irc_sasl_feed(&s, p, len)) {
		case IRC_SASL_MORE:
			break;
		case IRC_SASL_DONE:
			fuzz_message(&s);
			irc_sasl_wipe(&s);
			assert(s.len == 0);
			break;
		case IRC_SASL_CHUNK_TOO_LONG:
		case IRC_SASL_TOO_LONG:
			irc_sasl_wipe(&s);
			break;
		}
		assert(s.len <= IRC_SASL_MAX);
		if (!nl)
			break;
		p = nl + 1;
	}
	return 0;
}
