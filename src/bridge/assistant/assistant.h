/* assistant: the AI assistant, a bot session of the hub that answers through any OpenAI-compatible
 * Chat Completions API (OpenAI, Ollama, llama.cpp's server, vLLM), streamed, on the server's loop.
 *
 * What it does. assistant_new registers a bot named cfg->name ("gpt") with the hub, makes it hear
 * every room (hub_watch) and makes it the assistant that /ask and /forget reach. It answers
 *  - a line said in a room and addressed to it: "gpt: question", "gpt, question", "@gpt question"
 *    (the name case-insensitive; /ask produces "gpt: ..."): the answer goes to the room, line by
 *    line as the model writes it, the first line starting with the asker's name ("ana: ...");
 *  - a private message "/msg gpt question": the answer goes only to the asker ("/msg gpt /forget"
 *    clears that private conversation);
 *  - any face, through the answerer interface (assistant_answerer; the ask port uses it).
 * Answer lines are cut by ai/wrap at ASSISTANT_WIDTH bytes (a chat line that stays readable) and the
 * whole answer at cfg->max_answer bytes.
 *
 * Conversations. Each conversation (a room; a private pair; whatever key a face passes) remembers
 * its last questions and answers within cfg->memory bytes, the oldest dropped first; at most
 * ASSISTANT_MAX_CONVERSATIONS are kept, the least recently used dropped first. A question is sent
 * as "name: text" so that the model can tell the people of a room apart.
 *
 * Limits. At most cfg->inflight requests run at once; the others wait in a FIFO of cfg->queue
 * (the asker is told its place), beyond which a question is refused. Each user (a name; for other
 * faces whatever `user` key they pass) may ask cfg->rate_per_min questions a minute (a token
 * bucket with that burst). A rate-limited (429) request is retried after Retry-After or a backoff,
 * at most ASSISTANT_RETRIES_429 times, telling the asker; "insufficient_quota" is final. A 5xx is
 * retried ASSISTANT_RETRIES_5XX times. When a user quits, its private questions are cancelled,
 * queued or running; room questions go on.
 *
 * Threading and re-entrancy. Everything runs on the loop. The hub calls the bot inside its
 * fan-outs, where the bot must not fan out, so every event is copied into an inbox and handled on
 * the next loop turn (a uv_idle that runs only while the inbox is not empty). HTTP callbacks never
 * run inside a fan-out, so answer lines go to the chat from there directly.
 *
 * Ownership. struct assistant is opaque and heap-allocated. assistant_shutdown tells every pending
 * asker MSG_SHUTDOWN, cancels every request, closes the bot session, the HTTP client and the uv
 * handles; once the loop has run their close callbacks (uv_run returns), assistant_free releases
 * the rest. The API key is copied into one Authorization header string, wiped at free; it is never
 * logged and never shown to a user. */
#ifndef CHARLA_BRIDGE_ASSISTANT_H
#define CHARLA_BRIDGE_ASSISTANT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <uv.h>

#include "ai/answerer.h"
#include "ai/chat.h"
#include "base/metrics.h"

struct hub;
struct logger;
struct assistant;

enum {
	ASSISTANT_WIDTH = 400,             /* bytes per answer line */
	ASSISTANT_MAX_CONVERSATIONS = 1024,
	ASSISTANT_RETRIES_429 = 3,
	ASSISTANT_RETRIES_5XX = 2,
	ASSISTANT_MAX_RETRY_WAIT_S = 60,   /* a longer Retry-After is reported, not waited for */
};

struct assistant_config {
	const char *name;          /* the bot's name, "gpt" */
	const char *base_url;      /* ".../v1"; NULL or "": not configured (answers how to configure) */
	const char *api_key;       /* NULL or "": no Authorization header (a local server) */
	const char *model;
	const char *system;        /* the system prompt; NULL: the built-in one; "": none */
	long max_tokens;           /* the model's output cap; 0: none sent */
	enum chat_cap_key cap_key;
	size_t inflight;           /* requests at once (>= 1) */
	size_t queue;              /* questions waiting beyond those */
	unsigned rate_per_min;     /* questions per user per minute; 0: no limit */
	size_t max_question;       /* bytes */
	size_t max_answer;         /* bytes; 0: no cap */
	size_t memory;             /* bytes of conversation remembered; 0: none */
	uint64_t connect_ms;
	uint64_t first_byte_ms;
	uint64_t stall_ms;
	uint64_t total_ms;
};

/* Starts the assistant on `loop` for `hub`. Returns NULL with err filled if the bot cannot be
 * registered (its name is invalid) or the HTTP client cannot start. */
struct assistant *assistant_new(uv_loop_t *loop, struct hub *hub, const struct assistant_config *cfg,
				const struct logger *log, char *err, size_t errlen);
/* Tells pending askers MSG_SHUTDOWN, cancels everything and closes all handles (asynchronously).
 * No sink is called after it returns. Idempotent. */
void assistant_shutdown(struct assistant *a);
/* Frees everything; assistant_shutdown was called and the loop has run since. NULL is fine. */
void assistant_free(struct assistant *a);

/* For other faces: the assistant as an answerer (ai/answerer.h), valid until assistant_free. Its
 * lines are at most ASSISTANT_WIDTH bytes. */
struct answerer assistant_answerer(struct assistant *a);

/* Why a request to the API failed: the API's own categories first (as ai/chat.h's), then the
 * transport's. */
enum assistant_error {
	ASSISTANT_ERR_AUTH = CHAT_ERR_AUTH,               /* 401/403 */
	ASSISTANT_ERR_RATE_LIMIT = CHAT_ERR_RATE_LIMIT,   /* 429 */
	ASSISTANT_ERR_QUOTA = CHAT_ERR_QUOTA,             /* insufficient_quota */
	ASSISTANT_ERR_BAD_REQUEST = CHAT_ERR_BAD_REQUEST, /* 400, 404, 422 */
	ASSISTANT_ERR_SERVER = CHAT_ERR_SERVER,           /* 5xx */
	ASSISTANT_ERR_OTHER = CHAT_ERR_OTHER,             /* another status or error object */
	ASSISTANT_ERR_NETWORK,   /* no connection, a reset, an invalid URL */
	ASSISTANT_ERR_TIMEOUT,   /* connect, first byte, stall or whole-answer timeout */
	ASSISTANT_ERR_MALFORMED, /* not a Chat Completions answer, or too large */
	ASSISTANT_ERR_CUT,       /* the stream stopped before the answer's end */
	ASSISTANT_ERRORS
};
/* The error's name in /metrics: "auth", "rate_limit", ... */
const char *assistant_error_name(enum assistant_error e);

/* The bounds of the latency histogram, in seconds. */
#define ASSISTANT_LATENCY_BOUNDS 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300

/* Counters, for logs, tests and /metrics. */
struct assistant_stats {
	size_t running;     /* requests holding a slot (in flight or waiting to retry) */
	size_t queued;
	uint64_t asked;     /* questions accepted */
	uint64_t answered;  /* answered in full */
	uint64_t failed;
	uint64_t requests;  /* HTTP requests to the API, each retry one more */
	uint64_t errors[ASSISTANT_ERRORS]; /* requests that failed, by why */
	struct metrics_hist latency; /* seconds from a request's start to its end, cancels apart */
};
void assistant_get_stats(const struct assistant *a, struct assistant_stats *out);

#endif
