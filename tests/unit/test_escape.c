/* Unit tests for daemon/escape.c and daemon/strbuf.c. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/escape.h"
#include "util/strbuf.h"

typedef void (*escaper)(struct strbuf *sb, const char *s);

static void check_esc(escaper fn, const char *in, const char *want)
{
	struct strbuf sb = STRBUF_INIT;

	fn(&sb, in);
	assert_string_equal(sb.buf, want);
	assert_int_equal(sb.len, strlen(want));
	sb_release(&sb);
}

static void check_csv(const char *in, int is_text, const char *want)
{
	struct strbuf sb = STRBUF_INIT;

	esc_csv(&sb, in, is_text);
	assert_string_equal(sb.buf, want);
	assert_int_equal(sb.len, strlen(want));
	sb_release(&sb);
}

/* ---- esc_html ----------------------------------------------------------- */

static void esc_html_escapes_each_special_character(void **state)
{
	(void)state;
	check_esc(esc_html, "&", "&amp;");
	check_esc(esc_html, "<", "&lt;");
	check_esc(esc_html, ">", "&gt;");
	check_esc(esc_html, "\"", "&quot;");
	check_esc(esc_html, "'", "&#39;");
	check_esc(esc_html, "&<>\"'", "&amp;&lt;&gt;&quot;&#39;");
}

static void esc_html_escapes_markup_in_context(void **state)
{
	(void)state;
	check_esc(esc_html, "<script>alert('x&y')</script>",
		  "&lt;script&gt;alert(&#39;x&amp;y&#39;)&lt;/script&gt;");
	check_esc(esc_html, "a=\"b\"", "a=&quot;b&quot;");
	check_esc(esc_html, "&amp;", "&amp;amp;");
}

static void esc_html_leaves_plain_text_and_utf8(void **state)
{
	(void)state;
	check_esc(esc_html, "", "");
	check_esc(esc_html, "Hakari bridge 42", "Hakari bridge 42");
	check_esc(esc_html, "\xd4\xb1\xd6\x80\xd6\x81\xd5\xa1\xd5\xad", "\xd4\xb1\xd6\x80\xd6\x81\xd5\xa1\xd5\xad");
}

static void esc_html_replaces_bytes_that_are_not_utf8(void **state)
{
	(void)state;
	/* A message cut inside "\xc3\xa9" by a fixed-size buffer: the page stays UTF-8. */
	check_esc(esc_html, "caf\xc3", "caf\xef\xbf\xbd");
	check_esc(esc_html, "a\xc3(b", "a\xef\xbf\xbd(b");
	check_esc(esc_html, "\xc0\xaf", "\xef\xbf\xbd\xef\xbf\xbd");	/* overlong '/' */
	check_esc(esc_html, "\xed\xa0\x80<", "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd&lt;");	/* a surrogate */
	check_esc(esc_html, "\xe2\x82", "\xef\xbf\xbd\xef\xbf\xbd");	/* truncated at the end */
	check_esc(esc_html, "\xf0\x9f\x9a\x9a \xe2\x80\xa8", "\xf0\x9f\x9a\x9a \xe2\x80\xa8");
	check_esc(esc_html, "a\rb", "a\rb");
}

static void esc_xml_keeps_cr_as_a_reference(void **state)
{
	(void)state;
	/* An XML parser reads a literal CR (and CR LF) as LF; &#13; stays a CR. */
	check_esc(esc_xml, "a\rb\r\nc\td", "a&#13;b&#13;\nc\td");
	check_esc(esc_xml, "<x a='1'>&amp;]]>", "&lt;x a=&#39;1&#39;&gt;&amp;amp;]]&gt;");
	check_esc(esc_xml, "cut\xc3", "cut\xef\xbf\xbd");
}

static void esc_html_appends_to_existing_content(void **state)
{
	struct strbuf sb = STRBUF_INIT;

	(void)state;
	sb_addstr(&sb, "<p>");
	esc_html(&sb, "a<b");
	sb_addstr(&sb, "</p>");
	assert_string_equal(sb.buf, "<p>a&lt;b</p>");
	sb_release(&sb);
}

/* ---- esc_csv ------------------------------------------------------------ */

static void esc_csv_leaves_plain_cells(void **state)
{
	(void)state;
	check_csv("", 1, "");
	check_csv("flour", 1, "flour");
	check_csv("a=b", 1, "a=b");
	check_csv("\xd5\x80\xd5\xa1\xd5\xb6", 1, "\xd5\x80\xd5\xa1\xd5\xb6");
}

static void esc_csv_quotes_separators_and_newlines(void **state)
{
	(void)state;
	check_csv("a,b", 1, "\"a,b\"");
	check_csv("a\nb", 1, "\"a\nb\"");
	check_csv("a\r\nb", 1, "\"a\r\nb\"");
}

static void esc_csv_quotes_spaces_at_either_end(void **state)
{
	(void)state;
	/* Readers (libcsv among them) trim these from unquoted cells. */
	check_csv("  two spaces  ", 1, "\"  two spaces  \"");
	check_csv(" =1+1", 1, "\" =1+1\"");
	check_csv("tab\t", 1, "\"tab\t\"");
	check_csv("in side", 1, "in side");
	check_csv(" ", 0, "\" \"");
}

static void esc_csv_doubles_quotes(void **state)
{
	(void)state;
	check_csv("say \"hi\"", 1, "\"say \"\"hi\"\"\"");
	check_csv("\"", 1, "\"\"\"\"");
}

static void esc_csv_defuses_formula_prefixes(void **state)
{
	(void)state;
	check_csv("=SUM(A1:A9)", 1, "\"'=SUM(A1:A9)\"");
	check_csv("+1", 1, "\"'+1\"");
	check_csv("-1", 1, "\"'-1\"");
	check_csv("@cmd", 1, "\"'@cmd\"");
	check_csv("\tx", 1, "\"'\tx\"");
	check_csv("\rx", 1, "\"'\rx\"");
}

static void esc_csv_defuses_formula_with_quotes_inside(void **state)
{
	(void)state;
	check_csv("=HYPERLINK(\"http://x\",\"y\")", 1,
		  "\"'=HYPERLINK(\"\"http://x\"\",\"\"y\"\")\"");
}

static void esc_csv_leaves_numbers_alone(void **state)
{
	(void)state;
	check_csv("-5", 0, "-5");
	check_csv("+5", 0, "+5");
	check_csv("12.5", 0, "12.5");
	check_csv("", 0, "");
}

/* ---- esc_prom_label ----------------------------------------------------- */

static void esc_prom_label_escapes_backslash_quote_newline(void **state)
{
	(void)state;
	check_esc(esc_prom_label, "a\\b", "a\\\\b");
	check_esc(esc_prom_label, "say \"hi\"", "say \\\"hi\\\"");
	check_esc(esc_prom_label, "a\nb", "a\\nb");
}

static void esc_prom_label_leaves_other_text(void **state)
{
	(void)state;
	check_esc(esc_prom_label, "", "");
	check_esc(esc_prom_label, "lachin", "lachin");
	check_esc(esc_prom_label, "a'b\tc", "a'b\tc");
}

/* ---- strbuf ------------------------------------------------------------- */

static void sb_init_is_empty_string_not_null(void **state)
{
	struct strbuf a = STRBUF_INIT, b;

	(void)state;
	sb_init(&b);
	assert_non_null(a.buf);
	assert_string_equal(a.buf, "");
	assert_int_equal(a.len, 0);
	assert_int_equal(a.alloc, 0);
	assert_non_null(b.buf);
	assert_string_equal(b.buf, "");
	assert_int_equal(b.len, 0);
	sb_release(&a);
	sb_release(&b);
}

static void sb_detach_of_empty_buffer_is_allocated_empty_string(void **state)
{
	struct strbuf sb = STRBUF_INIT;
	size_t len = 99;
	char *s = sb_detach(&sb, &len);

	(void)state;
	assert_non_null(s);
	assert_true(s != sb_slopbuf);
	assert_string_equal(s, "");
	assert_int_equal(len, 0);
	free(s);
}

static void sb_detach_hands_over_ownership(void **state)
{
	struct strbuf sb = STRBUF_INIT;
	size_t len = 0;
	char *s;

	(void)state;
	sb_addstr(&sb, "hello");
	s = sb_detach(&sb, &len);
	assert_string_equal(s, "hello");
	assert_int_equal(len, 5);
	assert_true(sb.buf == sb_slopbuf);
	assert_int_equal(sb.len, 0);
	assert_int_equal(sb.alloc, 0);
	sb_addstr(&sb, "again");
	assert_string_equal(sb.buf, "again");
	assert_string_equal(s, "hello");
	free(s);
	sb_release(&sb);
}

static void sb_addf_formats_long_strings(void **state)
{
	struct strbuf sb = STRBUF_INIT;
	char *big = malloc(10001);

	(void)state;
	assert_non_null(big);
	memset(big, 'x', 10000);
	big[10000] = '\0';
	sb_addf(&sb, "[%s]", big);
	assert_int_equal(sb.len, 10002);
	assert_int_equal(strlen(sb.buf), 10002);
	assert_int_equal(sb.buf[0], '[');
	assert_memory_equal(sb.buf + 1, big, 10000);
	assert_int_equal(sb.buf[10001], ']');
	assert_true(sb.alloc > sb.len);
	free(big);
	sb_release(&sb);
}

static void sb_addf_appends_across_growth(void **state)
{
	struct strbuf sb = STRBUF_INIT;
	char want[16];

	(void)state;
	for (int i = 0; i < 1000; i++)
		sb_addf(&sb, "%03d,", i);
	assert_int_equal(sb.len, 4000);
	assert_int_equal(strlen(sb.buf), 4000);
	for (int i = 0; i < 1000; i += 111) {
		snprintf(want, sizeof(want), "%03d,", i);
		assert_memory_equal(sb.buf + 4 * i, want, 4);
	}
	sb_release(&sb);
}

static void sb_addf_fills_an_almost_full_buffer(void **state)
{
	struct strbuf sb = STRBUF_INIT;
	char filler[61], tail[101];

	(void)state;
	memset(filler, 'a', 60);
	filler[60] = '\0';
	memset(tail, 'b', 100);
	tail[100] = '\0';
	sb_addstr(&sb, filler);
	sb_addf(&sb, "%s%d", tail, 7);
	assert_int_equal(sb.len, 161);
	assert_memory_equal(sb.buf, filler, 60);
	assert_memory_equal(sb.buf + 60, tail, 100);
	assert_string_equal(sb.buf + 160, "7");
	sb_release(&sb);
}

static void sb_add_counts_embedded_nul(void **state)
{
	struct strbuf sb = STRBUF_INIT;

	(void)state;
	sb_add(&sb, "a\0b", 3);
	assert_int_equal(sb.len, 3);
	assert_memory_equal(sb.buf, "a\0b", 4);
	sb_addch(&sb, 'c');
	assert_int_equal(sb.len, 4);
	assert_memory_equal(sb.buf, "a\0bc", 5);
	sb_release(&sb);
}

static void sb_reset_empties_but_keeps_memory(void **state)
{
	struct strbuf sb = STRBUF_INIT;
	size_t alloc;

	(void)state;
	sb_addstr(&sb, "something");
	alloc = sb.alloc;
	sb_reset(&sb);
	assert_int_equal(sb.len, 0);
	assert_string_equal(sb.buf, "");
	assert_int_equal(sb.alloc, alloc);
	sb_addstr(&sb, "x");
	assert_string_equal(sb.buf, "x");
	sb_release(&sb);
	assert_true(sb.buf == sb_slopbuf);
	assert_int_equal(sb.alloc, 0);
	sb_reset(&sb);
	assert_string_equal(sb.buf, "");
}

static void xstrdup_copies(void **state)
{
	const char *src = "copy me";
	char *dup = xstrdup(src);

	(void)state;
	assert_true(dup != src);
	assert_string_equal(dup, src);
	free(dup);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(esc_html_escapes_each_special_character),
		cmocka_unit_test(esc_html_escapes_markup_in_context),
		cmocka_unit_test(esc_html_leaves_plain_text_and_utf8),
		cmocka_unit_test(esc_html_appends_to_existing_content),
		cmocka_unit_test(esc_html_replaces_bytes_that_are_not_utf8),
		cmocka_unit_test(esc_xml_keeps_cr_as_a_reference),
		cmocka_unit_test(esc_csv_leaves_plain_cells),
		cmocka_unit_test(esc_csv_quotes_separators_and_newlines),
		cmocka_unit_test(esc_csv_quotes_spaces_at_either_end),
		cmocka_unit_test(esc_csv_doubles_quotes),
		cmocka_unit_test(esc_csv_defuses_formula_prefixes),
		cmocka_unit_test(esc_csv_defuses_formula_with_quotes_inside),
		cmocka_unit_test(esc_csv_leaves_numbers_alone),
		cmocka_unit_test(esc_prom_label_escapes_backslash_quote_newline),
		cmocka_unit_test(esc_prom_label_leaves_other_text),
		cmocka_unit_test(sb_init_is_empty_string_not_null),
		cmocka_unit_test(sb_detach_of_empty_buffer_is_allocated_empty_string),
		cmocka_unit_test(sb_detach_hands_over_ownership),
		cmocka_unit_test(sb_addf_formats_long_strings),
		cmocka_unit_test(sb_addf_appends_across_growth),
		cmocka_unit_test(sb_addf_fills_an_almost_full_buffer),
		cmocka_unit_test(sb_add_counts_embedded_nul),
		cmocka_unit_test(sb_reset_empties_but_keeps_memory),
		cmocka_unit_test(xstrdup_copies),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
