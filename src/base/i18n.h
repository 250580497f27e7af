/* i18n: the languages charla speaks and its words in them. English is the language of the source
 * (msgids are English); Spanish comes from po/es.po, compiled by msgfmt and built into the
 * programs (cmake/i18n.cmake), so that nothing has to be installed for them to speak it.
 *
 * Marking. A string to translate is written N_("...") where it is defined (a table, a constant)
 * and looked up with i18n_tr(lang, s) where it is used, or written in the call,
 * i18n_tr(lang, "..."), i18n_trn(lang, "one %lu", "%lu others", n): xgettext finds all three
 * (the keywords are in cmake/i18n.cmake). Format strings keep their conversions: msgfmt -c
 * refuses a translation whose conversions differ, and i18n_tr is declared format_arg, so the
 * compiler checks the English against the arguments.
 *
 * Ownership. Nothing is allocated: the strings returned are the msgids themselves (English, or a
 * language that lacks one) or point into the built-in catalogues, constant for the program's
 * life. No state: the catalogues are read-only data. */
#ifndef CHARLA_BASE_I18N_H
#define CHARLA_BASE_I18N_H

#include <stdbool.h>
#include <stddef.h>

/* Marks a string for xgettext where it is defined; it is translated where it is used. */
#define N_(s) s

enum lang {
	LANG_EN,
	LANG_ES,
	LANG_COUNT,
};

/* msgid in lang: the catalogue's translation, or msgid itself (English, or none there). */
const char *i18n_tr(enum lang lang, const char *msgid) __attribute__((format_arg(2)));
/* The plural form for n: singular for n == 1, else plural (English), or the catalogue's. */
const char *i18n_trn(enum lang lang, const char *singular, const char *plural, unsigned long n)
	__attribute__((format_arg(2))) __attribute__((format_arg(3)));
/* "en", "es". */
const char *i18n_code(enum lang lang);
/* The language's name in itself: "English", "español". */
const char *i18n_name(enum lang lang);
/* A language tag, case-insensitively: "es", "ES", "es_ES.UTF-8", "es-MX" and the like name
 * Spanish (the primary subtag decides). False for a language charla does not speak. */
bool i18n_parse(const char *tag, size_t len, enum lang *out);
/* The comma-separated codes of every language ("en, es"), for messages listing them. */
const char *i18n_codes(void);
/* The language of a program's environment, as gettext would take it: the first of $LANGUAGE's
 * colon-separated list charla speaks, else $LC_ALL, $LC_MESSAGES, $LANG; English when none
 * names one ("C", "POSIX" and unset included). getenv_fn is getenv (a parameter for tests). */
enum lang i18n_from_env(char *(*getenv_fn)(const char *name));

#endif
