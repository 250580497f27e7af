/* http_int: what the files of the HTTP client share; private to src/net/http*.c (see http.h for
 * the contract with callers).
 *
 * The files, each named after the prefix of its functions (the public functions of http.h keep
 * the module's own http_ prefix wherever they live):
 *  - http.c: the life of the client and of a request: init, post, cancel, the deadlines, ending
 *    (http_end), finishing (http_finish), the deferred work (the kick) and closing;
 *  - http_easy.c: one request's libcurl easy handle: its options and the callbacks libcurl calls
 *    during the transfer (request going out, header lines, body bytes);
 *  - http_sock.c: libcurl's multi handle on the libuv loop: a uv_poll_t for each socket libcurl
 *    wants watched, libcurl's timer, and reading libcurl's completion messages after each call;
 *  - http_text.c: pure helpers on texts and codes: outcome names, URLs for logs, redaction of
 *    secrets, Retry-After, what a libcurl code means. No libuv, no state.
 *
 * Ownership. The struct http_client (embedded by its owner) owns everything here: the multi
 * handle, its uv handles (two timers, the kick, one poll per socket), every request on `live` and
 * every socket on `socks`. A request is allocated by http_post and owns its easy handle, its
 * header list, its secrets and its url_log; it stays on `live` until http_finish, which runs only
 * outside libcurl's callbacks (from the kick or from the drain after socket_action), calls
 * on_done and frees it with all it owns. A socket's struct (private to http_sock.c) is allocated
 * when libcurl first names the socket and freed only in its poll's close callback. The client's
 * close callback runs from http_maybe_done once the multi handle is cleaned up and the last uv
 * handle is closed. */
#ifndef CHARLA_NET_HTTP_INT_H
#define CHARLA_NET_HTTP_INT_H

#include <inttypes.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <curl/curl.h>

#include "net/http.h"

enum http_phase {
	PHASE_CONNECTING, /* from http_post until libcurl's pre-request callback */
	PHASE_SENT,       /* the request is (being) sent; no response byte yet */
	PHASE_RECEIVING,  /* at least one response byte arrived */
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

/* Texts for http_result.error. The bridge maps outcomes to what users read. */
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

/* ---- http.c ---- */

/* Makes sure the deadline timer fires no later than `when` (loop time). */
void http_arm(struct http_client *c, uint64_t when);

/* Records why a request ends, unless it already has a reason, and schedules its finish. Safe
 * inside libcurl's callbacks: it only marks the request and kicks. */
void http_end(struct http_request *req, enum http_outcome why, const char *error);

/* Ends a request for good: out of the multi and the live list, on_done, free. Only ever called
 * outside libcurl's callbacks (from the drain or the kick); req is invalid afterwards. */
void http_finish(struct http_request *req, enum http_outcome outcome, const char *error);

/* Calls the client's close callback once closing is complete (multi handle gone, every uv handle
 * closed); a no-op before that. */
void http_maybe_done(struct http_client *c);

/* ---- http_easy.c ---- */

/* Sets the options of req->easy for the POST `o` (req->headers and req->max_body already set),
 * pointing libcurl's callbacks at req. Returns the first option libcurl refused, or CURLE_OK. */
CURLcode http_easy_setup(struct http_request *req, const struct http_req_opts *o);

/* The response head is complete (req->status set): calls on_response, at most once. */
void http_easy_respond(struct http_request *req);

/* ---- http_sock.c ---- */

/* Points c's multi handle at this file's socket and timer callbacks; called once by
 * http_client_init, after the curl_timer is initialised. */
void http_sock_attach(struct http_client *c);

/* Closes the poll of every socket still on c->socks (each is freed in its close callback, which
 * counts down c->open_handles). For teardown, once the multi handle is gone. */
void http_sock_close_all(struct http_client *c);

/* ---- http_text.c ---- */

/* Whether s starts with prefix, ignoring ASCII case. */
bool http_text_has_prefix_ci(const char *s, const char *prefix);

/* scheme://host[:port]/path: without user info (it may hold a password), query or fragment (they
 * may hold a key), so the result is safe to log. Returns a new string (free it). */
char *http_text_url_for_log(const char *url);

/* Copies src into dst (capacity cap > 0), replacing every occurrence of one of the nsecrets
 * secrets by TXT_REDACTED and line breaks by spaces, so that the text is one safe line. */
void http_text_redact(char *const *secrets, size_t nsecrets, const char *src, char *dst,
		      size_t cap);

/* A Retry-After value (len bytes, not terminated) in seconds from now: delta-seconds or an
 * HTTP-date; -1 when it is neither. */
long http_text_retry_after(const char *v, size_t len);

/* The outcome a libcurl result code stands for. */
enum http_outcome http_text_classify(CURLcode rc);

#endif
