/* http_sock: libcurl's multi handle on the libuv loop (see http_int.h).
 *
 * libcurl tells us, through http_sock_on_curl_socket, which sockets it wants watched and for
 * what; each gets a struct http_sock holding a uv_poll_t. It tells us, through
 * http_sock_on_curl_timer, when it next wants to be called without socket activity; that is the
 * client's curl_timer. When a poll or that timer fires we call curl_multi_socket_action, and only
 * after it returns do we read libcurl's messages (the drain) and finish completed transfers. */
#include "net/http_int.h"

#include <stdio.h>
#include <stdlib.h>

#include <uv.h>

#include "base/log.h"
#include "base/xalloc.h"

/* A socket libcurl asked us to watch. Freed only in the poll's close callback, so a pointer stays
 * valid while libuv may still call back; libcurl may open a new socket with the same fd number
 * before that, which simply gets a new http_sock (libuv forgets the old fd as soon as uv_close is
 * called, so the new uv_poll_init does not collide with it). */
struct http_sock {
	uv_poll_t poll;
	struct http_client *client;
	curl_socket_t fd;
	struct list_node link;  /* on the client's socks until its poll is closing */
};

static void http_sock_close(struct http_sock *s);
static void http_sock_drain(struct http_client *c);
static void http_sock_on_closed(uv_handle_t *h);
static int http_sock_on_curl_socket(CURL *easy, curl_socket_t fd, int what, void *userp,
				    void *socketp);
static int http_sock_on_curl_timer(CURLM *multi, long timeout_ms, void *userp);
static void http_sock_on_curl_timeout(uv_timer_t *t);
static void http_sock_on_poll(uv_poll_t *p, int status, int events);

void http_sock_attach(struct http_client *c)
{
	CURLM *multi = c->multi;
	curl_multi_setopt(multi, CURLMOPT_SOCKETFUNCTION, http_sock_on_curl_socket);
	curl_multi_setopt(multi, CURLMOPT_SOCKETDATA, c);
	curl_multi_setopt(multi, CURLMOPT_TIMERFUNCTION, http_sock_on_curl_timer);
	curl_multi_setopt(multi, CURLMOPT_TIMERDATA, c);
}

void http_sock_close_all(struct http_client *c)
{
	struct list_node *n;
	while ((n = list_first(&c->socks)))
		http_sock_close(list_entry(n, struct http_sock, link));
}

static void http_sock_close(struct http_sock *s)
{
	list_remove(&s->link);
	uv_close((uv_handle_t *)&s->poll, http_sock_on_closed);
}

static void http_sock_on_closed(uv_handle_t *h)
{
	struct http_sock *s = h->data;
	struct http_client *c = s->client;
	free(s);
	c->open_handles--;
	http_maybe_done(c);
}

static int http_sock_on_curl_socket(CURL *easy, curl_socket_t fd, int what, void *userp,
				    void *socketp)
{
	(void)easy;
	struct http_client *c = userp;
	struct http_sock *s = socketp;
	if (what == CURL_POLL_REMOVE) {
		if (s) {
			http_sock_close(s);
			if (!c->multi_gone)
				curl_multi_assign(c->multi, fd, NULL);
		}
		return 0;
	}
	if (!s) {
		s = xcalloc(1, sizeof(*s));
		int rc = uv_poll_init_socket(c->loop, &s->poll, fd);
		if (rc < 0) {
			log_error(c->log, "http: cannot watch socket %d: %s", (int)fd, uv_strerror(rc));
			free(s);
			return -1;
		}
		s->poll.data = s;
		s->client = c;
		s->fd = fd;
		list_push_front(&c->socks, &s->link);
		c->open_handles++;
		curl_multi_assign(c->multi, fd, s);
	}
	int events = 0;
	if (what == CURL_POLL_IN || what == CURL_POLL_INOUT)
		events |= UV_READABLE;
	if (what == CURL_POLL_OUT || what == CURL_POLL_INOUT)
		events |= UV_WRITABLE;
	int rc = events ? uv_poll_start(&s->poll, events, http_sock_on_poll)
			: uv_poll_stop(&s->poll);
	if (rc < 0) {
		log_error(c->log, "http: cannot poll socket %d: %s", (int)fd, uv_strerror(rc));
		return -1;
	}
	return 0;
}

static int http_sock_on_curl_timer(CURLM *multi, long timeout_ms, void *userp)
{
	(void)multi;
	struct http_client *c = userp;
	if (c->multi_gone)
		return 0;
	/* 0 means "as soon as possible": a zero uv timer fires on the next loop step, never inside
	 * this call, so socket_action is never re-entered. */
	if (timeout_ms < 0)
		uv_timer_stop(&c->curl_timer);
	else
		uv_timer_start(&c->curl_timer, http_sock_on_curl_timeout, (uint64_t)timeout_ms, 0);
	return 0;
}

/* Reads libcurl's completion messages, after socket_action has returned. */
static void http_sock_drain(struct http_client *c)
{
	CURLMsg *msg;
	int left;
	while (!c->multi_gone && (msg = curl_multi_info_read(c->multi, &left))) {
		if (msg->msg != CURLMSG_DONE)
			continue;
		CURLcode rc = msg->data.result;
		char *priv = NULL;
		curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, &priv);
		struct http_request *req = (struct http_request *)(void *)priv;
		if (!req)
			continue;
		if (req->ended) {
			http_finish(req, req->end, req->end_error);
			continue;
		}
		enum http_outcome o = http_text_classify(rc);
		if (o == HTTP_OK) {
			http_finish(req, o, "");
			continue;
		}
		const char *text = req->errbuf[0] ? req->errbuf : curl_easy_strerror(rc);
		if (o == HTTP_TOO_LARGE) {
			char msgtxt[sizeof(req->end_error)];
			snprintf(msgtxt, sizeof(msgtxt), TXT_TOO_LARGE, req->max_body);
			http_finish(req, o, msgtxt);
		} else {
			http_finish(req, o, text);
		}
	}
}

static void http_sock_on_poll(uv_poll_t *p, int status, int events)
{
	struct http_sock *s = p->data;
	struct http_client *c = s->client;
	int flags = 0;
	if (status < 0) {
		flags = CURL_CSELECT_ERR;
	} else {
		if (events & UV_READABLE)
			flags |= CURL_CSELECT_IN;
		if (events & UV_WRITABLE)
			flags |= CURL_CSELECT_OUT;
	}
	int running;
	/* s may be closed (not freed) inside; it is not touched afterwards. */
	curl_multi_socket_action(c->multi, s->fd, flags, &running);
	http_sock_drain(c);
}

static void http_sock_on_curl_timeout(uv_timer_t *t)
{
	struct http_client *c = t->data;
	int running;
	curl_multi_socket_action(c->multi, CURL_SOCKET_TIMEOUT, 0, &running);
	http_sock_drain(c);
}
