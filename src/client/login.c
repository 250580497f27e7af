#include "client/login.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/xalloc.h"

static bool login_is_word(const char *s, size_t len, const char *word);

void login_start(struct login *l, bool answering)
{
	free(l->tried);
	memset(l, 0, sizeof *l);
	l->answering = answering;
}

void login_free(struct login *l)
{
	free(l->tried);
	l->tried = NULL;
}

/* True if s[0..len) is `word` alone or followed by a space, in any case. */
static bool login_is_word(const char *s, size_t len, const char *word)
{
	size_t n = strlen(word);
	return len >= n && strncasecmp(s, word, n) == 0 && (len == n || s[n] == ' ');
}

/* Mirrors what the server does with a line before the welcome (docs/protocol.md): /help and
 * /quit are answered as commands, salir is /quit, a line of text is taken as the name, and any
 * other command is answered with an error. */
bool login_sent(struct login *l, const char *line, size_t len)
{
	if (l->named)
		return false;
	size_t first = 0;
	while (first < len && line[first] == ' ')
		first++;
	size_t last = len;
	while (last > first && line[last - 1] == ' ')
		last--;
	if (first == last)
		return false;
	if (last - first == 5 && strncasecmp(line + first, "salir", 5) == 0)
		return false;
	if (login_is_word(line, len, "/help") || login_is_word(line, len, "/quit"))
		return false;
	l->pending = true;
	/* `//x` is the text `/x`: taken as a name (and refused: a name cannot start with '/'). */
	l->naming = line[0] != '/' || (len > 1 && line[1] == '/');
	if (l->naming) {
		free(l->tried);
		l->tried = xstrndup(line + first, last - first);
	}
	return true;
}

enum login_verdict login_line(struct login *l, const char *line, size_t len, enum track_fact fact)
{
	if (fact == TRACK_WELCOME) {
		l->named = true;
		l->pending = false;
		return LOGIN_WELCOME;
	}
	if (l->named)
		return LOGIN_SHOW;
	if (fact == TRACK_ASK_NAME) {
		l->prompts++;
		return l->answering && l->prompts == 1 ? LOGIN_HIDE : LOGIN_SHOW;
	}
	if (l->pending && l->prompts > 0 && fact != TRACK_SHUTDOWN && len >= 2 && line[0] == '!' &&
	    line[1] == ' ') {
		l->pending = false;
		return l->naming ? LOGIN_REFUSED : LOGIN_ANSWERED;
	}
	return LOGIN_SHOW;
}
