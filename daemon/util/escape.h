/*
 * escape: every escaper in one place.  Each appends the escaped form of a
 * NUL-terminated UTF-8 string to a strbuf.  Reported free text reaches the
 * outside world only through these, or through jansson, which escapes JSON.
 */
#ifndef SW_ESCAPE_H
#define SW_ESCAPE_H

#include "util/strbuf.h"

/*
 * HTML text and attribute values: & < > " '.  Bytes that are not
 * well-formed UTF-8 become U+FFFD, so the output always is.
 */
void esc_html(struct strbuf *sb, const char *s);
/* XML text and attribute values: as esc_html, and CR as &#13; (kept, not read as LF). */
void esc_xml(struct strbuf *sb, const char *s);
/*
 * One CSV field (RFC 4180).  Text cells starting with = + - @ TAB or CR
 * are prefixed with ' so spreadsheets do not run them as formulas (and so
 * are cells starting with ', so the prefix can be undone exactly); pass
 * is_text = 0 for numbers, which are written as they are.  A field with
 * , " CR or LF, or with a space or tab at either end, is quoted.
 */
void esc_csv(struct strbuf *sb, const char *s, int is_text);
/* A Prometheus label value (without the quotes): \ " and newline. */
void esc_prom_label(struct strbuf *sb, const char *s);

#endif
