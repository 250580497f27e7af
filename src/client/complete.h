/* complete: Tab completion of the line being typed. The word before the cursor is completed from
 * the names given (the caller's members_names), or, in the first word of a line starting with
 * '/', from the commands: the server's and the client's own /stats.
 *
 * Matching ignores case (the case folding of base/fold.h, as the server compares names). One
 * match replaces the word with it and what follows: ": " for a name that starts the line (the
 * way people address each other, and ask the assistant), a space otherwise; a word starting with
 * '@' keeps its '@'. Several matches replace it with as much as they share, and when that adds
 * nothing the caller lists them, as shells do on a second Tab.
 *
 * Pure: complete_line reads the text and the names and fills a struct complete, which owns the
 * text to insert and the array of matches (pointers to the caller's names or to static command
 * names); complete_free releases both. */
#ifndef CHARLA_CLIENT_COMPLETE_H
#define CHARLA_CLIENT_COMPLETE_H

#include <stddef.h>

#include "base/buf.h"

enum complete_result {
	COMPLETE_NONE,       /* Nothing matches the word before the cursor. */
	COMPLETE_UNIQUE,     /* One match: `insert` is it, and what follows it. */
	COMPLETE_PREFIX,     /* Several sharing more than the word: `insert` is what they share. */
	COMPLETE_AMBIGUOUS,  /* Several matches, and nothing to add: show `matches`. */
};

struct complete {
	size_t from, to;        /* The bytes of the line that `insert` replaces. */
	struct buf insert;
	const char **matches;   /* In order: sorted names, or commands alphabetically. */
	size_t count;
};

/* Completes the word that ends at byte `cur` of text[0..len) (clean UTF-8). */
enum complete_result complete_line(const char *text, size_t len, size_t cur,
				   const char *const *names, size_t nnames, struct complete *out);
void complete_free(struct complete *c);

#endif
