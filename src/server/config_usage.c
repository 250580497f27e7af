/* config_usage: --help, written from the option table (config_opt.h). */
#include "server/config_opt.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

enum {
	USAGE_WIDTH = 80,  /* --help fits an 80-column terminal: at most 79 characters a line */
	USAGE_INDENT = 30, /* descriptions start in this column */
	USAGE_GAP = 2,     /* spaces at least between an option and its description */
	USAGE_TEXT = 1024, /* one option's description, assembled before it is wrapped */
};

/* In --help text, a space that never breaks the line ("0 = none" stays together). */
#define USAGE_GLUE "\x1f"

static const char T_USAGE_HEAD[] =
	"Usage: charlad [OPTIONS]\n"
	"The charla chat server: a line protocol on TCP (netcat-friendly) and in UDP datagrams, "
	"with an AI assistant in the chat and an optional classroom ask port.";
static const char T_USAGE_TAIL[] =
	"Sizes take K, M or G suffixes (powers of 1024). Logs go to standard error.\n"
	"SIGINT or SIGTERM stops the server, telling every client first.";

/* Text assembled in a fixed buffer; what does not fit is cut, and the cut marked with "...". */
struct config_usage_text {
	char s[USAGE_TEXT];
	size_t len;
};

static void config_usage_text_add(struct config_usage_text *t, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void config_usage_text_add(struct config_usage_text *t, const char *fmt, ...)
{
	size_t room = sizeof(t->s) - t->len;
	va_list ap;
	va_start(ap, fmt);
	int r = vsnprintf(t->s + t->len, room, fmt, ap);
	va_end(ap);
	if (r < 0 || (size_t)r >= room) {
		memcpy(t->s + sizeof(t->s) - sizeof("..."), "...", sizeof("..."));
		t->len = sizeof(t->s) - 1;
	} else {
		t->len += (size_t)r;
	}
}

/* Writes s word by word from column col, starting a new line at column indent before a word
 * that would pass the last column; a newline in s starts one too, and USAGE_GLUE is a space
 * inside a word. Ends the line. */
static void config_usage_flow(FILE *out, const char *s, size_t col, size_t indent)
{
	bool fresh = true; /* no word on this line yet */
	while (*s) {
		if (*s == ' ' || *s == '\n') {
			if (*s++ == '\n') {
				fprintf(out, "\n%*s", (int)indent, "");
				col = indent;
				fresh = true;
			}
			continue;
		}
		size_t n = strcspn(s, " \n");
		if (!fresh && col + 1 + n >= USAGE_WIDTH) {
			fprintf(out, "\n%*s", (int)indent, "");
			col = indent;
			fresh = true;
		}
		if (!fresh) {
			fputc(' ', out);
			col++;
		}
		for (size_t i = 0; i < n; i++)
			fputc(s[i] == USAGE_GLUE[0] ? ' ' : s[i], out);
		col += n;
		fresh = false;
		s += n;
	}
	fputc('\n', out);
}

/* A number as --help shows it: a size with the largest suffix that divides it exactly. */
static void config_usage_number(char *buf, size_t len, long long v, bool size)
{
	static const struct {
		char suffix;
		long long unit;
	} units[] = {{'G', GIB}, {'M', MIB}, {'K', KIB}};
	for (size_t i = 0; size && v > 0 && i < CONFIG_LEN(units); i++) {
		if (v % units[i].unit == 0) {
			snprintf(buf, len, "%lld%c", v / units[i].unit, units[i].suffix);
			return;
		}
	}
	snprintf(buf, len, "%lld", v);
}

/* The default as --help shows it (after the environment variable, if any), or NULL. */
static const char *config_usage_default(const struct config_opt *o, char *buf, size_t len)
{
	if (o->def_help)
		return o->def_help;
	if (o->kind == KIND_FLAG || o->kind == KIND_ACTION || o->type == FIELD_NONE)
		return NULL;
	if (o->type == FIELD_STRING)
		return o->def_str;
	if (o->choices) {
		for (const struct config_choice *c = o->choices; c->word; c++) {
			if (c->value == o->def)
				return c->word;
		}
		return NULL;
	}
	config_usage_number(buf, len, o->def, o->kind == KIND_SIZE);
	return buf;
}

/* One option: "  -l, --listen ADDR:PORT" and its description, with what the table knows (the
 * choices, how many of a list, the range, the default, what 0 means) added in parentheses. */
static void config_usage_option(FILE *out, const struct config_opt *o)
{
	struct config_usage_text left = {.len = 0};
	if (o->letter)
		config_usage_text_add(&left, "  -%c, --%s", o->letter, o->name);
	else
		config_usage_text_add(&left, "      --%s", o->name);
	if (o->alias)
		config_usage_text_add(&left, ", --%s", o->alias);
	if (config_takes_value(o))
		config_usage_text_add(&left, " %s", o->metavar);
	if (left.len + USAGE_GAP <= USAGE_INDENT)
		fprintf(out, "%-*s", USAGE_INDENT, left.s);
	else
		fprintf(out, "%s\n%*s", left.s, USAGE_INDENT, "");

	struct config_usage_text d = {.len = 0};
	config_usage_text_add(&d, "%s", o->help);
	for (const struct config_choice *c = o->choices; c && c->word; c++)
		config_usage_text_add(&d, "%s%s for %s",
				      c == o->choices ? " " : c[1].word ? ", " : ", or ", c->word,
				      c->help);
	const char *sep = " (";
	if (o->capacity) {
		config_usage_text_add(&d, "%srepeatable, at most %zu", sep, o->capacity);
		sep = "; ";
	}
	char lo[NUMBER_TEXT], hi[NUMBER_TEXT], def[NUMBER_TEXT];
	if (o->max) {
		config_usage_number(lo, sizeof(lo), o->min, o->kind == KIND_SIZE);
		config_usage_number(hi, sizeof(hi), o->max, o->kind == KIND_SIZE);
		config_usage_text_add(&d, "%s%s" USAGE_GLUE "to" USAGE_GLUE "%s", sep, lo, hi);
		sep = "; ";
	}
	const char *shown = config_usage_default(o, def, sizeof(def));
	if (o->env || shown) {
		config_usage_text_add(&d, "%sdefault:" USAGE_GLUE, sep);
		if (o->env)
			config_usage_text_add(&d, "$%s%s", o->env, shown ? ", else " : "");
		if (shown)
			config_usage_text_add(&d, "%s", shown);
		sep = "; ";
	}
	if (o->zero) {
		if (shown == def && !o->env && o->def == 0)
			config_usage_text_add(&d, USAGE_GLUE "=" USAGE_GLUE "%s", o->zero);
		else
			config_usage_text_add(&d, "%s0" USAGE_GLUE "=" USAGE_GLUE "%s", sep,
					      o->zero);
		sep = "; ";
	}
	if (sep[0] == ';')
		config_usage_text_add(&d, ")");
	config_usage_flow(out, d.s, USAGE_INDENT, USAGE_INDENT);
}

void config_usage(FILE *out)
{
	config_usage_flow(out, T_USAGE_HEAD, 0, 0);
	for (size_t i = 0; i < config_noptions; i++) {
		const struct config_opt *o = &config_options[i];
		if (o->section) {
			fputc('\n', out);
			if (o->section[0])
				config_usage_flow(out, o->section, 0, 0);
		}
		config_usage_option(out, o);
	}
	fputc('\n', out);
	config_usage_flow(out, T_USAGE_TAIL, 0, 0);
}
