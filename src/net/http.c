/* http: libcurl's multi-socket interface driven by a libuv loop (see http.h for the contract).
 *
 * How the pieces meet. libcurl tells us, through on_curl_socket, which sockets it wants watched
 * and for what; each gets an http_sock holding a uv_poll_t. It tells us, through on_curl_timer,
 * when it next wants to be called without socket activity; that is one uv_timer_t. When a poll or
 * the timer fires we call curl_multi_socket_action, and only after it returns do we read libcurl's
 * messages (drain) and finish completed transfers. No easy handle is ever added, removed or
 * cleaned up from inside a libcurl callback: new requests are added, and cancelled or timed-out
 * ones removed, from a uv_idle_t ("kick") that runs on the next loop step.
 *
 * Our own deadlines (first byte, stall, total, connect) are kept per request and watched by one
 * uv_timer_t armed at the earliest one; a stall deadline only moves later as bytes arrive, so it is
 * not re-armed per byte: when the timer fires every live request is checked again and the timer
 * re-armed at the new earliest deadline. The scan is linear in the live requests, which the
 * assistant bounds by its in-flight limit.
 *
 * Ending a request. Something that ends a request outside libcurl's own completion (http_cancel, a
 * deadline, on_data returning false, the size cap) only records the outcome in req->end and kicks;
 * libcurl's callbacks see req->end and return an error so the transfer stops at once, and the kick
 * (or the drain, whichever comes first) finishes it: remove the easy handle, clean it up, call
 * on_done once, free. */
#include "net/http.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <curl/curl.h>

#include "base/log.h"
#include "base/xalloc.h"

enum http_phase {
	PHASE_CONNECTING, /* from http_post until libcurl's pre-request callback */
	PHASE_SENT,       /* the request is (being) sent; no response byte yet */
	PHASE_RECEIVING,  /* at least one response byte arrived */
};

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

struct http_request {
	struct http_client *client;
	struct list_node link;  /* on the client's live list until finish */
	CURL *easy;
	struct curl_slist *headers;
	const struct http_callbacks *cb;
	void *ctx;
	char *url_log;          /* the URL without user info, query or fragment */
	char **secrets;         /* header values to keep out of error texts */
	size_t nsecrets;
	uint64_t id;
	uint64_t connect_ms, first_byte_ms, stall_ms, total_ms;
	uint64_t start_ms, sent_ms, last_rx_ms;
	uint64_t body_bytes;
	size_t max_body;
	enum http_phase phase;
	int status;             /* the final status, once the head is complete */
	long retry_after_s;
	bool added;             /* in the multi handle */
	bool responded;         /* on_response has been called (or skipped: no callback) */
	bool ended;             /* `end` holds the outcome; libcurl's callbacks stop the transfer */
	enum http_outcome end;
	char end_error[160];    /* our own error text for `end` */
	char errbuf[CURL_ERROR_SIZE];
};

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
#define TXT_CANCELLED "cancelled"
#define TXT_ABORTED "aborted by the receiver"
#define TXT_CONNECT "no connection within %" PRIu64 " ms"
#define TXT_FIRST_BYTE "no response within %" PRIu64 " ms of sending the request"
#define TXT_STALL "the response stalled for %" PRIu64 " ms"
#define TXT_TOTAL "not complete within %" PRIu64 " ms"
#define TXT_TOO_LARGE "the response passed %zu bytes"
#define TXT_NO_URL "no URL given"
#define TXT_SETUP "could not set up the request: %s"
#define TXT_REDACTED "[redacted]"

/* Header values shorter than this are not secrets worth redacting (and redacting "1" or "json"
 * would garble error texts). */
#define SECRET_MIN 8

static void kick(struct http_client *c);
static void finish(struct http_request *req, enum http_outcome outcome, const char *error);

const char *http_outcome_name(enum http_outcome o)
{
	if ((unsigned)o < sizeof(http_outcome_names) / sizeof(http_outcome_names[0]))
		return http_outcome_names[o];
	return "?";
}

/* ---- small helpers ---- */

static bool http_has_prefix_ci(const char *s, const char *prefix)
{
	for (; *prefix; s++, prefix++)
		if (tolower((unsigned char)*s) != tolower((unsigned char)*prefix))
			return false;
	return true;
}

/* scheme://host[:port]/path: without user info (it may hold a password), query or fragment (they
 * may hold a key), so the result is safe to log. */
static char *http_url_for_log(const char *url)
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

/* Copies src into dst (capacity cap), replacing every occurrence of a secret by TXT_REDACTED and
 * line breaks by spaces, so that the text is one safe line. */
static void http_redact(const struct http_request *req, const char *src, char *dst, size_t cap)
{
	size_t n = 0;
	while (*src && n + 1 < cap) {
		size_t skip = 0;
		for (size_t i = 0; i < req->nsecrets && !skip; i++) {
			size_t len = strlen(req->secrets[i]);
			if (strncmp(src, req->secrets[i], len) == 0)
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

/* Retry-After is delta-seconds or an HTTP-date; -1 when it is neither. */
static long http_parse_retry_after(const char *v, size_t len)
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

/* ---- deadlines ---- */

/* The earliest deadline of a request and the outcome it would give; UINT64_MAX when none. */
static uint64_t http_deadline(const struct http_request *req, enum http_outcome *why)
{
	uint64_t best = UINT64_MAX;
	if (req->total_ms) {
		best = req->start_ms + req->total_ms;
		*why = HTTP_TIMEOUT_TOTAL;
	}
	uint64_t phase = UINT64_MAX;
	enum http_outcome pwhy = HTTP_OK;
	if (req->phase == PHASE_CONNECTING && req->connect_ms) {
		phase = req->start_ms + req->connect_ms;
		pwhy = HTTP_TIMEOUT_CONNECT;
	} else if (req->phase == PHASE_SENT && req->first_byte_ms) {
		phase = req->sent_ms + req->first_byte_ms;
		pwhy = HTTP_TIMEOUT_FIRST_BYTE;
	} else if (req->phase == PHASE_RECEIVING && req->stall_ms) {
		phase = req->last_rx_ms + req->stall_ms;
		pwhy = HTTP_TIMEOUT_STALL;
	}
	if (phase <= best) {
		best = phase;
		*why = pwhy;
	}
	return best;
}

static void on_deadline_timer(uv_timer_t *t);

/* Makes sure the deadline timer fires no later than `when` (loop time). */
static void http_arm(struct http_client *c, uint64_t when)
{
	if (when >= c->deadline_armed || c->closing)
		return;
	uint64_t now = uv_now(c->loop);
	c->deadline_armed = when;
	uv_timer_start(&c->deadline_timer, on_deadline_timer, when > now ? when - now : 0, 0);
}

/* Records why a request ends, unless it already has a reason, and schedules its finish. */
static void http_end(struct http_request *req, enum http_outcome why, const char *error)
{
	if (req->ended)
		return;
	req->ended = true;
	req->end = why;
	snprintf(req->end_error, sizeof(req->end_error), "%s", error);
	kick(req->client);
}

static void http_end_timeout(struct http_request *req, enum http_outcome why)
{
	char msg[sizeof(req->end_error)];
	switch (why) {
	case HTTP_TIMEOUT_CONNECT:
		snprintf(msg, sizeof(msg), TXT_CONNECT, req->connect_ms);
		break;
	case HTTP_TIMEOUT_FIRST_BYTE:
		snprintf(msg, sizeof(msg), TXT_FIRST_BYTE, req->first_byte_ms);
		break;
	case HTTP_TIMEOUT_STALL:
		snprintf(msg, sizeof(msg), TXT_STALL, req->stall_ms);
		break;
	default:
		snprintf(msg, sizeof(msg), TXT_TOTAL, req->total_ms);
		break;
	}
	http_end(req, why, msg);
}

static void on_deadline_timer(uv_timer_t *t)
{
	struct http_client *c = t->data;
	uint64_t now = uv_now(c->loop);
	uint64_t next = UINT64_MAX;
	c->deadline_armed = UINT64_MAX;
	list_each(n, &c->live) {
		struct http_request *req = list_entry(n, struct http_request, link);
		if (req->ended)
			continue;
		enum http_outcome why = HTTP_OK;
		uint64_t when = http_deadline(req, &why);
		if (when <= now)
			http_end_timeout(req, why);
		else if (when < next)
			next = when;
	}
	if (next != UINT64_MAX)
		http_arm(c, next);
}

/* ---- libcurl callbacks (no easy handle is added or removed in here) ---- */

static void http_mark_rx(struct http_request *req)
{
	req->last_rx_ms = uv_now(req->client->loop);
	if (req->phase != PHASE_RECEIVING) {
		req->phase = PHASE_RECEIVING;
		if (req->stall_ms)
			http_arm(req->client, req->last_rx_ms + req->stall_ms);
	}
}

static int on_curl_prereq(void *clientp, char *primary_ip, char *local_ip, int primary_port,
			  int local_port)
{
	(void)primary_ip;
	(void)local_ip;
	(void)primary_port;
	(void)local_port;
	struct http_request *req = clientp;
	if (req->ended)
		return CURL_PREREQFUNC_ABORT;
	/* A retry on a fresh connection (a reused one turned out dead) starts the wait again. */
	if (req->phase != PHASE_RECEIVING) {
		req->phase = PHASE_SENT;
		req->sent_ms = uv_now(req->client->loop);
		if (req->first_byte_ms)
			http_arm(req->client, req->sent_ms + req->first_byte_ms);
	}
	return CURL_PREREQFUNC_OK;
}

static void http_respond(struct http_request *req)
{
	req->responded = true;
	if (!req->cb->on_response)
		return;
	char *ctype = NULL;
	curl_easy_getinfo(req->easy, CURLINFO_CONTENT_TYPE, &ctype);
	struct http_response_info info = {
		.status = req->status,
		.retry_after_s = req->retry_after_s,
		.content_type = ctype,
	};
	req->cb->on_response(req->ctx, &info);
}

/* One header line per call, the status line first and an empty line at the end of each head. */
static size_t on_curl_header(char *data, size_t size, size_t nitems, void *userdata)
{
	struct http_request *req = userdata;
	size_t n = size * nitems;
	if (req->ended)
		return 0;
	http_mark_rx(req);
	if (req->responded)
		return n; /* trailers */
	if (n >= 5 && memcmp(data, "HTTP/", 5) == 0) {
		req->retry_after_s = -1; /* a new head (after a 1xx) starts afresh */
	} else if (n >= 12 && http_has_prefix_ci(data, "retry-after:")) {
		req->retry_after_s = http_parse_retry_after(data + 12, n - 12);
	} else if ((n == 2 && data[0] == '\r' && data[1] == '\n') || (n == 1 && data[0] == '\n')) {
		long code = 0;
		curl_easy_getinfo(req->easy, CURLINFO_RESPONSE_CODE, &code);
		if (code >= 100 && code < 200)
			return n; /* an interim response; the real head follows */
		req->status = (int)code;
		http_respond(req);
		if (req->ended)
			return 0;
	}
	return n;
}

static size_t on_curl_write(char *data, size_t size, size_t nmemb, void *userdata)
{
	struct http_request *req = userdata;
	size_t n = size * nmemb;
	if (req->ended)
		return 0;
	http_mark_rx(req);
	size_t room = req->max_body - (size_t)req->body_bytes;
	bool too_large = n > room;
	size_t give = too_large ? room : n;
	if (give > 0) {
		req->body_bytes += give;
		if (req->cb->on_data && !req->cb->on_data(req->ctx, data, give))
			http_end(req, HTTP_ABORTED, TXT_ABORTED);
	}
	if (too_large) {
		char msg[sizeof(req->end_error)];
		snprintf(msg, sizeof(msg), TXT_TOO_LARGE, req->max_body);
		http_end(req, HTTP_TOO_LARGE, msg);
	}
	return req->ended ? 0 : n;
}

static void on_sock_closed(uv_handle_t *h);
static void on_poll(uv_poll_t *p, int status, int events);
static void http_maybe_done(struct http_client *c);

static void http_sock_close(struct http_sock *s)
{
	list_remove(&s->link);
	uv_close((uv_handle_t *)&s->poll, on_sock_closed);
}

static int on_curl_socket(CURL *easy, curl_socket_t fd, int what, void *userp, void *socketp)
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
	int rc = events ? uv_poll_start(&s->poll, events, on_poll) : uv_poll_stop(&s->poll);
	if (rc < 0) {
		log_error(c->log, "http: cannot poll socket %d: %s", (int)fd, uv_strerror(rc));
		return -1;
	}
	return 0;
}

static void on_curl_timeout(uv_timer_t *t);

static int on_curl_timer(CURLM *multi, long timeout_ms, void *userp)
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
		uv_timer_start(&c->curl_timer, on_curl_timeout, (uint64_t)timeout_ms, 0);
	return 0;
}

/* ---- finishing ---- */

static enum http_outcome http_classify(CURLcode rc)
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

/* Reads libcurl's completion messages, after socket_action has returned. */
static void http_drain(struct http_client *c)
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
			finish(req, req->end, req->end_error);
			continue;
		}
		enum http_outcome o = http_classify(rc);
		if (o == HTTP_OK) {
			finish(req, o, "");
			continue;
		}
		const char *text = req->errbuf[0] ? req->errbuf : curl_easy_strerror(rc);
		if (o == HTTP_TOO_LARGE) {
			char msgtxt[sizeof(req->end_error)];
			snprintf(msgtxt, sizeof(msgtxt), TXT_TOO_LARGE, req->max_body);
			finish(req, o, msgtxt);
		} else {
			finish(req, o, text);
		}
	}
}

static void on_poll(uv_poll_t *p, int status, int events)
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
	http_drain(c);
}

static void on_curl_timeout(uv_timer_t *t)
{
	struct http_client *c = t->data;
	int running;
	curl_multi_socket_action(c->multi, CURL_SOCKET_TIMEOUT, 0, &running);
	http_drain(c);
}

static void http_free(struct http_request *req)
{
	curl_slist_free_all(req->headers);
	for (size_t i = 0; i < req->nsecrets; i++)
		free(req->secrets[i]);
	free(req->secrets);
	free(req->url_log);
	free(req);
}

/* Ends a request for good: out of the multi and the live list, on_done, free. Only ever called
 * outside libcurl's callbacks (from the drain or the kick). */
static void finish(struct http_request *req, enum http_outcome outcome, const char *error)
{
	struct http_client *c = req->client;
	list_remove(&req->link);
	c->live_count--;

	int status = req->status;
	if (!status && req->added) {
		long code = 0;
		curl_easy_getinfo(req->easy, CURLINFO_RESPONSE_CODE, &code);
		status = code >= 200 ? (int)code : 0;
	}
	if (outcome == HTTP_OK && !req->responded) {
		/* Defensive: libcurl completed without our seeing the end of the head. Keep the
		 * promise that on_response precedes on_done(HTTP_OK). */
		req->status = status;
		http_respond(req);
		if (req->ended) {
			outcome = req->end;
			error = req->end_error;
		}
	}
	char safe[sizeof(req->errbuf) + 64];
	http_redact(req, error, safe, sizeof(safe));
	if (req->added && !c->multi_gone)
		curl_multi_remove_handle(c->multi, req->easy);
	curl_easy_cleanup(req->easy);
	req->easy = NULL;

	struct http_result res = {
		.outcome = outcome,
		.status = status,
		.error = outcome == HTTP_OK ? "" : safe,
		.body_bytes = req->body_bytes,
		.elapsed_ms = uv_now(c->loop) - req->start_ms,
	};
	log_debug(c->log, "http #%" PRIu64 ": %s, status %d, %" PRIu64 " bytes, %" PRIu64 " ms%s%s",
		  req->id, http_outcome_name(outcome), status, res.body_bytes, res.elapsed_ms,
		  *res.error ? ": " : "", res.error);
	if (c->live_count == 0 && c->deadline_armed != UINT64_MAX && !c->closing) {
		/* Nothing left to watch: an armed deadline timer would hold the loop open. */
		uv_timer_stop(&c->deadline_timer);
		c->deadline_armed = UINT64_MAX;
	}
	req->cb->on_done(req->ctx, &res);
	http_free(req);
	if (c->closing && c->live_count == 0)
		kick(c);
}

/* ---- deferred work and closing ---- */

static void on_handle_closed(uv_handle_t *h)
{
	struct http_client *c = h->data;
	c->open_handles--;
	http_maybe_done(c);
}

static void on_sock_closed(uv_handle_t *h)
{
	struct http_sock *s = h->data;
	struct http_client *c = s->client;
	free(s);
	c->open_handles--;
	http_maybe_done(c);
}

static void http_maybe_done(struct http_client *c)
{
	if (c->closing && c->multi_gone && c->open_handles == 0 && c->close_done) {
		void (*done)(struct http_client *) = c->close_done;
		c->close_done = NULL;
		done(c);
	}
}

/* Everything is cancelled and finished: release libcurl's state and close our handles. */
static void http_teardown(struct http_client *c)
{
	uv_timer_stop(&c->curl_timer);
	/* The cache's connections are closed here; libcurl may report their sockets removed
	 * (on_curl_socket closes those polls, without calling back into the multi handle, hence
	 * multi_gone first). Any poll it does not report is closed below. */
	CURLM *multi = c->multi;
	c->multi_gone = true;
	c->multi = NULL;
	curl_multi_cleanup(multi);
	struct list_node *n;
	while ((n = list_first(&c->socks)))
		http_sock_close(list_entry(n, struct http_sock, link));
	uv_close((uv_handle_t *)&c->curl_timer, on_handle_closed);
	uv_close((uv_handle_t *)&c->deadline_timer, on_handle_closed);
	uv_close((uv_handle_t *)&c->kick, on_handle_closed);
}

static void on_kick(uv_idle_t *idle)
{
	struct http_client *c = idle->data;
	c->kick_again = false;
	/* finish() only ever unlinks its own request, and nothing a callback may call frees another
	 * one synchronously, so the walk's saved next node stays valid. A request posted from a
	 * callback goes to the front, behind the walk: it is added on the next kick. */
	list_each_safe(n, &c->live) {
		struct http_request *req = list_entry(n, struct http_request, link);
		if (req->ended) {
			finish(req, req->end, req->end_error);
		} else if (!req->added) {
			CURLMcode mc = curl_multi_add_handle(c->multi, req->easy);
			if (mc != CURLM_OK) {
				finish(req, HTTP_NETWORK, curl_multi_strerror(mc));
				continue;
			}
			req->added = true;
		}
	}
	if (c->closing && c->live_count == 0 && !c->multi_gone) {
		http_teardown(c);
		return;
	}
	if (!c->kick_again)
		uv_idle_stop(idle);
}

static void kick(struct http_client *c)
{
	if (c->multi_gone)
		return;
	c->kick_again = true;
	uv_idle_start(&c->kick, on_kick);
}

/* ---- API ---- */

int http_client_init(struct http_client *c, uv_loop_t *loop, const struct logger *log)
{
	void *data = c->data;
	memset(c, 0, sizeof(*c));
	c->data = data;
	c->loop = loop;
	c->log = log;
	c->deadline_armed = UINT64_MAX;
	list_init(&c->live);
	list_init(&c->socks);
	CURLM *multi = curl_multi_init();
	if (!multi)
		return -ENOMEM;
	c->multi = multi;
	uv_timer_init(loop, &c->curl_timer);
	uv_timer_init(loop, &c->deadline_timer);
	uv_idle_init(loop, &c->kick);
	c->curl_timer.data = c;
	c->deadline_timer.data = c;
	c->kick.data = c;
	c->open_handles = 3;
	curl_multi_setopt(multi, CURLMOPT_SOCKETFUNCTION, on_curl_socket);
	curl_multi_setopt(multi, CURLMOPT_SOCKETDATA, c);
	curl_multi_setopt(multi, CURLMOPT_TIMERFUNCTION, on_curl_timer);
	curl_multi_setopt(multi, CURLMOPT_TIMERDATA, c);
	return 0;
}

void http_client_close(struct http_client *c, void (*done)(struct http_client *client))
{
	if (c->closing)
		return;
	c->closing = true;
	c->close_done = done;
	uv_timer_stop(&c->deadline_timer);
	c->deadline_armed = 0; /* nothing is armed from now on */
	/* Marked now, not in the kick: a transfer that completes or fails before the kick runs
	 * (even within the libcurl call we may be inside of) must still end as CANCELLED. */
	list_each(n, &c->live)
		http_end(list_entry(n, struct http_request, link), HTTP_CANCELLED, TXT_CANCELLED);
	kick(c);
}

/* Adds the caller's header lines, remembering their values as secrets. */
static void http_add_headers(struct http_request *req, const char *const *headers,
			     const char *content_type)
{
	bool own_ctype = false, own_expect = false;
	size_t count = 0;
	for (const char *const *h = headers; h && *h; h++)
		count++;
	req->secrets = xcalloc(count ? count : 1, sizeof(*req->secrets));
	for (size_t i = 0; i < count; i++) {
		const char *line = headers[i];
		if (http_has_prefix_ci(line, "content-type:"))
			own_ctype = true;
		if (http_has_prefix_ci(line, "expect:"))
			own_expect = true;
		req->headers = curl_slist_append(req->headers, line);
		const char *colon = strchr(line, ':');
		if (colon) {
			const char *v = colon + 1;
			while (*v == ' ' || *v == '\t')
				v++;
			size_t len = strcspn(v, "\r\n");
			while (len > 0 && (v[len - 1] == ' ' || v[len - 1] == '\t'))
				len--;
			if (len >= SECRET_MIN)
				req->secrets[req->nsecrets++] = xstrndup(v, len);
		}
	}
	if (!own_ctype) {
		char line[256];
		snprintf(line, sizeof(line), "Content-Type: %s",
			 content_type ? content_type : "application/json");
		req->headers = curl_slist_append(req->headers, line);
	}
	/* libcurl would send "Expect: 100-continue" for larger bodies and wait for an answer that
	 * servers such as Ollama never send; an empty value removes the header. */
	if (!own_expect)
		req->headers = curl_slist_append(req->headers, "Expect:");
	if (!req->headers)
		abort(); /* curl_slist_append only fails when out of memory */
}

static CURLcode http_setup(struct http_request *req, const struct http_req_opts *o)
{
	CURL *e = req->easy;
	CURLcode rc = CURLE_OK;
#define SET(opt, val)                                      \
	do {                                               \
		if (rc == CURLE_OK)                        \
			rc = curl_easy_setopt(e, opt, val); \
	} while (0)
	SET(CURLOPT_PRIVATE, (void *)req);
	SET(CURLOPT_ERRORBUFFER, req->errbuf);
	SET(CURLOPT_URL, o->url);
	SET(CURLOPT_PROTOCOLS_STR, "http,https");
	SET(CURLOPT_NOSIGNAL, 1L);
	SET(CURLOPT_HTTP_VERSION, (long)CURL_HTTP_VERSION_1_1);
	SET(CURLOPT_USERAGENT, "charla/" CHARLA_VERSION);
	SET(CURLOPT_HTTPHEADER, req->headers);
	SET(CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)o->body_len);
	SET(CURLOPT_COPYPOSTFIELDS, o->body ? (const char *)o->body : "");
	SET(CURLOPT_HEADERFUNCTION, on_curl_header);
	SET(CURLOPT_HEADERDATA, (void *)req);
	SET(CURLOPT_WRITEFUNCTION, on_curl_write);
	SET(CURLOPT_WRITEDATA, (void *)req);
	SET(CURLOPT_PREREQFUNCTION, on_curl_prereq);
	SET(CURLOPT_PREREQDATA, (void *)req);
	SET(CURLOPT_SUPPRESS_CONNECT_HEADERS, 1L);
	SET(CURLOPT_TCP_KEEPALIVE, 1L);
	SET(CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)req->max_body);
	if (o->connect_ms)
		SET(CURLOPT_CONNECTTIMEOUT_MS, (long)(o->connect_ms > LONG_MAX ? LONG_MAX : o->connect_ms));
	if (o->ca_file)
		SET(CURLOPT_CAINFO, o->ca_file);
#undef SET
	return rc;
}

struct http_request *http_post(struct http_client *c, const struct http_req_opts *o,
			       const struct http_callbacks *cb, void *ctx)
{
	if (c->closing) {
		/* A programming error (see http.h); fail loudly rather than leak or call back. */
		log_error(c->log, "http: http_post after http_client_close");
		abort();
	}
	struct http_request *req = xcalloc(1, sizeof(*req));
	req->client = c;
	req->cb = cb;
	req->ctx = ctx;
	req->id = ++c->next_id;
	req->connect_ms = o->connect_ms;
	req->first_byte_ms = o->first_byte_ms;
	req->stall_ms = o->stall_ms;
	req->total_ms = o->total_ms;
	req->max_body = o->max_body ? o->max_body : HTTP_DEFAULT_MAX_BODY;
	req->retry_after_s = -1;
	req->start_ms = uv_now(c->loop);
	req->phase = PHASE_CONNECTING;
	req->url_log = http_url_for_log(o->url ? o->url : "");
	http_add_headers(req, o->headers, o->content_type);
	req->easy = curl_easy_init();
	if (!req->easy)
		abort(); /* only fails when out of memory */

	list_push_front(&c->live, &req->link);
	c->live_count++;

	log_debug(c->log, "http #%" PRIu64 ": POST %s (%zu bytes)", req->id, req->url_log,
		  o->body_len);
	if (!o->url || !*o->url) {
		http_end(req, HTTP_INVALID, TXT_NO_URL);
		return req;
	}
	CURLcode rc = http_setup(req, o);
	if (rc != CURLE_OK) {
		char msg[sizeof(req->end_error)];
		snprintf(msg, sizeof(msg), TXT_SETUP, curl_easy_strerror(rc));
		http_end(req, http_classify(rc) == HTTP_INVALID ? HTTP_INVALID : HTTP_NETWORK, msg);
		return req;
	}
	enum http_outcome why = HTTP_OK;
	uint64_t when = http_deadline(req, &why);
	if (when != UINT64_MAX)
		http_arm(c, when);
	kick(c);
	return req;
}

void http_cancel(struct http_request *req)
{
	/* Even a request that already ended for another reason (a deadline passed in this loop
	 * step) reports CANCELLED, as promised: the caller asked for it and is not waiting for
	 * anything else. */
	req->ended = false;
	http_end(req, HTTP_CANCELLED, TXT_CANCELLED);
}
