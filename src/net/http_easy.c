/* http_easy: one request's libcurl easy handle: the options it is given and the callbacks libcurl
 * calls during its transfer (see http_int.h).
 *
 * These callbacks run inside curl_multi_socket_action, so they never add, remove or clean up an
 * easy handle and never finish a request: something that ends the request here (on_data returning
 * false, the size cap) goes through http_end, and the callback then returns an error so that
 * libcurl stops the transfer at once. They also move the request through its phases, which is
 * what the deadlines in http.c watch. */
#include "net/http_int.h"

#include <limits.h>
#include <stdio.h>
#include <string.h>

#include <uv.h>

static void http_easy_mark_rx(struct http_request *req);
static size_t http_easy_on_header(char *data, size_t size, size_t nitems, void *userdata);
static int http_easy_on_prereq(void *clientp, char *primary_ip, char *local_ip, int primary_port,
			       int local_port);
static size_t http_easy_on_write(char *data, size_t size, size_t nmemb, void *userdata);

CURLcode http_easy_setup(struct http_request *req, const struct http_req_opts *o)
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
	SET(CURLOPT_HEADERFUNCTION, http_easy_on_header);
	SET(CURLOPT_HEADERDATA, (void *)req);
	SET(CURLOPT_WRITEFUNCTION, http_easy_on_write);
	SET(CURLOPT_WRITEDATA, (void *)req);
	SET(CURLOPT_PREREQFUNCTION, http_easy_on_prereq);
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

void http_easy_respond(struct http_request *req)
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

/* A response byte arrived: the first one starts the stall deadline. */
static void http_easy_mark_rx(struct http_request *req)
{
	req->last_rx_ms = uv_now(req->client->loop);
	if (req->phase != PHASE_RECEIVING) {
		req->phase = PHASE_RECEIVING;
		if (req->stall_ms)
			http_arm(req->client, req->last_rx_ms + req->stall_ms);
	}
}

static int http_easy_on_prereq(void *clientp, char *primary_ip, char *local_ip, int primary_port,
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

/* One header line per call, the status line first and an empty line at the end of each head. */
static size_t http_easy_on_header(char *data, size_t size, size_t nitems, void *userdata)
{
	struct http_request *req = userdata;
	size_t n = size * nitems;
	if (req->ended)
		return 0;
	http_easy_mark_rx(req);
	if (req->responded)
		return n; /* trailers */
	if (n >= 5 && memcmp(data, "HTTP/", 5) == 0) {
		req->retry_after_s = -1; /* a new head (after a 1xx) starts afresh */
	} else if (n >= 12 && http_text_has_prefix_ci(data, "retry-after:")) {
		req->retry_after_s = http_text_retry_after(data + 12, n - 12);
	} else if ((n == 2 && data[0] == '\r' && data[1] == '\n') || (n == 1 && data[0] == '\n')) {
		long code = 0;
		curl_easy_getinfo(req->easy, CURLINFO_RESPONSE_CODE, &code);
		if (code >= 100 && code < 200)
			return n; /* an interim response; the real head follows */
		req->status = (int)code;
		http_easy_respond(req);
		if (req->ended)
			return 0;
	}
	return n;
}

static size_t http_easy_on_write(char *data, size_t size, size_t nmemb, void *userdata)
{
	struct http_request *req = userdata;
	size_t n = size * nmemb;
	if (req->ended)
		return 0;
	http_easy_mark_rx(req);
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
