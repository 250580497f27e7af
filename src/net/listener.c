#include "net/listener.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/log.h"
#include "base/xalloc.h"
#include "net/addr.h"

/* Accept errors come in bursts (EMFILE: one per pending connection): one line per burst. */
enum { LISTENER_ERROR_LOG_MS = 1000 };

static void listener_free_cb(uv_handle_t *h)
{
	free(h->data);
}

static void listener_connection_cb(uv_stream_t *server, int status)
{
	struct listener *l = server->data;
	if (status < 0) {
		listener_error(l, status);
		return;
	}
	l->on_conn(l);
}

void listener_set_tls(struct listener *first, const struct listener *until, struct tls_server *tls,
		      unsigned alpn, const char *plain)
{
	for (struct listener *l = first; l && l != until; l = l->next) {
		l->tls = tls;
		l->tls_alpn = (uint8_t)alpn;
		l->tls_plain = plain;
		log_info(l->log, "TLS on %s", l->name);
	}
}

void listener_error(struct listener *l, int status)
{
	uint64_t now = uv_now(l->tcp.loop);
	if (l->last_error_log && now - l->last_error_log < LISTENER_ERROR_LOG_MS)
		return;
	/* 0 means never: a loop whose clock reads 0 still logs its first error once. */
	l->last_error_log = now ? now : 1;
	log_warn(l->log, "accept on %s: %s", l->name, uv_strerror(status));
}

struct listener *listener_open(uv_loop_t *loop, const struct sockaddr *sa, int backlog,
			       listener_cb on_conn, void *owner, const struct logger *log, char *err,
			       size_t errlen)
{
	struct listener *l = xcalloc(1, sizeof(*l));
	l->on_conn = on_conn;
	l->owner = owner;
	l->log = log;
	addr_format(sa, l->name, sizeof(l->name));
	int r = uv_tcp_init(loop, &l->tcp);
	if (r < 0) {
		snprintf(err, errlen, "%s: %s", l->name, uv_strerror(r));
		free(l);
		return NULL;
	}
	l->tcp.data = l;
	unsigned flags = sa->sa_family == AF_INET6 ? UV_TCP_IPV6ONLY : 0;
	r = uv_tcp_bind(&l->tcp, sa, flags);
	if (r == 0)
		r = uv_listen((uv_stream_t *)&l->tcp, backlog, listener_connection_cb);
	if (r < 0) {
		snprintf(err, errlen, "cannot listen on %s: %s", l->name, uv_strerror(r));
		uv_close((uv_handle_t *)&l->tcp, listener_free_cb);
		return NULL;
	}
	/* Report the real port when port 0 asked for an ephemeral one. */
	struct sockaddr_storage ss;
	int len = sizeof(ss);
	if (uv_tcp_getsockname(&l->tcp, (struct sockaddr *)&ss, &len) == 0)
		addr_format((struct sockaddr *)&ss, l->name, sizeof(l->name));
	return l;
}

int listener_port(const struct listener *l)
{
	struct sockaddr_storage ss;
	int len = sizeof(ss);
	if (uv_tcp_getsockname(&l->tcp, (struct sockaddr *)&ss, &len) < 0)
		return -1;
	if (ss.ss_family == AF_INET6)
		return ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
	return ntohs(((struct sockaddr_in *)&ss)->sin_port);
}

void listener_close(struct listener *l)
{
	if (!uv_is_closing((uv_handle_t *)&l->tcp))
		uv_close((uv_handle_t *)&l->tcp, listener_free_cb);
}

int listener_open_spec(uv_loop_t *loop, const char *spec, int backlog, listener_cb on_conn,
		       void *owner, struct listener **head, const struct logger *log,
		       const char *before, const char *after, char *err, size_t errlen)
{
	struct sockaddr_storage addrs[ADDR_MAX_PER_SPEC];
	int n = addr_parse(spec, addrs, err, errlen);
	if (n < 0)
		return -1;
	int opened = 0;
	for (int i = 0; i < n; i++) {
		char why[256];
		struct listener *l = listener_open(loop, (struct sockaddr *)&addrs[i], backlog,
						   on_conn, owner, log, why, sizeof(why));
		if (!l) {
			/* A wildcard spec opens IPv4 and IPv6; a host without IPv6 still serves
			 * IPv4, so only a spec that opened nothing is an error. */
			if (n > 1)
				log_warn(log, "%s", why);
			else
				snprintf(err, errlen, "%s", why);
			continue;
		}
		log_info(log, "%s%s%s", before, l->name, after);
		l->next = *head;
		*head = l;
		opened++;
	}
	if (!opened && n > 1)
		snprintf(err, errlen, "cannot listen on any address of '%s'", spec);
	return opened ? 0 : -1;
}
