/* http_text: the HTTP client's pure helpers on texts and codes (see http_int.h). Nothing here
 * touches a request, the loop or libcurl's handles. */
#include "net/http_int.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/xalloc.h"

/* Texts for logs and for http_result.error. The bridge maps outcomes to what users read. */
static const char *const http_outcome_names[] = {
	[HTTP_OK] = "ok",
	[HTTP_CANCELLED] = "cancelled",
	[HTTP_ABORTED] = "aborted",
	[HTTP_TIMEOUT_CONNECT] = "timeout (connect)",
	[HTTP_TIMEOUT_FIRST_BYTE] = "timeout (first byte)",
	[HTTP_TIMEOUT_STALL] = "timeout (stall)",
	[HTTP_TIMEOUT_TOTAL] = "timeout (total)",
	[HTTP_TOO_LARGE] = "response too large",
	[HTTP_NETWORK] = "network error",
	[HTTP_INVALID] = "invalid request",
};

const char *http_outcome_name(enum http_outcome o)
{
	if ((unsigned)o < sizeof(http_outcome_names) / sizeof(http_outcome_names[0]))
		return http_outcome_names[o];
	return "?";
}

bool http_text_has_prefix_ci(const char *s, const char *prefix)
{
	for (; *prefix; s++, prefix++)
		if (tolower((unsigned char)*s) != tolower((unsigned char)*prefix))
			return false;
	return true;
}

char *http_text_url_for_log(const char *url)
{
	const char *sep = strstr(url, "://");
	if (!sep)
		return xstrndup(url, strcspn(url, "?#@"));
	const char *auth = sep + 3;
	size_t auth_len = strcspn(auth, "/?#");
	const char *host = auth;
	for (const char *p = auth; p < auth + auth_len; p++)
		if (*p == '@')
			host = p + 1;
	const char *path = auth + auth_len;
	size_t path_len = strcspn(path, "?#");
	size_t scheme_len = (size_t)(auth - url);
	size_t host_len = (size_t)(auth + auth_len - host);
	char *out = xmalloc(scheme_len + host_len + path_len + 1);
	memcpy(out, url, scheme_len);
	memcpy(out + scheme_len, host, host_len);
	memcpy(out + scheme_len + host_len, path, path_len);
	out[scheme_len + host_len + path_len] = '\0';
	return out;
}

void http_text_redact(char *const *secrets, size_t nsecrets, const char *src, char *dst,
		      size_t cap)
{
	size_t n = 0;
	while (*src && n + 1 < cap) {
		size_t skip = 0;
		for (size_t i = 0; i < nsecrets && !skip; i++) {
			size_t len = strlen(secrets[i]);
			if (strncmp(src, secrets[i], len) == 0)
				skip = len;
		}
		if (skip) {
			size_t r = strlen(TXT_REDACTED);
			if (n + r >= cap)
				break;
			memcpy(dst + n, TXT_REDACTED, r);
			n += r;
			src += skip;
			continue;
		}
		char ch = *src++;
		dst[n++] = (ch == '\r' || ch == '\n') ? ' ' : ch;
	}
	while (n > 0 && dst[n - 1] == ' ')
		n--;
	dst[n] = '\0';
}

long http_text_retry_after(const char *v, size_t len)
{
	while (len > 0 && (*v == ' ' || *v == '\t')) {
		v++;
		len--;
	}
	while (len > 0 && (v[len - 1] == ' ' || v[len - 1] == '\t' || v[len - 1] == '\r' ||
			   v[len - 1] == '\n'))
		len--;
	if (len == 0 || len > 64)
		return -1;
	char tmp[65];
	memcpy(tmp, v, len);
	tmp[len] = '\0';
	bool digits = true;
	for (size_t i = 0; i < len; i++)
		if (!isdigit((unsigned char)tmp[i]))
			digits = false;
	if (digits) {
		/* A day is already more than any client will wait; clamp instead of overflowing. */
		if (len > 9)
			return 86400L * 365;
		return strtol(tmp, NULL, 10);
	}
	time_t when = curl_getdate(tmp, NULL);
	if (when == (time_t)-1)
		return -1;
	time_t now = time(NULL);
	return when > now ? (long)(when - now) : 0;
}

enum http_outcome http_text_classify(CURLcode rc)
{
	switch (rc) {
	case CURLE_OK:
		return HTTP_OK;
	case CURLE_UNSUPPORTED_PROTOCOL:
	case CURLE_URL_MALFORMAT:
	case CURLE_NOT_BUILT_IN:
	case CURLE_BAD_FUNCTION_ARGUMENT:
		return HTTP_INVALID;
	case CURLE_OPERATION_TIMEDOUT:
		/* The only libcurl timeout we set is CURLOPT_CONNECTTIMEOUT_MS. */
		return HTTP_TIMEOUT_CONNECT;
	case CURLE_FILESIZE_EXCEEDED:
		return HTTP_TOO_LARGE;
	default:
		return HTTP_NETWORK;
	}
}
