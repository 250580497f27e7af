/* input: the user's side of the run. In a terminal, raw key bytes decoded into editing keys for
 * the edit row; otherwise lines read from a stream (a pipe, a socket, a cooked terminal) or from a
 * regular file on the thread pool, sent one by one with back-pressure from the connection. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <uv.h>

#include "base/buf.h"
#include "client/client_private.h"
#include "client/complete.h"
#include "client/incoming.h"
#include "client/keys.h"

/* User-facing strings, marked for translation (po/es.po) and translated where they are used. */
#define MSG_PIPE_TOO_LONG \
	N_("line %zu is too long (%zu bytes; the limit is %d); it was not sent")
#define MSG_EDIT_FULL N_("! Line too long: the server takes at most %d bytes.")
#define MSG_MORE_MATCHES(lang, n) \
	i18n_trn((lang), "  ... (%zu more name)", "  ... (%zu more names)", (n))
/* At most this many choices are listed on a second Tab. */
#define LIST_MAX 100

static void input_alloc(uv_handle_t *h, size_t hint, uv_buf_t *b);
static void input_on_tty_read(uv_stream_t *s, ssize_t nread, const uv_buf_t *b);
static void input_decode_keys(struct client *c, bool final);
static bool input_key(struct client *c, enum key k, const char *bytes, size_t n);
static void input_on_esc_timer(uv_timer_t *t);
static bool input_complete(struct client *c, bool again);
static void input_list(struct client *c, const char *const *matches, size_t count);
static void input_on_stream_read(uv_stream_t *s, ssize_t nread, const uv_buf_t *b);
static void input_read_file(struct client *c);
static void input_on_fs_read(uv_fs_t *req);
static size_t input_line_max(const struct client *c);
static bool input_holding(const struct client *c);
static void input_feed(struct client *c, const char *data, size_t n);
static void input_ended(struct client *c);

int input_start(struct client *c)
{
	int r;
	if (c->opt->interactive) {
		r = uv_tty_init(&c->loop, &c->tty, 0, 1);
		if (r < 0)
			return r;
		c->tty.data = c;
		r = uv_tty_set_mode(&c->tty, UV_TTY_MODE_RAW);
		if (r < 0)
			return r;
		c->raw = true;
		c->input = INPUT_STREAM;
		c->in_stream = (uv_stream_t *)&c->tty;
		return uv_read_start(c->in_stream, input_alloc, input_on_tty_read);
	}
	switch (uv_guess_handle(0)) {
	case UV_TTY:
		/* Input from a terminal but output elsewhere: read cooked lines, no editor. */
		r = uv_tty_init(&c->loop, &c->tty, 0, 1);
		if (r < 0)
			return r;
		c->tty.data = c;
		c->in_stream = (uv_stream_t *)&c->tty;
		break;
	case UV_NAMED_PIPE:
	case UV_TCP:
		r = uv_pipe_init(&c->loop, &c->pipe, 0);
		if (r < 0)
			return r;
		c->pipe.data = c;
		r = uv_pipe_open(&c->pipe, 0);
		if (r < 0)
			return r;
		c->in_stream = (uv_stream_t *)&c->pipe;
		break;
	default:
		c->input = INPUT_FILE;
		c->fs_req.data = c;
		input_read_file(c);
		return 0;
	}
	c->input = INPUT_STREAM;
	return uv_read_start(c->in_stream, input_alloc, input_on_stream_read);
}

static void input_alloc(uv_handle_t *h, size_t hint, uv_buf_t *b)
{
	struct client *c = h->data;
	(void)hint;
	*b = uv_buf_init(c->read_buf, sizeof c->read_buf);
}

static void input_on_tty_read(uv_stream_t *s, ssize_t nread, const uv_buf_t *b)
{
	struct client *c = s->data;
	if (nread == 0 || c->finishing)
		return;
	if (nread < 0) {
		/* The terminal went away (EOF or EIO on hang-up): nobody is left to type. */
		uv_read_stop(s);
		client_leave(c);
		return;
	}
	buf_append(&c->keys, b->base, (size_t)nread);
	uv_timer_stop(&c->esc_timer);
	input_decode_keys(c, false);
	if (c->keys.len > 0 && !c->finishing)
		uv_timer_start(&c->esc_timer, input_on_esc_timer, ESC_WAIT_MS, 0);
}

/* Decodes and applies every complete key in c->keys, then draws the edit row once. */
static void input_decode_keys(struct client *c, bool final)
{
	size_t at = 0;
	bool dirty = false;
	while (at < c->keys.len && !c->finishing) {
		size_t used;
		enum key k = keys_next(c->keys.data + at, c->keys.len - at, final, &used);
		if (k == KEY_MORE)
			break;
		dirty |= input_key(c, k, c->keys.data + at, used);
		at += used;
	}
	buf_consume(&c->keys, at);
	if (dirty && !c->finishing)
		screen_redraw(c);
}

static void input_on_esc_timer(uv_timer_t *t)
{
	input_decode_keys(t->data, true);
}

/* Applies one key; returns true if the edit row needs drawing again. */
static bool input_key(struct client *c, enum key k, const char *bytes, size_t n)
{
	struct edit *e = &c->edit;
	enum edit_result r = EDIT_NOOP;
	bool again = c->tab_again;
	c->tab_again = false;
	switch (k) {
	case KEY_TAB:
		return input_complete(c, again);
	case KEY_TEXT:
		r = edit_insert(e, bytes, n);
		if (r == EDIT_FULL && !c->warned_full) {
			c->warned_full = true;
			buf_clear(&c->out);
			char msg[128];
			int w = snprintf(msg, sizeof msg, client_tr(c, MSG_EDIT_FULL), EDIT_MAX);
			if (w > 0 && (size_t)w < sizeof msg)
				incoming_format(msg, (size_t)w, NULL, c->opt->colour, &c->out);
			screen_show(c);
		}
		break;
	case KEY_ENTER: {
		char *line = edit_take(e);
		c->warned_full = false;
		screen_redraw(c);
		client_submit(c, line, strlen(line), true);
		free(line);
		return false;
	}
	case KEY_BACKSPACE:
		r = edit_backspace(e);
		break;
	case KEY_DELETE:
		r = edit_delete(e);
		break;
	case KEY_LEFT:
		r = edit_left(e);
		break;
	case KEY_RIGHT:
		r = edit_right(e);
		break;
	case KEY_WORD_LEFT:
		r = edit_word_left(e);
		break;
	case KEY_WORD_RIGHT:
		r = edit_word_right(e);
		break;
	case KEY_UP:
		r = edit_history_prev(e);
		break;
	case KEY_DOWN:
		r = edit_history_next(e);
		break;
	case KEY_HOME:
		r = edit_home(e);
		break;
	case KEY_END:
		r = edit_end(e);
		break;
	case KEY_KILL_END:
		r = edit_kill_end(e);
		break;
	case KEY_KILL_START:
		r = edit_kill_start(e);
		break;
	case KEY_KILL_WORD:
		r = edit_kill_word(e);
		break;
	case KEY_INTERRUPT:
		/* As in a shell: Ctrl-C throws a typed line away, so that a line one thinks
		 * better of is gone in one key; only on an empty line does it leave. */
		if (e->len == 0 && e->hist_pos == e->hist_len) {
			client_leave(c);
			return false;
		}
		c->warned_full = false;
		r = edit_clear(e);
		break;
	case KEY_EOF:
		/* As in a shell: Ctrl-D leaves on an empty line, and deletes forward otherwise. */
		if (e->len == 0) {
			client_leave(c);
			return false;
		}
		r = edit_delete(e);
		break;
	case KEY_REDRAW:
		if (term_clear(&c->term, screen_prompt(c), e) < 0)
			client_finish(c, CLIENT_EXIT_FAILURE, NULL);
		return false;
	case KEY_MORE:
	case KEY_IGNORED:
		break;
	}
	return r == EDIT_CHANGED;
}

/* Tab: completes the word before the cursor (complete.h); a second Tab in a row lists the
 * choices when there are several. Returns true if the line changed. */
static bool input_complete(struct client *c, bool again)
{
	struct edit *e = &c->edit;
	const char **names;
	size_t n = members_names(&c->members, c->track.room, &names);
	struct complete done;
	enum complete_result k = complete_line(e->text, e->len, e->cur, names, n, &done);
	bool changed = false;
	switch (k) {
	case COMPLETE_NONE:
		break;
	case COMPLETE_UNIQUE:
	case COMPLETE_PREFIX:
		changed = edit_replace(e, done.from, done.to, done.insert.data, done.insert.len) ==
			  EDIT_CHANGED;
		c->tab_again = k == COMPLETE_PREFIX;
		break;
	case COMPLETE_AMBIGUOUS:
		if (again)
			input_list(c, done.matches, done.count);
		c->tab_again = true;
		break;
	}
	complete_free(&done);
	free(names);
	return changed;
}

/* Shows the choices above the edit row, in the server's `* ` form. */
static void input_list(struct client *c, const char *const *matches, size_t count)
{
	struct buf line = BUF_INIT;
	buf_puts(&line, "*");
	for (size_t i = 0; i < count && i < LIST_MAX; i++) {
		buf_puts(&line, "  ");
		buf_puts(&line, matches[i]);
	}
	if (count > LIST_MAX)
		buf_printf(&line,
			   MSG_MORE_MATCHES(c->opt->lang, count - LIST_MAX),
			   count - LIST_MAX);
	buf_clear(&c->out);
	incoming_format(line.data, line.len, NULL, c->opt->colour, &c->out);
	buf_free(&line);
	screen_show(c);
}

static void input_on_stream_read(uv_stream_t *s, ssize_t nread, const uv_buf_t *b)
{
	struct client *c = s->data;
	if (nread == 0 || c->finishing)
		return;
	if (nread < 0) {
		if (nread != UV_EOF)
			client_warn(c, client_tr(c, MSG_INPUT), uv_strerror((int)nread));
		input_ended(c);
		return;
	}
	input_feed(c, b->base, (size_t)nread);
}

/* Standard input is a regular file or a device like /dev/null, which epoll cannot watch; reading
 * it on the thread pool, one chunk at a time, keeps the loop free meanwhile. */
static void input_read_file(struct client *c)
{
	uv_buf_t b = uv_buf_init(c->read_buf, sizeof c->read_buf);
	int r = uv_fs_read(&c->loop, &c->fs_req, 0, &b, 1, -1, input_on_fs_read);
	if (r < 0) {
		client_warn(c, client_tr(c, MSG_INPUT), uv_strerror(r));
		input_ended(c);
		return;
	}
	c->fs_busy = true;
}

static void input_on_fs_read(uv_fs_t *req)
{
	struct client *c = req->data;
	ssize_t n = req->result;
	uv_fs_req_cleanup(req);
	c->fs_busy = false;
	if (c->finishing)
		return;
	if (n <= 0) {
		if (n < 0)
			client_warn(c, client_tr(c, MSG_INPUT), uv_strerror((int)n));
		input_ended(c);
		return;
	}
	input_feed(c, c->read_buf, (size_t)n);
	if (!c->input_paused && !c->input_done && !c->finishing)
		input_read_file(c);
}

static size_t input_line_max(const struct client *c)
{
	return c->opt->udp ? UDPLINK_LINE_MAX : EDIT_MAX;
}

/* A script's line went out before the welcome and the server has not answered it yet. */
static bool input_holding(const struct client *c)
{
	return !c->opt->interactive && c->login.pending;
}

/* Splits piped input into lines. A line longer than the server takes is not sent: it is reported
 * with its number, and the lines after it go on as usual. Before the welcome, while a line's
 * answer is awaited (login.h), the rest is held and reading pauses: input_release goes on. */
static void input_feed(struct client *c, const char *data, size_t n)
{
	for (size_t i = 0; i < n && !c->input_done && !c->finishing; i++) {
		if (input_holding(c)) {
			buf_append(&c->held, data + i, n - i);
			input_pause(c);
			return;
		}
		if (data[i] != '\n') {
			/* One byte over the limit is kept for a CR that may precede the LF. */
			if (c->line.len <= input_line_max(c))
				buf_putc(&c->line, data[i]);
			c->line_bytes++;
			continue;
		}
		c->line_no++;
		size_t len = c->line_bytes;
		if (len > 0 && c->line.len == len && c->line.data[len - 1] == '\r')
			len--;
		if (len > input_line_max(c))
			client_warn(c, client_tr(c, MSG_PIPE_TOO_LONG), c->line_no, len,
				    (int)input_line_max(c));
		else if (len > 0)
			client_submit(c, c->line.data, len, true);
		buf_clear(&c->line);
		c->line_bytes = 0;
		if (c->quitting)
			c->input_done = true;
	}
}

/* End of piped input: send a last line without a newline, then shut down our sending side so the
 * server sees the end, and keep printing until it closes (unless /quit is already on its way). */
static void input_ended(struct client *c)
{
	if (c->input_done)
		return;
	if (c->line_bytes > 0)
		input_feed(c, "\n", 1);
	c->input_done = true;
	if (c->in_stream)
		uv_read_stop(c->in_stream);
	if (c->quitting || c->finishing)
		return;
	if (c->opt->udp) {
		/* No connection to half-close: say goodbye, which is what the end of input
		 * means. */
		client_leave(c);
		return;
	}
	wire_shutdown(c);
}

void input_pause(struct client *c)
{
	if (c->input_paused)
		return;
	c->input_paused = true;
	if (c->input == INPUT_STREAM && c->in_stream)
		uv_read_stop(c->in_stream);
}

void input_resume(struct client *c)
{
	if (!c->input_paused || c->input_done || c->quitting || input_holding(c))
		return;
	c->input_paused = false;
	if (c->input == INPUT_STREAM)
		uv_read_start(c->in_stream, input_alloc, input_on_stream_read);
	else if (c->input == INPUT_FILE && !c->fs_busy)
		input_read_file(c);
}

void input_release(struct client *c)
{
	if (c->input == INPUT_NONE || input_holding(c))
		return;
	struct buf held = c->held;
	buf_init(&c->held);
	input_feed(c, held.data, held.len);
	buf_free(&held);
	if (!c->finishing && wire_queued(c) < SEND_HIGH)
		input_resume(c);
}
