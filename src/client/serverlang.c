#include "client/serverlang.h"

#include <string.h>
#include <strings.h>

#include "base/buf.h"

/* Protocol, not text for people: the command, and the error an older server gives for it
 * (docs/protocol.md; charlad's text/cmd.c writes "Unknown command: /%.*s. ..."). */
#define LANG_COMMAND "/lang "
#define UNKNOWN_LANG "! Unknown command: /lang"

void serverlang_start(struct serverlang *s, enum lang lang)
{
	memset(s, 0, sizeof *s);
	s->lang = lang;
}

bool serverlang_request(struct serverlang *s, struct buf *line)
{
	if (s->lang == LANG_EN)
		return false;
	buf_puts(line, LANG_COMMAND);
	buf_puts(line, i18n_code(s->lang));
	s->asked = true;
	return true;
}

enum serverlang_verdict serverlang_line(struct serverlang *s, const char *line, size_t len)
{
	if (!s->asked || len < 2 || (line[0] != '*' && line[0] != '!') || line[1] != ' ')
		return SERVERLANG_SHOW;
	s->asked = false;
	size_t n = strlen(UNKNOWN_LANG);
	/* The command's word as the server echoes it, followed by the end of the word. */
	if (len >= n && strncasecmp(line, UNKNOWN_LANG, n) == 0 &&
	    (len == n || line[n] == '.' || line[n] == ' ')) {
		s->unsupported = true;
		return SERVERLANG_HIDE;
	}
	return SERVERLANG_SHOW;
}
