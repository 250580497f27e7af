/* http: an asynchronous HTTP/1.1 client on a libuv loop (libcurl's multi-socket interface).
 *
 * What it is. One struct http_client per loop drives any number of requests with libcurl's
 * multi-socket API: one uv_poll_t per socket libcurl opens, one uv_timer_t for libcurl's timeout,
 * one uv_timer_t for this module's own deadlines and one uv_idle_t for deferred work. No thread of
 * ours, no busy polling, nothing that blocks the loop. Name resolution uses libcurl's threaded
 * resolver; numeric hosts and "localhost" are resolved without it. HTTPS uses libcurl's default CA
 * bundle unless a request names another. Connections are reused between requests to the same
 * host (libcurl's connection cache, owned by the client). Redirects are not followed: a 3xx is a
 * complete response like any other. Proxies named by the usual environment variables (https_proxy,
 * no_proxy, ...) are honoured, as libcurl does by default.
 *
 * Process-wide setup. curl_global_init(CURL_GLOBAL_DEFAULT) must have been called before
 * http_client_init, and curl_global_cleanup only after every client's close callback has run.
 * Both belong in main() (global state lives only in main.c files); tests call them in their main.
 *
 * Secrets. Header lines (e.g. "Authorization: Bearer sk-...") are never logged, libcurl's verbose
 * output is never enabled, and any header value (of 8 characters or more) that libcurl's error
 * text happens to contain is replaced by "[redacted]" before it reaches a callback. Logged URLs
 * lose their user info, query and fragment. The log gets one debug line when a request starts
 * and one when it ends (outcome, status, bytes, time, error text); errors only if libuv refuses
 * to watch a socket.
 *
 * Callbacks. Every callback runs on the loop, from one of this module's uv callbacks, never inside
 * http_post, http_cancel or http_client_close. For one request the order is:
 *     on_response (at most once) -> on_data (zero or more times) -> on_done (exactly once).
 * on_response always precedes on_data and precedes on_done(HTTP_OK). After on_done returns, the
 * request handle is invalid (its memory is freed); the caller's ctx is never touched again, so the
 * caller may free ctx inside on_done.
 *
 * Re-entrancy. Inside any callback the caller may call http_post (the new request starts on a later
 * step of the loop), http_cancel on this or any other live request, and http_client_close. It must
 * not call http_cancel on a request whose on_done has already started, must not run the loop, and
 * must not call curl functions on this module's handles.
 *
 * Cancelling. http_cancel(req) never calls back synchronously: it marks the request, and after it
 * returns the only callback that request will ever get is on_done(HTTP_CANCELLED), delivered from
 * a later step of the same loop (typically the same loop iteration). This holds even if the transfer
 * had already completed but on_done had not yet run. Cancelling from inside on_response or on_data
 * stops the transfer at once (libcurl is told to stop when the callback returns).
 *
 * Closing. http_client_close(client, done) cancels every live request (each gets
 * on_done(HTTP_CANCELLED), deferred as above), closes libcurl's connections and all uv handles, and
 * calls done(client) once the last close callback has run; only then may the struct http_client be
 * freed or the loop closed. http_post must not be called once http_client_close has been called
 * (not even from an on_done that the close delivers): it logs and aborts. The client keeps the loop alive while it has
 * requests or handles being closed, and not otherwise (an idle client does not hold uv_run open). */
#ifndef CHARLA_NET_HTTP_H
#define CHARLA_NET_HTTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <uv.h>

#include "base/list.h"

struct logger;
struct http_request;
struct http_sock;

/* How a request ended. Only HTTP_OK means a complete HTTP response was received; its status may
 * be anything (a 401, 429 or 500 with its body is HTTP_OK too). */
enum http_outcome {
	HTTP_OK,                 /* a complete response; see http_result.status */
	HTTP_CANCELLED,          /* http_cancel or http_client_close */
	HTTP_ABORTED,            /* on_data returned false */
	HTTP_TIMEOUT_CONNECT,    /* no connection (DNS, TCP and TLS) within connect_ms */
	HTTP_TIMEOUT_FIRST_BYTE, /* the request was sent, no response byte within first_byte_ms */
	HTTP_TIMEOUT_STALL,      /* the response started, then nothing for stall_ms */
	HTTP_TIMEOUT_TOTAL,      /* not complete within total_ms of http_post */
	HTTP_TOO_LARGE,          /* the body passed max_body bytes (the bytes before were delivered) */
	HTTP_NETWORK,            /* refused, reset, closed early, DNS or TLS failure, garbled reply */
	HTTP_INVALID,            /* could not be attempted: malformed URL, unsupported scheme */
};

/* A short English name for logs ("ok", "timeout (first byte)", ...); not for users. */
const char *http_outcome_name(enum http_outcome o);

/* The response head, passed to on_response; valid only during that call. */
struct http_response_info {
	int status;               /* the final status (100-continue and other 1xx are skipped) */
	long retry_after_s;       /* Retry-After in seconds (an HTTP-date is converted; a date in the
	                           * past gives 0); -1 when absent or unparseable */
	const char *content_type; /* the Content-Type value, or NULL when absent */
};

/* Passed to on_done; valid only during that call. */
struct http_result {
	enum http_outcome outcome;
	int status;          /* the HTTP status when a response head arrived, else 0 (also for
	                      * failures after the head, e.g. HTTP_TIMEOUT_STALL keeps the 200) */
	const char *error;   /* for failures, one line from libcurl or this module saying what went
	                      * wrong, e.g. "Failed to connect to 127.0.0.1 port 9 after 0 ms:
	                      * Couldn't connect to server"; "" for HTTP_OK. Never holds header values. */
	uint64_t body_bytes; /* body bytes delivered through on_data */
	uint64_t elapsed_ms; /* from http_post to the end, by the loop's clock */
};

struct http_callbacks {
	/* The response head is complete (optional, may be NULL). */
	void (*on_response)(void *ctx, const struct http_response_info *info);
	/* n > 0 body bytes, in order, as they arrive (chunked encoding already removed). The bytes are
	 * only valid during the call. Return false to stop the transfer: on_done then gets
	 * HTTP_ABORTED. Optional: NULL discards the body. */
	bool (*on_data)(void *ctx, const char *bytes, size_t n);
	/* Exactly once per request (required). */
	void (*on_done)(void *ctx, const struct http_result *res);
};

#define HTTP_DEFAULT_MAX_BODY (16u * 1024u * 1024u)

struct http_req_opts {
	const char *url;            /* http:// or https:// (required; copied) */
	const char *const *headers; /* extra header lines "Name: value", NULL-terminated, or NULL;
	                             * copied. "Content-Type" and "User-Agent" may be overridden here. */
	const void *body;           /* the POST body; copied, so it may be freed when http_post returns */
	size_t body_len;
	const char *content_type;   /* of the body; NULL means "application/json" */
	/* Timeouts in milliseconds; 0 means none of ours (libcurl still gives up connecting after its
	 * own 300 s default when connect_ms is 0). */
	uint64_t connect_ms;        /* from http_post until connected (DNS + TCP + TLS) */
	uint64_t first_byte_ms;     /* from the connection being ready (the request starts going
	                             * out) until the first response byte: a local model may take a
	                             * minute to load, so be generous */
	uint64_t stall_ms;          /* once the response started: the longest silence allowed */
	uint64_t total_ms;          /* from http_post to the end of the response */
	size_t max_body;            /* the largest body accepted; 0 means HTTP_DEFAULT_MAX_BODY */
	const char *ca_file;        /* a PEM CA bundle to trust instead of the default, or NULL */
};

/* One per loop; embedded by its owner, and not moved once initialised (libuv and the lists hold
 * pointers into it). All fields are private except `data`. */
struct http_client {
	void *data;                  /* for the owner (kept by http_client_init); never used here */
	uv_loop_t *loop;
	const struct logger *log;
	void *multi;                 /* CURLM *, kept opaque so this header needs no curl.h */
	uv_timer_t curl_timer;       /* libcurl's single timeout (CURLMOPT_TIMERFUNCTION) */
	uv_timer_t deadline_timer;   /* the earliest of this module's per-request deadlines */
	uv_idle_t kick;              /* deferred work: start new requests, finish cancelled ones */
	uint64_t deadline_armed;     /* when deadline_timer fires (loop time), UINT64_MAX if idle */
	struct list live;            /* every request whose on_done has not run, newest first */
	struct list socks;           /* every socket whose uv_poll is not closing yet */
	size_t live_count;
	unsigned open_handles;       /* uv handles (timers, idle, polls) not yet closed */
	bool kick_again;             /* more deferred work arrived while the idle callback ran */
	bool closing;
	bool multi_gone;
	void (*close_done)(struct http_client *client);
	uint64_t next_id;            /* request numbers for log lines */
};

/* Sets up a client on `loop`; log may be NULL. Returns 0 or a negative libuv/errno code (the
 * client is then unusable and needs no close). */
int http_client_init(struct http_client *client, uv_loop_t *loop, const struct logger *log);

/* Cancels every request and closes everything, asynchronously (see "Closing" above). `done` may
 * be NULL. Calling it twice is harmless (the second `done` is ignored). */
void http_client_close(struct http_client *client, void (*done)(struct http_client *client));

/* Starts a POST. Never returns NULL and never calls back before it returns: every problem,
 * including a malformed URL, is reported through cb->on_done. `cb` must stay valid until on_done
 * (it is normally a static table); ctx is passed back to every callback. The returned handle is
 * valid until on_done starts; it may be used only for http_cancel. */
struct http_request *http_post(struct http_client *client, const struct http_req_opts *opts,
			       const struct http_callbacks *cb, void *ctx);

/* Cancels a request whose on_done has not started; see "Cancelling" above. Cancelling a request
 * already cancelled is harmless. */
void http_cancel(struct http_request *req);

#endif
