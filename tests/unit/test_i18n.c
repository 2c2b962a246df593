/* Unit tests for util/i18n: catalogues, plural rules, their checks, choosing a language, numbers and dates. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "util/i18n.h"

static char dir[] = "/tmp/sw-i18n-XXXXXX";

/* Compiles po (the entries; the header is added) with msgfmt into dir/code/LC_MESSAGES. */
static void write_mo(const char *code, const char *plural_forms, const char *po)
{
	char path[512], cmd[1200];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s/LC_MESSAGES", dir, code);
	snprintf(cmd, sizeof(cmd), "mkdir -p '%s'", path);
	assert_int_equal(system(cmd), 0);
	snprintf(path, sizeof(path), "%s/%s.po", dir, code);
	f = fopen(path, "w");
	assert_non_null(f);
	fprintf(f, "msgid \"\"\nmsgstr \"\"\n\"Content-Type: text/plain; charset=UTF-8\\n\"\n"
		"\"Plural-Forms: %s\\n\"\n\n%s", plural_forms, po);
	fclose(f);
	/* No --check: the loader's own checks are under test. */
	snprintf(cmd, sizeof(cmd), "msgfmt -o '%s/%s/LC_MESSAGES/supplywatch.mo' '%s' 2>/dev/null",
		 dir, code, path);
	assert_int_equal(system(cmd), 0);
}

static struct lang *load(const char *code, char *warn_out, size_t cap)
{
	struct strbuf err = STRBUF_INIT, warn = STRBUF_INIT;
	struct lang *L = i18n_load(dir, code, &err, &warn);

	if (!L)
		fail_msg("load %s: %s", code, err.buf);
	if (warn_out)
		snprintf(warn_out, cap, "%s", warn.buf);
	sb_release(&err);
	sb_release(&warn);
	return L;
}

static int setup(void **state)
{
	(void)state;
	if (!mkdtemp(dir))
		return -1;
	write_mo("ru", "nplurals=3; plural=(n%10==1 && n%100!=11 ? 0 : n%10>=2 && n%10<=4 && (n%100<10 || n%100>=20) ? 1 : 2);",
		 "msgctxt \"language name\"\nmsgid \"English\"\nmsgstr \"Русский\"\n\n"
		 "msgctxt \"thousands separator\"\nmsgid \",\"\nmsgstr \"\xc2\xa0\"\n\n"
		 "msgctxt \"decimal separator\"\nmsgid \".\"\nmsgstr \",\"\n\n"
		 "msgctxt \"percent\"\nmsgid \"%s%%\"\nmsgstr \"%s\xc2\xa0%%\"\n\n"
		 "msgctxt \"month in a date\"\nmsgid \"December\"\nmsgstr \"декабря\"\n\n"
		 "msgctxt \"date\"\nmsgid \"%s %s %s\"\nmsgstr \"%1$s %2$s %3$s г.\"\n\n"
		 "msgid \"%s day\"\nmsgid_plural \"%s days\"\nmsgstr[0] \"%s день\"\nmsgstr[1] \"%s дня\"\nmsgstr[2] \"%s дней\"\n\n"
		 "msgctxt \"status\"\nmsgid \"open\"\nmsgstr \"открыт\"\n\n"
		 "msgid \"open\"\nmsgstr \"открыто\"\n\n"
		 /* Refused: an argument more, an argument fewer, another type, %n, too few forms. */
		 "msgid \"Day %s\"\nmsgstr \"День %s из %s\"\n\n"
		 "msgid \"Trucks: %s\"\nmsgstr \"Грузовики\"\n\n"
		 "msgid \"Seen %s\"\nmsgstr \"Видели %d\"\n\n"
		 "msgid \"Plain\"\nmsgstr \"Просто %n\"\n\n"
		 "msgid \"%s hour\"\nmsgid_plural \"%s hours\"\nmsgstr[0] \"%s час\"\nmsgstr[1] \"%s часа\"\n\n"
		 /* Accepted: reordered with positions. */
		 "msgid \"%s to %s\"\nmsgstr \"%2$s ← %1$s\"\n");
	write_mo("ar", "nplurals=6; plural=(n==0 ? 0 : n==1 ? 1 : n==2 ? 2 : n%100>=3 && n%100<=10 ? 3 : n%100>=11 ? 4 : 5);",
		 "msgctxt \"text direction\"\nmsgid \"ltr\"\nmsgstr \"rtl\"\n\n"
		 "msgctxt \"digits\"\nmsgid \"0123456789\"\nmsgstr \"٠١٢٣٤٥٦٧٨٩\"\n\n"
		 "msgctxt \"thousands separator\"\nmsgid \",\"\nmsgstr \"٬\"\n\n"
		 "msgctxt \"decimal separator\"\nmsgid \".\"\nmsgstr \"٫\"\n\n"
		 "msgctxt \"percent\"\nmsgid \"%s%%\"\nmsgstr \"%s٪\"\n\n"
		 "msgid \"%s day\"\nmsgid_plural \"%s days\"\nmsgstr[0] \"%s يوم (0)\"\nmsgstr[1] \"%s يوم (1)\"\n"
		 "msgstr[2] \"%s يوم (2)\"\nmsgstr[3] \"%s أيام (3)\"\nmsgstr[4] \"%s يومًا (4)\"\nmsgstr[5] \"%s يوم (5)\"\n");
	write_mo("xx", "nplurals=2; plural=n>; ", "msgid \"a\"\nmsgstr \"b\"\n");
	write_mo("xy", "nplurals=2; plural=n==1 ? 0 : 2;", "msgid \"a\"\nmsgstr \"b\"\n");
	return 0;
}

static int teardown(void **state)
{
	char cmd[256];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd);
}

static void english_is_the_source(void **state)
{
	char n[I18N_NUM_LEN], d[I18N_DATE_LEN];

	(void)state;
	assert_string_equal(tr(&i18n_english, "Day %s"), "Day %s");
	assert_string_equal(trn(&i18n_english, "%s day", "%s days", 1), "%s day");
	assert_string_equal(trn(&i18n_english, "%s day", "%s days", 0), "%s days");
	assert_string_equal(i18n_int(&i18n_english, 120000, n), "120,000");
	assert_string_equal(i18n_int(&i18n_english, -1234567, n), "-1,234,567");
	assert_string_equal(i18n_int(&i18n_english, INT64_MIN, n), "-9,223,372,036,854,775,808");
	assert_string_equal(i18n_dec1(&i18n_english, 37.45, n), "37.5");
	assert_string_equal(i18n_dec1(&i18n_english, -0.04, n), "0.0");
	assert_string_equal(i18n_dec2(&i18n_english, 0.975, n), "0.98");
	assert_string_equal(i18n_pct1(&i18n_english, 1234.56, n), "1,234.6%");
	assert_string_equal(i18n_date(&i18n_english, 19338, d), "12 December 2022");
	assert_string_equal(i18n_utc(&i18n_english, 1670803200 + 13 * 3600 + 21 * 60, d),
			    "12 December 2022, 13:21 UTC");
	assert_string_equal(i18n_local(&i18n_english, 1672718400, 4 * 3600, d),
			    "3 January 2023, 08:00 (UTC+04:00)");
	assert_string_equal(i18n_local(&i18n_english, 1672718400, -(3 * 3600 + 1800), d),
			    "3 January 2023, 00:30 (UTC-03:30)");
}

static void russian_plurals_context_and_numbers(void **state)
{
	char warn[2048], n[I18N_NUM_LEN], d[I18N_DATE_LEN];
	struct lang *L = load("ru", warn, sizeof(warn));
	static const struct { uint64_t n; const char *want; } days[] = {
		{ 0, "%s дней" }, { 1, "%s день" }, { 2, "%s дня" }, { 4, "%s дня" }, { 5, "%s дней" },
		{ 11, "%s дней" }, { 12, "%s дней" }, { 21, "%s день" }, { 22, "%s дня" }, { 111, "%s дней" },
		{ 1001, "%s день" },
	};

	(void)state;
	assert_string_equal(L->name, "Русский");
	assert_false(L->rtl);
	for (size_t i = 0; i < sizeof(days) / sizeof(days[0]); i++)
		assert_string_equal(trn(L, "%s day", "%s days", days[i].n), days[i].want);
	/* One English word, two meanings: the context tells them apart. */
	assert_string_equal(trp(L, "status", "open"), "открыт");
	assert_string_equal(tr(L, "open"), "открыто");
	assert_string_equal(trp(L, "nothing", "open"), "open");
	assert_string_equal(tr(L, "%s to %s"), "%2$s ← %1$s");
	assert_string_equal(i18n_int(L, 1234567, n), "1\xc2\xa0" "234\xc2\xa0" "567");
	assert_string_equal(i18n_dec1(L, 37.5, n), "37,5");
	assert_string_equal(i18n_pct1(L, 2.25, n), "2,3\xc2\xa0%");
	assert_string_equal(i18n_date(L, 19338, d), "12 декабря 2022 г.");
	/* Every refused translation falls back to English and is named in a warning. */
	assert_string_equal(tr(L, "Day %s"), "Day %s");
	assert_string_equal(tr(L, "Trucks: %s"), "Trucks: %s");
	assert_string_equal(tr(L, "Seen %s"), "Seen %s");
	assert_string_equal(tr(L, "Plain"), "Plain");
	assert_string_equal(trn(L, "%s hour", "%s hours", 5), "%s hours");
	assert_non_null(strstr(warn, "translation of \"Day %s\" takes other printf arguments than its msgid"));
	assert_non_null(strstr(warn, "translation of \"Trucks: %s\" takes other printf arguments"));
	assert_non_null(strstr(warn, "translation of \"Seen %s\" takes other printf arguments"));
	assert_non_null(strstr(warn, "translation of \"Plain\" takes other printf arguments"));
	assert_non_null(strstr(warn, "translation of \"%s hour\" has another number of plural forms than nplurals"));
	assert_int_equal(i18n_count(L), 10);
	i18n_free(L);
}

static void arabic_six_forms_and_digits(void **state)
{
	struct lang *L = load("ar", NULL, 0);
	char n[I18N_NUM_LEN];
	static const struct { uint64_t n; const char *want; } days[] = {
		{ 0, "(0)" }, { 1, "(1)" }, { 2, "(2)" }, { 3, "(3)" }, { 10, "(3)" }, { 11, "(4)" },
		{ 99, "(4)" }, { 100, "(5)" }, { 102, "(5)" }, { 103, "(3)" }, { 111, "(4)" },
	};

	(void)state;
	assert_true(L->rtl);
	for (size_t i = 0; i < sizeof(days) / sizeof(days[0]); i++)
		assert_non_null(strstr(trn(L, "%s day", "%s days", days[i].n), days[i].want));
	assert_string_equal(i18n_int(L, 1234, n), "١٬٢٣٤");
	assert_string_equal(i18n_dec1(L, 37.5, n), "٣٧٫٥");
	assert_string_equal(i18n_pct1(L, 50, n), "٥٠٫٠٪");
	i18n_free(L);
}

static void bad_catalogues_are_refused(void **state)
{
	struct strbuf err = STRBUF_INIT, warn = STRBUF_INIT;
	static const unsigned char junk[] = "this is not a .mo file, not at all!";
	unsigned char mo[28] = { 0xde, 0x12, 0x04, 0x95, 0, 0, 0, 0, 0xff, 0xff, 0xff, 0x0f };

	(void)state;
	assert_null(i18n_load(dir, "xx", &err, &warn));
	assert_non_null(strstr(err.buf, "Plural-Forms: \"n>; \" is not a valid expression"));
	sb_reset(&err);
	assert_null(i18n_load(dir, "xy", &err, &warn));
	assert_non_null(strstr(err.buf, "picks a form past nplurals"));
	sb_reset(&err);
	assert_null(i18n_load(dir, "fr", &err, &warn));
	assert_non_null(strstr(err.buf, "no catalogue for \"fr\": "));
	assert_non_null(strstr(err.buf, "/fr/LC_MESSAGES/supplywatch.mo: No such file or directory"));
	sb_reset(&err);
	assert_null(i18n_load(dir, "../ru", &err, &warn));
	assert_string_equal(err.buf, "\"../ru\" is not a language code (like \"ar\" or \"pt_BR\")");
	sb_reset(&err);
	assert_null(i18n_load_mo("zz", junk, sizeof(junk) - 1, &err, &warn));
	assert_string_equal(err.buf, "is not a .mo file (bad magic number)");
	sb_reset(&err);
	assert_null(i18n_load_mo("zz", mo, sizeof(mo), &err, &warn));
	assert_string_equal(err.buf, "is a damaged .mo file (tables past its end)");
	sb_release(&err);
	sb_release(&warn);
}

static void language_codes(void **state)
{
	(void)state;
	assert_true(i18n_code_ok("ar"));
	assert_true(i18n_code_ok("pt_BR"));
	assert_true(i18n_code_ok("sr-Latn"));
	assert_false(i18n_code_ok("a"));
	assert_false(i18n_code_ok("AR"));
	assert_false(i18n_code_ok("ar/../x"));
	assert_false(i18n_code_ok("ar_"));
	assert_false(i18n_code_ok(""));
}

static void choosing_a_language(void **state)
{
	struct lang en = i18n_english, ar = i18n_english, hy = i18n_english, pt = i18n_english;
	struct lang *const langs[] = { &en, &ar, &hy, &pt };

	(void)state;
	strcpy(ar.code, "ar");
	strcpy(hy.code, "hy");
	strcpy(pt.code, "pt_BR");
	assert_int_equal(i18n_choose(langs, 4, NULL, NULL), 0);
	assert_int_equal(i18n_choose(langs, 4, "ar", "hy"), 1);
	assert_int_equal(i18n_choose(langs, 4, "AR", NULL), 1);
	assert_int_equal(i18n_choose(langs, 4, "fr", "hy"), 2);
	assert_int_equal(i18n_choose(langs, 4, "", "hy-AM"), 2);
	assert_int_equal(i18n_choose(langs, 4, NULL, "fr, hy;q=0.5, ar;q=0.9"), 1);
	assert_int_equal(i18n_choose(langs, 4, NULL, "hy;q=0.5, ar;q=0.5"), 2);
	assert_int_equal(i18n_choose(langs, 4, NULL, "ar;q=0"), 0);
	assert_int_equal(i18n_choose(langs, 4, NULL, "ar;q=1.5, hy;q=0.001"), 2);
	assert_int_equal(i18n_choose(langs, 4, NULL, "ar;q=abc"), 0);
	assert_int_equal(i18n_choose(langs, 4, NULL, "*"), 0);
	assert_int_equal(i18n_choose(langs, 4, NULL, "pt-BR"), 3);
	assert_int_equal(i18n_choose(langs, 4, NULL, "pt-PT"), 3);
	assert_int_equal(i18n_choose(langs, 4, NULL, "pt"), 3);
	assert_int_equal(i18n_choose(langs, 4, NULL, "a"), 0);
	assert_int_equal(i18n_choose(langs, 4, NULL, ",,;;=,q=1"), 0);
	assert_int_equal(i18n_choose(langs, 4, "ar-EG", NULL), 1);
	/* The withdrawn code for Hebrew, still sent by old phones. */
	strcpy(ar.code, "he");
	assert_int_equal(i18n_choose(langs, 4, NULL, "iw-IL"), 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(english_is_the_source),
		cmocka_unit_test(russian_plurals_context_and_numbers),
		cmocka_unit_test(arabic_six_forms_and_digits),
		cmocka_unit_test(bad_catalogues_are_refused),
		cmocka_unit_test(language_codes),
		cmocka_unit_test(choosing_a_language),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
