/* answer: one job's request to the API and the answer coming back. answer_start builds the
 * request body once (the conversation's memory and the question) and sends it; each attempt (a
 * retry after a 429 or a 5xx sends the same body again) streams the answer through the SSE
 * parser, the Chat Completions codec and the wrapper into job_say, line by line as the model
 * writes, and ends the job when the request is done: in full, with a note, or with a retry.
 *
 * The state of an answer lives in its job (the request body, what came back, the parser and the
 * wrapper); answer_free releases it. Only the HTTP client's callbacks run here, never inside a
 * fan-out, so answer lines go to the chat directly. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "base/log.h"
#include "bridge/assistant/assistant_int.h"

enum {
	SSE_MAX = 1 << 20,          /* the largest SSE line or event accepted */
	ERRBODY_MAX = 256 * 1024,   /* bytes of an error (or non-streamed) body kept */
};

/* ---- streaming ---- */

static void answer_on_wrapped(void *arg, const char *line, size_t len)
{
	struct assistant_job *j = arg;
	if (j->lines || j->answer.len)
		buf_putc(&j->answer, '\n');
	buf_append(&j->answer, line, len);
	if (len)
		j->lines++;
	job_say(j, line, len);
	if (j->gone)
		j->stop = true;
}

static void answer_feed(struct assistant_job *j, const char *text, size_t len)
{
	if (j->stop)
		return;
	if (wrap_feed(&j->wrap, text, len, answer_on_wrapped, j) == WRAP_TRUNCATED) {
		j->truncated = true;
		j->stop = true;
	}
}

static void answer_flush(struct assistant_job *j)
{
	if (!j->truncated && !j->gone && j->wrap_on &&
	    wrap_finish(&j->wrap, answer_on_wrapped, j) == WRAP_TRUNCATED)
		j->truncated = true;
}

/* Takes one parsed chunk (streamed, or a whole non-streamed answer). */
static bool answer_take_chunk(struct assistant_job *j, enum chat_result r, struct chat_chunk *c)
{
	switch (r) {
	case CHAT_DONE:
		j->got_done = true;
		return false;
	case CHAT_ERROR:
		j->stream_error = true;
		j->err = c->error;
		return false;
	case CHAT_MALFORMED:
		j->malformed = true;
		j->malformed_what = "not a Chat Completions chunk";
		return false;
	case CHAT_CHUNK:
		break;
	}
	if (c->content)
		answer_feed(j, c->content, c->content_len);
	if (c->finish != CHAT_FINISH_NONE)
		j->finish = c->finish;
	if (c->usage.present)
		j->usage = c->usage;
	return !j->stop;
}

static bool answer_on_event(void *arg, const struct sse_event *ev)
{
	struct assistant_job *j = arg;
	struct chat_chunk c;
	enum chat_result r = chat_parse_chunk(ev->data, ev->len, &c);
	bool go = answer_take_chunk(j, r, &c);
	chat_chunk_free(&c);
	return go;
}

static void answer_on_response(void *ctx, const struct http_response_info *info)
{
	struct assistant_job *j = ctx;
	j->status = info->status;
	j->retry_after_s = info->retry_after_s;
	const char *ct = info->content_type;
	if (info->status != 200) {
		j->buffered = true;
	} else if (ct && strncasecmp(ct, "application/json", 16) == 0) {
		j->buffered = true; /* a server that ignored "stream": true */
	} else if (ct && !strstr(ct, "event-stream")) {
		j->buffered = true;
		j->ctype_bad = "not an event stream";
	}
}

static bool answer_on_data(void *ctx, const char *bytes, size_t n)
{
	struct assistant_job *j = ctx;
	if (j->cancelled || j->a->stopping)
		return false;
	if (j->buffered) {
		if (j->body_in.len + n > ERRBODY_MAX)
			n = ERRBODY_MAX - j->body_in.len;
		buf_append(&j->body_in, bytes, n);
		return j->body_in.len < ERRBODY_MAX || j->status != 200;
	}
	enum sse_status s = sse_feed(&j->sse, bytes, n, answer_on_event, j);
	if (s == SSE_TOO_BIG) {
		j->malformed = true;
		j->malformed_what = "an event too large";
		return false;
	}
	if (s == SSE_STOPPED)
		return j->got_done && !j->stop; /* after [DONE] the rest is ignored */
	return !j->stop;
}

/* ---- ending an attempt ---- */

static long ms_to_s(uint64_t ms)
{
	return (long)((ms + 999) / 1000);
}

static void answer_log_end(struct assistant_job *j, const char *how)
{
	struct assistant *a = j->a;
	if (!log_enabled(a->log, LOG_INFO))
		return;
	char tokens[64] = "";
	if (j->usage.present)
		snprintf(tokens, sizeof(tokens), ", tokens %ld+%ld", j->usage.prompt_tokens,
			 j->usage.completion_tokens);
	log_info(a->log, "%s: %s %s%s%s: %zu lines, %zu bytes, %llu ms%s", a->cfg.name, how,
		 j->name ? j->name : "a client", j->room ? " in " : "", j->room ? j->room : "",
		 j->lines, j->answer.len,
		 (unsigned long long)(assistant_now(a) - j->asked_ms), tokens);
}

static void answer_success(struct assistant_job *j)
{
	struct assistant *a = j->a;
	answer_flush(j);
	if (j->gone) {
		job_end(j, NULL, 0);
		return;
	}
	if (!j->lines) {
		answer_log_end(j, "gave nothing to");
		job_end_msg(j, MSG_EMPTY_ANSWER, 0, NULL);
		return;
	}
	conv_remember(a, j->conv, j->name, j->question, j->answer.data);
	answer_log_end(j, "answered");
	if (j->truncated)
		job_end_msg(j, MSG_TRUNCATED, (long)a->cfg.max_answer, NULL);
	else if (j->finish == CHAT_FINISH_LENGTH)
		job_end_msg(j, MSG_LENGTH, 0, NULL);
	else if (j->finish == CHAT_FINISH_FILTER)
		job_end_msg(j, MSG_FILTERED, 0, NULL);
	else
		job_end(j, NULL, 0);
}

/* Counts a failed request (each attempt: a retried 429 is one more). */
static void answer_failed(struct assistant_job *j, enum assistant_error why)
{
	j->a->stats.errors[why]++;
}

static void answer_end_error(struct assistant_job *j, const struct chat_error *e)
{
	struct assistant *a = j->a;
	log_warn(a->log, "%s: the API answered %d (%s) for %s", a->cfg.name, e->status,
		 e->code[0] ? e->code : "no code", j->name ? j->name : "a client");
	buf_clear(&a->text);
	msg_append_error(&a->text, j->lang, e);
	job_end_text(j);
}

/* The stream stopped: the answer if it was complete, else what came is said and the asker told
 * that it was cut. */
static void answer_stream_end(struct assistant_job *j, bool complete)
{
	if (complete) {
		answer_success(j);
		return;
	}
	answer_flush(j);
	job_end_msg(j, MSG_STREAM_CUT, 0, NULL);
}

/* A complete non-200 response. */
static void answer_http_error(struct assistant_job *j)
{
	struct assistant *a = j->a;
	char ra[32];
	if (j->retry_after_s >= 0)
		snprintf(ra, sizeof(ra), "%ld", j->retry_after_s);
	struct chat_error e;
	chat_parse_error(j->status, j->body_in.data, j->body_in.len,
			 j->retry_after_s >= 0 ? ra : NULL, time(NULL), &e);
	answer_failed(j, (enum assistant_error)e.category);
	if (e.category == CHAT_ERR_RATE_LIMIT && j->tries429 < ASSISTANT_RETRIES_429) {
		uint64_t delay = e.retry_after_ms >= 0 ? (uint64_t)e.retry_after_ms
						       : 1000u << j->tries429;
		if (delay <= ASSISTANT_MAX_RETRY_WAIT_S * 1000u) {
			j->tries429++;
			log_info(a->log, "%s: rate limited (429), retry %u in %llu ms", a->cfg.name,
				 j->tries429, (unsigned long long)delay);
			buf_clear(&a->text);
			msg_append(&a->text, j->lang, MSG_RETRYING, ms_to_s(delay), NULL);
			job_tell(j, a->text.data, a->text.len);
			sched_retry(j, delay);
			return;
		}
	}
	if (e.category == CHAT_ERR_SERVER && j->tries5xx < ASSISTANT_RETRIES_5XX) {
		uint64_t delay = e.retry_after_ms >= 0 &&
					 e.retry_after_ms <= ASSISTANT_MAX_RETRY_WAIT_S * 1000
				     ? (uint64_t)e.retry_after_ms
				     : 500u << j->tries5xx;
		j->tries5xx++;
		log_info(a->log, "%s: the API failed (%d), retry %u in %llu ms", a->cfg.name, j->status,
			 j->tries5xx, (unsigned long long)delay);
		sched_retry(j, delay);
		return;
	}
	answer_end_error(j, &e);
}

/* Counts the request's failure, if it failed for a reason other than its HTTP status (which
 * answer_http_error counts with the API's category). The cases follow answer_on_done's. */
static void answer_count_outcome(struct assistant_job *j, const struct http_result *res)
{
	if (j->gone || j->truncated)
		return;
	if (j->stream_error) {
		answer_failed(j, (enum assistant_error)j->err.category);
		return;
	}
	if (j->malformed) {
		answer_failed(j, ASSISTANT_ERR_MALFORMED);
		return;
	}
	switch (res->outcome) {
	case HTTP_OK:
		if (j->status == 200 && j->ctype_bad)
			answer_failed(j, ASSISTANT_ERR_MALFORMED);
		else if (j->status == 200 && !j->buffered && !j->got_done &&
			 j->finish == CHAT_FINISH_NONE)
			answer_failed(j, ASSISTANT_ERR_CUT);
		return; /* a buffered answer is judged (and counted) when parsed */
	case HTTP_ABORTED:
		if (!j->got_done)
			answer_failed(j, ASSISTANT_ERR_CUT);
		return;
	case HTTP_TIMEOUT_CONNECT:
	case HTTP_TIMEOUT_FIRST_BYTE:
	case HTTP_TIMEOUT_STALL:
	case HTTP_TIMEOUT_TOTAL:
		answer_failed(j, ASSISTANT_ERR_TIMEOUT);
		return;
	case HTTP_TOO_LARGE:
		answer_failed(j, ASSISTANT_ERR_MALFORMED);
		return;
	case HTTP_NETWORK:
		answer_failed(j, j->status ? ASSISTANT_ERR_CUT : ASSISTANT_ERR_NETWORK);
		return;
	case HTTP_INVALID:
	case HTTP_CANCELLED:
		answer_failed(j, ASSISTANT_ERR_NETWORK);
		return;
	}
}

static void answer_on_done(void *ctx, const struct http_result *res)
{
	struct assistant_job *j = ctx;
	struct assistant *a = j->a;
	j->req = NULL;
	if (j->cancelled || a->stopping) {
		bool was_running = j->on == &a->running;
		job_free(j);
		if (was_running && !a->stopping)
			sched_pump(a);
		return;
	}
	metrics_hist_observe(&a->stats.latency, (double)(assistant_now(a) - j->attempt_ms) / 1e3);
	answer_count_outcome(j, res);
	if (res->outcome != HTTP_OK && res->outcome != HTTP_ABORTED)
		log_warn(a->log, "%s: request for %s: %s%s%s", a->cfg.name,
			 j->name ? j->name : "a client", http_outcome_name(res->outcome),
			 res->error[0] ? ": " : "", res->error);
	if (j->gone) {
		job_end(j, NULL, 0);
		return;
	}
	if (j->truncated) {
		answer_success(j);
		return;
	}
	if (j->stream_error) {
		answer_flush(j);
		answer_end_error(j, &j->err);
		return;
	}
	if (j->malformed) {
		answer_flush(j);
		job_end_msg(j, MSG_MALFORMED, 0, j->malformed_what);
		return;
	}
	switch (res->outcome) {
	case HTTP_OK:
		if (j->status != 200) {
			answer_http_error(j);
			return;
		}
		if (j->ctype_bad) {
			job_end_msg(j, MSG_MALFORMED, 0, j->ctype_bad);
			return;
		}
		if (j->buffered) {
			struct chat_chunk c;
			enum chat_result r = chat_parse_response(j->body_in.data, j->body_in.len, &c);
			if (r == CHAT_DONE)
				r = CHAT_MALFORMED;
			answer_take_chunk(j, r, &c);
			chat_chunk_free(&c);
			if (j->stream_error) {
				answer_failed(j, (enum assistant_error)j->err.category);
				answer_end_error(j, &j->err);
			} else if (j->malformed) {
				answer_failed(j, ASSISTANT_ERR_MALFORMED);
				job_end_msg(j, MSG_MALFORMED, 0, "not a Chat Completions answer");
			} else {
				j->got_done = true;
				answer_success(j);
			}
			return;
		}
		answer_stream_end(j, j->got_done || j->finish != CHAT_FINISH_NONE);
		return;
	case HTTP_ABORTED:
		answer_stream_end(j, j->got_done);
		return;
	case HTTP_TIMEOUT_FIRST_BYTE:
		job_end_msg(j, MSG_TIMEOUT_FIRST_BYTE, ms_to_s(a->cfg.first_byte_ms), NULL);
		return;
	case HTTP_TIMEOUT_STALL:
		answer_flush(j);
		job_end_msg(j, MSG_TIMEOUT_STALL, ms_to_s(a->cfg.stall_ms), NULL);
		return;
	case HTTP_TIMEOUT_TOTAL:
		answer_flush(j);
		job_end_msg(j, MSG_TIMEOUT_TOTAL, ms_to_s(a->cfg.total_ms), NULL);
		return;
	case HTTP_TOO_LARGE:
		answer_flush(j);
		job_end_msg(j, MSG_MALFORMED, 0, "an answer too large");
		return;
	case HTTP_NETWORK:
		if (j->status) {
			answer_stream_end(j, false);
			return;
		}
		/* fall through */
	case HTTP_TIMEOUT_CONNECT:
	case HTTP_INVALID:
	case HTTP_CANCELLED:
		job_end_msg(j, MSG_NETWORK, 0, res->error[0] ? res->error : http_outcome_name(res->outcome));
		return;
	}
}

/* ---- the request ---- */

static const struct http_callbacks answer_http_cb = {
	.on_response = answer_on_response,
	.on_data = answer_on_data,
	.on_done = answer_on_done,
};

/* What the system prompt adds for the asker's language, by enum lang: deterministic words, so
 * that the model answers in the language the asker reads the chat in (not the question's, which
 * may be a quotation or code). For the model, not for users: not translated. */
static const char *const answer_lang_words[LANG_COUNT] = {
	[LANG_EN] = "Answer in English.",
	[LANG_ES] = "Answer in Spanish.",
};

static void answer_build(struct assistant_job *j)
{
	struct assistant *a = j->a;
	struct chat_request r;
	chat_request_init(&r);
	r.model = a->cfg.model;
	struct buf system = BUF_INIT;
	buf_puts(&system, a->system ? a->system : "");
	if (system.len)
		buf_putc(&system, ' ');
	buf_puts(&system, answer_lang_words[j->lang < LANG_COUNT ? j->lang : LANG_EN]);
	r.system = system.data;
	r.cap_key = a->cfg.cap_key;
	r.max_tokens = a->cfg.max_tokens;
	struct chat_turn *hist = conv_history(a, j->conv, &r.n_history);
	r.history = hist;
	r.question = (struct chat_turn){CHAT_ROLE_USER, j->name, j->question};
	j->body = chat_request_build(&r, &j->body_len);
	free(hist);
	buf_free(&system);
}

void answer_attempt(struct assistant_job *j)
{
	struct assistant *a = j->a;
	j->state = JOB_RUNNING;
	a->stats.requests++;
	j->attempt_ms = assistant_now(a);
	j->status = 0;
	j->retry_after_s = -1;
	j->buffered = false;
	j->ctype_bad = NULL;
	buf_clear(&j->body_in);
	if (j->sse_on)
		sse_free(&j->sse);
	sse_init(&j->sse, SSE_MAX);
	j->sse_on = true;
	struct http_req_opts o = {
		.url = a->url,
		.headers = a->headers,
		.body = j->body,
		.body_len = j->body_len,
		.connect_ms = a->cfg.connect_ms,
		.first_byte_ms = a->cfg.first_byte_ms,
		.stall_ms = a->cfg.stall_ms,
		.total_ms = a->cfg.total_ms,
	};
	j->req = http_post(&a->http, &o, &answer_http_cb, j);
}

void answer_start(struct assistant_job *j)
{
	struct assistant *a = j->a;
	wrap_init(&j->wrap, ASSISTANT_WIDTH, a->cfg.max_answer);
	j->wrap_on = true;
	answer_build(j);
	log_debug(a->log, "%s: asking for %s (%zu bytes of request)", a->cfg.name,
		  j->name ? j->name : "a client", j->body_len);
	answer_attempt(j);
}

void answer_free(struct assistant_job *j)
{
	free(j->body);
	buf_free(&j->body_in);
	buf_free(&j->answer);
	if (j->sse_on)
		sse_free(&j->sse);
	if (j->wrap_on)
		wrap_free(&j->wrap);
}
