#include "net/addr.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <uv.h>

static int addr_port(const char *s, int *port)
{
	if (!*s)
		return -1;
	char *end;
	errno = 0;
	long v = strtol(s, &end, 10);
	if (errno || *end || v < 0 || v > 65535)
		return -1;
	*port = (int)v;
	return 0;
}

static void addr_err(char *err, size_t errlen, const char *spec, const char *why)
{
	if (err && errlen)
		snprintf(err, errlen, "bad address '%s': %s", spec, why);
}

int addr_parse(const char *spec, struct sockaddr_storage out[ADDR_MAX_PER_SPEC], char *err,
	       size_t errlen)
{
	char host[64];
	int port;
	const char *colon = strrchr(spec, ':');
	memset(out, 0, sizeof(*out) * ADDR_MAX_PER_SPEC);
	if (!colon) {
		if (addr_port(spec, &port) < 0) {
			addr_err(err, errlen, spec, "expected PORT, HOST:PORT or [HOST]:PORT");
			return -1;
		}
		strcpy(host, "*");
	} else {
		size_t hl = (size_t)(colon - spec);
		if (addr_port(colon + 1, &port) < 0) {
			addr_err(err, errlen, spec, "the port must be a number from 0 to 65535");
			return -1;
		}
		if (hl >= 2 && spec[0] == '[' && spec[hl - 1] == ']') {
			spec++;
			hl -= 2;
		} else if (memchr(spec, ':', hl)) {
			addr_err(err, errlen, spec, "write IPv6 addresses in brackets: [::1]:7777");
			return -1;
		}
		if (hl == 0 || hl >= sizeof(host)) {
			addr_err(err, errlen, spec, "missing or overlong host");
			return -1;
		}
		memcpy(host, spec, hl);
		host[hl] = '\0';
	}
	if (strcmp(host, "*") == 0) {
		uv_ip4_addr("0.0.0.0", port, (struct sockaddr_in *)&out[0]);
		uv_ip6_addr("::", port, (struct sockaddr_in6 *)&out[1]);
		return 2;
	}
	if (strcmp(host, "localhost") == 0) {
		uv_ip4_addr("127.0.0.1", port, (struct sockaddr_in *)&out[0]);
		uv_ip6_addr("::1", port, (struct sockaddr_in6 *)&out[1]);
		return 2;
	}
	if (uv_ip4_addr(host, port, (struct sockaddr_in *)&out[0]) == 0)
		return 1;
	if (uv_ip6_addr(host, port, (struct sockaddr_in6 *)&out[0]) == 0)
		return 1;
	addr_err(err, errlen, spec, "the host must be a numeric IPv4 or IPv6 address, '*' or localhost");
	return -1;
}

void addr_format(const struct sockaddr *sa, char *out, size_t len)
{
	char host[INET6_ADDRSTRLEN] = "?";
	int port = 0;
	int r;
	if (sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *a = (const struct sockaddr_in6 *)sa;
		uv_ip6_name(a, host, sizeof(host));
		port = ntohs(a->sin6_port);
		r = snprintf(out, len, "[%s]:%d", host, port);
	} else {
		const struct sockaddr_in *a = (const struct sockaddr_in *)sa;
		uv_ip4_name(a, host, sizeof(host));
		port = ntohs(a->sin_port);
		r = snprintf(out, len, "%s:%d", host, port);
	}
	if (r < 0 || (size_t)r >= len)
		snprintf(out, len, "?");
}
