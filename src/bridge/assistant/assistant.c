/* assistant: life (new, shutdown, free) and the calls a face makes. See assistant.h for what the
 * assistant does and assistant_int.h for how its files share the work. */
#include "bridge/assistant/assistant.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/fold.h"
#include "base/log.h"
#include "base/xalloc.h"
#include "bridge/assistant/assistant_int.h"

/* Text for the model (not for users): the default system prompt. {s} is the bot's name. Each
 * request adds the asker's language to it (answer.c). */
static const char T_SYSTEM[] =
	"You are %s, an assistant taking part in a multi-user text chat. Each user message starts "
	"with the name of the person speaking and a colon. Answer in plain text without Markdown, "
	"briefly.";

char *assistant_key(const char *prefix, const char *s, size_t len)
{
	size_t pl = strlen(prefix);
	char *k = xmalloc(pl + len + 1);
	memcpy(k, prefix, pl);
	fold_utf8(s, len, k + pl, len + 1);
	return k;
}

void assistant_trim(const char **s, size_t *len)
{
	while (*len && (**s == ' ' || **s == '\t')) {
		(*s)++;
		(*len)--;
	}
	while (*len && ((*s)[*len - 1] == ' ' || (*s)[*len - 1] == '\t'))
		(*len)--;
}

/* ---- the answerer, for other faces ---- */

static struct answerer_job *assistant_ask(void *ctx, const char *conv, const char *user,
					  const char *name, int lang, const char *question, size_t len,
					  const struct answerer_sink *sink, void *sink_ctx)
{
	struct assistant *a = ctx;
	struct assistant_job *j = job_new(a, JOB_FACE, question, len);
	j->conv = xstrdup(conv);
	j->user = xstrdup(user);
	j->name = name ? xstrdup(name) : NULL;
	j->lang = lang >= 0 && lang < LANG_COUNT ? (enum lang)lang : LANG_EN;
	j->sink = sink;
	j->ctx = sink_ctx;
	job_list_push(&a->pending, j);
	inbox_kick(a);
	/* A face's handle is the job itself, under the interface's opaque name. */
	return (struct answerer_job *)j;
}

static void assistant_cancel(void *ctx, struct answerer_job *job)
{
	(void)ctx;
	job_cancel((struct assistant_job *)job);
}

static void assistant_forget(void *ctx, const char *conv)
{
	conv_forget(ctx, conv);
}

static size_t assistant_max_question(void *ctx)
{
	const struct assistant *a = ctx;
	return a->cfg.max_question;
}

struct answerer assistant_answerer(struct assistant *a)
{
	return (struct answerer){
		.ctx = a,
		.ask = assistant_ask,
		.cancel = assistant_cancel,
		.forget = assistant_forget,
		.max_question = assistant_max_question,
	};
}

static const char *const assistant_error_names[ASSISTANT_ERRORS] = {
	[ASSISTANT_ERR_AUTH] = "auth",
	[ASSISTANT_ERR_RATE_LIMIT] = "rate_limit",
	[ASSISTANT_ERR_QUOTA] = "quota",
	[ASSISTANT_ERR_BAD_REQUEST] = "bad_request",
	[ASSISTANT_ERR_SERVER] = "server",
	[ASSISTANT_ERR_OTHER] = "other",
	[ASSISTANT_ERR_NETWORK] = "network",
	[ASSISTANT_ERR_TIMEOUT] = "timeout",
	[ASSISTANT_ERR_MALFORMED] = "malformed",
	[ASSISTANT_ERR_CUT] = "cut",
};

static const double assistant_latency_bounds[] = {ASSISTANT_LATENCY_BOUNDS};

const char *assistant_error_name(enum assistant_error e)
{
	return assistant_error_names[e];
}

void assistant_get_stats(const struct assistant *a, struct assistant_stats *out)
{
	*out = a->stats;
	out->running = a->running.n;
	out->queued = a->queue.n;
}

/* ---- life ---- */

static void assistant_handle_closed(uv_handle_t *h)
{
	struct assistant *a = h->data;
	a->open_handles--;
}

static void assistant_http_closed(struct http_client *c)
{
	struct assistant *a = c->data;
	a->http_up = false;
}

/* A text of msg.h on the heap, as a msgid whose "{s}" is the bot's name: the faces translate and
 * expand it for each client (hub.h, struct hub_bot). */
static char *assistant_msg(enum msg_id id)
{
	return xstrdup(msg_template(id));
}

struct assistant *assistant_new(uv_loop_t *loop, struct hub *hub, const struct assistant_config *cfg,
				const struct logger *log, char *err, size_t errlen)
{
	struct assistant *a = xcalloc(1, sizeof(*a));
	metrics_hist_init(&a->stats.latency, assistant_latency_bounds,
			  sizeof(assistant_latency_bounds) / sizeof(assistant_latency_bounds[0]));
	a->cfg = *cfg;
	a->cfg.name = a->own_name = xstrdup(cfg->name);
	a->cfg.model = a->own_model = xstrdup(cfg->model ? cfg->model : "");
	if (!a->cfg.inflight)
		a->cfg.inflight = 1;
	a->loop = loop;
	a->log = log;
	uint64_t seed = uv_hrtime();
	map_init(&a->convs, seed);
	map_init(&a->floors, seed * 17 + 3);
	map_init(&a->buckets, seed * 31 + 7);
	list_init(&a->lru);
	list_init(&a->inbox);
	job_list_init(&a->pending);
	job_list_init(&a->queue);
	job_list_init(&a->running);
	size_t nl = strlen(cfg->name);
	a->folded_name = assistant_key("", cfg->name, nl);
	if (cfg->system) {
		a->system = xstrdup(cfg->system);
	} else {
		struct buf s = BUF_INIT;
		buf_printf(&s, T_SYSTEM, cfg->name);
		a->system = s.data;
	}
	a->configured = cfg->base_url && cfg->base_url[0];
	if (a->configured) {
		size_t ul = strlen(cfg->base_url);
		while (ul && cfg->base_url[ul - 1] == '/')
			ul--;
		struct buf u = BUF_INIT;
		buf_append(&u, cfg->base_url, ul);
		buf_puts(&u, "/chat/completions");
		a->url = u.data;
	}
	if (cfg->api_key && cfg->api_key[0]) {
		struct buf h = BUF_INIT;
		buf_printf(&h, "Authorization: Bearer %s", cfg->api_key);
		a->auth = h.data;
		a->headers[0] = a->auth;
	}

	a->role = assistant_msg(MSG_ROLE);
	a->hint = assistant_msg(MSG_HINT);
	a->form = assistant_msg(MSG_FORM);
	a->form_help = assistant_msg(MSG_FORM_HELP);
	a->ask_args = assistant_msg(MSG_ASK_ARGS);
	a->ask_help = assistant_msg(MSG_ASK_HELP);
	a->forget_help = assistant_msg(MSG_FORGET_HELP);
	if (bot_open(a, hub, cfg->name, nl) != 0) {
		snprintf(err, errlen, "cannot name the assistant '%s' (see --ai-name)", cfg->name);
		assistant_free(a);
		return NULL;
	}
	/* Without an API there is nothing to ask over HTTP (and main.c has not initialised libcurl:
	 * config_ai_backend). */
	if (a->configured) {
		int r = http_client_init(&a->http, loop, log);
		if (r < 0) {
			snprintf(err, errlen, "cannot start the HTTP client: %s", uv_strerror(r));
			bot_close(a);
			assistant_free(a);
			return NULL;
		}
		a->http.data = a;
		a->http_up = true;
	}
	bot_listen(a);
	uv_idle_init(loop, &a->idle);
	uv_timer_init(loop, &a->timer);
	a->idle.data = a->timer.data = a;
	a->open_handles = 2;
	if (a->configured)
		log_info(log, "assistant %s: model %s at %s%s", cfg->name, a->cfg.model, a->url,
			 a->auth ? " (with an API key)" : "");
	else
		log_info(log, "assistant %s: no API configured (see --ai-url and OPENAI_API_KEY)",
			 cfg->name);
	return a;
}

void assistant_shutdown(struct assistant *a)
{
	if (!a || a->stopping)
		return;
	a->stopping = true;
	struct job_list *lists[] = {&a->running, &a->queue, &a->pending};
	for (size_t k = 0; k < 3; k++) {
		list_each_safe(n, &lists[k]->list) {
			struct assistant_job *j = list_entry(n, struct assistant_job, node);
			job_shutdown(j);
			if (!j->req)
				job_free(j);
		}
	}
	inbox_clear(a);
	bot_close(a);
	if (a->http_up)
		http_client_close(&a->http, assistant_http_closed); /* cancels what runs */
	uv_close((uv_handle_t *)&a->idle, assistant_handle_closed);
	uv_close((uv_handle_t *)&a->timer, assistant_handle_closed);
}

void assistant_free(struct assistant *a)
{
	if (!a)
		return;
	turn_free_all(a); /* first: a job that ends here must not pass the floor on */
	struct job_list *lists[] = {&a->running, &a->queue, &a->pending};
	for (size_t k = 0; k < 3; k++)
		while (lists[k]->n)
			job_free(job_list_first(lists[k]));
	inbox_clear(a);
	conv_free_all(a);
	bucket_free_all(a);
	free(a->role);
	free(a->hint);
	free(a->form);
	free(a->form_help);
	free(a->ask_args);
	free(a->ask_help);
	free(a->forget_help);
	if (a->auth) {
		/* The key leaves no copy of ours behind in freed memory. */
		volatile char *p = a->auth;
		while (*p)
			*p++ = '\0';
		free(a->auth);
	}
	free(a->url);
	free(a->system);
	free(a->folded_name);
	free(a->own_name);
	free(a->own_model);
	buf_free(&a->text);
	free(a);
}
