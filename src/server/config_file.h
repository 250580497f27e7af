/* config_file: charlad's config file (--config, else CONFIG_DEFAULT_FILE), and the whole load:
 * the defaults, the environment, the file, then the command line, which wins.
 *
 * The file is lines of NAME = VALUE, where NAME is a long option's name (the table in config_table.c:
 * there is no second list of names); # starts a comment line; blank lines are skipped. A
 * repeatable option may repeat; a flag takes true/yes/on/1 or false/no/off/0.
 *
 * Ownership. config_file_parse is pure: it reads only the caller's buffer and writes only into
 * it (it ends each value with a NUL) and into the config, whose strings then point into that
 * buffer. So the buffer (a struct config_text) must live as long as the config that came from
 * it: main.c keeps the first one for the life of the process, a reload frees its own once it has
 * copied what it applies. config_text_free wipes the bytes first (the file may hold a key). */
#ifndef CHARLA_SERVER_CONFIG_FILE_H
#define CHARLA_SERVER_CONFIG_FILE_H

#include <stdbool.h>
#include <stddef.h>

#include "server/config.h"

enum {
	CONFIG_FILE_MAX = 64 * 1024, /* bytes of a config file: settings, not data */
	CONFIG_FILE_MSG = 384,       /* an error, without the file's name and line */
};

enum config_file_status {
	CONFIG_FILE_OK,
	CONFIG_FILE_SYNTAX,    /* not NAME = VALUE, or not UTF-8, or a NUL byte */
	CONFIG_FILE_UNKNOWN,   /* no option has that name */
	CONFIG_FILE_ARGV_ONLY, /* the option exists but only on the command line (config, help) */
	CONFIG_FILE_BAD_VALUE, /* the option refused the value */
};

struct config_file_result {
	size_t line;            /* the line of the error, from 1 */
	const char *secret;     /* the first secret option the file sets (OPT_SECRET), or NULL */
	size_t secret_line;
	char msg[CONFIG_FILE_MSG]; /* what is wrong, in English, without file and line */
};

/* Parses text[0..len), which must be followed by a NUL (text[len] == '\0'), into cfg, on top of
 * what cfg holds. Stops at the first error: cfg may then hold the lines before it. */
enum config_file_status config_file_parse(struct config *cfg, char *text, size_t len,
					  struct config_file_result *res);

/* The bytes of the config file a config was loaded from (data NULL: none was read). */
struct config_text {
	char *data;
	size_t len;
};

/* Loads every source into cfg: defaults, environment, the config file (argv's --config, else
 * CONFIG_DEFAULT_FILE if it exists; cfg->config_file is then the file read, or NULL), and argv,
 * which wins (its lists replace the file's). A file others may write, or owned by neither root
 * nor this user, or readable by everyone while it holds a secret, is refused. Returns 0 to run,
 * 1 when --help or --version was printed, -1 with err filled ("FILE:LINE: ..." for the file). */
int config_load(struct config *cfg, struct config_text *text, int argc, char **argv, char *err,
		size_t errlen);
void config_text_free(struct config_text *text);

#endif
