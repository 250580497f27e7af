#include "ai/msg.h"

#include <string.h>

#include "base/utf8.h"

/* The texts. Addressed to the chat user who asked; short (one chat line); they say what happened
 * and, where the user or the operator can do something, what. The flag names are charlad's. */
static const char *const msg_table[MSG_COUNT] = {
	[MSG_USAGE] = N_("ask me with \"{s}: question\", \"@{s} question\", \"/ask question\" or, "
	              "privately, \"/msg {s} question\"; \"/forget\" clears what I remember of "
	              "this conversation"),
	[MSG_NOT_CONFIGURED] = N_("the assistant is not configured: start charlad with OPENAI_API_KEY set "
	                       "in its environment (or --ai-key-file FILE) for OpenAI, or with "
	                       "--ai-base-url http://127.0.0.1:11434/v1 --ai-model llama3.2 for a "
	                       "local Ollama"),
	[MSG_EMPTY_QUESTION] = N_("ask me something: \"{s}: question\""),
	[MSG_QUESTION_TOO_LONG] = N_("your question is too long for the assistant (at most {n} bytes)"),
	[MSG_QUEUED] = N_("the assistant is busy; your question is number {n} in the queue"),
	[MSG_BUSY] = N_("the assistant has too many questions waiting; ask again in a moment"),
	[MSG_USER_RATE] = N_("you are asking the assistant too often; ask again in {n} s"),
	[MSG_FORGOT] = N_("I have forgotten this conversation"),
	[MSG_RETRYING] = N_("the API is rate limiting requests; retrying in {n} s"),
	[MSG_TIMEOUT_FIRST_BYTE] = N_("the model did not start answering within {n} s (a local model "
	                           "may still be loading); ask again later"),
	[MSG_TIMEOUT_STALL] = N_("the model stopped answering for {n} s; the answer is cut short"),
	[MSG_TIMEOUT_TOTAL] = N_("the answer took longer than {n} s; it is cut short"),
	[MSG_NETWORK] = N_("cannot reach the API ({s}); check --ai-base-url and the network"),
	[MSG_MALFORMED] = N_("the API sent an answer I cannot read ({s}); is --ai-base-url an "
	                  "OpenAI-compatible endpoint such as https://api.openai.com/v1?"),
	[MSG_STREAM_CUT] = N_("the connection to the API broke in the middle of the answer; it is "
	                   "incomplete"),
	[MSG_TRUNCATED] = N_("the answer is longer than {n} bytes; the rest is cut"),
	[MSG_LENGTH] = N_("the answer reached the model's output cap (--ai-max-tokens) and is cut short"),
	[MSG_FILTERED] = N_("the provider's content filter stopped the answer"),
	[MSG_EMPTY_ANSWER] = N_("the model gave an empty answer"),
	[MSG_SHUTDOWN] = N_("the server is stopping; your question was dropped"),
	[MSG_QUEUE_MOVED] = N_("your question is now number {n} in the queue"),
	[MSG_NOTHING_TO_FORGET] = N_("I remember nothing of this conversation yet"),
	[MSG_ROLE] = N_("the assistant"),
	[MSG_HINT] = N_("ask it with \"{s}: question\""),
	[MSG_FORM] = N_("{s}: QUESTION"),
	[MSG_FORM_HELP] = N_("ask the assistant; everyone in the room sees the answer"),
	[MSG_ASK_ARGS] = N_("QUESTION"),
	[MSG_ASK_HELP] = N_("ask the assistant in the current room"),
	[MSG_FORGET_HELP] = N_("make the assistant forget this room's conversation"),
};

/* The texts for API errors, by category. {c} is " (status code)", e.g. " (401 invalid_api_key)",
 * or nothing when neither is known; {m} is the provider's message, or the status's reason phrase
 * when it sent none. */
static const char *const msg_errors[] = {
	[CHAT_ERR_AUTH] = N_("the API key was rejected{c}: check OPENAI_API_KEY or --ai-key-file"),
	[CHAT_ERR_RATE_LIMIT] = N_("the API is rate limiting requests{c}; ask again later"),
	[CHAT_ERR_QUOTA] = N_("the API account has no quota left{c}: check its plan and billing"),
	[CHAT_ERR_BAD_REQUEST] = N_("the API refused the request{c}: {m}"),
	[CHAT_ERR_SERVER] = N_("the API failed{c}: {m}"),
	[CHAT_ERR_OTHER] = N_("the API answered with an error{c}: {m}"),
};
/* A 403 is not always a bad key (a region, a project without access to the model): say why. */
static const char msg_forbidden[] = N_("the API refused access{c}: {m}");
/* A refused cap key is the one request error a setting fixes. */
static const char msg_cap_hint_mct[] = N_(" (try --ai-cap-key max_completion_tokens)");
static const char msg_cap_hint_mt[] = N_(" (try --ai-cap-key max_tokens)");
static const char msg_no_message[] = N_("no details given");
#define MSG_S_MAX 200 /* bytes of a caller's {s} text */

static const char *msg_reason(int status)
{
	switch (status) {
	case 400: return "Bad Request";
	case 401: return "Unauthorized";
	case 403: return "Forbidden";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 408: return "Request Timeout";
	case 413: return "Content Too Large";
	case 422: return "Unprocessable Content";
	case 429: return "Too Many Requests";
	case 500: return "Internal Server Error";
	case 502: return "Bad Gateway";
	case 503: return "Service Unavailable";
	case 504: return "Gateway Timeout";
	default: return NULL;
	}
}

/* Appends s, sanitised (controls and bad bytes become U+FFFD) and cut at a character boundary. */
static void msg_put_clean(struct buf *out, const char *s)
{
	size_t n = strlen(s);
	size_t len = n > MSG_S_MAX ? utf8_boundary(s, n, MSG_S_MAX) : n;
	utf8_sanitize(s, len, out);
}

static void msg_expand(struct buf *out, const char *t, long n, const char *s, const char *c,
                       const char *m)
{
	while (*t) {
		const char *brace = strchr(t, '{');
		if (!brace || !brace[1] || brace[2] != '}') {
			buf_puts(out, t);
			return;
		}
		buf_append(out, t, (size_t)(brace - t));
		switch (brace[1]) {
		case 'n':
			buf_printf(out, "%ld", n);
			break;
		case 's':
			msg_put_clean(out, s ? s : "");
			break;
		case 'c':
			buf_puts(out, c);
			break;
		case 'm':
			buf_puts(out, m);
			break;
		default:
			buf_append(out, brace, 3);
		}
		t = brace + 3;
	}
}

const char *msg_template(enum msg_id id)
{
	return (unsigned)id < MSG_COUNT && msg_table[id] ? msg_table[id] : "";
}

void msg_append(struct buf *out, enum lang lang, enum msg_id id, long n, const char *s)
{
	const char *t = msg_template(id);
	msg_expand(out, t[0] ? i18n_tr(lang, t) : t, n, s, "", "");
}

void msg_append_error(struct buf *out, enum lang lang, const struct chat_error *e)
{
	/* " (401 invalid_api_key)", " (500)", " (insufficient_quota)" or "": the code is clean. */
	struct buf c = BUF_INIT;
	if (e->status > 0 || e->code[0]) {
		buf_puts(&c, " (");
		if (e->status > 0)
			buf_printf(&c, "%d", e->status);
		if (e->status > 0 && e->code[0])
			buf_putc(&c, ' ');
		buf_puts(&c, e->code);
		buf_putc(&c, ')');
	}
	const char *m = e->message;
	if (!m[0])
		m = msg_reason(e->status) ? msg_reason(e->status) : i18n_tr(lang, msg_no_message);
	const char *t = (unsigned)e->category < sizeof(msg_errors) / sizeof(msg_errors[0])
	                    ? msg_errors[e->category]
	                    : msg_errors[CHAT_ERR_OTHER];
	if (e->category == CHAT_ERR_AUTH && e->status == 403)
		t = msg_forbidden;
	/* The expansion of {c} never holds braces that could be read as a placeholder: it is
	 * expanded in one pass over the template. */
	msg_expand(out, i18n_tr(lang, t), 0, NULL, c.data ? c.data : "", m);
	if (e->category == CHAT_ERR_BAD_REQUEST) {
		/* Whichever cap key the message names first is the one the server refused. */
		const char *mt = strstr(e->message, "max_tokens");
		const char *mct = strstr(e->message, "max_completion_tokens");
		if (mt && (!mct || mt < mct))
			buf_puts(out, i18n_tr(lang, msg_cap_hint_mct));
		else if (mct)
			buf_puts(out, i18n_tr(lang, msg_cap_hint_mt));
	}
	buf_free(&c);
}
