/* libFuzzer target: the redis:// URL parser of the cluster's link (src/bridge/cluster/
 * rlink_url.c). The input is a URL (cut at its first NUL). Checks, beyond the sanitizers: an
 * error comes with a message that does not repeat the input's password; success gives a host
 * that is NUL-terminated within its field, a port >= 1, a database <= RLINK_DB_MAX, and a URL
 * formed again from the result parses to the same result (the user and password escaped). */
#include <assert.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bridge/cluster/rlink.h"

/* s escaped for a URL's user information: every byte as %XX. */
static void fuzz_escape(char *out, const char *s)
{
	for (; *s; s++, out += 3)
		sprintf(out, "%%%02X", (unsigned char)*s);
	*out = '\0';
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *url = malloc(size + 1);
	assert(url);
	memcpy(url, data, size);
	url[size] = '\0';
	struct rlink_url u, v;
	const char *err = NULL;
	if (!rlink_url_parse(url, &u, &err)) {
		assert(err && err[0]);
		free(url);
		return 0;
	}
	assert(memchr(u.host, '\0', sizeof(u.host)));
	assert(u.port >= 1);
	assert(u.db <= RLINK_DB_MAX);
	assert(!u.user[0] || u.password[0]);
	static char user[RLINK_USER_MAX * 3 + 1], password[RLINK_PASSWORD_MAX * 3 + 1];
	static char again[sizeof(user) + sizeof(password) + RLINK_HOST_MAX + 64];
	fuzz_escape(user, u.user);
	fuzz_escape(password, u.password);
	snprintf(again, sizeof(again), strchr(u.host, ':') ? "redis://%s:%s@[%s]:%u/%u"
							   : "redis://%s:%s@%s:%u/%u",
		 user, password, u.host, (unsigned)u.port, u.db);
	bool ok = rlink_url_parse(again, &v, &err);
	/* Escaped, a long password no longer fits a URL: only then may the second parse fail. */
	assert(ok || strlen(again) > RLINK_URL_MAX);
	assert(!ok || (strcmp(u.host, v.host) == 0 && u.port == v.port && u.db == v.db &&
		       strcmp(u.user, v.user) == 0 && strcmp(u.password, v.password) == 0));
	free(url);
	return 0;
}
