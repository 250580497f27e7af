#include "server/config_file.h"
#include "server/config_opt.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/utf8.h"
#include "base/xalloc.h"

enum {
	SHOWN_MAX = 64,     /* characters of a key or value quoted in an error */
	SHOWN_TEXT = 4 * SHOWN_MAX + sizeof("..."),
	SUGGEST_MAX = 2,    /* edits at most between a typo and the name suggested */
	NAME_MAX_LEN = 64,  /* a key longer than any option's name gets no suggestion */
	FILE_MODE_BITS = 07777,
};

/* The user-facing text of this file, in one place. */
static const char T_SYNTAX[] = "expected NAME = VALUE (a long option's name, without --)";
static const char T_UTF8[] = "not UTF-8";
static const char T_NUL[] = "a NUL byte";
static const char T_UNKNOWN[] = "unknown setting \"%s\"";
static const char T_SUGGEST[] = " (did you mean \"%s\"?)";
static const char T_ARGV_ONLY[] = "%s can only be given on the command line";
static const char T_BAD[] = "bad value \"%s\" for %s (see charlad --help)";
static const char T_BAD_FLAG[] = "bad value \"%s\" for %s (true or false)";
static const char T_OPEN[] = "cannot read config file %s: %s";
static const char T_NOT_FILE[] = "config file %s is not a regular file";
static const char T_TOO_LARGE[] = "config file %s is larger than %d bytes";
static const char T_WRITABLE[] = "%s: others may change it (mode %04o); refusing it: chmod go-w %s";
static const char T_OWNER[] = "%s: owned by uid %u, neither root nor this user (uid %u); "
			      "refusing it";
static const char T_SECRET[] = "%s:%zu: %s is a secret, but everyone may read this file "
			       "(mode %04o); refusing it: chmod o-r %s";
static const char T_AT[] = "%s:%zu: %s";

/* The words a flag takes, and whether each sets it. */
static const struct {
	const char *word;
	bool on;
} config_file_bools[] = {
	{"true", true}, {"yes", true}, {"on", true}, {"1", true},
	{"false", false}, {"no", false}, {"off", false}, {"0", false},
};

static bool config_file_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r';
}

/* s (n bytes) as an error may quote it: at most SHOWN_MAX bytes, controls as '?'. */
static const char *config_file_shown(const char *s, size_t n, char out[SHOWN_TEXT])
{
	size_t k = 0;
	for (size_t i = 0; i < n && i < SHOWN_MAX; i++) {
		unsigned char c = (unsigned char)s[i];
		out[k++] = c < 0x20 || c == 0x7f ? '?' : (char)c;
	}
	if (n > SHOWN_MAX) {
		memcpy(out + k, "...", sizeof("...") - 1);
		k += sizeof("...") - 1;
	}
	out[k] = '\0';
	return out;
}

/* The edit distance between a and b (Levenshtein), for names no longer than NAME_MAX_LEN. */
static size_t config_file_distance(const char *a, size_t na, const char *b, size_t nb)
{
	size_t row[NAME_MAX_LEN + 1];
	for (size_t j = 0; j <= nb; j++)
		row[j] = j;
	for (size_t i = 1; i <= na; i++) {
		size_t diag = row[0];
		row[0] = i;
		for (size_t j = 1; j <= nb; j++) {
			size_t up = row[j];
			size_t best = diag + (a[i - 1] != b[j - 1]);
			if (up + 1 < best)
				best = up + 1;
			if (row[j - 1] + 1 < best)
				best = row[j - 1] + 1;
			row[j] = best;
			diag = up;
		}
	}
	return row[nb];
}

/* The option named key (a name or an alias), or NULL; *near is the closest name otherwise. */
static const struct config_opt *config_file_option(const char *key, size_t n, const char **near)
{
	size_t best = SUGGEST_MAX + 1;
	*near = NULL;
	for (size_t i = 0; i < config_noptions; i++) {
		const struct config_opt *o = &config_options[i];
		const char *names[] = {o->name, o->alias};
		for (size_t k = 0; k < CONFIG_LEN(names) && names[k]; k++) {
			size_t len = strlen(names[k]);
			if (len == n && memcmp(names[k], key, n) == 0)
				return o;
			if (n > NAME_MAX_LEN || len > NAME_MAX_LEN || (o->flags & OPT_ARGV_ONLY))
				continue;
			size_t d = config_file_distance(key, n, names[k], len);
			if (d < best && d < n) {
				best = d;
				*near = o->name;
			}
		}
	}
	return NULL;
}

/* A flag's value: sets it or puts it back to its default. */
static enum config_file_status config_file_flag(struct config *cfg, const struct config_opt *o,
						const char *value, struct config_file_result *res)
{
	for (size_t i = 0; i < CONFIG_LEN(config_file_bools); i++) {
		if (strcmp(value, config_file_bools[i].word) != 0)
			continue;
		if (config_file_bools[i].on)
			config_read(cfg, o, NULL, res->msg, sizeof(res->msg));
		else
			config_reset(cfg, o);
		return CONFIG_FILE_OK;
	}
	char shown[SHOWN_TEXT];
	snprintf(res->msg, sizeof(res->msg), T_BAD_FLAG,
		 config_file_shown(value, strlen(value), shown), o->name);
	return CONFIG_FILE_BAD_VALUE;
}

/* One line (NUL-terminated, without its newline). */
static enum config_file_status config_file_line(struct config *cfg, char *line,
						struct config_file_result *res)
{
	char shown[SHOWN_TEXT];
	while (config_file_blank(*line))
		line++;
	if (*line == '\0' || *line == '#')
		return CONFIG_FILE_OK;
	char *eq = strchr(line, '=');
	if (!eq) {
		snprintf(res->msg, sizeof(res->msg), "%s", T_SYNTAX);
		return CONFIG_FILE_SYNTAX;
	}
	size_t n = (size_t)(eq - line);
	while (n && config_file_blank(line[n - 1]))
		n--;
	if (n == 0) {
		snprintf(res->msg, sizeof(res->msg), "%s", T_SYNTAX);
		return CONFIG_FILE_SYNTAX;
	}
	const char *near;
	const struct config_opt *o = config_file_option(line, n, &near);
	if (!o) {
		int w = snprintf(res->msg, sizeof(res->msg), T_UNKNOWN,
				 config_file_shown(line, n, shown));
		if (near && w > 0 && (size_t)w < sizeof(res->msg))
			snprintf(res->msg + w, sizeof(res->msg) - (size_t)w, T_SUGGEST, near);
		return CONFIG_FILE_UNKNOWN;
	}
	if (o->flags & OPT_ARGV_ONLY) {
		snprintf(res->msg, sizeof(res->msg), T_ARGV_ONLY, o->name);
		return CONFIG_FILE_ARGV_ONLY;
	}
	char *value = eq + 1;
	while (config_file_blank(*value))
		value++;
	size_t vlen = strlen(value);
	while (vlen && config_file_blank(value[vlen - 1]))
		vlen--;
	/* Double quotes keep blanks at either end; there are no escapes inside. */
	if (vlen >= 2 && value[0] == '"' && value[vlen - 1] == '"') {
		value++;
		vlen -= 2;
	}
	value[vlen] = '\0';
	if ((o->flags & OPT_SECRET) && !res->secret)
		res->secret = o->name;
	if (o->kind == KIND_FLAG)
		return config_file_flag(cfg, o, value, res);
	switch (config_read(cfg, o, value, res->msg, sizeof(res->msg))) {
	case RESULT_OK:
		return CONFIG_FILE_OK;
	case RESULT_ERR:
		return CONFIG_FILE_BAD_VALUE;
	case RESULT_BAD:
	case RESULT_STOP:
		break;
	}
	snprintf(res->msg, sizeof(res->msg), T_BAD, config_file_shown(value, vlen, shown), o->name);
	return CONFIG_FILE_BAD_VALUE;
}

enum config_file_status config_file_parse(struct config *cfg, char *text, size_t len,
					  struct config_file_result *res)
{
	memset(res, 0, sizeof(*res));
	size_t lineno = 0;
	for (char *line = text, *end = text + len; line < end;) {
		lineno++;
		res->line = lineno;
		char *nl = memchr(line, '\n', (size_t)(end - line));
		size_t n = nl ? (size_t)(nl - line) : (size_t)(end - line);
		char *next = nl ? nl + 1 : end;
		if (memchr(line, '\0', n)) {
			snprintf(res->msg, sizeof(res->msg), "%s", T_NUL);
			return CONFIG_FILE_SYNTAX;
		}
		if (!utf8_is_valid(line, n)) {
			snprintf(res->msg, sizeof(res->msg), "%s", T_UTF8);
			return CONFIG_FILE_SYNTAX;
		}
		line[n] = '\0';
		const char *secret = res->secret;
		enum config_file_status st = config_file_line(cfg, line, res);
		if (st != CONFIG_FILE_OK)
			return st;
		if (res->secret != secret)
			res->secret_line = lineno;
		line = next;
	}
	res->line = 0;
	return CONFIG_FILE_OK;
}

void config_text_free(struct config_text *text)
{
	if (text->data) {
		memset(text->data, 0, text->len);
		free(text->data);
	}
	text->data = NULL;
	text->len = 0;
}

/* Whether the file may be trusted: nobody but its owner may change it, and its owner is root
 * or this user. Returns 0, or -1 with err filled. */
static int config_file_trusted(const char *path, const struct stat *st, char *err, size_t errlen)
{
	if (st->st_mode & (S_IWGRP | S_IWOTH)) {
		snprintf(err, errlen, T_WRITABLE, path, (unsigned)(st->st_mode & FILE_MODE_BITS), path);
		return -1;
	}
	if (st->st_uid != 0 && st->st_uid != geteuid()) {
		snprintf(err, errlen, T_OWNER, path, (unsigned)st->st_uid, (unsigned)geteuid());
		return -1;
	}
	return 0;
}

/* Reads and parses path into cfg; a missing file is no error unless it was asked for. */
static int config_file_load(struct config *cfg, struct config_text *text, const char *path,
			    bool asked, char *err, size_t errlen)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0) {
		if (errno == ENOENT && !asked)
			return 0;
		snprintf(err, errlen, T_OPEN, path, strerror(errno));
		return -1;
	}
	struct stat st;
	int r = -1;
	if (fstat(fd, &st) < 0) {
		snprintf(err, errlen, T_OPEN, path, strerror(errno));
	} else if (!S_ISREG(st.st_mode)) {
		snprintf(err, errlen, T_NOT_FILE, path);
	} else if (st.st_size > CONFIG_FILE_MAX) {
		snprintf(err, errlen, T_TOO_LARGE, path, CONFIG_FILE_MAX);
	} else if (config_file_trusted(path, &st, err, errlen) == 0) {
		r = 0;
	}
	if (r < 0) {
		close(fd);
		return -1;
	}
	text->data = xmalloc((size_t)st.st_size + 1);
	size_t got = 0;
	while (got < (size_t)st.st_size) {
		ssize_t n = read(fd, text->data + got, (size_t)st.st_size - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break; /* shorter than fstat said (truncated meanwhile): parse what is there */
		got += (size_t)n;
	}
	int saved = errno;
	close(fd);
	text->len = got;
	text->data[got] = '\0';
	if (got < (size_t)st.st_size && saved != 0 && saved != EINTR) {
		snprintf(err, errlen, T_OPEN, path, strerror(saved));
		return -1;
	}
	struct config_file_result res;
	if (config_file_parse(cfg, text->data, text->len, &res) != CONFIG_FILE_OK) {
		snprintf(err, errlen, T_AT, path, res.line, res.msg);
		return -1;
	}
	if (res.secret && (st.st_mode & S_IROTH)) {
		snprintf(err, errlen, T_SECRET, path, res.secret_line, res.secret,
			 (unsigned)(st.st_mode & FILE_MODE_BITS), path);
		return -1;
	}
	cfg->config_file = path;
	return 0;
}

int config_load(struct config *cfg, struct config_text *text, int argc, char **argv, char *err,
		size_t errlen)
{
	text->data = NULL;
	text->len = 0;
	/* The command line alone first: --help and --version answer whatever the file says, a
	 * mistake on the command line is reported as such, and it names the file. */
	struct config first;
	config_defaults(&first);
	int r = config_parse_argv(&first, argc, argv, err, errlen);
	if (r != 0)
		return r;
	config_defaults(cfg);
	config_environment(cfg);
	const char *path = first.config_file ? first.config_file : CONFIG_DEFAULT_FILE;
	if (config_file_load(cfg, text, path, first.config_file != NULL, err, errlen) < 0 ||
	    config_parse_argv(cfg, argc, argv, err, errlen) != 0 ||
	    config_check(cfg, err, errlen) < 0) {
		config_text_free(text);
		return -1;
	}
	return 0;
}
