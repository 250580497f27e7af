#include "server/config.h"
#include "server/config_opt.h"

#include <errno.h>
#include <getopt.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ai/chat.h"
#include "base/i18n.h"
#include "base/log.h"
#include "net/addr.h"
#include "hub/flood.h"
#include "net/netlim.h"

enum {
	LONG_CODE = 256,      /* getopt_long's code for the long option i is LONG_CODE + i: past
			       * every short letter, so that a code is a letter or an index */
	SHORT_TEXT = sizeof("-x"),
};


enum {
	CONFIG_NLONG = 2 * CONFIG_OPTS_MAX,     /* a name and an alias each, at most */
	CONFIG_NSHORT = 1 + 2 * CONFIG_OPTS_MAX, /* ':', then a letter and ':' each, at most */
};

static void *config_at(struct config *cfg, size_t offset)
{
	return (char *)cfg + offset;
}

static void config_store(struct config *cfg, size_t offset, enum config_field type, long long v)
{
	void *p = config_at(cfg, offset);
	switch (type) {
	case FIELD_NONE: break;
	case FIELD_BOOL: *(bool *)p = v != 0; break;
	case FIELD_INT: *(int *)p = (int)v; break;
	case FIELD_UINT: *(unsigned *)p = (unsigned)v; break;
	case FIELD_LONG: *(long *)p = (long)v; break;
	case FIELD_ULONG: *(unsigned long *)p = (unsigned long)v; break;
	case FIELD_ULLONG: *(unsigned long long *)p = (unsigned long long)v; break;
	case FIELD_STRING: break;
	}
}

static const void *config_at_const(const struct config *cfg, size_t offset)
{
	return (const char *)cfg + offset;
}

static long long config_load(const struct config *cfg, size_t offset, enum config_field type)
{
	const void *p = config_at_const(cfg, offset);
	switch (type) {
	case FIELD_BOOL: return *(const bool *)p;
	case FIELD_INT: return *(const int *)p;
	case FIELD_UINT: return *(const unsigned *)p;
	case FIELD_LONG: return *(const long *)p;
	case FIELD_ULONG: return (long long)*(const unsigned long *)p;
	case FIELD_ULLONG: return (long long)*(const unsigned long long *)p;
	case FIELD_NONE:
	case FIELD_STRING: break;
	}
	return 0;
}

static void config_store_string(struct config *cfg, const struct config_opt *o, const char *s)
{
	*(const char **)config_at(cfg, o->offset) = s;
}

void config_defaults(struct config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	for (size_t i = 0; i < config_noptions; i++) {
		const struct config_opt *o = &config_options[i];
		if (o->type == FIELD_STRING)
			config_store_string(cfg, o, o->def_str);
		else
			config_store(cfg, o->offset, o->type, o->def);
	}
}

void config_environment(struct config *cfg)
{
	for (size_t i = 0; i < config_noptions; i++) {
		const struct config_opt *o = &config_options[i];
		const char *v = o->env ? getenv(o->env) : NULL;
		if (v && *v && o->type == FIELD_STRING)
			config_store_string(cfg, o, v);
	}
}

bool config_ai_backend(const struct config *cfg)
{
	return !cfg->ai_off && ((cfg->ai_url && cfg->ai_url[0]) || (cfg->ai_key && cfg->ai_key[0]) ||
				cfg->ai_key_file);
}

/* Parses a decimal number with an optional K/M/G suffix into [min, max]. */
static int config_number(const char *s, int sizes, uint64_t min, uint64_t max, uint64_t *out)
{
	char *end;
	errno = 0;
	if (*s == '-' || *s == '\0')
		return -1;
	uint64_t v = strtoull(s, &end, 10);
	if (errno || end == s)
		return -1;
	if (sizes && *end) {
		unsigned shift = 0;
		switch (*end) {
		case 'k': case 'K': shift = 10; break;
		case 'm': case 'M': shift = 20; break;
		case 'g': case 'G': shift = 30; break;
		default: return -1;
		}
		if (end[1] != '\0' && !((end[1] == 'B' || end[1] == 'b') && end[2] == '\0'))
			return -1;
		if (v > (UINT64_MAX >> shift))
			return -1;
		v <<= shift;
	} else if (*end) {
		return -1;
	}
	if (v < min || v > max)
		return -1;
	*out = v;
	return 0;
}

static enum config_result config_addrs(struct config *cfg, const struct config_opt *o,
				       char *arg, char *err, size_t errlen)
{
	size_t n = (size_t)config_load(cfg, o->count, o->count_type);
	if (n == o->capacity) {
		snprintf(err, errlen, "at most %zu --%s addresses", o->capacity, o->name);
		return RESULT_ERR;
	}
	/* Checked now, so that a typo is a usage error (exit 2), not a start-up one. */
	struct sockaddr_storage tmp[ADDR_MAX_PER_SPEC];
	if (addr_parse(arg, tmp, err, errlen) < 0)
		return RESULT_ERR;
	((const char **)config_at(cfg, o->offset))[n] = arg;
	config_store(cfg, o->count, o->count_type, (long long)n + 1);
	return RESULT_OK;
}

enum config_result config_read(struct config *cfg, const struct config_opt *o, char *arg,
			       char *err, size_t errlen)
{
	uint64_t v;
	switch (o->kind) {
	case KIND_FLAG:
		config_store(cfg, o->offset, o->type, o->value);
		return RESULT_OK;
	case KIND_NUMBER:
	case KIND_SIZE:
		if (config_number(arg, o->kind == KIND_SIZE, (uint64_t)o->min, (uint64_t)o->max, &v) < 0)
			return RESULT_BAD;
		config_store(cfg, o->offset, o->type, (long long)v);
		return RESULT_OK;
	case KIND_STRING:
		config_store_string(cfg, o, arg);
		return RESULT_OK;
	case KIND_CHOICE:
		for (const struct config_choice *c = o->choices; c->word; c++) {
			if (strcmp(arg, c->word) == 0) {
				config_store(cfg, o->offset, o->type, c->value);
				return RESULT_OK;
			}
		}
		return RESULT_BAD;
	case KIND_ADDRS:
		return config_addrs(cfg, o, arg, err, errlen);
	case KIND_CUSTOM:
	case KIND_ACTION:
		return o->parse(cfg, o, arg, err, errlen);
	}
	return RESULT_BAD;
}

/* --udp off|ADDR:PORT: off is no UDP at all; an address is one more datagram listener. */
enum config_result config_udp(struct config *cfg, const struct config_opt *o, char *arg,
				     char *err, size_t errlen)
{
	if (strcmp(arg, "off") == 0) {
		cfg->udp_off = true;
		return RESULT_OK;
	}
	return config_addrs(cfg, o, arg, err, errlen);
}

/* --ai-rate "N", "N/min" or "N/m": questions per minute. */
enum config_result config_rate(struct config *cfg, const struct config_opt *o, char *arg,
				      char *err, size_t errlen)
{
	(void)err;
	(void)errlen;
	char num[NUMBER_TEXT];
	const char *slash = strchr(arg, '/');
	size_t n = slash ? (size_t)(slash - arg) : strlen(arg);
	if (n == 0 || n >= sizeof(num))
		return RESULT_BAD;
	if (slash && strcmp(slash, "/min") != 0 && strcmp(slash, "/m") != 0)
		return RESULT_BAD;
	memcpy(num, arg, n);
	num[n] = '\0';
	uint64_t v;
	if (config_number(num, 0, (uint64_t)o->min, (uint64_t)o->max, &v) < 0)
		return RESULT_BAD;
	config_store(cfg, o->offset, o->type, (long long)v);
	return RESULT_OK;
}

enum config_result config_help(struct config *cfg, const struct config_opt *o, char *arg,
				      char *err, size_t errlen)
{
	(void)cfg;
	(void)o;
	(void)arg;
	(void)err;
	(void)errlen;
	config_usage(stdout);
	return RESULT_STOP;
}

enum config_result config_version(struct config *cfg, const struct config_opt *o,
					 char *arg, char *err, size_t errlen)
{
	(void)cfg;
	(void)o;
	(void)arg;
	(void)err;
	(void)errlen;
	printf("charlad %s\n", CHARLA_VERSION);
	return RESULT_STOP;
}

bool config_takes_value(const struct config_opt *o)
{
	return o->kind != KIND_FLAG && o->kind != KIND_ACTION;
}

/* getopt_long's view of the table: the long options (each alias with its option's code) and the
 * short ones, after a ':' that tells a missing value from an unknown option. */
static void config_getopt(struct option longopts[CONFIG_NLONG + 1],
			  char shortopts[CONFIG_NSHORT + 1])
{
	size_t nl = 0, ns = 0;
	shortopts[ns++] = ':';
	for (size_t i = 0; i < config_noptions; i++) {
		const struct config_opt *o = &config_options[i];
		int has_arg = config_takes_value(o) ? required_argument : no_argument;
		const char *names[] = {o->name, o->alias};
		for (size_t k = 0; k < CONFIG_LEN(names) && names[k]; k++)
			longopts[nl++] = (struct option){names[k], has_arg, NULL, LONG_CODE + (int)i};
		if (o->letter) {
			shortopts[ns++] = o->letter;
			if (has_arg == required_argument)
				shortopts[ns++] = ':';
		}
	}
	longopts[nl] = (struct option){NULL, 0, NULL, 0};
	shortopts[ns] = '\0';
}

/* The option behind one of getopt_long's codes, or NULL. */
static const struct config_opt *config_find(int code)
{
	if (code >= LONG_CODE && (size_t)(code - LONG_CODE) < config_noptions)
		return &config_options[code - LONG_CODE];
	for (size_t i = 0; i < config_noptions && code > 0; i++) {
		if (config_options[i].letter == code)
			return &config_options[i];
	}
	return NULL;
}

/* The option getopt_long just refused, as written: a short one by its letter (inside a cluster
 * such as -xv, argv[optind - 1] is some earlier argument), a long one as typed. */
static const char *config_refused(char **argv, char buf[SHORT_TEXT])
{
	if (optopt > 0 && optopt < LONG_CODE) {
		snprintf(buf, SHORT_TEXT, "-%c", optopt);
		return buf;
	}
	return argv[optind - 1];
}

int config_parse(struct config *cfg, int argc, char **argv, char *err, size_t errlen)
{
	int r = config_parse_argv(cfg, argc, argv, err, errlen);
	return r != 0 ? r : config_check(cfg, err, errlen);
}

int config_parse_argv(struct config *cfg, int argc, char **argv, char *err, size_t errlen)
{
	struct option longopts[CONFIG_NLONG + 1];
	char shortopts[CONFIG_NSHORT + 1];
	config_getopt(longopts, shortopts);
	/* 0, not 1: getopt_long keeps its place inside a cluster of short options (-vq) between
	 * calls, and only optind = 0 makes glibc (and musl and the BSDs) start afresh, so that a
	 * second parse does not read the first one's argv. */
	optind = 0;
	opterr = 0;
	int c;
	int li = -1;
	char letter[SHORT_TEXT];
	bool seen[CONFIG_OPTS_MAX] = {false}; /* list options met so far, whose old entries are gone */
	while ((c = getopt_long(argc, argv, shortopts, longopts, &li)) != -1) {
		if (c == ':') {
			snprintf(err, errlen, "option %s needs a value", config_refused(argv, letter));
			return -1;
		}
		const struct config_opt *o = config_find(c);
		if (!o) {
			snprintf(err, errlen, "unknown option %s (see --help)",
				 config_refused(argv, letter));
			return -1;
		}
		if (!seen[o - config_options]) {
			seen[o - config_options] = true;
			config_reset(cfg, o);
		}
		switch (config_read(cfg, o, optarg, err, errlen)) {
		case RESULT_OK:
			break;
		case RESULT_BAD:
			snprintf(err, errlen, "bad value '%s' for --%s (see --help)", optarg,
				 li >= 0 ? longopts[li].name : o->name);
			return -1;
		case RESULT_ERR:
			return -1;
		case RESULT_STOP:
			return 1;
		}
		li = -1;
	}
	if (optind < argc) {
		snprintf(err, errlen, "unexpected argument '%s' (see --help)", argv[optind]);
		return -1;
	}
	return 0;
}

int config_check(const struct config *cfg, char *err, size_t errlen)
{
	if (cfg->nask && cfg->ai_off) {
		snprintf(err, errlen, "--ask-port needs the assistant (drop --no-ai)");
		return -1;
	}
	if (cfg->udp_off && cfg->nudp) {
		snprintf(err, errlen, "--udp off cannot go with --udp addresses");
		return -1;
	}
	if (!cfg->tls_cert != !cfg->tls_key) {
		snprintf(err, errlen, "%s needs %s too", cfg->tls_cert ? "--tls-cert" : "--tls-key",
			 cfg->tls_cert ? "--tls-key" : "--tls-cert");
		return -1;
	}
	if (!cfg->tls_cert && (cfg->ntls || cfg->nirc_tls || cfg->nhttps)) {
		snprintf(err, errlen, "%s needs --tls-cert and --tls-key",
			 cfg->ntls ? "--tls-listen" : cfg->nirc_tls ? "--irc-tls-listen"
								     : "--https-listen");
		return -1;
	}
	if (cfg->outq_soft && cfg->outq_hard && cfg->outq_soft > cfg->outq_hard) {
		snprintf(err, errlen, "--outq-soft must not be larger than --outq-hard");
		return -1;
	}
	return 0;
}

void config_reset(struct config *cfg, const struct config_opt *o)
{
	if (o->kind == KIND_FLAG)
		config_store(cfg, o->offset, o->type, o->def);
	if (!o->capacity)
		return;
	config_store(cfg, o->count, o->count_type, 0);
	/* --udp's value is its list or the word off: a new --udp replaces either. */
	if (o->parse == config_udp)
		cfg->udp_off = false;
}

/* Whether an option has the same value in a and b (both NULL strings count as the same). */
static bool config_same(const struct config *a, const struct config *b,
			const struct config_opt *o)
{
	if (o->capacity) {
		size_t n = (size_t)config_load(a, o->count, o->count_type);
		if (n != (size_t)config_load(b, o->count, o->count_type))
			return false;
		const char *const *la = config_at_const(a, o->offset);
		const char *const *lb = config_at_const(b, o->offset);
		for (size_t k = 0; k < n; k++)
			if (strcmp(la[k], lb[k]) != 0)
				return false;
		return o->parse != config_udp || a->udp_off == b->udp_off;
	}
	if (o->type == FIELD_STRING) {
		const char *sa = *(const char *const *)config_at_const(a, o->offset);
		const char *sb = *(const char *const *)config_at_const(b, o->offset);
		return sa == sb || (sa && sb && strcmp(sa, sb) == 0);
	}
	return config_load(a, o->offset, o->type) == config_load(b, o->offset, o->type);
}

const char *config_next_change(const struct config *a, const struct config *b, size_t *i,
			       bool *reload)
{
	for (; *i < config_noptions; ++*i) {
		const struct config_opt *o = &config_options[*i];
		if (o->type == FIELD_NONE && !o->capacity)
			continue;
		/* Options that share a field (-v and -q) are one setting: the first names it. */
		bool shared = false;
		for (size_t k = 0; k < *i && !shared; k++)
			shared = config_options[k].offset == o->offset && config_options[k].type == o->type;
		if (shared || config_same(a, b, o))
			continue;
		*reload = (o->flags & OPT_RELOAD) != 0;
		return config_options[(*i)++].name;
	}
	return NULL;
}

void config_take_reloadable(struct config *dst, const struct config *src)
{
	for (size_t i = 0; i < config_noptions; i++) {
		const struct config_opt *o = &config_options[i];
		if (!(o->flags & OPT_RELOAD))
			continue;
		if (o->capacity) {
			size_t n = (size_t)config_load(src, o->count, o->count_type);
			memcpy(config_at(dst, o->offset), config_at_const(src, o->offset),
			       n * sizeof(const char *));
			config_store(dst, o->count, o->count_type, (long long)n);
		} else if (o->type == FIELD_STRING) {
			config_store_string(dst, o, *(const char *const *)config_at_const(src, o->offset));
		} else {
			config_store(dst, o->offset, o->type, config_load(src, o->offset, o->type));
		}
	}
}

const char *config_long_name(size_t i)
{
	struct option longopts[CONFIG_NLONG + 1];
	char shortopts[CONFIG_NSHORT + 1];
	config_getopt(longopts, shortopts);
	for (size_t k = 0; longopts[k].name; k++) {
		if (k == i)
			return longopts[k].name;
	}
	return NULL;
}
