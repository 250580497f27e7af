/* Unit tests for ai/chat (and ai/msg): request bodies, stream chunks, whole responses, error
 * responses and Retry-After, and the user texts built from them.
 *
 * The realistic streams below are written from the documented wire formats of OpenAI, Ollama's /v1
 * compatibility layer, llama.cpp's server and vLLM. Each is run through the SSE parser and the
 * chunk parser cut at every byte offset, byte by byte and in fixed-size pieces, and the answer put
 * back together must be exact every time. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "ai/chat.h"
#include "ai/msg.h"
#include "ai/sse.h"
#include "ai/wrap.h"
#include "base/buf.h"
#include "base/utf8.h"

/* ---- requests ---- */

static json_t *build(const struct chat_request *r)
{
	size_t len;
	char *s = chat_request_build(r, &len);
	assert_non_null(s);
	assert_int_equal(strlen(s), len);
	json_error_t err;
	json_t *j = json_loads(s, 0, &err);
	if (!j)
		fail_msg("request is not JSON: %s: %s", err.text, s);
	free(s);
	return j;
}

static const char *msg_field(json_t *j, size_t i, const char *key)
{
	json_t *m = json_array_get(json_object_get(j, "messages"), i);
	assert_true(json_is_object(m));
	return json_string_value(json_object_get(m, key));
}

static void t_request_defaults(void **state)
{
	(void)state;
	struct chat_request r;
	chat_request_init(&r);
	r.model = "gpt-4o-mini";
	r.question = (struct chat_turn){CHAT_ROLE_USER, NULL, "What is 2+2?"};
	json_t *j = build(&r);
	assert_string_equal(json_string_value(json_object_get(j, "model")), "gpt-4o-mini");
	assert_int_equal(json_array_size(json_object_get(j, "messages")), 1);
	assert_string_equal(msg_field(j, 0, "role"), "user");
	assert_string_equal(msg_field(j, 0, "content"), "What is 2+2?");
	assert_true(json_is_true(json_object_get(j, "stream")));
	json_t *so = json_object_get(j, "stream_options");
	assert_true(json_is_true(json_object_get(so, "include_usage")));
	/* Nothing optional unless set. */
	assert_null(json_object_get(j, "max_tokens"));
	assert_null(json_object_get(j, "max_completion_tokens"));
	assert_null(json_object_get(j, "temperature"));
	assert_int_equal(json_object_size(j), 4);
	json_decref(j);
}

static void t_request_conversation(void **state)
{
	(void)state;
	struct chat_turn hist[] = {
		{CHAT_ROLE_USER, "alice", "hi"},
		{CHAT_ROLE_ASSISTANT, NULL, "Hello, alice."},
		{CHAT_ROLE_USER, NULL, "no name"},
		{CHAT_ROLE_USER, "", "empty name"},
	};
	struct chat_request r;
	chat_request_init(&r);
	r.model = "llama3.2";
	r.system = "You are gpt, a member of a chat room.";
	r.history = hist;
	r.n_history = 4;
	r.question = (struct chat_turn){CHAT_ROLE_USER, "bob", "and \"quotes\"\n\\ too?"};
	json_t *j = build(&r);
	assert_int_equal(json_array_size(json_object_get(j, "messages")), 6);
	assert_string_equal(msg_field(j, 0, "role"), "system");
	assert_string_equal(msg_field(j, 0, "content"), "You are gpt, a member of a chat room.");
	assert_string_equal(msg_field(j, 1, "role"), "user");
	assert_string_equal(msg_field(j, 1, "content"), "alice: hi");
	assert_string_equal(msg_field(j, 2, "role"), "assistant");
	assert_string_equal(msg_field(j, 2, "content"), "Hello, alice.");
	assert_string_equal(msg_field(j, 3, "content"), "no name");
	assert_string_equal(msg_field(j, 4, "content"), "empty name");
	assert_string_equal(msg_field(j, 5, "content"), "bob: and \"quotes\"\n\\ too?");
	/* The name is in the content, never in a "name" member. */
	for (size_t i = 0; i < 6; i++)
		assert_null(msg_field(j, i, "name"));
	json_decref(j);
}

static void t_request_settings(void **state)
{
	(void)state;
	struct chat_request r;
	chat_request_init(&r);
	r.model = "o3-mini";
	r.question = (struct chat_turn){CHAT_ROLE_USER, NULL, "q"};
	r.max_tokens = 500;
	json_t *j = build(&r);
	assert_int_equal(json_integer_value(json_object_get(j, "max_tokens")), 500);
	assert_null(json_object_get(j, "max_completion_tokens"));
	json_decref(j);

	r.cap_key = CHAT_CAP_MAX_COMPLETION_TOKENS;
	r.include_usage = false;
	r.has_temperature = true;
	r.temperature = 0.25;
	r.system = "";
	j = build(&r);
	assert_int_equal(json_integer_value(json_object_get(j, "max_completion_tokens")), 500);
	assert_null(json_object_get(j, "max_tokens"));
	assert_null(json_object_get(j, "stream_options"));
	assert_true(json_real_value(json_object_get(j, "temperature")) == 0.25);
	assert_int_equal(json_array_size(json_object_get(j, "messages")), 1); /* "" = no system */
	json_decref(j);

	/* Not streaming: no stream_options even if include_usage is on. */
	chat_request_init(&r);
	r.model = "m";
	r.question = (struct chat_turn){CHAT_ROLE_USER, NULL, "q"};
	r.stream = false;
	j = build(&r);
	assert_true(json_is_false(json_object_get(j, "stream")));
	assert_null(json_object_get(j, "stream_options"));
	json_decref(j);
}

static void t_request_bad_utf8(void **state)
{
	(void)state;
	struct chat_request r;
	chat_request_init(&r);
	r.model = "m";
	r.question = (struct chat_turn){CHAT_ROLE_USER, "x\xFF", "caf\xC3\xA9 \xC3("};
	json_t *j = build(&r);
	assert_string_equal(msg_field(j, 0, "content"),
	                    "x\xEF\xBF\xBD: caf\xC3\xA9 \xEF\xBF\xBD(");
	json_decref(j);
}

/* ---- chunks ---- */

static enum chat_result chunk(const char *s, struct chat_chunk *c)
{
	return chat_parse_chunk(s, strlen(s), c);
}

static void t_chunk_done(void **state)
{
	(void)state;
	struct chat_chunk c;
	assert_int_equal(chunk("[DONE]", &c), CHAT_DONE);
	chat_chunk_free(&c);
	assert_int_equal(chunk(" [DONE]\r\n", &c), CHAT_DONE);
	chat_chunk_free(&c);
	assert_int_equal(chunk("[DONE", &c), CHAT_MALFORMED);
	chat_chunk_free(&c);
	assert_int_equal(chunk("[done]", &c), CHAT_MALFORMED);
	chat_chunk_free(&c);
}

static void t_chunk_content(void **state)
{
	(void)state;
	struct chat_chunk c;
	/* The first, role-only chunk: content "" counts as none. */
	assert_int_equal(chunk("{\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\","
	                       "\"content\":\"\"},\"finish_reason\":null}],\"usage\":null}", &c),
	                 CHAT_CHUNK);
	assert_null(c.content);
	assert_int_equal(c.finish, CHAT_FINISH_NONE);
	assert_false(c.usage.present);
	chat_chunk_free(&c);

	assert_int_equal(chunk("{\"choices\":[{\"delta\":{\"content\":\"Hi \\u00e9\\ud83d\\udc4b\\n\"}}]}",
	                       &c), CHAT_CHUNK);
	assert_int_equal(c.content_len, 10);
	assert_string_equal(c.content, "Hi \xC3\xA9\xF0\x9F\x91\x8B\n");
	chat_chunk_free(&c);
	assert_null(c.content);

	/* null content, absent content, absent delta, reasoning_content: no content. */
	const char *none[] = {
		"{\"choices\":[{\"delta\":{\"content\":null}}]}",
		"{\"choices\":[{\"delta\":{}}]}",
		"{\"choices\":[{\"index\":0}]}",
		"{\"choices\":[{\"delta\":null}]}",
		"{\"choices\":[{\"delta\":{\"reasoning_content\":\"Let me think.\"}}]}",
		"{\"choices\":[]}",
		"{\"choices\":null,\"usage\":null,\"x\":1}",
	};
	for (size_t i = 0; i < sizeof(none) / sizeof(none[0]); i++) {
		enum chat_result res = chunk(none[i], &c);
		if (i == 6) {
			/* Neither choices nor usage: not a chunk. */
			assert_int_equal(res, CHAT_MALFORMED);
		} else {
			assert_int_equal(res, CHAT_CHUNK);
		}
		assert_null(c.content);
		chat_chunk_free(&c);
	}

	/* A NUL inside the content survives (wrap makes it U+FFFD later). */
	assert_int_equal(chunk("{\"choices\":[{\"delta\":{\"content\":\"a\\u0000b\"}}]}", &c),
	                 CHAT_CHUNK);
	assert_int_equal(c.content_len, 3);
	assert_memory_equal(c.content, "a\0b", 3);
	chat_chunk_free(&c);
}

static void t_chunk_finish(void **state)
{
	(void)state;
	static const struct {
		const char *reason;
		enum chat_finish want;
	} cases[] = {
		{"null", CHAT_FINISH_NONE},
		{"\"stop\"", CHAT_FINISH_STOP},
		{"\"length\"", CHAT_FINISH_LENGTH},
		{"\"content_filter\"", CHAT_FINISH_FILTER},
		{"\"tool_calls\"", CHAT_FINISH_STOP},
		{"\"eos\"", CHAT_FINISH_STOP},
		{"\"abort\"", CHAT_FINISH_OTHER},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char s[200];
		snprintf(s, sizeof(s), "{\"choices\":[{\"delta\":{},\"finish_reason\":%s}]}",
		         cases[i].reason);
		struct chat_chunk c;
		assert_int_equal(chunk(s, &c), CHAT_CHUNK);
		assert_int_equal(c.finish, cases[i].want);
		chat_chunk_free(&c);
	}
}

static void t_chunk_usage(void **state)
{
	(void)state;
	struct chat_chunk c;
	/* OpenAI / vLLM / Ollama: a separate last chunk with empty choices. */
	assert_int_equal(chunk("{\"id\":\"x\",\"choices\":[],\"usage\":{\"prompt_tokens\":19,"
	                       "\"completion_tokens\":10,\"total_tokens\":29,"
	                       "\"completion_tokens_details\":{\"reasoning_tokens\":0}}}", &c),
	                 CHAT_CHUNK);
	assert_true(c.usage.present);
	assert_int_equal(c.usage.prompt_tokens, 19);
	assert_int_equal(c.usage.completion_tokens, 10);
	assert_int_equal(c.usage.total_tokens, 29);
	assert_null(c.content);
	chat_chunk_free(&c);
	/* llama.cpp: in the last content chunk, with content and a finish reason. */
	assert_int_equal(chunk("{\"choices\":[{\"finish_reason\":\"stop\",\"index\":0,\"delta\":"
	                       "{\"content\":\"end.\"}}],\"usage\":{\"completion_tokens\":5,"
	                       "\"prompt_tokens\":12,\"total_tokens\":17},\"timings\":{}}", &c),
	                 CHAT_CHUNK);
	assert_true(c.usage.present);
	assert_int_equal(c.usage.total_tokens, 17);
	assert_string_equal(c.content, "end.");
	assert_int_equal(c.finish, CHAT_FINISH_STOP);
	chat_chunk_free(&c);
	/* Counts written as reals, or absurd ones. */
	assert_int_equal(chunk("{\"usage\":{\"prompt_tokens\":3.0,\"completion_tokens\":1e300,"
	                       "\"total_tokens\":-1e300}}", &c), CHAT_CHUNK);
	assert_int_equal(c.usage.prompt_tokens, 3);
	assert_int_equal(c.usage.completion_tokens, 0);
	assert_int_equal(c.usage.total_tokens, 0);
	chat_chunk_free(&c);
	/* Usage without total: the sum. Usage alone, without choices. */
	assert_int_equal(chunk("{\"usage\":{\"prompt_tokens\":3,\"completion_tokens\":4}}", &c),
	                 CHAT_CHUNK);
	assert_int_equal(c.usage.total_tokens, 7);
	chat_chunk_free(&c);
}

static void t_chunk_error_in_stream(void **state)
{
	(void)state;
	struct chat_chunk c;
	/* OpenAI's shape inside a 200 stream. */
	assert_int_equal(chunk("{\"error\":{\"message\":\"The server had an error while processing "
	                       "your request. Sorry about that!\",\"type\":\"server_error\","
	                       "\"param\":null,\"code\":null}}", &c), CHAT_ERROR);
	assert_int_equal(c.error.category, CHAT_ERR_SERVER);
	assert_int_equal(c.error.status, 0);
	assert_string_equal(c.error.code, "server_error");
	assert_string_equal(c.error.message, "The server had an error while processing your "
	                                     "request. Sorry about that!");
	chat_chunk_free(&c);
	/* vLLM: an error object with an integer code. */
	assert_int_equal(chunk("{\"error\":{\"object\":\"error\",\"message\":\"This model's maximum "
	                       "context length is 4096 tokens.\",\"type\":\"BadRequestError\","
	                       "\"param\":null,\"code\":400}}", &c), CHAT_ERROR);
	assert_int_equal(c.error.category, CHAT_ERR_BAD_REQUEST);
	assert_int_equal(c.error.status, 400);
	assert_string_equal(c.error.code, "BadRequestError");
	chat_chunk_free(&c);
	/* Older vLLM: flat. */
	assert_int_equal(chunk("{\"object\":\"error\",\"message\":\"boom\",\"type\":"
	                       "\"InternalServerError\",\"param\":null,\"code\":500}", &c),
	                 CHAT_ERROR);
	assert_int_equal(c.error.category, CHAT_ERR_SERVER);
	assert_int_equal(c.error.status, 500);
	assert_string_equal(c.error.message, "boom");
	chat_chunk_free(&c);
	/* llama.cpp's "error:" line carries a bare object. */
	assert_int_equal(chunk("{\"code\":500,\"message\":\"failed to decode\",\"type\":"
	                       "\"server_error\"}", &c), CHAT_ERROR);
	assert_int_equal(c.error.status, 500);
	assert_int_equal(c.error.category, CHAT_ERR_SERVER);
	chat_chunk_free(&c);
	/* Ollama native. */
	assert_int_equal(chunk("{\"error\":\"an error was encountered while running the model\"}",
	                       &c), CHAT_ERROR);
	assert_int_equal(c.error.category, CHAT_ERR_OTHER);
	assert_string_equal(c.error.message, "an error was encountered while running the model");
	chat_chunk_free(&c);
	/* Quota inside a stream. */
	assert_int_equal(chunk("{\"error\":{\"message\":\"You exceeded your current quota\","
	                       "\"type\":\"insufficient_quota\",\"code\":\"insufficient_quota\"}}",
	                       &c), CHAT_ERROR);
	assert_int_equal(c.error.category, CHAT_ERR_QUOTA);
	chat_chunk_free(&c);
}

static void t_chunk_malformed(void **state)
{
	(void)state;
	const char *bad[] = {
		"", "   ", "not json", "{\"choices\":[{\"delta\":{\"content\":\"cut", "null", "42",
		"\"text\"", "[]", "[{\"choices\":[]}]", "{}", "{\"id\":\"x\"}", "{\"choices\":5}",
		"{\"choices\":{}}", "{\"choices\":[5]}", "{\"choices\":[{\"delta\":5}]}",
		"{\"choices\":[{\"delta\":{\"content\":5}}]}",
		"{\"choices\":[{\"delta\":{\"content\":[\"a\"]}}]}",
		"{\"choices\":[{\"delta\":{},\"finish_reason\":1}]}", "{\"usage\":5}",
		"{\"choices\":[],\"usage\":[]}", "{\"choices\":[]} trailing",
		"{\"choices\":[{\"delta\":{\"content\":\"\xFF\"}}]}", /* not UTF-8 */
		"data: {\"choices\":[]}",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct chat_chunk c;
		if (chunk(bad[i], &c) != CHAT_MALFORMED)
			fail_msg("not malformed: %s", bad[i]);
		assert_null(c.content);
		assert_false(c.usage.present);
		chat_chunk_free(&c);
	}
	struct chat_chunk c;
	assert_int_equal(chat_parse_chunk(NULL, 0, &c), CHAT_MALFORMED);
	chat_chunk_free(&c);
}

static void t_response(void **state)
{
	(void)state;
	const char *body =
		"{\"id\":\"chatcmpl-B9MHDbslfkBeAs8l4bebGdFOJ6PeG\",\"object\":\"chat.completion\","
		"\"created\":1741570283,\"model\":\"gpt-4o-2024-08-06\",\"choices\":[{\"index\":0,"
		"\"message\":{\"role\":\"assistant\",\"content\":\"Four.\\nThat is all.\","
		"\"refusal\":null,\"annotations\":[]},\"logprobs\":null,\"finish_reason\":\"stop\"}],"
		"\"usage\":{\"prompt_tokens\":1117,\"completion_tokens\":46,\"total_tokens\":1163},"
		"\"service_tier\":\"default\",\"system_fingerprint\":\"fp_fc9f1d7035\"}";
	struct chat_chunk c;
	assert_int_equal(chat_parse_response(body, strlen(body), &c), CHAT_CHUNK);
	assert_string_equal(c.content, "Four.\nThat is all.");
	assert_int_equal(c.finish, CHAT_FINISH_STOP);
	assert_int_equal(c.usage.total_tokens, 1163);
	chat_chunk_free(&c);
	/* A streamed chunk is not a response: it has no message. */
	const char *delta = "{\"choices\":[{\"delta\":{\"content\":\"x\"}}]}";
	assert_int_equal(chat_parse_response(delta, strlen(delta), &c), CHAT_CHUNK);
	assert_null(c.content);
	chat_chunk_free(&c);
	const char *err = "{\"error\":{\"message\":\"m\",\"type\":\"invalid_request_error\"}}";
	assert_int_equal(chat_parse_response(err, strlen(err), &c), CHAT_ERROR);
	assert_int_equal(c.error.category, CHAT_ERR_BAD_REQUEST);
	chat_chunk_free(&c);
	assert_int_equal(chat_parse_response("[DONE]", 6, &c), CHAT_MALFORMED);
	chat_chunk_free(&c);
}

/* ---- HTTP errors ---- */

static void perr(int status, const char *body, const char *retry, struct chat_error *e)
{
	chat_parse_error(status, body, body ? strlen(body) : 0, retry, 1700000000, e);
}

static void t_error_shapes(void **state)
{
	(void)state;
	struct chat_error e;
	/* OpenAI 401 (the message quotes part of the key: it must be masked). */
	perr(401, "{\n    \"error\": {\n        \"message\": \"Incorrect API key provided: "
	          "sk-proj-abcd********************************wxyz. You can find your API key "
	          "at https://platform.openai.com/account/api-keys.\",\n        \"type\": "
	          "\"invalid_request_error\",\n        \"param\": null,\n        \"code\": "
	          "\"invalid_api_key\"\n    }\n}\n", NULL, &e);
	assert_int_equal(e.status, 401);
	assert_int_equal(e.category, CHAT_ERR_AUTH);
	assert_string_equal(e.code, "invalid_api_key");
	assert_null(strstr(e.message, "abcd"));
	assert_null(strstr(e.message, "wxyz"));
	assert_non_null(strstr(e.message, "Incorrect API key provided: sk-***. You can find"));
	assert_int_equal(e.retry_after_ms, -1);

	/* OpenAI 429 rate limit with Retry-After, and 429 insufficient_quota. */
	perr(429, "{\"error\":{\"message\":\"Rate limit reached for gpt-4o-mini in organization "
	          "org-xyz on requests per min (RPM): Limit 3, Used 3, Requested 1.\",\"type\":"
	          "\"requests\",\"param\":null,\"code\":\"rate_limit_exceeded\"}}", "20", &e);
	assert_int_equal(e.category, CHAT_ERR_RATE_LIMIT);
	assert_string_equal(e.code, "rate_limit_exceeded");
	assert_int_equal(e.retry_after_ms, 20000);
	perr(429, "{\"error\":{\"message\":\"You exceeded your current quota, please check your "
	          "plan and billing details.\",\"type\":\"insufficient_quota\",\"param\":null,"
	          "\"code\":\"insufficient_quota\"}}", "1", &e);
	assert_int_equal(e.category, CHAT_ERR_QUOTA);
	assert_string_equal(e.code, "insufficient_quota");
	/* Quota wins whatever the status. */
	perr(403, "{\"error\":{\"message\":\"q\",\"type\":\"insufficient_quota\",\"code\":null}}",
	     NULL, &e);
	assert_int_equal(e.category, CHAT_ERR_QUOTA);
	assert_string_equal(e.code, "insufficient_quota"); /* code null: the type is shown */

	/* Ollama /v1: unknown model. */
	perr(404, "{\"error\":{\"message\":\"model \\\"llama9\\\" not found, try pulling it first\","
	          "\"type\":\"api_error\",\"param\":null,\"code\":null}}", NULL, &e);
	assert_int_equal(e.category, CHAT_ERR_BAD_REQUEST);
	assert_string_equal(e.message, "model \"llama9\" not found, try pulling it first");
	assert_string_equal(e.code, "api_error");
	/* Ollama native. */
	perr(404, "{\"error\":\"model 'x' not found\"}", NULL, &e);
	assert_int_equal(e.category, CHAT_ERR_BAD_REQUEST);
	assert_string_equal(e.message, "model 'x' not found");
	assert_string_equal(e.code, "");
	/* llama.cpp: integer code. */
	perr(500, "{\"error\":{\"code\":500,\"message\":\"the request exceeds the available "
	          "context size\",\"type\":\"server_error\"}}", NULL, &e);
	assert_int_equal(e.category, CHAT_ERR_SERVER);
	assert_int_equal(e.status, 500);
	assert_string_equal(e.code, "server_error");
	perr(401, "{\"error\":{\"code\":401,\"message\":\"Invalid API Key\",\"type\":"
	          "\"authentication_error\"}}", NULL, &e);
	assert_int_equal(e.category, CHAT_ERR_AUTH);
	/* Older vLLM: flat. */
	perr(400, "{\"object\":\"error\",\"message\":\"[{'type': 'missing', 'loc': ('body', "
	          "'model')}]\",\"type\":\"BadRequestError\",\"param\":null,\"code\":400}", NULL, &e);
	assert_int_equal(e.category, CHAT_ERR_BAD_REQUEST);
	assert_string_equal(e.code, "BadRequestError");
	assert_int_equal(e.status, 400);
	perr(422, "{\"detail\":[{\"type\":\"missing\"}]}", NULL, &e);
	assert_int_equal(e.category, CHAT_ERR_BAD_REQUEST);
	assert_string_equal(e.message, "");
}

static void t_error_not_json(void **state)
{
	(void)state;
	struct chat_error e;
	perr(502, "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n<center><h1>"
	          "502 Bad Gateway</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n"
	          "</html>\r\n", NULL, &e);
	assert_int_equal(e.category, CHAT_ERR_SERVER);
	assert_string_equal(e.message, "");
	perr(503, NULL, "120", &e);
	assert_int_equal(e.category, CHAT_ERR_SERVER);
	assert_int_equal(e.retry_after_ms, 120000);
	perr(429, "", NULL, &e);
	assert_int_equal(e.category, CHAT_ERR_RATE_LIMIT);
	perr(404, "404 page not found", NULL, &e);
	assert_string_equal(e.message, "404 page not found");
	perr(418, "   \n", NULL, &e);
	assert_int_equal(e.category, CHAT_ERR_OTHER);
	assert_string_equal(e.message, "");
	perr(403, "Forbidden\n", NULL, &e);
	assert_int_equal(e.category, CHAT_ERR_AUTH);
	assert_string_equal(e.message, "Forbidden");
	/* JSON, but not an error object: nothing to quote. */
	perr(500, "{\"detail\":\"x\"}", NULL, &e);
	assert_string_equal(e.message, "");
	perr(500, "[1,2]", NULL, &e);
	assert_string_equal(e.message, "");
}

static void t_error_message_sanitised(void **state)
{
	(void)state;
	struct chat_error e;
	/* Control characters, escape sequences, line breaks and bad bytes. */
	perr(400, "{\"error\":{\"message\":\"bad\\u001b[31m red\\u001b[0m\\r\\nnext\\tline\\u0007 "
	          "\\u001b]0;title\\u0007ok \\u009b\"}}", NULL, &e);
	assert_string_equal(e.message, "bad red next line\xEF\xBF\xBD ok \xEF\xBF\xBD");
	assert_true(utf8_is_clean(e.message, strlen(e.message)));
	/* Capped at a character boundary, with "..." */
	char body[2000];
	struct buf b = BUF_INIT;
	buf_puts(&b, "{\"error\":{\"message\":\"");
	for (int i = 0; i < 400; i++)
		buf_puts(&b, "\xC3\xA9");
	buf_puts(&b, "\",\"code\":\"");
	for (int i = 0; i < 100; i++)
		buf_puts(&b, "c");
	buf_puts(&b, "\"}}");
	assert_true(b.len < sizeof(body));
	memcpy(body, b.data, b.len + 1);
	buf_free(&b);
	perr(400, body, NULL, &e);
	size_t n = strlen(e.message);
	assert_true(n <= CHAT_ERROR_MESSAGE_MAX);
	assert_true(n >= CHAT_ERROR_MESSAGE_MAX - 4);
	assert_true(utf8_is_clean(e.message, n));
	assert_string_equal(e.message + n - 3, "...");
	assert_true(strlen(e.code) <= CHAT_ERROR_CODE_MAX);
	/* Plain text body with an escape: cleaned too. */
	perr(500, "oops \x1b[2J\x1b[H gone", NULL, &e);
	assert_string_equal(e.message, "oops gone");
	/* A long alphanumeric key-like token is masked too; ordinary words are not. */
	perr(401, "{\"error\":{\"message\":\"bad key gsk_9f8e7d6c5b4a39281706f5e4d3c2b1a0ZZ here\"}}",
	     NULL, &e);
	assert_string_equal(e.message, "bad key *** here");
}

static void t_retry_after(void **state)
{
	(void)state;
	struct chat_error e;
	/* now = 1700000000 = Tue, 14 Nov 2023 22:13:20 GMT */
	static const struct {
		const char *v;
		long ms;
	} cases[] = {
		{"0", 0},
		{"7", 7000},
		{" 30 ", 30000},
		{"99999999999999999999", 2000000L * 1000},
		{"1.5", -1},
		{"-3", -1},
		{"soon", -1},
		{"", -1},
		{"Tue, 14 Nov 2023 22:13:50 GMT", 30000},        /* IMF-fixdate */
		{"Tuesday, 14-Nov-23 22:14:20 GMT", 60000},      /* RFC 850 */
		{"Tue Nov 14 22:15:20 2023", 120000},            /* asctime */
		{"Tue Nov  4 22:15:20 2023", 0},                 /* asctime, in the past */
		{"Mon, 13 Nov 2023 22:13:20 GMT", 0},            /* in the past */
		{"Wed, 15 Nov 2023 00:00:00 GMT", 6400000},      /* across midnight */
		{"Fri, 01 Mar 2024 00:00:00 GMT", 2000000L * 1000},           /* capped */
		{"Tue, 14 Nov 2023 25:13:50 GMT", -1},
		{"Tue, 14 Foo 2023 22:13:50 GMT", -1},
		{"Tue, 14 Nov 2023 22:13 GMT", -1},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		perr(429, NULL, cases[i].v, &e);
		if (e.retry_after_ms != cases[i].ms)
			fail_msg("Retry-After \"%s\": got %ld, want %ld", cases[i].v, e.retry_after_ms,
			         cases[i].ms);
	}
	/* Leap years: 2024-02-29 exists. */
	chat_parse_error(429, NULL, 0, "Thu, 29 Feb 2024 00:00:10 GMT", 1709164800, &e);
	assert_int_equal(e.retry_after_ms, 10000);
}

/* ---- the texts ---- */

static void t_msg_texts(void **state)
{
	(void)state;
	for (int id = 0; id < MSG_COUNT; id++) {
		struct buf b = BUF_INIT;
		msg_append(&b, LANG_EN, (enum msg_id)id, 42, "gpt");
		/* Sentences, but for the one word a help line shows after /ask. */
		assert_true(b.len > 10 || (id == MSG_ASK_ARGS && !strcmp(b.data, "QUESTION")));
		assert_true(utf8_is_clean(b.data, b.len));
		assert_null(strchr(b.data, '{'));
		buf_free(&b);
	}
	struct buf b = BUF_INIT;
	msg_append(&b, LANG_EN, MSG_QUEUED, 3, NULL);
	assert_non_null(strstr(b.data, "number 3 in the queue"));
	buf_clear(&b);
	msg_append(&b, LANG_EN, MSG_USAGE, 0, "bot");
	assert_non_null(strstr(b.data, "\"bot: question\""));
	assert_non_null(strstr(b.data, "@bot"));
	buf_clear(&b);
	/* {s} is sanitised and capped. */
	msg_append(&b, LANG_EN, MSG_NETWORK, 0, "Couldn't connect\x1b[31m\n");
	assert_true(utf8_is_clean(b.data, b.len));
	assert_non_null(strstr(b.data, "Couldn't connect"));
	buf_free(&b);
}

static void t_msg_errors(void **state)
{
	(void)state;
	struct chat_error e;
	struct buf b = BUF_INIT;
	perr(401, "{\"error\":{\"message\":\"Incorrect API key provided: sk-abc123.\",\"type\":"
	          "\"invalid_request_error\",\"code\":\"invalid_api_key\"}}", NULL, &e);
	msg_append_error(&b, LANG_EN, &e);
	assert_string_equal(b.data, "the API key was rejected (401 invalid_api_key): check "
	                            "OPENAI_API_KEY or --ai-key-file");
	buf_clear(&b);
	perr(429, "{\"error\":{\"message\":\"q\",\"type\":\"insufficient_quota\",\"code\":"
	          "\"insufficient_quota\"}}", NULL, &e);
	msg_append_error(&b, LANG_EN, &e);
	assert_non_null(strstr(b.data, "no quota left (429 insufficient_quota)"));
	buf_clear(&b);
	perr(502, "<html>bad gateway</html>", NULL, &e);
	msg_append_error(&b, LANG_EN, &e);
	assert_string_equal(b.data, "the API failed (502): Bad Gateway");
	buf_clear(&b);
	perr(404, "{\"error\":\"model 'x' not found\"}", NULL, &e);
	msg_append_error(&b, LANG_EN, &e);
	assert_string_equal(b.data, "the API refused the request (404): model 'x' not found");
	buf_clear(&b);
	perr(400, "{\"error\":{\"message\":\"Unsupported parameter: 'max_tokens' is not supported "
	          "with this model. Use 'max_completion_tokens' instead.\",\"type\":"
	          "\"invalid_request_error\",\"param\":\"max_tokens\",\"code\":"
	          "\"unsupported_parameter\"}}", NULL, &e);
	msg_append_error(&b, LANG_EN, &e);
	assert_non_null(strstr(b.data, "(400 unsupported_parameter): Unsupported parameter"));
	assert_non_null(strstr(b.data, "(try --ai-cap-key max_completion_tokens)"));
	buf_clear(&b);
	perr(403, "{\"error\":{\"message\":\"Country, region, or territory not supported\","
	          "\"type\":\"request_forbidden\",\"code\":\"unsupported_country_region_territory\"}}",
	     NULL, &e);
	msg_append_error(&b, LANG_EN, &e);
	assert_non_null(strstr(b.data, "refused access (403 unsupported_country_region_territory)"
	                               ": Country"));
	buf_clear(&b);
	/* Inside a stream: no status. */
	struct chat_chunk c;
	assert_int_equal(chunk("{\"error\":{\"message\":\"overloaded\",\"type\":\"server_error\"}}",
	                       &c), CHAT_ERROR);
	msg_append_error(&b, LANG_EN, &c.error);
	assert_string_equal(b.data, "the API failed (server_error): overloaded");
	chat_chunk_free(&c);
	buf_clear(&b);
	assert_int_equal(chunk("{\"error\":{}}", &c), CHAT_ERROR);
	msg_append_error(&b, LANG_EN, &c.error);
	assert_string_equal(b.data, "the API answered with an error: no details given");
	chat_chunk_free(&c);
	buf_free(&b);
}

/* ---- realistic streams, split everywhere ---- */

struct answer {
	struct sse sse;
	struct buf text;
	struct chat_usage usage;
	enum chat_finish finish;
	bool done;
	enum chat_result last;
	struct chat_error error;
	unsigned chunks;
};

static bool answer_event(void *arg, const struct sse_event *ev)
{
	struct answer *a = arg;
	struct chat_chunk c;
	enum chat_result res = chat_parse_chunk(ev->data, ev->len, &c);
	a->last = res;
	switch (res) {
	case CHAT_CHUNK:
		a->chunks++;
		if (c.content)
			buf_append(&a->text, c.content, c.content_len);
		if (c.usage.present)
			a->usage = c.usage;
		if (c.finish != CHAT_FINISH_NONE)
			a->finish = c.finish;
		break;
	case CHAT_DONE:
		a->done = true;
		break;
	case CHAT_ERROR:
		a->error = c.error;
		break;
	case CHAT_MALFORMED:
		break;
	}
	chat_chunk_free(&c);
	return res == CHAT_CHUNK;
}

static void answer_init(struct answer *a)
{
	memset(a, 0, sizeof(*a));
	sse_init(&a->sse, 1 << 16);
	buf_init(&a->text);
}

static void answer_feed(struct answer *a, const char *s, size_t n)
{
	char *copy = malloc(n ? n : 1);
	assert_non_null(copy);
	memcpy(copy, s, n);
	sse_feed(&a->sse, copy, n, answer_event, a);
	free(copy);
}

static void answer_expect(struct answer *a, const struct answer *want)
{
	const char *got = a->text.data ? a->text.data : "";
	const char *exp = want->text.data ? want->text.data : "";
	if (a->text.len != want->text.len || memcmp(got, exp, a->text.len) != 0)
		fail_msg("answer\n got: \"%s\"\nwant: \"%s\"", got, exp);
	assert_int_equal(a->done, want->done);
	assert_int_equal(a->last, want->last);
	assert_int_equal(a->finish, want->finish);
	assert_int_equal(a->chunks, want->chunks);
	assert_int_equal(a->usage.present, want->usage.present);
	assert_int_equal(a->usage.prompt_tokens, want->usage.prompt_tokens);
	assert_int_equal(a->usage.completion_tokens, want->usage.completion_tokens);
	assert_int_equal(a->usage.total_tokens, want->usage.total_tokens);
	assert_int_equal(a->error.category, want->error.category);
	assert_string_equal(a->error.message, want->error.message);
	assert_int_equal(sse_finish(&a->sse), sse_finish(&want->sse));
	sse_free(&a->sse);
	buf_free(&a->text);
}

/* Runs the stream whole (into *ref), then at every two-piece split, byte by byte and in pieces of
 * 2 to 17 bytes, each time expecting exactly what the whole run gave. */
static void run_everywhere(const char *s, struct answer *ref)
{
	size_t n = strlen(s);
	answer_init(ref);
	answer_feed(ref, s, n);
	for (size_t cut = 0; cut <= n; cut++) {
		struct answer a;
		answer_init(&a);
		answer_feed(&a, s, cut);
		answer_feed(&a, s + cut, n - cut);
		answer_expect(&a, ref);
	}
	for (size_t step = 1; step <= 17; step++) {
		struct answer a;
		answer_init(&a);
		for (size_t i = 0; i < n; i += step)
			answer_feed(&a, s + i, n - i < step ? n - i : step);
		answer_expect(&a, ref);
	}
}

static void answer_free(struct answer *ref)
{
	sse_free(&ref->sse);
	buf_free(&ref->text);
}

#define OPENAI_HEAD "data: {\"id\":\"chatcmpl-B9MBs8CjcvOU2jLn4n570S5qMJKcT\",\"object\":" \
	"\"chat.completion.chunk\",\"created\":1741570283,\"model\":\"gpt-4o-mini-2024-07-18\"," \
	"\"service_tier\":\"default\",\"system_fingerprint\":\"fp_06737a9306\",\"choices\":"

static const char openai_stream[] =
	OPENAI_HEAD "[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"\",\"refusal\":"
	"null},\"logprobs\":null,\"finish_reason\":null}],\"usage\":null}\n\n"
	OPENAI_HEAD "[{\"index\":0,\"delta\":{\"content\":\"Hola\"},\"logprobs\":null,"
	"\"finish_reason\":null}],\"usage\":null}\n\n"
	OPENAI_HEAD "[{\"index\":0,\"delta\":{\"content\":\", \\u00bfqu\\u00e9 tal?\"},"
	"\"logprobs\":null,\"finish_reason\":null}],\"usage\":null}\n\n"
	OPENAI_HEAD "[{\"index\":0,\"delta\":{\"content\":\" \xC3\x91" "and\xC3\xBA \xF0\x9F\x91\x8B\\n"
	"\\n\"},\"logprobs\":null,\"finish_reason\":null}],\"usage\":null}\n\n"
	OPENAI_HEAD "[{\"index\":0,\"delta\":{\"content\":\"2 + 2 = 4 \\ud83e\\uddee\"},"
	"\"logprobs\":null,\"finish_reason\":null}],\"usage\":null}\n\n"
	OPENAI_HEAD "[{\"index\":0,\"delta\":{},\"logprobs\":null,\"finish_reason\":\"stop\"}],"
	"\"usage\":null}\n\n"
	OPENAI_HEAD "[],\"usage\":{\"prompt_tokens\":19,\"completion_tokens\":15,\"total_tokens\":34,"
	"\"prompt_tokens_details\":{\"cached_tokens\":0,\"audio_tokens\":0},"
	"\"completion_tokens_details\":{\"reasoning_tokens\":0,\"audio_tokens\":0,"
	"\"accepted_prediction_tokens\":0,\"rejected_prediction_tokens\":0}}}\n\n"
	"data: [DONE]\n\n";

static const char openai_answer[] = "Hola, \xC2\xBFqu\xC3\xA9 tal? \xC3\x91" "and\xC3\xBA "
                                    "\xF0\x9F\x91\x8B\n\n2 + 2 = 4 \xF0\x9F\xA7\xAE";

static void t_stream_openai(void **state)
{
	(void)state;
	struct answer ref;
	run_everywhere(openai_stream, &ref);
	assert_string_equal(ref.text.data, openai_answer);
	assert_true(ref.done);
	assert_int_equal(ref.finish, CHAT_FINISH_STOP);
	assert_int_equal(ref.chunks, 7);
	assert_true(ref.usage.present);
	assert_int_equal(ref.usage.total_tokens, 34);
	assert_int_equal(sse_finish(&ref.sse), SSE_STOPPED); /* stopped at [DONE] */
	answer_free(&ref);

	/* The same through a proxy that uses CRLF line ends. */
	struct buf crlf = BUF_INIT;
	for (const char *p = openai_stream; *p; p++) {
		if (*p == '\n')
			buf_putc(&crlf, '\r');
		buf_putc(&crlf, *p);
	}
	run_everywhere(crlf.data, &ref);
	assert_string_equal(ref.text.data, openai_answer);
	assert_true(ref.done);
	answer_free(&ref);
	buf_free(&crlf);
}

#define OLLAMA_HEAD "data: {\"id\":\"chatcmpl-429\",\"object\":\"chat.completion.chunk\"," \
	"\"created\":1733415263,\"model\":\"llama3.2\",\"system_fingerprint\":\"fp_ollama\"," \
	"\"choices\":"

static void t_stream_ollama(void **state)
{
	(void)state;
	const char *s =
		OLLAMA_HEAD "[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"El \"},"
		"\"finish_reason\":null}]}\n\n"
		OLLAMA_HEAD "[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"cielo es "
		"azul\"},\"finish_reason\":null}]}\n\n"
		OLLAMA_HEAD "[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\" por la "
		"dispersi\xC3\xB3n de Rayleigh.\"},\"finish_reason\":null}]}\n\n"
		OLLAMA_HEAD "[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"\"},"
		"\"finish_reason\":\"length\"}]}\n\n"
		OLLAMA_HEAD "[],\"usage\":{\"prompt_tokens\":26,\"completion_tokens\":12,"
		"\"total_tokens\":38}}\n\n"
		"data: [DONE]\n\n";
	struct answer ref;
	run_everywhere(s, &ref);
	assert_string_equal(ref.text.data, "El cielo es azul por la dispersi\xC3\xB3n de Rayleigh.");
	assert_int_equal(ref.finish, CHAT_FINISH_LENGTH);
	assert_int_equal(ref.usage.prompt_tokens, 26);
	assert_true(ref.done);
	answer_free(&ref);
}

#define LLAMA_TAIL ",\"created\":1738000000,\"id\":\"chatcmpl-mT9ZZEbvXwZ3sOlbB2ezRr0aNnAvvDEb\"," \
	"\"model\":\"gpt-3.5-turbo\",\"system_fingerprint\":\"b4600-75af08c4\",\"object\":" \
	"\"chat.completion.chunk\""

static void t_stream_llama_cpp(void **state)
{
	(void)state;
	/* Usage and timings come in the last content chunk; reasoning_content is skipped. */
	const char *s =
		"data: {\"choices\":[{\"finish_reason\":null,\"index\":0,\"delta\":{\"role\":"
		"\"assistant\",\"content\":null}}]" LLAMA_TAIL "}\n\n"
		"data: {\"choices\":[{\"finish_reason\":null,\"index\":0,\"delta\":{"
		"\"reasoning_content\":\"The user greets.\"}}]" LLAMA_TAIL "}\n\n"
		"data: {\"choices\":[{\"finish_reason\":null,\"index\":0,\"delta\":{\"content\":"
		"\"Bonjour \\u00e0 tous\"}}]" LLAMA_TAIL "}\n\n"
		"data: {\"choices\":[{\"finish_reason\":null,\"index\":0,\"delta\":{\"content\":"
		"\" \xE2\x80\x94 \xE4\xBD\xA0\xE5\xA5\xBD\"}}]" LLAMA_TAIL "}\n\n"
		"data: {\"choices\":[{\"finish_reason\":\"stop\",\"index\":0,\"delta\":{}}]" LLAMA_TAIL
		",\"usage\":{\"completion_tokens\":6,\"prompt_tokens\":12,\"total_tokens\":18},"
		"\"timings\":{\"prompt_n\":12,\"prompt_ms\":30.1,\"prompt_per_token_ms\":2.5,"
		"\"prompt_per_second\":398.6,\"predicted_n\":6,\"predicted_ms\":80.2,"
		"\"predicted_per_token_ms\":13.3,\"predicted_per_second\":74.8}}\n\n"
		"data: [DONE]\n\n";
	struct answer ref;
	run_everywhere(s, &ref);
	assert_string_equal(ref.text.data, "Bonjour \xC3\xA0 tous \xE2\x80\x94 \xE4\xBD\xA0\xE5\xA5\xBD");
	assert_int_equal(ref.usage.total_tokens, 18);
	assert_int_equal(ref.finish, CHAT_FINISH_STOP);
	assert_true(ref.done);
	answer_free(&ref);

	/* An error in the middle of the stream, as llama.cpp writes it ("error:" line). */
	const char *e =
		"data: {\"choices\":[{\"finish_reason\":null,\"index\":0,\"delta\":{\"content\":"
		"\"Part\"}}]" LLAMA_TAIL "}\n\n"
		"error: {\"code\":500,\"message\":\"Input prompt is too big compared to KV size.\","
		"\"type\":\"server_error\"}\n\n";
	run_everywhere(e, &ref);
	assert_string_equal(ref.text.data, "Part");
	assert_int_equal(ref.last, CHAT_ERROR);
	assert_int_equal(ref.error.category, CHAT_ERR_SERVER);
	assert_string_equal(ref.error.message, "Input prompt is too big compared to KV size.");
	assert_false(ref.done);
	answer_free(&ref);
}

#define VLLM_HEAD "data: {\"id\":\"chatcmpl-9f2c3a0b6e\",\"object\":\"chat.completion.chunk\"," \
	"\"created\":1730000000,\"model\":\"Qwen/Qwen2.5-7B-Instruct\",\"choices\":"

static void t_stream_vllm(void **state)
{
	(void)state;
	const char *s =
		VLLM_HEAD "[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"\"},"
		"\"logprobs\":null,\"finish_reason\":null}]}\n\n"
		VLLM_HEAD "[{\"index\":0,\"delta\":{\"content\":\"line one\\nline two\\r\\n\"},"
		"\"logprobs\":null,\"finish_reason\":null}]}\n\n"
		VLLM_HEAD "[{\"index\":0,\"delta\":{\"content\":\"\\\"quoted\\\" \\\\ and \\t tab\"},"
		"\"logprobs\":null,\"finish_reason\":\"stop\",\"stop_reason\":null}]}\n\n"
		VLLM_HEAD "[],\"usage\":{\"prompt_tokens\":10,\"total_tokens\":25,"
		"\"completion_tokens\":15}}\n\n"
		"data: [DONE]\n\n";
	struct answer ref;
	run_everywhere(s, &ref);
	assert_string_equal(ref.text.data, "line one\nline two\r\n\"quoted\" \\ and \t tab");
	assert_int_equal(ref.usage.completion_tokens, 15);
	assert_true(ref.done);
	answer_free(&ref);

	/* An error inside a 200 stream, vLLM's shape. */
	const char *e =
		VLLM_HEAD "[{\"index\":0,\"delta\":{\"content\":\"Hi\"},\"logprobs\":null,"
		"\"finish_reason\":null}]}\n\n"
		"data: {\"error\": {\"object\": \"error\", \"message\": \"The engine is dead.\", "
		"\"type\": \"InternalServerError\", \"param\": null, \"code\": 500}}\n\n"
		"data: [DONE]\n\n";
	run_everywhere(e, &ref);
	assert_string_equal(ref.text.data, "Hi");
	assert_int_equal(ref.last, CHAT_ERROR);
	assert_int_equal(ref.error.category, CHAT_ERR_SERVER);
	assert_false(ref.done); /* the bridge stopped at the error */
	answer_free(&ref);
}

static void t_stream_cut_and_malformed(void **state)
{
	(void)state;
	/* A connection that drops mid-event: the answer so far, no [DONE], bytes left over. */
	const char *cut = OPENAI_HEAD "[{\"index\":0,\"delta\":{\"content\":\"Hola\"},"
	                  "\"finish_reason\":null}]}\n\n" OPENAI_HEAD "[{\"index\":0,\"delta\":"
	                  "{\"content\":\" mun";
	struct answer ref;
	run_everywhere(cut, &ref);
	assert_string_equal(ref.text.data, "Hola");
	assert_false(ref.done);
	assert_int_equal(sse_finish(&ref.sse), SSE_TRUNCATED);
	answer_free(&ref);
	/* A proxy's HTML page in place of a stream. */
	const char *html = "<html><body>gateway</body></html>\n\n";
	run_everywhere(html, &ref);
	assert_int_equal(ref.chunks, 0);
	assert_int_equal(sse_finish(&ref.sse), SSE_OK); /* no data events at all */
	answer_free(&ref);
	/* A data payload that is not a chunk. */
	const char *bad = "data: {\"choices\":[{\"delta\":{\"content\":\"ok\"}}]}\n\n"
	                  "data: {\"foo\":1}\n\ndata: [DONE]\n\n";
	run_everywhere(bad, &ref);
	assert_int_equal(ref.last, CHAT_MALFORMED);
	assert_string_equal(ref.text.data, "ok");
	assert_false(ref.done);
	answer_free(&ref);
}

/* The whole path: stream -> chunks -> wrap -> chat lines, at every split. */
struct lines {
	struct buf log;
	size_t width;
};

static void lines_cb(void *arg, const char *line, size_t len)
{
	struct lines *l = arg;
	assert_true(len <= l->width);
	assert_true(utf8_is_clean(line, len));
	buf_append(&l->log, line, len);
	buf_putc(&l->log, '|');
}

static bool wrap_event(void *arg, const struct sse_event *ev)
{
	struct wrap *w = ((void **)arg)[0];
	struct lines *l = ((void **)arg)[1];
	struct chat_chunk c;
	enum chat_result res = chat_parse_chunk(ev->data, ev->len, &c);
	if (res == CHAT_CHUNK && c.content)
		wrap_feed(w, c.content, c.content_len, lines_cb, l);
	chat_chunk_free(&c);
	return res == CHAT_CHUNK;
}

static void t_stream_to_lines(void **state)
{
	(void)state;
	const char *want = "Hola, \xC2\xBFqu\xC3\xA9|tal? \xC3\x91" "and\xC3\xBA|\xF0\x9F\x91\x8B||"
	                   "2 + 2 = 4|\xF0\x9F\xA7\xAE|";
	size_t n = strlen(openai_stream);
	for (size_t cut = 0; cut <= n; cut++) {
		struct sse p;
		struct wrap w;
		struct lines l = {BUF_INIT, 12};
		sse_init(&p, 4096);
		wrap_init(&w, 12, 0);
		void *ctx[2] = {&w, &l};
		sse_feed(&p, openai_stream, cut, wrap_event, ctx);
		sse_feed(&p, openai_stream + cut, n - cut, wrap_event, ctx);
		wrap_finish(&w, lines_cb, &l);
		assert_string_equal(l.log.data, want);
		buf_free(&l.log);
		wrap_free(&w);
		sse_free(&p);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(t_request_defaults),
		cmocka_unit_test(t_request_conversation),
		cmocka_unit_test(t_request_settings),
		cmocka_unit_test(t_request_bad_utf8),
		cmocka_unit_test(t_chunk_done),
		cmocka_unit_test(t_chunk_content),
		cmocka_unit_test(t_chunk_finish),
		cmocka_unit_test(t_chunk_usage),
		cmocka_unit_test(t_chunk_error_in_stream),
		cmocka_unit_test(t_chunk_malformed),
		cmocka_unit_test(t_response),
		cmocka_unit_test(t_error_shapes),
		cmocka_unit_test(t_error_not_json),
		cmocka_unit_test(t_error_message_sanitised),
		cmocka_unit_test(t_retry_after),
		cmocka_unit_test(t_msg_texts),
		cmocka_unit_test(t_msg_errors),
		cmocka_unit_test(t_stream_openai),
		cmocka_unit_test(t_stream_ollama),
		cmocka_unit_test(t_stream_llama_cpp),
		cmocka_unit_test(t_stream_vllm),
		cmocka_unit_test(t_stream_cut_and_malformed),
		cmocka_unit_test(t_stream_to_lines),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
