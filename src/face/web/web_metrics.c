#include "face/web/web_metrics.h"

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
	CIDR_TEXT_MAX = 64, /* bytes of one entry shown in an error: an IPv6 address and a prefix */
};

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
			if (!netlim_cidr_parse(q, ql, &c.block)) {
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

bool web_cidr_match(const struct web_cidr *list, size_t n, const struct sockaddr *sa)
{
	struct netlim_addr a;
	if (!netlim_addr_from(sa, &a))
		return false;
	for (size_t i = 0; i < n; i++)
		if (netlim_in_cidr(&a, &list[i].block))
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
