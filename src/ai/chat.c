#include "ai/chat.h"

#include <jansson.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "base/utf8.h"
#include "base/xalloc.h"

/* ---- building a request ---- */

void chat_request_init(struct chat_request *r)
{
	memset(r, 0, sizeof(*r));
	r->stream = true;
	r->include_usage = true;
	r->cap_key = CHAT_CAP_MAX_TOKENS;
}

/* jansson aborts nothing on out-of-memory; charla's policy is to abort (base/xalloc.h). */
static json_t *chat_oom_check(json_t *j)
{
	if (!j) {
		fputs("charla: out of memory (jansson)\n", stderr);
		abort();
	}
	return j;
}

/* A JSON string of s[0..n). jansson refuses invalid UTF-8, which the chat never lets through but
 * an old answer or a flag might hold: it is sanitised rather than failing the request. */
static json_t *chat_jstr(const char *s, size_t n)
{
	json_t *j = json_stringn(s, n);
	if (j)
		return j;
	struct buf b = BUF_INIT;
	utf8_sanitize(s, n, &b);
	j = chat_oom_check(json_stringn(b.data ? b.data : "", b.len));
	buf_free(&b);
	return j;
}

static const char *chat_role_name(enum chat_role role)
{
	switch (role) {
	case CHAT_ROLE_SYSTEM:
		return "system";
	case CHAT_ROLE_ASSISTANT:
		return "assistant";
	case CHAT_ROLE_USER:
		break;
	}
	return "user";
}

static void chat_add_message(json_t *messages, const struct chat_turn *t)
{
	const char *content = t->content ? t->content : "";
	json_t *m = chat_oom_check(json_object());
	json_object_set_new(m, "role", chat_oom_check(json_string(chat_role_name(t->role))));
	if (t->role == CHAT_ROLE_USER && t->name && t->name[0]) {
		/* The speaker's name goes into the content (see chat.h): "name" is not portable. */
		struct buf b = BUF_INIT;
		buf_printf(&b, "%s: %s", t->name, content);
		json_object_set_new(m, "content", chat_jstr(b.data, b.len));
		buf_free(&b);
	} else {
		json_object_set_new(m, "content", chat_jstr(content, strlen(content)));
	}
	json_array_append_new(messages, m);
}

char *chat_request_build(const struct chat_request *r, size_t *len)
{
	json_t *root = chat_oom_check(json_object());
	const char *model = r->model ? r->model : "";
	json_object_set_new(root, "model", chat_jstr(model, strlen(model)));
	json_t *messages = chat_oom_check(json_array());
	if (r->system && r->system[0]) {
		struct chat_turn sys = {CHAT_ROLE_SYSTEM, NULL, r->system};
		chat_add_message(messages, &sys);
	}
	for (size_t i = 0; i < r->n_history; i++)
		chat_add_message(messages, &r->history[i]);
	chat_add_message(messages, &r->question);
	json_object_set_new(root, "messages", messages);
	json_object_set_new(root, "stream", json_boolean(r->stream));
	if (r->stream && r->include_usage) {
		json_t *opts = chat_oom_check(json_object());
		json_object_set_new(opts, "include_usage", json_true());
		json_object_set_new(root, "stream_options", opts);
	}
	if (r->max_tokens > 0) {
		const char *key = r->cap_key == CHAT_CAP_MAX_COMPLETION_TOKENS ? "max_completion_tokens"
		                                                                : "max_tokens";
		json_object_set_new(root, key, chat_oom_check(json_integer(r->max_tokens)));
	}
	if (r->has_temperature && isfinite(r->temperature))
		json_object_set_new(root, "temperature", chat_oom_check(json_real(r->temperature)));
	char *s = json_dumps(root, JSON_COMPACT);
	json_decref(root);
	if (!s) {
		fputs("charla: out of memory (jansson)\n", stderr);
		abort();
	}
	if (len)
		*len = strlen(s);
	return s;
}

/* ---- clean, capped, masked text for the user ---- */

static bool chat_is_key_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '-' || c == '_' || c == '*';
}

/* Masks what looks like an API key in clean text: a token starting "sk-" or "sk_" (OpenAI and many
 * compatible services), and any run of 32 or more key characters holding both letters and digits
 * (other providers' keys; request ids lose nothing a user needs). OpenAI's 401 message quotes the
 * start and end of the rejected key, which must not reach a chat. */
static void chat_mask_keys(struct buf *b)
{
	struct buf out = BUF_INIT;
	size_t i = 0;
	while (i < b->len) {
		if (!chat_is_key_char(b->data[i])) {
			buf_putc(&out, b->data[i++]);
			continue;
		}
		size_t j = i;
		bool alpha = false, digit = false;
		while (j < b->len && chat_is_key_char(b->data[j])) {
			char c = b->data[j];
			alpha |= (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
			digit |= c >= '0' && c <= '9';
			j++;
		}
		bool at_word = i == 0 || !chat_is_key_char(b->data[i - 1]);
		bool sk = at_word && j - i > 3 && b->data[i] == 's' && b->data[i + 1] == 'k' &&
		          (b->data[i + 2] == '-' || b->data[i + 2] == '_');
		if (sk)
			buf_append(&out, b->data + i, 3);
		if (sk || (j - i >= 32 && alpha && digit))
			buf_puts(&out, "***");
		else
			buf_append(&out, b->data + i, j - i);
		i = j;
	}
	buf_free(b);
	*b = out;
}

/* Copies s[0..n) into out[0..cap] as clean, single-line text: whitespace controls (LF, CR, TAB...)
 * become one space, terminal escape sequences are dropped, other controls and ill-formed UTF-8
 * become U+FFFD, keys are masked, and the result is cut at a character boundary to fit in cap
 * bytes (with "..." when cut). */
static void chat_clean_into(const char *s, size_t n, char *out, size_t cap)
{
	struct buf b = BUF_INIT;
	size_t i = 0;
	bool space = true; /* drop leading whitespace and collapse runs */
	while (i < n) {
		uint32_t cp;
		bool valid;
		size_t k = utf8_decode(s + i, n - i, &cp, &valid);
		if (cp == 0x1B && i + 1 < n && (s[i + 1] == '[' || s[i + 1] == ']')) {
			/* CSI: up to a final byte 0x40-0x7E; OSC: up to BEL or ESC \. */
			bool osc = s[i + 1] == ']';
			size_t j = i + 2;
			while (j < n) {
				unsigned char c = (unsigned char)s[j++];
				if (osc ? (c == 0x07 || c == 0x1B) : (c >= 0x40 && c <= 0x7E))
					break;
			}
			if (osc && j < n && s[j - 1] == 0x1B && s[j] == '\\')
				j++;
			i = j;
			continue;
		}
		i += k;
		if (valid && (cp == ' ' || cp == '\t' || cp == '\n' || cp == '\r' || cp == '\v' ||
		              cp == '\f')) {
			if (!space)
				buf_putc(&b, ' ');
			space = true;
			continue;
		}
		space = false;
		if (!valid || utf8_is_control(cp)) {
			char enc[4];
			buf_append(&b, enc, utf8_encode(UTF8_REPLACEMENT, enc));
		} else {
			buf_append(&b, s + i - k, k);
		}
	}
	while (b.len > 0 && b.data[b.len - 1] == ' ')
		b.len--;
	chat_mask_keys(&b);
	size_t len = b.len;
	if (len > cap) {
		len = utf8_boundary(b.data, b.len, cap - 3);
		memcpy(b.data + len, "...", 3);
		len += 3;
	}
	if (len)
		memcpy(out, b.data, len);
	out[len] = '\0';
	buf_free(&b);
}

static void chat_clean_json(json_t *j, char *out, size_t cap)
{
	if (json_is_string(j))
		chat_clean_into(json_string_value(j), json_string_length(j), out, cap);
}

/* ---- errors ---- */

static bool chat_eq(const char *a, const char *b)
{
	return a && strcmp(a, b) == 0;
}

static bool chat_in(const char *s, const char *const *list)
{
	for (; s && *list; list++)
		if (strcmp(s, *list) == 0)
			return true;
	return false;
}

/* The category, from the status first, else (inside a stream or a 200 body, or an unusual status)
 * from the code and type the providers use. */
static enum chat_category chat_classify(int status, const char *code, const char *type)
{
	if (chat_eq(code, "insufficient_quota") || chat_eq(type, "insufficient_quota"))
		return CHAT_ERR_QUOTA;
	if (status == 401 || status == 403)
		return CHAT_ERR_AUTH;
	if (status == 429)
		return CHAT_ERR_RATE_LIMIT;
	if (status == 400 || status == 404 || status == 422)
		return CHAT_ERR_BAD_REQUEST;
	if (status >= 500 && status <= 599)
		return CHAT_ERR_SERVER;
	static const char *const auth[] = {"invalid_api_key", "authentication_error",
	                                   "permission_error", "AuthenticationError",
	                                   "PermissionDeniedError", NULL};
	static const char *const rate[] = {"rate_limit_exceeded", "rate_limit_error",
	                                   "RateLimitError", NULL};
	static const char *const bad[] = {"invalid_request_error", "model_not_found",
	                                  "not_found_error", "not_supported_error",
	                                  "exceed_context_size_error", "context_length_exceeded",
	                                  "BadRequestError", "NotFoundError", NULL};
	static const char *const server[] = {"server_error", "api_error", "internal_error",
	                                     "unavailable_error", "overloaded_error",
	                                     "InternalServerError", "ServiceUnavailableError", NULL};
	for (int pass = 0; pass < 2; pass++) {
		const char *s = pass ? type : code;
		if (chat_in(s, auth))
			return CHAT_ERR_AUTH;
		if (chat_in(s, rate))
			return CHAT_ERR_RATE_LIMIT;
		if (chat_in(s, bad))
			return CHAT_ERR_BAD_REQUEST;
		if (chat_in(s, server))
			return CHAT_ERR_SERVER;
	}
	return CHAT_ERR_OTHER;
}

/* Reads an error object of any known shape from root into e (status already set). Returns false if
 * root is not an error. */
static bool chat_error_from_json(json_t *root, struct chat_error *e)
{
	json_t *err = json_object_get(root, "error");
	json_t *obj;
	if (json_is_object(err)) {
		obj = err; /* OpenAI, Ollama /v1, llama.cpp, newer vLLM */
	} else if (json_is_string(err)) {
		obj = NULL; /* Ollama native: {"error": "model 'x' not found"} */
		chat_clean_json(err, e->message, CHAT_ERROR_MESSAGE_MAX);
	} else if (chat_eq(json_string_value(json_object_get(root, "object")), "error")) {
		obj = root; /* older vLLM: flat */
	} else if (json_is_string(json_object_get(root, "message")) &&
	           !json_object_get(root, "choices") && !json_object_get(root, "usage")) {
		obj = root; /* a bare error object: llama.cpp's "error:" stream line (ai/sse.h) */
	} else {
		return false;
	}
	const char *code = NULL, *type = NULL;
	if (obj) {
		chat_clean_json(json_object_get(obj, "message"), e->message, CHAT_ERROR_MESSAGE_MAX);
		json_t *jc = json_object_get(obj, "code");
		type = json_string_value(json_object_get(obj, "type"));
		code = json_string_value(jc);
		/* llama.cpp and vLLM carry the HTTP status as an integer code; inside a 200 stream it
		 * is the only status there is. Some proxies send it as a string of digits. */
		long num = -1;
		if (json_is_integer(jc))
			num = (long)json_integer_value(jc);
		else if (code && strlen(code) == 3 && code[0] >= '1' && code[0] <= '5' &&
		         strspn(code, "0123456789") == 3)
			num = strtol(code, NULL, 10);
		if (num >= 100 && num <= 599) {
			if (e->status == 0 || e->status == 200)
				e->status = (int)num;
			if (!json_is_string(jc))
				code = NULL;
		}
		const char *shown = code && code[0] ? code : type;
		if (shown)
			chat_clean_into(shown, strlen(shown), e->code, CHAT_ERROR_CODE_MAX);
	}
	e->category = chat_classify(e->status, code, type);
	return true;
}

static void chat_error_init(struct chat_error *e, int status)
{
	memset(e, 0, sizeof(*e));
	e->status = status;
	e->category = CHAT_ERR_OTHER;
	e->retry_after_ms = -1;
}

/* Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's days_from_civil), so
 * that no time zone or locale state is involved. */
static long chat_days_from_civil(long y, long m, long d)
{
	y -= m <= 2;
	long era = (y >= 0 ? y : y - 399) / 400;
	long yoe = y - era * 400;
	long doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	long doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

/* An HTTP-date in any of the three forms RFC 9110 makes recipients accept: IMF-fixdate
 * ("Sun, 06 Nov 1994 08:49:37 GMT"), RFC 850 ("Sunday, 06-Nov-94 08:49:37 GMT") and asctime
 * ("Sun Nov  6 08:49:37 1994"). In all three the first number is the day and the second the year;
 * the month is a name and the time has colons. Returns false if s is not such a date. */
static bool chat_parse_http_date(const char *s, time_t *out)
{
	static const char months[] = "JanFebMarAprMayJunJulAugSepOctNovDec";
	long day = -1, year = -1, month = -1, hh = -1, mm = -1, ss = -1;
	const char *p = s;
	while (*p) {
		if (*p == ' ' || *p == ',' || *p == '-' || *p == '\t') {
			p++;
			continue;
		}
		const char *start = p;
		if ((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z')) {
			while ((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z'))
				p++;
			size_t n = (size_t)(p - start);
			if (n == 3 && month < 0) {
				for (int i = 0; i < 12; i++)
					if (strncmp(start, months + 3 * i, 3) == 0)
						month = i + 1;
			}
			continue; /* weekday names and "GMT" */
		}
		if (*p < '0' || *p > '9')
			return false;
		long v = 0;
		int digits = 0;
		while (*p >= '0' && *p <= '9' && digits < 9) {
			v = v * 10 + (*p++ - '0');
			digits++;
		}
		if (*p == ':') {
			if (hh >= 0)
				return false;
			hh = v;
			/* ":mm:ss", two digits each */
			for (int k = 0; k < 6; k++)
				if (k % 3 == 0 ? p[k] != ':' : (p[k] < '0' || p[k] > '9'))
					return false;
			mm = (p[1] - '0') * 10 + (p[2] - '0');
			ss = (p[4] - '0') * 10 + (p[5] - '0');
			p += 6;
		} else if (day < 0) {
			day = v;
		} else if (year < 0) {
			year = v;
			if (digits == 2) /* RFC 850: a two-digit year is the nearest such year */
				year += year < 70 ? 2000 : 1900;
		} else {
			return false;
		}
	}
	if (day < 1 || day > 31 || month < 1 || year < 1970 || year > 9999 || hh < 0 || hh > 23 ||
	    mm < 0 || mm > 59 || ss < 0 || ss > 60)
		return false;
	long long t = (long long)chat_days_from_civil(year, month, day) * 86400 + hh * 3600 +
	              mm * 60 + ss;
	*out = (time_t)t;
	return true;
}

/* Retry-After in milliseconds: delta-seconds or an HTTP-date measured from now; -1 if neither. A
 * date in the past means "now" (0). Capped at about 23 days so that it fits a 32-bit long. */
static long chat_retry_after(const char *v, time_t now)
{
	const long max_s = 2000000;
	while (*v == ' ' || *v == '\t')
		v++;
	size_t n = strlen(v);
	while (n > 0 && (v[n - 1] == ' ' || v[n - 1] == '\t'))
		n--;
	if (n == 0)
		return -1;
	if (strspn(v, "0123456789") == n) {
		long s = 0;
		for (size_t i = 0; i < n && s <= max_s; i++)
			s = s * 10 + (v[i] - '0');
		return (s > max_s ? max_s : s) * 1000;
	}
	char date[64];
	if (n >= sizeof(date))
		return -1;
	memcpy(date, v, n);
	date[n] = '\0';
	time_t t;
	if (!chat_parse_http_date(date, &t))
		return -1;
	double d = difftime(t, now);
	if (d <= 0)
		return 0;
	return d > (double)max_s ? max_s * 1000 : (long)d * 1000;
}

void chat_parse_error(int status, const char *body, size_t len, const char *retry_after,
                      time_t now, struct chat_error *out)
{
	chat_error_init(out, status);
	if (retry_after)
		out->retry_after_ms = chat_retry_after(retry_after, now);
	json_t *root = body && len ? json_loadb(body, len, JSON_ALLOW_NUL, NULL) : NULL;
	if (json_is_object(root) && chat_error_from_json(root, out)) {
		json_decref(root);
		return;
	}
	json_decref(root);
	/* Not an error object. A short plain-text body (Ollama's "404 page not found") says what
	 * happened; an HTML page from a proxy does not: msg.c then speaks from the status. */
	size_t i = 0;
	while (i < len && (body[i] == ' ' || body[i] == '\t' || body[i] == '\r' || body[i] == '\n'))
		i++;
	if (i < len && body[i] != '<' && body[i] != '{' && body[i] != '[' && len - i <= 200)
		chat_clean_into(body + i, len - i, out->message, CHAT_ERROR_MESSAGE_MAX);
	out->category = chat_classify(status, NULL, NULL);
}

/* ---- chunks and responses ---- */

static enum chat_finish chat_finish_of(const char *s)
{
	static const char *const stop[] = {"stop", "eos", "stop_sequence", "end_turn", "tool_calls",
	                                   "function_call", NULL};
	if (chat_in(s, stop))
		return CHAT_FINISH_STOP;
	if (chat_eq(s, "length"))
		return CHAT_FINISH_LENGTH;
	if (chat_eq(s, "content_filter"))
		return CHAT_FINISH_FILTER;
	return CHAT_FINISH_OTHER;
}

static long chat_usage_field(json_t *usage, const char *key)
{
	json_t *v = json_object_get(usage, key);
	if (json_is_integer(v)) {
		json_int_t i = json_integer_value(v);
		return i > -1000000000000000LL && i < 1000000000000000LL ? (long)i : 0;
	}
	/* Some servers write counts as reals; a value no long can hold is as good as absent. */
	double d = json_is_real(v) ? json_real_value(v) : 0;
	return d > -1e15 && d < 1e15 ? (long)d : 0;
}

/* Reads choices[0].<member> (delta or message) and usage from a chunk or a response. */
static enum chat_result chat_parse_body(const char *data, size_t len, const char *member,
                                        struct chat_chunk *out)
{
	memset(out, 0, sizeof(*out));
	chat_error_init(&out->error, 0);
	json_t *root = data && len ? json_loadb(data, len, JSON_ALLOW_NUL, NULL) : NULL;
	enum chat_result res = CHAT_MALFORMED;
	if (!json_is_object(root))
		goto end;
	if (chat_error_from_json(root, &out->error)) {
		res = CHAT_ERROR;
		goto end;
	}
	json_t *usage = json_object_get(root, "usage");
	json_t *choices = json_object_get(root, "choices");
	if (usage && !json_is_object(usage) && !json_is_null(usage))
		goto end;
	if (choices && !json_is_array(choices) && !json_is_null(choices))
		goto end;
	if (!json_is_array(choices) && !json_is_object(usage))
		goto end; /* neither a chunk nor a response */
	if (json_is_object(usage)) {
		out->usage.present = true;
		out->usage.prompt_tokens = chat_usage_field(usage, "prompt_tokens");
		out->usage.completion_tokens = chat_usage_field(usage, "completion_tokens");
		out->usage.total_tokens = chat_usage_field(usage, "total_tokens");
		if (!json_object_get(usage, "total_tokens"))
			out->usage.total_tokens = out->usage.prompt_tokens + out->usage.completion_tokens;
	}
	json_t *c0 = json_array_get(choices, 0);
	if (c0) {
		if (!json_is_object(c0))
			goto end;
		json_t *fin = json_object_get(c0, "finish_reason");
		if (json_is_string(fin))
			out->finish = chat_finish_of(json_string_value(fin));
		else if (fin && !json_is_null(fin))
			goto end;
		json_t *m = json_object_get(c0, member);
		if (m && !json_is_object(m) && !json_is_null(m))
			goto end;
		json_t *content = json_object_get(m, "content");
		if (content && !json_is_string(content) && !json_is_null(content))
			goto end;
		size_t n = json_is_string(content) ? json_string_length(content) : 0;
		if (n > 0) {
			out->content = xmalloc(n + 1);
			memcpy(out->content, json_string_value(content), n);
			out->content[n] = '\0';
			out->content_len = n;
		}
	}
	res = CHAT_CHUNK;
end:
	json_decref(root);
	if (res == CHAT_MALFORMED)
		out->usage.present = false;
	return res;
}

enum chat_result chat_parse_chunk(const char *data, size_t len, struct chat_chunk *out)
{
	size_t i = 0, n = len;
	while (i < n && (data[i] == ' ' || data[i] == '\t' || data[i] == '\r' || data[i] == '\n'))
		i++;
	while (n > i && (data[n - 1] == ' ' || data[n - 1] == '\t' || data[n - 1] == '\r' ||
	                 data[n - 1] == '\n'))
		n--;
	if (n - i == 6 && memcmp(data + i, "[DONE]", 6) == 0) {
		memset(out, 0, sizeof(*out));
		chat_error_init(&out->error, 0);
		return CHAT_DONE;
	}
	return chat_parse_body(data, len, "delta", out);
}

enum chat_result chat_parse_response(const char *body, size_t len, struct chat_chunk *out)
{
	return chat_parse_body(body, len, "message", out);
}

void chat_chunk_free(struct chat_chunk *c)
{
	free(c->content);
	c->content = NULL;
	c->content_len = 0;
}
