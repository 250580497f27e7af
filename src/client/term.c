#include "client/term.h"

#include <errno.h>
#include <poll.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "client/edit.h"

#define ERASE_ROW "\r\x1b[K"
#define PROMPT_STYLE "\x1b[1m"
#define RESET_STYLE "\x1b[0m"
#define MARK_STYLE "\x1b[7m"
#define MARK_LEFT "<"
#define MARK_RIGHT ">"
/* Below this many columns for the text, the prompt is dropped rather than leave no room to type. */
#define MIN_TEXT_COLS 8

static void marker(struct term *t, const char *mark);
static void render(struct term *t, const char *prompt, const struct edit *e);

/* Where text is hidden at an edge of the edit row, as readline's horizontal scrolling shows it;
 * in reverse video with colour, so that it is not taken for a typed '<' or '>'. */
static void marker(struct term *t, const char *mark)
{
	if (t->colour)
		buf_puts(&t->out, MARK_STYLE);
	buf_puts(&t->out, mark);
	if (t->colour)
		buf_puts(&t->out, RESET_STYLE);
}

void term_init(struct term *t, int fd, bool colour)
{
	t->fd = fd;
	t->colour = colour;
	buf_init(&t->out);
	term_resize(t);
}

void term_free(struct term *t)
{
	buf_free(&t->out);
}

void term_resize(struct term *t)
{
	struct winsize ws;
	if (ioctl(t->fd, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0)
		t->cols = ws.ws_col;
	else
		t->cols = 80;
}

/* Appends the drawing of the edit row to t->out. The row ends at most at column cols - 1, never in
 * the last column, where some terminals wrap at once and others only at the next character. */
static void render(struct term *t, const char *prompt, const struct edit *e)
{
	size_t plen = strlen(prompt);
	size_t pw = edit_width(prompt, plen);
	size_t usable = t->cols > 1 ? t->cols - 1 : 1;
	if (pw + MIN_TEXT_COLS > usable) {
		plen = 0;
		pw = 0;
	}
	struct edit_view v;
	edit_view(e, usable - pw, &v);
	buf_puts(&t->out, "\r");
	if (plen > 0) {
		if (t->colour)
			buf_puts(&t->out, PROMPT_STYLE);
		buf_append(&t->out, prompt, plen);
		if (t->colour)
			buf_puts(&t->out, RESET_STYLE);
	}
	if (v.left_marker)
		marker(t, MARK_LEFT);
	buf_append(&t->out, e->text + v.start, v.end - v.start);
	if (v.right_marker)
		marker(t, MARK_RIGHT);
	buf_puts(&t->out, "\x1b[K\r");
	if (pw + v.cursor_col > 0)
		buf_printf(&t->out, "\x1b[%zuC", pw + v.cursor_col);
}

int term_draw(struct term *t, const char *prompt, const struct edit *e)
{
	buf_clear(&t->out);
	render(t, prompt, e);
	return term_write_all(t->fd, t->out.data, t->out.len);
}

int term_print(struct term *t, const char *text, size_t len, const char *prompt,
	       const struct edit *e)
{
	buf_clear(&t->out);
	buf_puts(&t->out, ERASE_ROW);
	/* Raw mode may have turned off the terminal's own LF to CR LF translation. */
	for (size_t i = 0; i < len; i++) {
		if (text[i] == '\n')
			buf_putc(&t->out, '\r');
		buf_putc(&t->out, text[i]);
	}
	render(t, prompt, e);
	return term_write_all(t->fd, t->out.data, t->out.len);
}

int term_clear(struct term *t, const char *prompt, const struct edit *e)
{
	buf_clear(&t->out);
	buf_puts(&t->out, "\x1b[H\x1b[2J");
	render(t, prompt, e);
	return term_write_all(t->fd, t->out.data, t->out.len);
}

int term_hide(struct term *t)
{
	return term_write_all(t->fd, ERASE_ROW, strlen(ERASE_ROW));
}

int term_write_all(int fd, const void *p, size_t n)
{
	const char *s = p;
	while (n > 0) {
		ssize_t w = write(fd, s, n);
		if (w >= 0) {
			s += w;
			n -= (size_t)w;
			continue;
		}
		if (errno == EINTR)
			continue;
		if (errno != EAGAIN && errno != EWOULDBLOCK)
			return -errno;
		/* Someone made the shared file description non-blocking: wait until it drains. */
		struct pollfd pfd = {.fd = fd, .events = POLLOUT};
		if (poll(&pfd, 1, -1) < 0 && errno != EINTR)
			return -errno;
	}
	return 0;
}
