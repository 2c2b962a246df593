/* csvin: headers, HXL hashtag rows, RFC 4180 details, derived ids. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "core/csvin.h"
#include "util/strbuf.h"

static const unsigned char key[32] = { 1, 2, 3 };

struct rows {
	json_t *list;	/* [[row, object], ...] */
};

static void collect(void *arg, json_t *report, long row)
{
	struct rows *r = arg;

	json_array_append_new(r->list, json_pack("[I, o]", (json_int_t)row, report));
}

/* Parses text (fed in chunks of `chunk` bytes) and returns rows as compact JSON. */
static char *parse(const char *text, size_t chunk, const char *kind, char **errors, char **ignored)
{
	struct rows rows = { json_array() };
	struct csvin *r = csvin_new(kind, "ngo-a", key, collect, &rows);
	size_t len = strlen(text);
	char *out;

	for (size_t off = 0; off < len; off += chunk)
		csvin_feed(r, text + off, len - off < chunk ? len - off : chunk);
	csvin_finish(r);
	out = json_dumps(rows.list, JSON_COMPACT);
	if (errors)
		*errors = json_dumps(csvin_errors(r), JSON_COMPACT);
	if (ignored)
		*ignored = json_dumps(csvin_ignored(r), JSON_COMPACT);
	json_decref(rows.list);
	csvin_free(r);
	return out;
}

static void header_names_any_case(void **state)
{
	char *ign, *out = parse("Date, CORRIDOR ,trucks,colour\n2023-01-11,lachin,5,red\n", 1000,
				"trucks", NULL, &ign);

	(void)state;
	assert_non_null(strstr(out, "[[2,{\"kind\":\"trucks\",\"date\":\"2023-01-11\",\"corridor\":\"lachin\",\"trucks\":5,\"report_id\":\""));
	assert_string_equal(ign, "[\"colour\"]");
	free(out);
	free(ign);
}

static void hxl_row_on_line_two_and_three(void **state)
{
	char *a = parse("Day,Trucks\n#date,#indicator+trucks+num\n2023-01-11,5\n", 1000, "trucks", NULL, NULL);
	char *b = parse("Title,,\nDay,Trucks,Place\n#DATE,#Indicator +NUM+Trucks,#loc+corridor\n2023-01-11,5,lachin\n",
			1000, "trucks", NULL, NULL);

	(void)state;
	assert_non_null(strstr(a, "[[3,{\"kind\":\"trucks\",\"date\":\"2023-01-11\",\"trucks\":5,"));
	assert_non_null(strstr(b, "[[4,{\"kind\":\"trucks\",\"date\":\"2023-01-11\",\"trucks\":5,\"corridor\":\"lachin\","));
	free(a);
	free(b);
}

static void hxl_labels_name_errors(void **state)
{
	struct rows rows = { json_array() };
	struct csvin *r = csvin_new("trucks", "ngo-a", key, collect, &rows);
	const char *text = "Day,Number of trucks\n#date,#indicator+trucks+num\n2023-01-11,5\n";
	char *e;

	(void)state;
	csvin_feed(r, text, strlen(text));
	csvin_finish(r);
	csvin_error(r, 3, "trucks", "must be >= 0");
	e = json_dumps(csvin_errors(r), JSON_COMPACT);
	assert_string_equal(e, "[{\"row\":3,\"column\":\"Number of trucks\",\"reason\":\"must be >= 0\"}]");
	free(e);
	json_decref(rows.list);
	csvin_free(r);
}

static void kind_decides_what_date_means(void **state)
{
	char *out = parse("#meta+kind,#date,#status\naccess,2023-01-11T10:00:00Z,blocked\ntrucks,2023-01-11,\n",
			  1000, NULL, NULL, NULL);

	(void)state;
	assert_non_null(strstr(out, "\"kind\":\"access\",\"at\":\"2023-01-11T10:00:00Z\",\"status\":\"blocked\""));
	assert_non_null(strstr(out, "\"kind\":\"trucks\",\"date\":\"2023-01-11\""));
	free(out);
}

static void bom_crlf_quotes_and_rows(void **state)
{
	const char *text = "\xef\xbb\xbf" "date,note,trucks\r\n2023-01-11,\"a, \"\"b\"\"\r\nc\",1\r\n\r\n2023-01-12,,2\r\n";
	char *whole = parse(text, 1000, "trucks", NULL, NULL);
	char *bytes = parse(text, 1, "trucks", NULL, NULL);

	(void)state;
	/* A quoted newline does not start a row; a blank row is skipped but counted. */
	assert_non_null(strstr(whole, "[[2,{\"kind\":\"trucks\",\"date\":\"2023-01-11\",\"note\":\"a, \\\"b\\\"\\r\\nc\",\"trucks\":1,"));
	assert_non_null(strstr(whole, "[4,{\"kind\":\"trucks\",\"date\":\"2023-01-12\",\"trucks\":2,"));
	assert_string_equal(whole, bytes);	/* chunking does not matter */
	free(whole);
	free(bytes);
}

static void formula_prefix_undone_numbers_typed(void **state)
{
	char *out = parse("note,tonnes,trucks\n'=SUM(A1),12.5,x\n'hello,1e3,007\n''quoted,0x10,1\n", 1000, "trucks", NULL, NULL);

	(void)state;
	assert_non_null(strstr(out, "\"note\":\"=SUM(A1)\",\"tonnes\":12.5,\"trucks\":\"x\""));
	assert_non_null(strstr(out, "\"note\":\"'hello\",\"tonnes\":1000.0,\"trucks\":7"));
	/* One guard ' undone; hex is no number. */
	assert_non_null(strstr(out, "\"note\":\"'quoted\",\"tonnes\":\"0x10\",\"trucks\":1"));
	free(out);
}

static void derived_ids_are_deterministic(void **state)
{
	char *a = parse("date,trucks\n2023-01-11,5\n2023-01-12,5\n", 1000, "trucks", NULL, NULL);
	char *b = parse("trucks,date\n5,2023-01-11\n", 1000, "trucks", NULL, NULL);
	json_t *ja = json_loads(a, 0, NULL), *jb = json_loads(b, 0, NULL);
	const char *id1 = json_string_value(json_object_get(json_array_get(json_array_get(ja, 0), 1), "report_id"));
	const char *id2 = json_string_value(json_object_get(json_array_get(json_array_get(ja, 1), 1), "report_id"));
	const char *id3 = json_string_value(json_object_get(json_array_get(json_array_get(jb, 0), 1), "report_id"));

	(void)state;
	assert_int_equal(strlen(id1), 36);
	assert_int_equal(id1[14], '8');		/* version 8 */
	assert_string_not_equal(id1, id2);
	assert_string_equal(id1, id3);		/* same content, other column order */
	json_decref(ja);
	json_decref(jb);
	free(a);
	free(b);
}

static void given_ids_kept(void **state)
{
	char *out = parse("report_id,date\n6f1c2d3e-0000-4000-8000-000000000001,2023-01-11\n", 1000, "trucks", NULL, NULL);

	(void)state;
	assert_non_null(strstr(out, "\"report_id\":\"6f1c2d3e-0000-4000-8000-000000000001\""));
	free(out);
}

static void malformed_and_empty_files(void **state)
{
	char *e1, *e2, *e3;
	char *o1 = parse("date,trucks\n2023-01-11,\"5\n", 1000, "trucks", &e1, NULL);
	char *o2 = parse("", 1000, "trucks", &e2, NULL);
	char *o3 = parse("date,trucks\n2023-01-11,5\"x\n", 1000, "trucks", &e3, NULL);

	(void)state;
	assert_string_equal(e1, "[{\"row\":2,\"column\":\"\",\"reason\":\"malformed CSV: a quote inside an unquoted cell, or a quoted cell that never ends\"}]");
	assert_string_equal(e2, "[{\"row\":1,\"column\":\"\",\"reason\":\"the file is empty: it needs a header row and at least one row\"}]");
	assert_non_null(strstr(e3, "malformed CSV"));
	free(o1);
	free(o2);
	free(o3);
	free(e1);
	free(e2);
	free(e3);
}

static void no_kind_anywhere(void **state)
{
	char *e, *out = parse("date,trucks\n2023-01-11,5\n", 1000, NULL, &e, NULL);

	(void)state;
	assert_string_equal(out, "[]");
	assert_string_equal(e, "[{\"row\":2,\"column\":\"kind\",\"reason\":\"is required: add a kind column or ?kind= (--kind)\"}]");
	free(out);
	free(e);
}

static void errors_are_capped(void **state)
{
	struct rows rows = { json_array() };
	struct csvin *r = csvin_new("trucks", "ngo-a", key, collect, &rows);

	(void)state;
	for (int i = 0; i < CSVIN_MAX_ERRORS + 5; i++)
		csvin_error(r, i, "x", "bad");
	assert_int_equal(json_array_size(csvin_errors(r)), CSVIN_MAX_ERRORS);
	assert_int_equal(csvin_error_count(r), CSVIN_MAX_ERRORS + 5);
	json_decref(rows.list);
	csvin_free(r);
}

static void bad_bytes_refuse_the_file(void **state)
{
	char *e1, *e2;
	char *o1 = parse("date,note\n2023-01-11,Caf\xe9\n", 1000, "trucks", &e1, NULL);
	struct rows rows = { json_array() };
	struct csvin *r = csvin_new("trucks", "ngo-a", key, collect, &rows);

	(void)state;
	assert_string_equal(o1, "[]");
	assert_string_equal(e1, "[{\"row\":2,\"column\":\"\",\"reason\":\"is not UTF-8 text: save the file as \\\"CSV UTF-8\\\"\"}]");
	csvin_feed(r, "date,note\n2023-01-11,a\0b\n", 24);
	csvin_finish(r);
	e2 = json_dumps(csvin_errors(r), JSON_COMPACT);
	assert_non_null(strstr(e2, "is not UTF-8 text"));	/* a NUL byte */
	free(o1);
	free(e1);
	free(e2);
	json_decref(rows.list);
	csvin_free(r);
}

static void cells_beyond_the_header_are_refused(void **state)
{
	char *e, *out = parse("date,note\n2023-01-11,Road closed, reopened at noon\n", 1000, "trucks", &e, NULL);

	(void)state;
	assert_string_equal(out, "[]");
	assert_string_equal(e, "[{\"row\":2,\"column\":\"\",\"reason\":\"has more cells than the header has columns (put text with commas in double quotes)\"}]");
	free(out);
	free(e);
}

static void a_data_row_is_not_a_hashtag_row(void **state)
{
	char *e, *out = parse("date,corridor,trucks,note\n2023-01-11,lachin,5,ok\n,,,#closed\n", 1000,
			      "trucks", &e, NULL);

	(void)state;
	assert_non_null(strstr(out, "[3,{\"kind\":\"trucks\",\"note\":\"#closed\""));
	assert_string_equal(e, "[]");
	free(out);
	free(e);
}

static void header_without_rows_and_duplicate_columns(void **state)
{
	char *e1, *e2;
	char *o1 = parse("date,trucks\n", 1000, "trucks", &e1, NULL);
	char *o2 = parse("#loc,#loc+name,#date\nx,y,2023-01-11\n", 1000, "shortage", &e2, NULL);

	(void)state;
	assert_string_equal(e1, "[{\"row\":1,\"column\":\"\",\"reason\":\"the file has a header but no rows of data\"}]");
	assert_string_equal(e2, "[{\"row\":1,\"column\":\"#loc+name\",\"reason\":\"names the same field (location) as column \\\"#loc\\\"; keep one of them\"}]");
	assert_string_equal(o2, "[]");
	free(o1);
	free(o2);
	free(e1);
	free(e2);
}

static void a_long_label_is_cut_between_characters(void **state)
{
	/*
	 * "x" and 100 two-byte characters: the first 100 bytes end inside one,
	 * and a label cut there is not UTF-8, which jansson refuses, so the
	 * error used to vanish and the file was refused without details.
	 */
	char text[512] = "x", label[512] = "x", want[1024], *e, *o;

	(void)state;
	for (int i = 0; i < 100; i++)
		strcat(text, "\xc3\xa9");
	for (int i = 0; i < 49; i++)
		strcat(label, "\xc3\xa9");
	strcat(text, ",Place\n#loc,#loc+name\nx,y\n");
	snprintf(want, sizeof(want), "[{\"row\":2,\"column\":\"Place\",\"reason\":\"names the same "
		 "field (location) as column \\\"%s\\\"; keep one of them\"}]", label);
	o = parse(text, 1000, "shortage", &e, NULL);
	assert_string_equal(e, want);
	assert_string_equal(o, "[]");
	free(o);
	free(e);
}

/* A file larger than the row limit, fed in one call (an HTTP body), is no long row. */
static void a_big_buffer_is_not_a_long_row(void **state)
{
	struct strbuf sb = STRBUF_INIT;
	char *errors, *out;

	(void)state;
	sb_addstr(&sb, "date,corridor,trucks\n");
	while (sb.len < 3 * 1024 * 1024)
		sb_addstr(&sb, "2023-01-11,lachin,5\n");
	out = parse(sb.buf, sb.len, "trucks", &errors, NULL);
	assert_string_equal(errors, "[]");
	assert_true(strlen(out) > 1000);
	free(out);
	free(errors);
	/* An unclosed quote still stops at 1 MiB, however the bytes come. */
	sb_reset(&sb);
	sb_addstr(&sb, "date,note\n2023-01-11,\"");
	while (sb.len < 2 * 1024 * 1024)
		sb_addstr(&sb, "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\n");
	out = parse(sb.buf, sb.len, "trucks", &errors, NULL);
	assert_string_equal(errors, "[{\"row\":2,\"column\":\"\",\"reason\":\"a row is longer than 1 MiB: is a quote left open?\"}]");
	free(out);
	free(errors);
	sb_release(&sb);
}

static void text_keeps_its_spaces_other_fields_do_not(void **state)
{
	char *out = parse("date,trucks,note\n 2023-01-11 , 5 ,\" padded \"\n", 1000, "trucks", NULL, NULL);

	(void)state;
	assert_non_null(strstr(out, "\"date\":\"2023-01-11\",\"trucks\":5,\"note\":\" padded \""));
	free(out);
}

static void loose_hashtags_are_not_hashtags(void **state)
{
	char *ign, *out = parse("#date+,#indicator+trucks+num,#loc+corridor,# loc\nx,5,y,z\n", 1000, "trucks", NULL, &ign);

	(void)state;
	assert_string_equal(ign, "[\"#date+\",\"# loc\"]");
	free(out);
	free(ign);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(header_names_any_case),
		cmocka_unit_test(hxl_row_on_line_two_and_three),
		cmocka_unit_test(hxl_labels_name_errors),
		cmocka_unit_test(kind_decides_what_date_means),
		cmocka_unit_test(bom_crlf_quotes_and_rows),
		cmocka_unit_test(a_big_buffer_is_not_a_long_row),
		cmocka_unit_test(formula_prefix_undone_numbers_typed),
		cmocka_unit_test(derived_ids_are_deterministic),
		cmocka_unit_test(given_ids_kept),
		cmocka_unit_test(malformed_and_empty_files),
		cmocka_unit_test(no_kind_anywhere),
		cmocka_unit_test(errors_are_capped),
		cmocka_unit_test(bad_bytes_refuse_the_file),
		cmocka_unit_test(cells_beyond_the_header_are_refused),
		cmocka_unit_test(a_data_row_is_not_a_hashtag_row),
		cmocka_unit_test(header_without_rows_and_duplicate_columns),
		cmocka_unit_test(a_long_label_is_cut_between_characters),
		cmocka_unit_test(text_keeps_its_spaces_other_fields_do_not),
		cmocka_unit_test(loose_hashtags_are_not_hashtags),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
