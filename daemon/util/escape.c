#include "util/escape.h"

#include <string.h>

#include "util/valid.h"

/*
 * Markup escaping for HTML and XML.  The output is always well-formed UTF-8:
 * a byte that starts no well-formed sequence (say, the first half of a
 * character cut by a truncated message) becomes U+FFFD, because one bad byte
 * makes a whole XML document unreadable.  A CR is written as &#13; for XML
 * only, where a parser would otherwise read it as a LF.
 */
static void esc_markup(struct strbuf *sb, const char *s, bool xml)
{
	size_t n;

	for (; *s; s += n) {
		n = 1;
		switch (*s) {
		case '&': sb_addstr(sb, "&amp;"); break;
		case '<': sb_addstr(sb, "&lt;"); break;
		case '>': sb_addstr(sb, "&gt;"); break;
		case '"': sb_addstr(sb, "&quot;"); break;
		case '\'': sb_addstr(sb, "&#39;"); break;
		case '\r':
			sb_addstr(sb, xml ? "&#13;" : "\r");
			break;
		default:
			if ((unsigned char)*s < 0x80) {
				sb_addch(sb, *s);
			} else if ((n = utf8_seq_len(s)) > 0) {
				sb_add(sb, s, n);
			} else {
				sb_addstr(sb, "\xef\xbf\xbd");
				n = 1;
			}
		}
	}
}

void esc_html(struct strbuf *sb, const char *s)
{
	esc_markup(sb, s, false);
}

void esc_xml(struct strbuf *sb, const char *s)
{
	esc_markup(sb, s, true);
}

void esc_csv(struct strbuf *sb, const char *s, int is_text)
{
	size_t n = strlen(s);
	/* A leading ' is prefixed too, so an importer can strip exactly one. */
	int formula = is_text && strchr("=+-@\t\r'", *s) && *s;
	/*
	 * Spaces or tabs at either end are quoted: CSV readers (libcsv, and so
	 * our own importer, among them) trim them from unquoted cells.
	 */
	int quote = formula || strpbrk(s, ",\"\r\n") != NULL ||
		    (n && (strchr(" \t", s[0]) || strchr(" \t", s[n - 1])));

	if (quote)
		sb_addch(sb, '"');
	if (formula)
		sb_addch(sb, '\'');
	for (; *s; s++) {
		if (*s == '"')
			sb_addch(sb, '"');
		sb_addch(sb, *s);
	}
	if (quote)
		sb_addch(sb, '"');
}

void esc_prom_label(struct strbuf *sb, const char *s)
{
	for (; *s; s++) {
		switch (*s) {
		case '\\': sb_addstr(sb, "\\\\"); break;
		case '"': sb_addstr(sb, "\\\""); break;
		case '\n': sb_addstr(sb, "\\n"); break;
		default: sb_addch(sb, *s);
		}
	}
}
