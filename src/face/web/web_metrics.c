#include "face/web/web_metrics.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "base/buf.h"
#include "base/xalloc.h"
#include "face/web/web_int.h"
#include "net/conn.h"

static const char TYPE_PROMETHEUS[] = "text/plain; version=0.0.4; charset=utf-8";
static const char ALLOW_ANY[] = "*";

enum {
	CIDR_TEXT_MAX = 64,      /* bytes of one entry: an IPv6 address, a slash and a prefix */
	IPV4_BYTES = 4,
	IPV6_BYTES = 16,
	BITS_PER_BYTE = 8,
	IPV4_MAPPED_PREFIX = 12, /* ::ffff:a.b.c.d: ten zero bytes, two 0xff, then the IPv4 address */
};

static const uint8_t V4_MAPPED[IPV4_MAPPED_PREFIX] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};

/* One entry, "ADDR" or "ADDR/PREFIX", without surrounding blanks. */
static bool web_cidr_one(const char *s, size_t len, struct web_cidr *c)
{
	char text[CIDR_TEXT_MAX];
	if (!len || len >= sizeof(text))
		return false;
	memcpy(text, s, len);
	text[len] = '\0';
	char *slash = strchr(text, '/');
	if (slash)
		*slash = '\0';
	memset(c, 0, sizeof(*c));
	unsigned bits;
	if (inet_pton(AF_INET, text, c->addr) == 1) {
		c->family = AF_INET;
		bits = IPV4_BYTES * BITS_PER_BYTE;
	} else if (inet_pton(AF_INET6, text, c->addr) == 1) {
		c->family = AF_INET6;
		bits = IPV6_BYTES * BITS_PER_BYTE;
	} else {
		return false;
	}
	c->prefix = bits;
	if (slash) {
		const char *p = slash + 1;
		char *end;
		if (*p < '0' || *p > '9')
			return false;
		unsigned long v = strtoul(p, &end, 10);
		if (*end || v > bits)
			return false;
		c->prefix = (unsigned)v;
	}
	return true;
}

int web_cidr_parse(const char *spec, struct web_cidr **out, size_t *n, bool *any, char *err,
		   size_t errlen)
{
	*out = NULL;
	*n = 0;
	*any = false;
	struct web_cidr *list = NULL;
	size_t count = 0, cap = 0;
	for (const char *p = spec; *p;) {
		size_t len = strcspn(p, ",");
		const char *q = p;
		size_t ql = len;
		while (ql && (*q == ' ' || *q == '\t')) {
			q++;
			ql--;
		}
		while (ql && (q[ql - 1] == ' ' || q[ql - 1] == '\t'))
			ql--;
		if (ql == sizeof(ALLOW_ANY) - 1 && memcmp(q, ALLOW_ANY, ql) == 0) {
			*any = true;
		} else {
			struct web_cidr c;
			if (!web_cidr_one(q, ql, &c)) {
				snprintf(err, errlen, "not an address or ADDR/PREFIX: '%.*s'", (int)ql, q);
				free(list);
				*any = false;
				return -1;
			}
			list = xgrow(list, &cap, count + 1, sizeof(*list));
			list[count++] = c;
		}
		p += len + (p[len] == ',');
	}
	if (!count && !*any) {
		snprintf(err, errlen, "no address given");
		return -1;
	}
	*out = list;
	*n = count;
	return 0;
}

/* Whether the first `prefix` bits of a and b agree. */
static bool web_cidr_bits_equal(const uint8_t *a, const uint8_t *b, unsigned prefix)
{
	unsigned whole = prefix / BITS_PER_BYTE, rest = prefix % BITS_PER_BYTE;
	if (memcmp(a, b, whole) != 0)
		return false;
	if (!rest)
		return true;
	uint8_t mask = (uint8_t)(0xffu << (BITS_PER_BYTE - rest));
	return (a[whole] & mask) == (b[whole] & mask);
}

bool web_cidr_match(const struct web_cidr *list, size_t n, const struct sockaddr *sa)
{
	int family = sa->sa_family;
	const uint8_t *addr;
	if (family == AF_INET) {
		addr = (const uint8_t *)&((const struct sockaddr_in *)(const void *)sa)->sin_addr;
	} else if (family == AF_INET6) {
		addr = ((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr.s6_addr;
		if (memcmp(addr, V4_MAPPED, sizeof(V4_MAPPED)) == 0) {
			family = AF_INET;
			addr += IPV4_MAPPED_PREFIX;
		}
	} else {
		return false;
	}
	for (size_t i = 0; i < n; i++)
		if (list[i].family == family && web_cidr_bits_equal(list[i].addr, addr, list[i].prefix))
			return true;
	return false;
}

int web_face_metrics_allow(struct web_face *f, const char *spec, char *err, size_t errlen)
{
	struct web_cidr *list;
	size_t n;
	bool any;
	char why[CIDR_TEXT_MAX * 2];
	if (web_cidr_parse(spec ? spec : WEB_METRICS_ALLOW_DEFAULT, &list, &n, &any, why,
			   sizeof(why)) < 0) {
		snprintf(err, errlen, "--metrics-allow: %s", why);
		return -1;
	}
	free(f->allow);
	f->allow = list;
	f->nallow = n;
	f->allow_any = any;
	return 0;
}

/* Whether c's peer may read /metrics. */
static bool web_metrics_allowed(const struct web_client *c)
{
	const struct web_face *f = c->f;
	if (f->allow_any)
		return true;
	struct sockaddr_storage ss;
	int len = sizeof(ss);
	if (uv_tcp_getpeername(&c->conn->stream.tcp, (struct sockaddr *)&ss, &len) != 0)
		return false;
	return web_cidr_match(f->allow, f->nallow, (const struct sockaddr *)&ss);
}

void web_metrics_serve(struct web_client *c, const struct http_req *req)
{
	struct web_face *f = c->f;
	if (!f->cfg.metrics) {
		web_http_error(c, 404, !req->keep_alive);
		return;
	}
	if (!web_metrics_allowed(c)) {
		web_http_error(c, 403, !req->keep_alive);
		return;
	}
	struct buf body = BUF_INIT;
	f->cfg.metrics(f->cfg.metrics_ctx, &body);
	struct web_reply r = {
		.status = 200,
		.type = TYPE_PROMETHEUS,
		.body = body.data,
		.len = body.len,
		.cache = "no-store",
		.head_only = req->method == HTTP_METHOD_HEAD,
		.close = !req->keep_alive,
	};
	web_http_send(c, &r);
	buf_free(&body);
}
