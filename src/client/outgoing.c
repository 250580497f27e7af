#include "client/outgoing.h"

#include <string.h>
#include <strings.h>

#include "base/buf.h"
#include "base/utf8.h"

static bool is_command(const char *line, size_t len, const char *name, size_t *after);

/* True if line is `/name` alone or followed by a space; *after is the offset past the spaces. */
static bool is_command(const char *line, size_t len, const char *name, size_t *after)
{
	size_t n = strlen(name);
	if (len < n || strncasecmp(line, name, n) != 0 || (len > n && line[n] != ' '))
		return false;
	while (n < len && line[n] == ' ')
		n++;
	*after = n;
	return true;
}

enum outgoing_kind outgoing_classify(const char *line, size_t len, struct outgoing_parts *p)
{
	memset(p, 0, sizeof *p);
	size_t first = 0;
	while (first < len && line[first] == ' ')
		first++;
	if (first == len)
		return OUTGOING_EMPTY;
	size_t last = len;
	while (line[last - 1] == ' ')
		last--;
	if (last - first == 5 && strncasecmp(line + first, "salir", 5) == 0)
		return OUTGOING_QUIT;
	if (line[0] != '/') {
		p->text_len = len;
		return OUTGOING_SAY;
	}
	if (len > 1 && line[1] == '/') {
		p->text_off = 1;
		p->text_len = len - 1;
		return OUTGOING_SAY;
	}
	size_t at;
	if (is_command(line, len, "/quit", &at))
		return OUTGOING_QUIT;
	if (is_command(line, len, "/me", &at) && at < len) {
		p->text_off = at;
		p->text_len = len - at;
		return OUTGOING_ACTION;
	}
	if (is_command(line, len, "/msg", &at) && at < len) {
		size_t end = at;
		while (end < len && line[end] != ' ')
			end++;
		size_t text = end;
		while (text < len && line[text] == ' ')
			text++;
		if (text < len) {
			p->target_off = at;
			p->target_len = end - at;
			p->text_off = text;
			p->text_len = len - text;
			return OUTGOING_PRIVATE;
		}
	}
	return OUTGOING_COMMAND;
}

bool outgoing_echo(const char *line, size_t len, const char *name, const char *room,
		   struct buf *out)
{
	struct outgoing_parts p;
	enum outgoing_kind kind = outgoing_classify(line, len, &p);
	if (!name)
		return false;
	switch (kind) {
	case OUTGOING_SAY:
		if (!room)
			return false;
		buf_printf(out, "[%s] %s: ", room, name);
		break;
	case OUTGOING_ACTION:
		if (!room)
			return false;
		buf_printf(out, "[%s] * %s ", room, name);
		break;
	case OUTGOING_PRIVATE:
		buf_puts(out, "[pm to ");
		buf_append(out, line + p.target_off, p.target_len);
		buf_printf(out, "] %s: ", name);
		break;
	default:
		return false;
	}
	buf_append(out, line + p.text_off, p.text_len);
	return true;
}

void outgoing_transcript(const char *prompt, const char *line, size_t len, bool colour,
			 struct buf *out)
{
	if (colour)
		buf_puts(out, "\x1b[2m");
	utf8_sanitize(prompt, strlen(prompt), out);
	utf8_sanitize(line, len, out);
	if (colour)
		buf_puts(out, "\x1b[0m");
	buf_putc(out, '\n');
}
