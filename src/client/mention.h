/* mention: whether a line from the server calls for the user's attention. A room line that
 * mentions your name as a word, in any case (`ana`, `Ana:`, `@ana`, `hola ana!`; not `mariana`
 * or `anabel`), is highlighted and rings the terminal bell. A private message to you rings the
 * bell too, once per run of private lines from one sender, so that a private answer streamed line
 * by line rings once. Your own lines are never mentions.
 *
 * Pure. A struct mention remembers the sender of the private line shown last (a heap string,
 * NULL when the last line shown was not private), released by mention_free. */
#ifndef CHARLA_CLIENT_MENTION_H
#define CHARLA_CLIENT_MENTION_H

#include <stdbool.h>
#include <stddef.h>

enum mention_kind {
	MENTION_NONE,
	MENTION_NAME,     /* A room line mentions you: highlight it and ring. */
	MENTION_PRIVATE,  /* A private message starts from someone: ring. */
};

struct mention {
	char *last_private;
};

/* True if `name` occurs in text[0..len) as a word: the characters around it are not letters,
 * digits, '_' or other name characters. Case-insensitive (base/fold.h). O(len). */
bool mention_find(const char *text, size_t len, const char *name);
/* Classifies a clean line from the server for `own` (our name; NULL: none yet). */
enum mention_kind mention_line(struct mention *m, const char *line, size_t len, const char *own);
void mention_free(struct mention *m);

#endif
