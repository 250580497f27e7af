#include "base/i18n.h"

#include <string.h>
#include <strings.h>

#include "base/catalog.h"

/* Written by the build from po/<code>.po (cmake/i18n.cmake): the .mo bytes of each language
 * but English. */
extern const unsigned char i18n_mo_es[];
extern const size_t i18n_mo_es_len;

static const struct {
	const char *code;
	const char *name;
} i18n_langs[LANG_COUNT] = {
	[LANG_EN] = {"en", "English"},
	[LANG_ES] = {"es", "español"},
};

static const char I18N_CODES[] = "en, es";
enum { I18N_TAG_MAX = 8 }; /* a primary subtag is 2 or 3 letters; longer is no language */

static struct catalog i18n_catalog(enum lang lang)
{
	switch (lang) {
	case LANG_ES:
		return (struct catalog){i18n_mo_es, i18n_mo_es_len};
	case LANG_EN:
	case LANG_COUNT:
		break;
	}
	return (struct catalog){NULL, 0};
}

const char *i18n_tr(enum lang lang, const char *msgid)
{
	struct catalog c = i18n_catalog(lang);
	const char *s = c.data && *msgid ? catalog_get(&c, msgid) : NULL;
	return s ? s : msgid;
}

const char *i18n_trn(enum lang lang, const char *singular, const char *plural, unsigned long n)
{
	struct catalog c = i18n_catalog(lang);
	const char *s = c.data ? catalog_nget(&c, singular, n) : NULL;
	return s ? s : n == 1 ? singular : plural;
}

const char *i18n_code(enum lang lang)
{
	return lang < LANG_COUNT ? i18n_langs[lang].code : i18n_langs[LANG_EN].code;
}

const char *i18n_name(enum lang lang)
{
	return lang < LANG_COUNT ? i18n_langs[lang].name : i18n_langs[LANG_EN].name;
}

const char *i18n_codes(void)
{
	return I18N_CODES;
}

bool i18n_parse(const char *tag, size_t len, enum lang *out)
{
	size_t n = strcspn(tag, "_-.@");
	if (n > len)
		n = len;
	if (n == 0 || n > I18N_TAG_MAX)
		return false;
	for (size_t i = 0; i < LANG_COUNT; i++) {
		const char *code = i18n_langs[i].code;
		if (strlen(code) == n && strncasecmp(tag, code, n) == 0) {
			*out = (enum lang)i;
			return true;
		}
	}
	return false;
}

enum lang i18n_from_env(char *(*getenv_fn)(const char *name))
{
	/* gettext ignores $LANGUAGE when the locale is C or POSIX; so does this. */
	static const char *const cats[] = {"LC_ALL", "LC_MESSAGES", "LANG"};
	const char *locale = NULL;
	for (size_t i = 0; i < sizeof cats / sizeof cats[0] && !locale; i++) {
		const char *v = getenv_fn(cats[i]);
		if (v && *v)
			locale = v;
	}
	if (!locale || strcmp(locale, "C") == 0 || strcmp(locale, "POSIX") == 0 ||
	    strncmp(locale, "C.", 2) == 0)
		return LANG_EN;
	enum lang l;
	const char *list = getenv_fn("LANGUAGE");
	for (const char *p = list; p && *p;) {
		size_t n = strcspn(p, ":");
		if (i18n_parse(p, n, &l))
			return l;
		p += n + (p[n] == ':');
	}
	return i18n_parse(locale, strlen(locale), &l) ? l : LANG_EN;
}
