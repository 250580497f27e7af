#include "face/ask/ask.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "ai/msg.h"
#include "base/i18n.h"
#include "base/log.h"
#include "base/xalloc.h"
#include "net/addr.h"
#include "net/listener.h"

/* The word that ends a session, as in the classroom client. */
static const char W_QUIT[] = "salir";
/* User-facing text of the ask port, in one place, marked for translation (in the server's
 * language: the port has no way to choose one). Like every answer, the goodbye ends with an
 * empty line. */
static const char T_BYE[] = N_("Bye.\n\n");

struct ask_client {
	struct conn *conn;
	struct ask_face *af;
	struct list_node node;     /* on af->clients */
	struct answerer_job *job;
	uv_timer_t pause;
	struct buf answer;
	char *conv;     /* this connection's conversation: "ask:N" */
	char *user;     /* its rate-limit key: "ask@ADDRESS" */
	bool too_long;  /* a question past the line limit is being discarded: answer at its end */
};

/* ---- the answer ---- */

/* Every reply on this port is one or more non-empty lines and then an empty line, so a client
 * that reads lines knows where an answer ends (the classroom client, reading one recv, just shows
 * a blank line after it). So paragraph breaks are dropped, as in the chat. */
static void ask_on_line(void *ctx, const char *line, size_t len)
{
	struct ask_client *ac = ctx;
	if (len == 0)
		return;
	buf_append(&ac->answer, line, len);
	buf_putc(&ac->answer, '\n');
}

static void ask_start_pause(struct ask_client *ac);

static void ask_too_long(struct ask_client *ac)
{
	struct conn *c = ac->conn;
	size_t max = ac->af->ai.max_question(ac->af->ai.ctx);
	if (c->net->cfg.max_line < max)
		max = c->net->cfg.max_line;
	struct buf *s = &ac->af->scratch;
	buf_clear(s);
	msg_append(s, (enum lang)ac->af->cfg.lang, MSG_QUESTION_TOO_LONG, (long)max, NULL);
	buf_puts(s, "\n\n");
	conn_send_str(c, s->data, s->len);
	ac->too_long = false;
}

static void ask_on_done(void *ctx, const char *note, size_t len)
{
	struct ask_client *ac = ctx;
	if (note) {
		buf_append(&ac->answer, note, len);
		buf_putc(&ac->answer, '\n');
	}
	ac->job = NULL;
	/* The whole answer and its end mark in one frame, which the net writes with one write. The
	 * assistant always ends with a line or a note, so the answer is never empty. */
	buf_putc(&ac->answer, '\n');
	conn_send_str(ac->conn, ac->answer.data, ac->answer.len);
	buf_free(&ac->answer);
	conn_resume(ac->conn);
	ask_start_pause(ac);
}

static const struct answerer_sink ask_sink = {
	.line = ask_on_line,
	.notice = NULL, /* the classroom client reads one recv per question: nothing but answers */
	.done = ask_on_done,
};

/* One question (a line, or bytes ended by a pause). Returns false when input must stop: a
 * question now runs, or the client said "salir". */
static bool ask_question(struct ask_client *ac, const char *q, size_t len)
{
	size_t i = 0;
	while (i < len && (q[i] == ' ' || q[i] == '\t' || q[i] == '\r'))
		i++;
	while (len > i && (q[len - 1] == ' ' || q[len - 1] == '\t' || q[len - 1] == '\r'))
		len--;
	if (i == len)
		return true;
	if (len - i == strlen(W_QUIT) && strncasecmp(q + i, W_QUIT, len - i) == 0) {
		log_debug(ac->af->log, "%s: salir", ac->conn->peer);
		const char *bye = i18n_tr((enum lang)ac->af->cfg.lang, T_BYE);
		conn_send_str(ac->conn, bye, strlen(bye));
		conn_close_after_flush(ac->conn);
		return false;
	}
	uv_timer_stop(&ac->pause);
	conn_pause(ac->conn);
	const struct answerer *ai = &ac->af->ai;
	ac->job = ai->ask(ai->ctx, ac->conv, ac->user, NULL, ac->af->cfg.lang, q + i, len - i,
			  &ask_sink, ac);
	return false;
}

/* Whether a question is under way without its newline: bytes kept, or a too-long one being
 * discarded (which the pause ends too, or the next question would be discarded with it). */
static bool ask_partial(const struct conn *c)
{
	return linebuf_pending(&c->in) || c->in.discarding;
}

static void ask_on_pause(uv_timer_t *t)
{
	struct ask_client *ac = t->data;
	struct conn *c = ac->conn;
	if (ac->job || conn_is_closing(c) || c->in.paused || !ask_partial(c))
		return;
	uint64_t now = uv_now(c->net->loop);
	uint64_t quiet = now - c->last_input_ms;
	if (quiet < ac->af->cfg.pause_ms) {
		uv_timer_start(&ac->pause, ask_on_pause, ac->af->cfg.pause_ms - quiet, 0);
		return;
	}
	struct buf q = BUF_INIT;
	linebuf_take(&c->in, &q);
	if (ac->too_long)
		ask_too_long(ac); /* the pause ended the question that was too long */
	else if (q.len)
		ask_question(ac, q.data, q.len);
	buf_free(&q);
}

static void ask_start_pause(struct ask_client *ac)
{
	if (!conn_is_closing(ac->conn))
		uv_timer_start(&ac->pause, ask_on_pause, ac->af->cfg.pause_ms, 0);
}

/* ---- conn ops ---- */

static bool ask_conn_line(struct conn *c, char *line, size_t len, bool too_long)
{
	struct ask_client *ac = c->owner;
	if (too_long) {
		/* Answered when the question ends (its newline or a pause), so that what the client
		 * sends after reading the answer is a new question, not the rest of this one. */
		ac->too_long = true;
		if (!c->in.discarding)
			ask_too_long(ac);
		return true;
	}
	if (ac->job)
		return false; /* cannot happen: input is paused while a question runs */
	return ask_question(ac, line, len);
}

static void ask_conn_input(struct conn *c)
{
	struct ask_client *ac = c->owner;
	if (ac->too_long && !c->in.discarding)
		ask_too_long(ac); /* its newline came */
	if (!ac->job && !c->in.paused && ask_partial(c))
		ask_start_pause(ac);
}

static void ask_cancel(struct ask_client *ac)
{
	if (ac->job) {
		ac->af->ai.cancel(ac->af->ai.ctx, ac->job);
		ac->job = NULL;
	}
}

static void ask_conn_gone(struct conn *c, int status)
{
	struct ask_client *ac = c->owner;
	log_debug(ac->af->log, "%s (ask): %s", c->peer, status == UV_EOF ? "closed" : uv_strerror(status));
	ask_cancel(ac);
}

static void ask_conn_overflow(struct conn *c, enum outq_verdict v)
{
	struct ask_client *ac = c->owner;
	(void)v;
	log_info(ac->af->log, "%s (ask): not reading its answers; disconnecting", c->peer);
	ac->af->stats.slow++;
	ask_cancel(ac);
	conn_close(c);
}

static void ask_conn_tick(struct conn *c, uint64_t now)
{
	struct ask_client *ac = c->owner;
	uint64_t idle = ac->af->cfg.idle_timeout_ms;
	if (idle && !ac->job && now - c->last_input_ms >= idle)
		conn_close_after_flush(c);
}

static void ask_free_cb(uv_handle_t *h)
{
	struct ask_client *ac = h->data;
	buf_free(&ac->answer);
	free(ac->conv);
	free(ac->user);
	free(ac);
}

static void ask_conn_closed(struct conn *c)
{
	struct ask_client *ac = c->owner;
	struct ask_face *af = ac->af;
	ask_cancel(ac);
	af->ai.forget(af->ai.ctx, ac->conv);
	list_remove(&ac->node);
	af->stats.open--;
	uv_close((uv_handle_t *)&ac->pause, ask_free_cb);
}

static const struct conn_ops ask_conn_ops = {
	.line = ask_conn_line,
	.gone = ask_conn_gone,
	.overflow = ask_conn_overflow,
	.tick = ask_conn_tick,
	.closed = ask_conn_closed,
	.input = ask_conn_input,
};

/* ---- accepting ---- */

static void ask_on_connection(struct listener *l)
{
	struct ask_face *af = l->owner;
	struct ask_client *ac = xcalloc(1, sizeof(*ac));
	ac->af = af;
	int r = conn_accept(af->net, (uv_stream_t *)&l->tcp, &ask_conn_ops, ac, &ac->conn);
	if (r < 0) {
		listener_error(l, r);
		free(ac);
		return;
	}
	if (r == CONN_REFUSED) {
		static const char refused[] = "Too many connections from your address.\n\n";
		conn_refuse(ac->conn, refused, strlen(refused));
		free(ac);
		return;
	}
	uv_timer_init(af->net->loop, &ac->pause);
	ac->pause.data = ac;
	struct buf key = BUF_INIT;
	buf_printf(&key, "ask:%llu", (unsigned long long)++af->next_id);
	ac->conv = key.data;
	/* The rate limit follows the peer's address, not the connection, so reconnecting does not
	 * reset it. */
	buf_init(&key);
	buf_printf(&key, "ask@%s", ac->conn->peer);
	ac->user = key.data;
	char *colon = strrchr(ac->user, ':');
	if (colon)
		*colon = '\0';
	list_push_front(&af->clients, &ac->node);
	af->stats.accepted++;
	af->stats.open++;
	log_debug(af->log, "%s: connected (ask)", ac->conn->peer);
}

void ask_face_init(struct ask_face *af, const struct ask_config *cfg, const struct answerer *ai,
		   struct net *net, const struct logger *log)
{
	memset(af, 0, sizeof(*af));
	af->cfg = *cfg;
	af->ai = *ai;
	af->net = net;
	af->log = log;
	list_init(&af->clients);
	buf_init(&af->scratch);
}

int ask_face_listen(struct ask_face *af, const char *spec, char *err, size_t errlen)
{
	return listener_open_spec(af->net->loop, spec, af->cfg.backlog, ask_on_connection, af,
				  &af->listeners, af->log, "ask port open on ",
				  " (the classroom GPT protocol)", err, errlen);
}

void ask_face_shutdown(struct ask_face *af)
{
	for (struct listener *l = af->listeners, *next; l; l = next) {
		next = l->next;
		listener_close(l);
	}
	af->listeners = NULL;
	list_each_safe(n, &af->clients) {
		struct ask_client *ac = list_entry(n, struct ask_client, node);
		ask_cancel(ac);
		uv_timer_stop(&ac->pause);
		conn_close_after_flush(ac->conn);
	}
}

void ask_face_free(struct ask_face *af)
{
	buf_free(&af->scratch);
}
