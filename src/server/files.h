/* files: the small files charlad's settings name, read whole: the message of the day, the
 * operators' file and the API key file; and --check-config's check of all three.
 *
 * Ownership. Each reader returns memory the caller owns: files_slurp's text is freed with free();
 * a struct files_opers (its list points into its own text) with files_opers_free; a key with
 * files_key_free, which wipes it first. The readers block on the file system: they run before the
 * loop, and on a SIGHUP (server.c), where the files are small (FILES_MAX at most) and local. */
#ifndef CHARLA_SERVER_FILES_H
#define CHARLA_SERVER_FILES_H

#include <stddef.h>
#include <stdio.h>

#include "server/config.h"

enum {
	FILES_MAX = 64 * 1024, /* bytes of a MOTD or operators' file */
	FILES_KEY_MAX = 4096,  /* bytes of the first line of a key file */
};

/* A whole small file that must be UTF-8; what names it in errors ("--motd"). NULL with err
 * filled on failure. */
char *files_slurp(const char *path, const char *what, char *err, size_t errlen);

/* An operator: a name and the Argon2id hash of its password (charlad --hash-password). */
struct files_oper {
	const char *name;
	const char *hash;
};

/* The operators' file: a line "NAME ARGON2ID-HASH" each; blank lines and # comments are
 * skipped. A line whose second word is not an Argon2id hash (a plaintext password) is refused,
 * and the error says how to make one. */
struct files_opers {
	struct files_oper *list;
	size_t n;
	char *text;
};
int files_read_opers(struct files_opers *o, const char *path, char *err, size_t errlen);
void files_opers_free(struct files_opers *o);

/* The API key: the first line of path, without surrounding blanks, with no controls or spaces. */
char *files_read_key(const char *path, char *err, size_t errlen);
void files_key_free(char *key);

/* --check-config: reads every file cfg names that a server with cfg would read, and writes one
 * line to errs for each that fails. Returns the number of failures. */
size_t files_check(const struct config *cfg, FILE *errs);

#endif
