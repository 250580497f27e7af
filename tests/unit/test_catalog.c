/* Unit tests for base/catalog and base/i18n: lookups in .mo files built here byte by byte, in both
 * byte orders, with plural forms; damaged catalogues (every offset and length out of bounds, no
 * NUL) find nothing and read nothing outside; and the language helpers (tags, the environment). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "base/buf.h"
#include "base/catalog.h"
#include "base/i18n.h"

struct pair {
	const char *orig; /* with '\0' inside for a plural: "one\0many" */
	size_t olen;
	const char *trans;
	size_t tlen;
};

static void put32(struct buf *b, uint32_t v, bool be)
{
	unsigned char w[4];
	for (int i = 0; i < 4; i++)
		w[be ? 3 - i : i] = (unsigned char)(v >> (8 * i));
	buf_append(b, w, 4);
}

/* A .mo as msgfmt writes one: header, originals' table, translations' table, then the strings,
 * each NUL-terminated. pairs must be sorted by their originals. */
static void make_mo(struct buf *b, const struct pair *p, uint32_t n, bool be)
{
	uint32_t orig = 28, trans = orig + 8 * n, strings = trans + 8 * n;
	put32(b, 0x950412de, be);
	put32(b, 0, be);
	put32(b, n, be);
	put32(b, orig, be);
	put32(b, trans, be);
	put32(b, 0, be);
	put32(b, 0, be);
	uint32_t at = strings;
	for (uint32_t i = 0; i < n; i++) {
		put32(b, (uint32_t)p[i].olen, be);
		put32(b, at, be);
		at += (uint32_t)p[i].olen + 1;
	}
	for (uint32_t i = 0; i < n; i++) {
		put32(b, (uint32_t)p[i].tlen, be);
		put32(b, at, be);
		at += (uint32_t)p[i].tlen + 1;
	}
	for (uint32_t i = 0; i < n; i++) {
		buf_append(b, p[i].orig, p[i].olen);
		buf_append(b, "", 1);
	}
	for (uint32_t i = 0; i < n; i++) {
		buf_append(b, p[i].trans, p[i].tlen);
		buf_append(b, "", 1);
	}
}

#define P(o, t) {o, sizeof(o) - 1, t, sizeof(t) - 1}

static const struct pair pairs[] = {
	P("", "Content-Type: text/plain; charset=UTF-8\n"),
	P("%lu person\0%lu people", "%lu persona\0%lu personas"),
	P("Bye.", "Adiós."),
	P("Empty", ""),
	P("Welcome, %s!", "¡Bienvenido, %s!"),
};

static void t_lookups_both_byte_orders(void **state)
{
	(void)state;
	for (int be = 0; be < 2; be++) {
		struct buf b = BUF_INIT;
		make_mo(&b, pairs, 5, be);
		struct catalog c = {(const unsigned char *)b.data, b.len};
		assert_true(catalog_valid(&c));
		assert_string_equal(catalog_get(&c, "Bye."), "Adiós.");
		assert_string_equal(catalog_get(&c, "Welcome, %s!"), "¡Bienvenido, %s!");
		assert_null(catalog_get(&c, "Bye"));
		assert_null(catalog_get(&c, "Zzz"));
		assert_null(catalog_get(&c, "Empty")); /* untranslated: the caller keeps the msgid */
		assert_string_equal(catalog_nget(&c, "%lu person", 1), "%lu persona");
		assert_string_equal(catalog_nget(&c, "%lu person", 0), "%lu personas");
		assert_string_equal(catalog_nget(&c, "%lu person", 2), "%lu personas");
		assert_null(catalog_nget(&c, "Nobody", 2));
		/* A singular-only entry has no second form. */
		assert_null(catalog_nget(&c, "Bye.", 2));
		buf_free(&b);
	}
}

/* Every truncation and every flipped byte: never a crash or a read outside (ASan watches),
 * and a lookup's result, when any, lies inside the bytes. */
static void t_damaged_catalogues(void **state)
{
	(void)state;
	struct buf good = BUF_INIT;
	make_mo(&good, pairs, 5, false);
	for (size_t cut = 0; cut <= good.len; cut++) {
		unsigned char *copy = malloc(cut ? cut : 1);
		memcpy(copy, good.data, cut);
		struct catalog c = {copy, cut};
		const char *s = catalog_get(&c, "Bye.");
		if (s)
			assert_true((const unsigned char *)s >= copy && (const unsigned char *)s < copy + cut);
		free(copy);
	}
	for (size_t i = 0; i < good.len; i++) {
		for (unsigned v = 0; v < 256; v += 51) {
			unsigned char *copy = malloc(good.len);
			memcpy(copy, good.data, good.len);
			copy[i] = (unsigned char)v;
			struct catalog c = {copy, good.len};
			const char *s = catalog_get(&c, "Welcome, %s!");
			const char *n = catalog_nget(&c, "%lu person", 3);
			for (const char *r = s; r; r = r == s ? n : NULL)
				if (r)
					assert_true((const unsigned char *)r >= copy &&
						    (const unsigned char *)r < copy + good.len);
			free(copy);
		}
	}
	struct catalog none = {NULL, 0};
	assert_false(catalog_valid(&none));
	assert_null(catalog_get(&none, "Bye."));
	buf_free(&good);
}

static void t_built_in_spanish(void **state)
{
	(void)state;
	/* English is the source: a msgid comes back as it is. */
	assert_string_equal(i18n_tr(LANG_EN, "Bye."), "Bye.");
	assert_string_equal(i18n_trn(LANG_EN, "%lu other", "%lu others", 1), "%lu other");
	assert_string_equal(i18n_trn(LANG_EN, "%lu other", "%lu others", 3), "%lu others");
	/* Spanish falls back to English for what the catalogue lacks. */
	assert_string_equal(i18n_tr(LANG_ES, "no such message in the catalogue"),
			    "no such message in the catalogue");
	assert_string_equal(i18n_tr(LANG_ES, ""), "");
}

static void t_language_tags(void **state)
{
	(void)state;
	enum lang l = LANG_EN;
	assert_true(i18n_parse("es", 2, &l) && l == LANG_ES);
	assert_true(i18n_parse("ES", 2, &l) && l == LANG_ES);
	assert_true(i18n_parse("es_AR.UTF-8", 11, &l) && l == LANG_ES);
	assert_true(i18n_parse("es-MX", 5, &l) && l == LANG_ES);
	assert_true(i18n_parse("en_GB", 5, &l) && l == LANG_EN);
	assert_true(i18n_parse("es and more", 2, &l) && l == LANG_ES); /* len bounds the tag */
	assert_false(i18n_parse("fr", 2, &l));
	assert_false(i18n_parse("esp", 3, &l));
	assert_false(i18n_parse("", 0, &l));
	assert_false(i18n_parse("e", 1, &l));
	assert_string_equal(i18n_code(LANG_ES), "es");
	assert_string_equal(i18n_name(LANG_ES), "español");
	assert_string_equal(i18n_codes(), "en, es");
}

static const char *env_vals[4];
static const char *const env_names[4] = {"LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG"};

static char *fake_getenv(const char *name)
{
	for (int i = 0; i < 4; i++)
		if (strcmp(name, env_names[i]) == 0)
			return (char *)(uintptr_t)env_vals[i];
	return NULL;
}

static enum lang env(const char *language, const char *all, const char *messages, const char *lang)
{
	env_vals[0] = language;
	env_vals[1] = all;
	env_vals[2] = messages;
	env_vals[3] = lang;
	return i18n_from_env(fake_getenv);
}

static void t_language_of_the_environment(void **state)
{
	(void)state;
	assert_int_equal(env(NULL, NULL, NULL, NULL), LANG_EN);
	assert_int_equal(env(NULL, NULL, NULL, "es_ES.UTF-8"), LANG_ES);
	assert_int_equal(env(NULL, NULL, "es_ES.UTF-8", "en_US.UTF-8"), LANG_ES);
	assert_int_equal(env(NULL, "en_US.UTF-8", "es_ES.UTF-8", "es_ES.UTF-8"), LANG_EN);
	assert_int_equal(env(NULL, "", "es_AR.UTF-8", NULL), LANG_ES); /* empty is unset */
	/* LANGUAGE: the first language we speak, but not over a C locale. */
	assert_int_equal(env("fr:es:en", NULL, NULL, "en_US.UTF-8"), LANG_ES);
	assert_int_equal(env("fr", NULL, NULL, "es_ES.UTF-8"), LANG_ES);
	assert_int_equal(env("es", NULL, NULL, "C"), LANG_EN);
	assert_int_equal(env("es", NULL, NULL, "C.UTF-8"), LANG_EN);
	assert_int_equal(env(NULL, NULL, NULL, "POSIX"), LANG_EN);
	assert_int_equal(env(NULL, NULL, NULL, "fr_FR.UTF-8"), LANG_EN);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(t_lookups_both_byte_orders),
		cmocka_unit_test(t_damaged_catalogues),
		cmocka_unit_test(t_built_in_spanish),
		cmocka_unit_test(t_language_tags),
		cmocka_unit_test(t_language_of_the_environment),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
