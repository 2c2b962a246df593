/*
 * i18n: the languages the public surfaces speak, from GNU gettext catalogues.
 *
 * Messages are marked in the sources as gettext expects (xgettext reads
 * tr, trn, trp, N_ and NP_; po/Makefile rules in the top Makefile), the
 * translations live in po/LANG.po and msgfmt compiles each into
 * LANG/LC_MESSAGES/supplywatch.mo.  What differs from libintl is only the
 * lookup: a daemon serving five languages at once must name the language
 * in each call, while libintl takes it from the process's (or thread's)
 * locale, which would need every language's locale generated on the host
 * and silently falls back to English where one is missing.  So a catalogue
 * is read here, whole and checked, into an immutable struct lang that any
 * thread may use (docs/decisions.md, "Languages").
 *
 * A catalogue is checked as msgfmt --check would: a translation whose
 * printf directives differ from its msgid's, or a plural with the wrong
 * number of forms, is left out (the English is used) with a warning, so a
 * mistaken .mo can never make a renderer read an argument it was not given.
 *
 * English, the language of the sources, needs no catalogue.  Numbers and
 * dates are written the language's way from entries of the catalogue
 * itself (context "number", "date", "month"), so adding a language is
 * one .po file.
 */
#ifndef SW_I18N_H
#define SW_I18N_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/strbuf.h"

#define I18N_DOMAIN "supplywatch"
#define I18N_CODE_MAX 16
#define I18N_MO_MAX (8 << 20)	/* a larger file is refused */
/* Written numbers and dates fit these (Arabic digits are two bytes each). */
#define I18N_NUM_LEN 96
#define I18N_DATE_LEN 160

struct catalog;

struct lang {
	char code[I18N_CODE_MAX];	/* "ar": a BCP 47 primary tag, as in po/ar.po */
	const char *name;		/* its own name for itself ("العربية") */
	bool rtl;			/* written right to left */
	struct catalog *cat;		/* NULL: English, the sources' own */
	char digit[10][8];		/* each digit as UTF-8 */
	char group[8];			/* thousands separator */
	char decimal[8];		/* decimal separator */
};

/* English, which every build has. */
extern const struct lang i18n_english;

/*
 * Whether code is a language code as a catalogue is named: 2-8 letters
 * a-z, optionally followed by "_" or "-" and 2-8 letters or digits.
 */
bool i18n_code_ok(const char *code);
/*
 * The language code (English from nothing), its catalogue read from
 * dir/CODE/LC_MESSAGES/supplywatch.mo.  NULL with the reason in err when
 * the file is missing, unreadable or malformed.  Translations that fail
 * the checks are left out with a warning in warn (one line each).
 */
struct lang *i18n_load(const char *dir, const char *code, struct strbuf *err, struct strbuf *warn);
/* The same from a .mo file's bytes (for tests and the fuzzer). */
struct lang *i18n_load_mo(const char *code, const unsigned char *mo, size_t len,
			  struct strbuf *err, struct strbuf *warn);
void i18n_free(struct lang *L);
/* How many messages the catalogue translates (0 for English). */
size_t i18n_count(const struct lang *L);

/*
 * The directory the catalogues are read from: the build's own locale/
 * beside a program run from its build directory, else LOCALEDIR.
 */
const char *i18n_default_dir(void);

/*
 * The language to answer in among langs[0..n-1] (langs[0] the default):
 * ?lang= (query, NULL when absent) if it names one, else the best of an
 * Accept-Language header (q-values; "ar-PS" matches "ar", "pt_BR" serves
 * "pt-BR"; "*" and q=0 as RFC 9110 says), else the default.  An unknown
 * or malformed value falls through to the next: never an error.
 */
size_t i18n_choose(struct lang *const *langs, size_t n, const char *query, const char *accept);

/* ---- lookup: the msgid itself when there is no translation ---- */

const char *tr(const struct lang *L, const char *msgid) __attribute__((format_arg(2)));
const char *trp(const struct lang *L, const char *ctx, const char *msgid)
	__attribute__((format_arg(3)));
const char *trn(const struct lang *L, const char *msgid, const char *plural, uint64_t n)
	__attribute__((format_arg(2))) __attribute__((format_arg(3)));
/* Marks a string for xgettext where it is defined (a table); looked up where used. */
#define N_(s) s
#define NP_(ctx, s) s

/* ---- numbers and dates, written as the language writes them ---- */

/* 120000 -> "120,000" (en), "١٢٠٬٠٠٠" (ar), "120 000" (ru). */
const char *i18n_int(const struct lang *L, int64_t n, char out[I18N_NUM_LEN]);
/* x with one decimal, rounded halves away from zero: "37.5", "٣٧٫٥", "37,5". */
const char *i18n_dec1(const struct lang *L, double x, char out[I18N_NUM_LEN]);
/* Two decimals (ratios). */
const char *i18n_dec2(const struct lang *L, double x, char out[I18N_NUM_LEN]);
/* x% with one decimal, as the language writes a percentage. */
const char *i18n_pct1(const struct lang *L, double x, char out[I18N_NUM_LEN]);
/* A day (days since 1970-01-01): "6 December 2026", "6 декабря 2026 г." */
const char *i18n_date(const struct lang *L, int64_t days, char out[I18N_DATE_LEN]);
/* An instant in UTC: "6 December 2026, 13:21 UTC". */
const char *i18n_utc(const struct lang *L, int64_t t, char out[I18N_DATE_LEN]);
/* An instant at a UTC offset (seconds): "3 January 2023, 08:00 (UTC+04:00)". */
const char *i18n_local(const struct lang *L, int64_t t, int offset, char out[I18N_DATE_LEN]);

/* Digits 0-9 in s replaced by the language's (times, codes written in a sentence). */
void i18n_add_digits(struct strbuf *out, const struct lang *L, const char *s);

#endif
