/* screen: what the user sees. In interactive mode text goes above the edit row (term.h) and the
 * edit row is drawn again after it; otherwise text is written to standard output as it is. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "base/buf.h"
#include "client/client_private.h"
#include "client/incoming.h"

/* User-facing strings, marked for translation (po/es.po) and translated where they are used.
 * The prompts are symbols, the same in every language. */
#define MSG_OUTPUT N_("cannot write to standard output: %s")
#define PROMPT_ROOM "%s> "
#define PROMPT_NONE "> "

const char *screen_prompt(struct client *c)
{
	if (!c->track.room)
		return PROMPT_NONE;
	int r = snprintf(c->prompt, sizeof c->prompt, PROMPT_ROOM, c->track.room);
	if (r < 0 || (size_t)r >= sizeof c->prompt)
		return PROMPT_NONE;
	return c->prompt;
}

/* A terminal or pipe that cannot be written any more ends the run: nobody would see the chat. */
void screen_show(struct client *c)
{
	if (c->out.len == 0 || c->finishing)
		return;
	/* One bell for whatever arrived together, however many lines call for it. */
	if (c->bell_due && c->raw)
		buf_putc(&c->out, '\a');
	c->bell_due = false;
	int r;
	if (c->raw)
		r = term_print(&c->term, c->out.data, c->out.len, screen_prompt(c), &c->edit);
	else
		r = term_write_all(STDOUT_FILENO, c->out.data, c->out.len);
	buf_clear(&c->out);
	if (r < 0)
		client_finish(c, CLIENT_EXIT_FAILURE, r == -EPIPE ? NULL : client_tr(c, MSG_OUTPUT),
			      strerror(-r));
}

void screen_redraw(struct client *c)
{
	if (!c->raw || c->finishing)
		return;
	if (term_draw(&c->term, screen_prompt(c), &c->edit) < 0)
		client_finish(c, CLIENT_EXIT_FAILURE, NULL);
}

void screen_notice(struct client *c, const char *fmt, ...)
{
	char msg[512];
	va_list ap;
	va_start(ap, fmt);
	int r = vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	if (r < 0)
		return;
	size_t n = (size_t)r < sizeof msg ? (size_t)r : sizeof msg - 1;
	/* Lines from the server may be waiting in c->out (a script's /stats goes out while the
	 * welcome that released it is being shown): they come first. */
	screen_show(c);
	buf_clear(&c->out);
	incoming_format(msg, n, NULL, c->opt->colour, &c->out);
	screen_show(c);
}
