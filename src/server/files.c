#include "server/files.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "auth/pwhash.h"
#include "base/buf.h"
#include "base/utf8.h"
#include "base/xalloc.h"

enum { FILES_CHUNK = 4096, FILES_ERR = 512 };

/* The user-facing text of this file, in one place. */
static const char T_CANNOT[] = "cannot read %s %s: %s";
static const char T_READ_ERROR[] = "read error";
static const char T_TOO_LARGE[] = "too large";
static const char T_NOT_UTF8[] = "%s %s is not UTF-8";
static const char T_OPER_LINE[] = "--oper-file %s line %zu: want NAME ARGON2ID-HASH";
static const char T_OPER_PLAIN[] = "--oper-file %s line %zu: the password is not an Argon2id hash "
				   "(plaintext passwords are refused); make one with "
				   "`charlad --hash-password` and put it in its place";
static const char T_KEY_OPEN[] = "cannot read --ai-key-file %s: %s";
static const char T_KEY_BAD[] = "--ai-key-file %s holds no usable key (one line, no spaces)";
static const char T_CHECK[] = "charlad: %s\n";

char *files_slurp(const char *path, const char *what, char *err, size_t errlen)
{
	FILE *f = fopen(path, "r");
	if (!f) {
		snprintf(err, errlen, T_CANNOT, what, path, strerror(errno));
		return NULL;
	}
	struct buf b = BUF_INIT;
	char chunk[FILES_CHUNK];
	size_t n;
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0 && b.len <= FILES_MAX)
		buf_append(&b, chunk, n);
	bool bad = ferror(f);
	fclose(f);
	if (bad || b.len > FILES_MAX) {
		snprintf(err, errlen, T_CANNOT, what, path, bad ? T_READ_ERROR : T_TOO_LARGE);
		buf_free(&b);
		return NULL;
	}
	if (!b.data)
		buf_puts(&b, "");
	if (!utf8_is_valid(b.data, b.len)) {
		snprintf(err, errlen, T_NOT_UTF8, what, path);
		buf_free(&b);
		return NULL;
	}
	return b.data;
}

int files_read_opers(struct files_opers *o, const char *path, char *err, size_t errlen)
{
	memset(o, 0, sizeof(*o));
	o->text = files_slurp(path, "--oper-file", err, errlen);
	if (!o->text)
		return -1;
	size_t cap = 0, lineno = 0;
	for (char *line = o->text, *next; line && *line; line = next) {
		lineno++;
		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		char *save = NULL;
		char *name = strtok_r(line, " \t\r", &save);
		if (!name || name[0] == '#')
			continue;
		char *pass = strtok_r(NULL, " \t\r", &save);
		if (!pass || strtok_r(NULL, " \t\r", &save)) {
			snprintf(err, errlen, T_OPER_LINE, path, lineno);
			files_opers_free(o);
			return -1;
		}
		if (!pwhash_is_argon2id(pass)) {
			snprintf(err, errlen, T_OPER_PLAIN, path, lineno);
			files_opers_free(o);
			return -1;
		}
		o->list = xgrow(o->list, &cap, o->n + 1, sizeof(*o->list));
		o->list[o->n++] = (struct files_oper){.name = name, .hash = pass};
	}
	return 0;
}

void files_opers_free(struct files_opers *o)
{
	free(o->list);
	if (o->text) {
		memset(o->text, 0, strlen(o->text)); /* hashes: not secret, but not left about */
		free(o->text);
	}
	memset(o, 0, sizeof(*o));
}

char *files_read_key(const char *path, char *err, size_t errlen)
{
	FILE *f = fopen(path, "r");
	if (!f) {
		snprintf(err, errlen, T_KEY_OPEN, path, strerror(errno));
		return NULL;
	}
	char line[FILES_KEY_MAX];
	size_t n = fread(line, 1, sizeof(line) - 1, f);
	fclose(f);
	line[n] = '\0';
	line[strcspn(line, "\r\n")] = '\0';
	char *p = line;
	while (*p == ' ' || *p == '\t')
		p++;
	size_t len = strlen(p);
	while (len && (p[len - 1] == ' ' || p[len - 1] == '\t'))
		len--;
	p[len] = '\0';
	bool ok = len > 0;
	for (size_t i = 0; i < len; i++)
		if ((unsigned char)p[i] < 0x21 || (unsigned char)p[i] == 0x7f)
			ok = false;
	char *key = ok ? xstrdup(p) : NULL;
	memset(line, 0, sizeof(line));
	if (!ok)
		snprintf(err, errlen, T_KEY_BAD, path);
	return key;
}

void files_key_free(char *key)
{
	if (key) {
		memset(key, 0, strlen(key));
		free(key);
	}
}

size_t files_check(const struct config *cfg, FILE *errs)
{
	char err[FILES_ERR];
	size_t bad = 0;
	if (!cfg->irc_off && cfg->motd_file) {
		char *motd = files_slurp(cfg->motd_file, "--motd", err, sizeof(err));
		if (!motd && ++bad)
			fprintf(errs, T_CHECK, err);
		free(motd);
	}
	if (cfg->oper_file) {
		struct files_opers o;
		if (files_read_opers(&o, cfg->oper_file, err, sizeof(err)) < 0 && ++bad)
			fprintf(errs, T_CHECK, err);
		files_opers_free(&o);
	}
	if (!cfg->ai_off && cfg->ai_key_file) {
		char *key = files_read_key(cfg->ai_key_file, err, sizeof(err));
		if (!key && ++bad)
			fprintf(errs, T_CHECK, err);
		files_key_free(key);
	}
	return bad;
}
