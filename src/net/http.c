/* http: libcurl's multi-socket interface driven by a libuv loop (see http.h for the contract and
 * http_int.h for how the files share the work). This file holds the life of the client and of
 * each request: init, post, cancel, the deadlines, ending, finishing and closing.
 *
 * How the pieces meet. libcurl's sockets and timer are watched by http_sock.c, which calls
 * curl_multi_socket_action when one fires and, only after it returns, reads libcurl's messages
 * and finishes completed transfers. No easy handle is ever added, removed or cleaned up from
 * inside a libcurl callback: new requests are added, and cancelled or timed-out ones removed,
 * from a uv_idle_t ("kick") that runs on the next loop step.
 *
 * Our own deadlines (first byte, stall, total, connect) are kept per request and watched by one
 * uv_timer_t armed at the earliest one; a stall deadline only moves later as bytes arrive, so it is
 * not re-armed per byte: when the timer fires every live request is checked again and the timer
 * re-armed at the new earliest deadline. The scan is linear in the live requests, which the
 * assistant bounds by its in-flight limit.
 *
 * Ending a request. Something that ends a request outside libcurl's own completion (http_cancel, a
 * deadline, on_data returning false, the size cap) only records the outcome in req->end and kicks;
 * libcurl's callbacks (http_easy.c) see req->end and return an error so the transfer stops at
 * once, and the kick (or the drain, whichever comes first) finishes it: remove the easy handle,
 * clean it up, call on_done once, free. */
#include "net/http.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>

#include "base/log.h"
#include "base/xalloc.h"
#include "net/http_int.h"

static void http_add_headers(struct http_request *req, const char *const *headers,
			     const char *content_type);
static uint64_t http_deadline(const struct http_request *req, enum http_outcome *why);
static void http_end_timeout(struct http_request *req, enum http_outcome why);
static void http_free(struct http_request *req);
static void http_kick(struct http_client *c);
static void http_on_deadline_timer(uv_timer_t *t);
static void http_on_handle_closed(uv_handle_t *h);
static void http_on_kick(uv_idle_t *idle);
static void http_teardown(struct http_client *c);

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

void http_arm(struct http_client *c, uint64_t when)
{
	if (when >= c->deadline_armed || c->closing)
		return;
	uint64_t now = uv_now(c->loop);
	c->deadline_armed = when;
	uv_timer_start(&c->deadline_timer, http_on_deadline_timer, when > now ? when - now : 0, 0);
}

void http_end(struct http_request *req, enum http_outcome why, const char *error)
{
	if (req->ended)
		return;
	req->ended = true;
	req->end = why;
	snprintf(req->end_error, sizeof(req->end_error), "%s", error);
	http_kick(req->client);
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

static void http_on_deadline_timer(uv_timer_t *t)
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

/* ---- finishing ---- */

static void http_free(struct http_request *req)
{
	curl_slist_free_all(req->headers);
	for (size_t i = 0; i < req->nsecrets; i++)
		free(req->secrets[i]);
	free(req->secrets);
	free(req->url_log);
	free(req);
}

void http_finish(struct http_request *req, enum http_outcome outcome, const char *error)
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
		http_easy_respond(req);
		if (req->ended) {
			outcome = req->end;
			error = req->end_error;
		}
	}
	char safe[sizeof(req->errbuf) + 64];
	http_text_redact(req->secrets, req->nsecrets, error, safe, sizeof(safe));
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
		http_kick(c);
}

/* ---- deferred work and closing ---- */

static void http_on_handle_closed(uv_handle_t *h)
{
	struct http_client *c = h->data;
	c->open_handles--;
	http_maybe_done(c);
}

void http_maybe_done(struct http_client *c)
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
	 * (http_sock.c closes those polls, without calling back into the multi handle, hence
	 * multi_gone first). Any poll it does not report is closed below. */
	CURLM *multi = c->multi;
	c->multi_gone = true;
	c->multi = NULL;
	curl_multi_cleanup(multi);
	http_sock_close_all(c);
	uv_close((uv_handle_t *)&c->curl_timer, http_on_handle_closed);
	uv_close((uv_handle_t *)&c->deadline_timer, http_on_handle_closed);
	uv_close((uv_handle_t *)&c->kick, http_on_handle_closed);
}

static void http_on_kick(uv_idle_t *idle)
{
	struct http_client *c = idle->data;
	c->kick_again = false;
	/* http_finish() only ever unlinks its own request, and nothing a callback may call frees
	 * another one synchronously, so the walk's saved next node stays valid. A request posted
	 * from a callback goes to the front, behind the walk: it is added on the next kick. */
	list_each_safe(n, &c->live) {
		struct http_request *req = list_entry(n, struct http_request, link);
		if (req->ended) {
			http_finish(req, req->end, req->end_error);
		} else if (!req->added) {
			CURLMcode mc = curl_multi_add_handle(c->multi, req->easy);
			if (mc != CURLM_OK) {
				http_finish(req, HTTP_NETWORK, curl_multi_strerror(mc));
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

static void http_kick(struct http_client *c)
{
	if (c->multi_gone)
		return;
	c->kick_again = true;
	uv_idle_start(&c->kick, http_on_kick);
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
	http_sock_attach(c);
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
	http_kick(c);
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
		if (http_text_has_prefix_ci(line, "content-type:"))
			own_ctype = true;
		if (http_text_has_prefix_ci(line, "expect:"))
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
	req->url_log = http_text_url_for_log(o->url ? o->url : "");
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
	CURLcode rc = http_easy_setup(req, o);
	if (rc != CURLE_OK) {
		char msg[sizeof(req->end_error)];
		snprintf(msg, sizeof(msg), TXT_SETUP, curl_easy_strerror(rc));
		http_end(req, http_text_classify(rc) == HTTP_INVALID ? HTTP_INVALID : HTTP_NETWORK, msg);
		return req;
	}
	enum http_outcome why = HTTP_OK;
	uint64_t when = http_deadline(req, &why);
	if (when != UINT64_MAX)
		http_arm(c, when);
	http_kick(c);
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
