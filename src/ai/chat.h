/* chat: the OpenAI Chat Completions codec (POST {base}/chat/completions), as spoken by OpenAI,
 * Ollama's /v1 compatibility layer, llama.cpp's server and vLLM. Pure: bytes in, structs out; no
 * I/O, no clock (callers pass "now"). JSON through jansson.
 *
 * Four jobs:
 *  - chat_request_build: the JSON body of a request;
 *  - chat_parse_chunk: one SSE "data:" payload of a streamed answer;
 *  - chat_parse_response: a whole non-streamed answer;
 *  - chat_parse_error: an HTTP error response (status, body, Retry-After) into a category the
 *    bridge can act on and a short, sanitised message for the user.
 *
 * Ownership: chat_request_build returns a heap string the caller frees with free(). A struct
 * chat_chunk owns its `content` (heap, or NULL); release it with chat_chunk_free, also after a
 * result other than CHAT_CHUNK. struct chat_error is a plain value (fixed arrays, nothing to free).
 * Every text in a chat_error is clean (valid UTF-8, no control characters, see base/utf8.h) and
 * capped, so it can go to a chat as it is; the parser never sees the API key, and it masks anything
 * in a provider's message that looks like one ("sk-..."). */
#ifndef CHARLA_AI_CHAT_H
#define CHARLA_AI_CHAT_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

enum chat_role { CHAT_ROLE_SYSTEM, CHAT_ROLE_USER, CHAT_ROLE_ASSISTANT };

/* One message of the conversation. `name` (user turns only, may be NULL) is the chat name of the
 * speaker. It is NOT sent as the API's optional "name" member, which several compatible servers
 * reject or ignore: it is written into the content instead, as "name: content", so that the model
 * can tell the people of a room apart whatever the server. */
struct chat_turn {
	enum chat_role role;
	const char *name;
	const char *content;
};

/* Which key carries the output cap. OpenAI's newer models (o1, gpt-5, ...) reject "max_tokens" and
 * want "max_completion_tokens"; Ollama, llama.cpp, vLLM and older OpenAI models read "max_tokens". */
enum chat_cap_key { CHAT_CAP_MAX_TOKENS, CHAT_CAP_MAX_COMPLETION_TOKENS };

struct chat_request {
	const char *model;               /* required */
	const char *system;              /* the system prompt; NULL or "" for none */
	const struct chat_turn *history; /* earlier turns, oldest first; may be NULL if n_history is 0 */
	size_t n_history;
	struct chat_turn question;       /* the new user turn, sent last */
	bool stream;                     /* "stream": true (default true) */
	bool include_usage;              /* "stream_options": {"include_usage": true} (default true;
	                                  * only sent when streaming) */
	enum chat_cap_key cap_key;       /* default CHAT_CAP_MAX_TOKENS */
	long max_tokens;                 /* the output cap; 0 = none sent (default 0) */
	bool has_temperature;            /* "temperature" is sent only if set (default false) */
	double temperature;
};

/* Fills the defaults above; model, question and the rest are left NULL / empty. */
void chat_request_init(struct chat_request *r);
/* Returns the request body as a NUL-terminated JSON string (heap; the caller frees it), its length
 * in *len if len is not NULL. Text that is not valid UTF-8 is sanitised (U+FFFD) rather than
 * refused, so a request can always be built. */
char *chat_request_build(const struct chat_request *r, size_t *len);

/* What the server said went wrong, and what the bridge should do about it. */
enum chat_category {
	CHAT_ERR_AUTH,        /* 401/403: the key was rejected; final */
	CHAT_ERR_RATE_LIMIT,  /* 429: retry later, honouring retry_after_ms */
	CHAT_ERR_QUOTA,       /* "insufficient_quota" (usually with 429): final, never retried */
	CHAT_ERR_BAD_REQUEST, /* 400/404/422: unknown model, unsupported parameter...; final */
	CHAT_ERR_SERVER,      /* 5xx: the server failed; may be retried */
	CHAT_ERR_OTHER,
};

#define CHAT_ERROR_MESSAGE_MAX 300 /* bytes, cut at a UTF-8 boundary */
#define CHAT_ERROR_CODE_MAX 63

struct chat_error {
	int status;                 /* the HTTP status; inside a stream, the payload's integer code
	                             * if it had one, else 0 */
	enum chat_category category;
	char code[CHAT_ERROR_CODE_MAX + 1]; /* the error's string code, else its type, else "" */
	char message[CHAT_ERROR_MESSAGE_MAX + 1]; /* the provider's message (clean, masked, capped),
	                                           * or "" if it gave none: msg_append_error then
	                                           * speaks from the status */
	long retry_after_ms;        /* from Retry-After, >= 0; -1 when absent or unreadable */
};

/* Parses an HTTP error response. body may be NULL (len 0), JSON of any of the known shapes
 * (OpenAI/Ollama {"error":{"message","type","param","code"}} with a string or null code, llama.cpp's
 * {"error":{"code":500,"message","type"}}, older vLLM's flat {"object":"error","message",...},
 * Ollama's native {"error":"text"}) or anything else (an HTML page from a proxy). retry_after is the
 * Retry-After header value or NULL: delta-seconds, or an HTTP-date, which is measured from `now`. */
void chat_parse_error(int status, const char *body, size_t len, const char *retry_after,
                      time_t now, struct chat_error *out);

enum chat_finish {
	CHAT_FINISH_NONE,   /* null or absent: more is coming */
	CHAT_FINISH_STOP,   /* "stop" (also "eos", "stop_sequence", "tool_calls"... - the model ended) */
	CHAT_FINISH_LENGTH, /* "length": the output cap cut the answer */
	CHAT_FINISH_FILTER, /* "content_filter" */
	CHAT_FINISH_OTHER,  /* any other string */
};

struct chat_usage {
	bool present;
	long prompt_tokens;
	long completion_tokens;
	long total_tokens;
};

enum chat_result {
	CHAT_CHUNK,     /* a chunk: content, finish and usage, any of which may be absent */
	CHAT_DONE,      /* the "[DONE]" sentinel that ends an OpenAI stream */
	CHAT_ERROR,     /* an error object (inside a 200 stream, or a 200 body): see `error` */
	CHAT_MALFORMED, /* not JSON, or JSON of a shape that is neither a chunk nor an error */
};

struct chat_chunk {
	char *content;        /* the text (heap, NUL-terminated), or NULL if absent, null or empty.
	                       * Raw model output: the caller sanitises it (ai/wrap does). */
	size_t content_len;
	enum chat_finish finish;
	struct chat_usage usage;  /* usage.present if this chunk carried usage */
	struct chat_error error;  /* filled for CHAT_ERROR only */
};

/* Parses one "data:" payload of a stream into *out (which the caller releases with
 * chat_chunk_free whatever the result). Reads choices[0].delta.content; a role-only first chunk
 * and "reasoning_content" give no content; "choices": [] with usage is a usage-only chunk. */
enum chat_result chat_parse_chunk(const char *data, size_t len, struct chat_chunk *out);
/* Parses a non-streamed answer (choices[0].message.content, finish_reason, usage) the same way. */
enum chat_result chat_parse_response(const char *body, size_t len, struct chat_chunk *out);
void chat_chunk_free(struct chat_chunk *c);

#endif
