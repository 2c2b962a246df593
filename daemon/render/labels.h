/*
 * labels: the words the public surfaces use for our enums, in a language.
 *
 * One table per enum, each word marked for xgettext with its context, so a
 * word is translated once and the page, the feed and every other surface
 * say it the same way.  Enum values themselves stay English in JSON.
 */
#ifndef SW_LABELS_H
#define SW_LABELS_H

#include "core/config.h"
#include "util/i18n.h"
#include "util/strbuf.h"

/* "open", "restricted", "blocked", "unknown" as words in a sentence. */
const char *label_status(const struct lang *L, int status);
/* The same as a badge beside its colour: "OPEN". */
const char *label_status_badge(const struct lang *L, int status);
/* "Gas", "Electricity", ... (report_services order). */
const char *label_service(const struct lang *L, int service);
/* The service of a name as stored ("gas"); the name itself when unknown. */
const char *label_service_name(const struct lang *L, const char *name);
/* "food", "medical supplies", ... (report_cargos order). */
const char *label_cargo(const struct lang *L, int cargo);
/* "counted at the crossing", ... (enum stage). */
const char *label_stage(const struct lang *L, int stage);
/* "Counted at the crossing": a column heading. */
const char *label_stage_heading(const struct lang *L, int stage);
/* "single source", "corroborated", "sources disagree". */
const char *label_corroboration(const struct lang *L, int corr);
/* "CRITICAL", ... (report_severities order) as a badge. */
const char *label_severity_badge(const struct lang *L, int severity);
/* "Facilitated", ... (movement outcomes). */
const char *label_outcome(const struct lang *L, int outcome);
/* "Truck count", "Shortage", "Service disruption", "Access change" (enum report_kind). */
const char *label_kind(const struct lang *L, int kind);
/* "outbound": trucks counted leaving. */
const char *label_outbound(const struct lang *L);
/* A movement's purpose as stored ("food"); the value itself when unknown. */
const char *label_purpose(const struct lang *L, const char *purpose);


/*
 * Appends a translated message: its own text escaped by esc (esc_html,
 * esc_xml), each %s or %N$s replaced by its argument as it is (numbers
 * written by i18n, markup the caller built and escaped).  Messages take
 * only strings; the catalogue's checks guarantee a translation takes the
 * same arguments as its msgid.
 */
void tr_add(struct strbuf *out, void (*esc)(struct strbuf *, const char *), const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/*
 * s (a word or date from a catalogue) escaped for HTML and XML text and
 * attributes (& < > " '), into buf: an argument of tr_add, which inserts
 * arguments as they are.  A translator's text never becomes markup.
 */
#define ESC_ARG_LEN 1024
const char *esc_arg(const char *s, char buf[ESC_ARG_LEN]);
#define E(s) esc_arg((s), (char[ESC_ARG_LEN]){ 0 })

/* Numbers and dates as L (in scope) writes them, escaped, each in a buffer of its own for one statement. */
#define NUM(n) E(i18n_int(L, (int64_t)(n), (char[I18N_NUM_LEN]){ 0 }))
#define DEC1(x) E(i18n_dec1(L, (x), (char[I18N_NUM_LEN]){ 0 }))
#define DEC2(x) E(i18n_dec2(L, (x), (char[I18N_NUM_LEN]){ 0 }))
#define PCT1(x) E(i18n_pct1(L, (x), (char[I18N_NUM_LEN]){ 0 }))
#define DATE(d) E(i18n_date(L, (d), (char[I18N_DATE_LEN]){ 0 }))

/*
 * Whether L is not what a URL without ?lang= gets (cfg's default): our own
 * links then say "?lang=CODE" so a reader stays in the language chosen.
 */
bool lang_in_url(const struct sw_config *cfg, const struct lang *L);
/* "?lang=ar" when lang_in_url, else nothing (a language code needs no escaping). */
void add_lang_query(struct strbuf *out, const struct sw_config *cfg, const struct lang *L);

#endif
