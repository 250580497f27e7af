/* config_opt: the option table behind config.h, private to src/server/config*.c.
 *
 * config_table.c holds the table, config_options: one struct config_opt per flag, constant and static,
 * so it lives as long as the program and nothing in it is allocated or freed. Every pointer in it
 * (names, help text, choices) is a string literal or another constant. An option names the field
 * of struct config it sets by its offset and C type, so the table describes a config without
 * holding one; the parsers write into the caller's config and keep no state between calls.
 * config.c reads the table to set defaults, read the environment and parse argv; config_usage.c
 * reads it to write --help; config_file.c reads it to parse a config file (whose keys are the
 * long options' names, so there is no second list of names). Nothing outside those files (config*.c) may include this header: the rest of
 * charlad sees only struct config and the functions in config.h. */
#ifndef CHARLA_SERVER_CONFIG_OPT_H
#define CHARLA_SERVER_CONFIG_OPT_H

#include <stdbool.h>
#include <stddef.h>

#include "server/config.h"

#define CONFIG_LEN(a) (sizeof(a) / sizeof((a)[0]))

enum {
	KIB = 1024,
	MIB = 1024 * KIB,
	GIB = 1024 * MIB,
	NUMBER_TEXT = 32, /* a 64-bit number in decimal, with a suffix */
	CONFIG_OPTS_MAX = 160, /* options in the table, at most (config.c's getopt arrays) */
};

/* How an option reads its value. */
enum config_kind {
	KIND_FLAG,   /* no value: stores .value */
	KIND_NUMBER, /* a decimal number in [.min, .max] */
	KIND_SIZE,   /* the same with an optional K, M or G suffix (powers of 1024), then B */
	KIND_STRING, /* any text; the field points into argv */
	KIND_CHOICE, /* one of the words of .choices; stores its value */
	KIND_ADDRS,  /* an address spec checked by addr_parse, added to a list of at most .capacity */
	KIND_CUSTOM, /* .parse reads the value */
	KIND_ACTION, /* no value: .parse acts (prints --help) and parsing stops */
};

/* The C type of the field an option sets, read from the field itself by FIELD() in config_table.c, so
 * that the table cannot disagree with struct config; FIELD_NONE (0) is an option that sets no
 * field. */
enum config_field {
	FIELD_NONE,
	FIELD_BOOL,
	FIELD_INT,
	FIELD_UINT,
	FIELD_LONG,
	FIELD_ULONG,
	FIELD_ULLONG,
	FIELD_STRING,
};

enum config_result {
	RESULT_OK,
	RESULT_BAD,  /* the value is wrong: "bad value 'X' for --NAME (see --help)" */
	RESULT_ERR,  /* err says what is wrong */
	RESULT_STOP, /* --help or --version was printed: exit 0 */
};

/* A word of a KIND_CHOICE option; the list ends with a NULL word. */
struct config_choice {
	const char *word;
	int value;
	const char *help; /* who uses it, for --help */
};

struct config_opt;
/* A KIND_CUSTOM or KIND_ACTION option's reader; arg is NULL for an action. */
typedef enum config_result config_parse_fn(struct config *cfg, const struct config_opt *o,
					   char *arg, char *err, size_t errlen);

/* Where an option may be given and what a running server does with it (struct config_opt's
 * .flags). */
enum config_opt_flag {
	OPT_ARGV_ONLY = 1 << 0, /* only on the command line, never in a config file (--config) */
	OPT_SECRET = 1 << 1,    /* a secret: a config file holding it must not be world-readable */
	OPT_RELOAD = 1 << 2,    /* a SIGHUP applies a new value without a restart (server.c) */
};

/* One command-line option: how it is spelled, what it sets and how, its default and its help. */
struct config_opt {
	const char *name;  /* the long option, without "--" */
	const char *alias; /* another long name for it, or NULL */
	char letter;       /* the short option, or 0 */
	enum config_kind kind;
	size_t offset;     /* FIELD(): the field it sets (a list's array for LIST()) */
	enum config_field type;
	size_t capacity;   /* LIST(): the entries the array holds... */
	size_t count;      /* ...and the field that counts them */
	enum config_field count_type;
	long long min, max; /* numbers: the range; max 0 when there is none */
	long long value;    /* KIND_FLAG: what it stores */
	long long def;      /* numbers and choices: the default */
	const char *def_str; /* strings: the default, or NULL */
	const char *env;     /* strings: an environment variable that comes before the default */
	const struct config_choice *choices;
	config_parse_fn *parse;
	const char *section;  /* --help: a group starts here, under this heading ("": none) */
	const char *metavar;  /* --help: what the value looks like */
	const char *help;     /* --help: what the option does */
	const char *def_help; /* --help: the default in words, where it is not a value above */
	const char *zero;     /* --help: what 0 means, where it means something special */
	unsigned flags;       /* enum config_opt_flag */
};

/* Every option, in the order --help lists them, and how many there are (config_table.c). */
extern const struct config_opt config_options[];
extern const size_t config_noptions;

/* The readers config.c implements for the table: the UDP and rate options, and the actions. */
config_parse_fn config_udp, config_rate, config_help, config_version;

/* The KIND_CUSTOM readers of config_opts.c. */
config_parse_fn config_exempt, config_key, config_model, config_url, config_cluster,
	config_node_name;

/* Whether the option is followed by a value (it is neither a flag nor an action). */
bool config_takes_value(const struct config_opt *o);
/* Reads one option's value (NULL for those that take none) into cfg, as the command line does;
 * config_file.c reads a file's values through it too, so both accept exactly the same. */
enum config_result config_read(struct config *cfg, const struct config_opt *o, char *arg,
			       char *err, size_t errlen);
/* Puts a flag back to its default, or empties a list option: a config file's "no-irc = false",
 * and the first --listen on the command line, which replaces the file's addresses instead of
 * adding to them. Other options are left alone. */
void config_reset(struct config *cfg, const struct config_opt *o);
/* config_parse without config_check: the command line alone, before or after a config file. */
int config_parse_argv(struct config *cfg, int argc, char **argv, char *err, size_t errlen);

#endif
