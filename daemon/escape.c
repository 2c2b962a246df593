#include "escape.h"

#include <string.h>

void esc_html(struct strbuf *sb, const char *s)
{
	for (; *s; s++) {
		switch (*s) {
		case '&': sb_addstr(sb, "&amp;"); break;
		case '<': sb_addstr(sb, "&lt;"); break;
		case '>': sb_addstr(sb, "&gt;"); break;
		case '"': sb_addstr(sb, "&quot;"); break;
		case '\'': sb_addstr(sb, "&#39;"); break;
		default: sb_addch(sb, *s);
		}
	}
}

void esc_json(struct strbuf *sb, const char *s)
{
	sb_addch(sb, '"');
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		switch (c) {
		case '"': sb_addstr(sb, "\\\""); break;
		case '\\': sb_addstr(sb, "\\\\"); break;
		case '\n': sb_addstr(sb, "\\n"); break;
		case '\r': sb_addstr(sb, "\\r"); break;
		case '\t': sb_addstr(sb, "\\t"); break;
		default:
			/* </script> and U+2028/9 are harmless here: we never inline JSON in HTML. */
			if (c < 0x20 || c == 0x7f)
				sb_addf(sb, "\\u%04x", c);
			else
				sb_addch(sb, (char)c);
		}
	}
	sb_addch(sb, '"');
}

void esc_csv(struct strbuf *sb, const char *s, int is_text)
{
	/* A leading ' is prefixed too, so an importer can strip exactly one. */
	int formula = is_text && strchr("=+-@\t\r'", *s) && *s;
	int quote = formula || strpbrk(s, ",\"\r\n") != NULL;

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
