#include "escape.h"

#include <string.h>

void esc_html(struct strbuf *sb, const char *s)
{
	for (; *s; s++) {
		switch (*s) {
		case '&': strbuf_addstr(sb, "&amp;"); break;
		case '<': strbuf_addstr(sb, "&lt;"); break;
		case '>': strbuf_addstr(sb, "&gt;"); break;
		case '"': strbuf_addstr(sb, "&quot;"); break;
		case '\'': strbuf_addstr(sb, "&#39;"); break;
		default: strbuf_addch(sb, *s);
		}
	}
}

void esc_json(struct strbuf *sb, const char *s)
{
	strbuf_addch(sb, '"');
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		switch (c) {
		case '"': strbuf_addstr(sb, "\\\""); break;
		case '\\': strbuf_addstr(sb, "\\\\"); break;
		case '\n': strbuf_addstr(sb, "\\n"); break;
		case '\r': strbuf_addstr(sb, "\\r"); break;
		case '\t': strbuf_addstr(sb, "\\t"); break;
		default:
			/* </script> and U+2028/9 are harmless here: we never inline JSON in HTML. */
			if (c < 0x20 || c == 0x7f)
				strbuf_addf(sb, "\\u%04x", c);
			else
				strbuf_addch(sb, (char)c);
		}
	}
	strbuf_addch(sb, '"');
}

void esc_csv(struct strbuf *sb, const char *s, int is_text)
{
	int formula = is_text && strchr("=+-@\t\r", *s) && *s;
	int quote = formula || strpbrk(s, ",\"\r\n") != NULL;

	if (quote)
		strbuf_addch(sb, '"');
	if (formula)
		strbuf_addch(sb, '\'');
	for (; *s; s++) {
		if (*s == '"')
			strbuf_addch(sb, '"');
		strbuf_addch(sb, *s);
	}
	if (quote)
		strbuf_addch(sb, '"');
}

void esc_prom_label(struct strbuf *sb, const char *s)
{
	for (; *s; s++) {
		switch (*s) {
		case '\\': strbuf_addstr(sb, "\\\\"); break;
		case '"': strbuf_addstr(sb, "\\\""); break;
		case '\n': strbuf_addstr(sb, "\\n"); break;
		default: strbuf_addch(sb, *s);
		}
	}
}
