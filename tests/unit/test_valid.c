/* Unit tests for daemon/valid.c: dates, timestamps, UUIDs, enums, slugs, URLs, text. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "util/valid.h"

/* ---- helpers ------------------------------------------------------------ */

static void check_date_ok(const char *s, int y, int m, int d)
{
	struct sw_date out = { 0, 0, 0 };

	assert_true(valid_date(s, &out));
	assert_int_equal(out.year, y);
	assert_int_equal(out.month, m);
	assert_int_equal(out.day, d);
}

static int64_t days_of(int y, int m, int d)
{
	struct sw_date date = { y, m, d };

	return date_to_days(&date);
}

static void check_ts(const char *s, int64_t epoch, int usec)
{
	struct sw_ts ts = { -12345, -1 };

	assert_true(valid_timestamp(s, &ts));
	assert_int_equal(ts.epoch, epoch);
	assert_int_equal(ts.usec, usec);
}

static void check_ts_format(int64_t epoch, int usec, const char *want)
{
	struct sw_ts ts = { epoch, usec };
	char out[SW_TS_LEN];

	ts_format_utc(&ts, out);
	assert_string_equal(out, want);
}

static void check_text_reason(const char *s, size_t max, const char *want)
{
	const char *why = valid_text(s, max);

	assert_non_null(why);
	assert_string_equal(why, want);
}

/* ---- valid_date --------------------------------------------------------- */

static void valid_date_accepts_real_dates(void **state)
{
	(void)state;
	check_date_ok("2023-02-28", 2023, 2, 28);
	check_date_ok("2023-01-31", 2023, 1, 31);
	check_date_ok("2023-04-30", 2023, 4, 30);
	check_date_ok("2023-12-31", 2023, 12, 31);
	check_date_ok("1900-01-01", 1900, 1, 1);
	check_date_ok("2999-12-31", 2999, 12, 31);
}

static void valid_date_follows_leap_year_rules(void **state)
{
	(void)state;
	check_date_ok("2024-02-29", 2024, 2, 29);
	check_date_ok("2000-02-29", 2000, 2, 29);
	assert_false(valid_date("2023-02-29", NULL));
	assert_false(valid_date("1900-02-29", NULL));
	assert_false(valid_date("2100-02-29", NULL));
}

static void valid_date_refuses_days_past_month_end(void **state)
{
	(void)state;
	assert_false(valid_date("2023-02-30", NULL));
	assert_false(valid_date("2024-02-30", NULL));
	assert_false(valid_date("2023-04-31", NULL));
	assert_false(valid_date("2023-01-32", NULL));
	assert_false(valid_date("2023-01-00", NULL));
}

static void valid_date_refuses_bad_months(void **state)
{
	(void)state;
	assert_false(valid_date("2023-13-01", NULL));
	assert_false(valid_date("2023-00-10", NULL));
}

static void valid_date_refuses_bad_shapes(void **state)
{
	(void)state;
	assert_false(valid_date("2023-1-01", NULL));
	assert_false(valid_date("2023-01-1", NULL));
	assert_false(valid_date("2023-01-01x", NULL));
	assert_false(valid_date(" 2023-01-01", NULL));
	assert_false(valid_date("", NULL));
	assert_false(valid_date("2023/01/01", NULL));
	assert_false(valid_date("20230101", NULL));
	assert_false(valid_date("2023-01-01T00:00:00Z", NULL));
	assert_false(valid_date("+023-01-01", NULL));
}

static void valid_date_refuses_years_out_of_range(void **state)
{
	(void)state;
	assert_false(valid_date("1899-12-31", NULL));
	assert_false(valid_date("3000-01-01", NULL));
	assert_false(valid_date("0000-01-01", NULL));
}

/* ---- date_to_days / date_from_days / date_format ------------------------ */

static void date_to_days_known_values(void **state)
{
	(void)state;
	assert_int_equal(days_of(1970, 1, 1), 0);
	assert_int_equal(days_of(1970, 1, 2), 1);
	assert_int_equal(days_of(2022, 12, 12), 19338);
	assert_int_equal(days_of(2000, 3, 1), 11017);
	assert_int_equal(days_of(1969, 12, 31), -1);
	assert_int_equal(days_of(1900, 1, 1), -25567);
}

static void date_from_days_known_values(void **state)
{
	struct sw_date d;

	(void)state;
	d = date_from_days(0);
	assert_int_equal(d.year, 1970);
	assert_int_equal(d.month, 1);
	assert_int_equal(d.day, 1);
	d = date_from_days(19338);
	assert_int_equal(d.year, 2022);
	assert_int_equal(d.month, 12);
	assert_int_equal(d.day, 12);
	d = date_from_days(-1);
	assert_int_equal(d.year, 1969);
	assert_int_equal(d.month, 12);
	assert_int_equal(d.day, 31);
}

/* Every day from 1900-01-01 to 2999-12-31: round trip, valid, consecutive. */
static void date_days_round_trip_over_whole_range(void **state)
{
	int64_t first = days_of(1900, 1, 1), last = days_of(2999, 12, 31);
	struct sw_date prev = date_from_days(first - 1);

	(void)state;
	assert_int_equal(prev.year, 1899);
	for (int64_t n = first; n <= last; n++) {
		struct sw_date d = date_from_days(n);
		char text[SW_DATE_LEN];
		struct sw_date back;

		assert_int_equal(date_to_days(&d), n);
		date_format(&d, text);
		assert_true(valid_date(text, &back));
		assert_int_equal(date_to_days(&back), n);
		if (d.day != 1) {
			assert_int_equal(d.day, prev.day + 1);
			assert_int_equal(d.month, prev.month);
		} else {
			assert_true(d.month == prev.month % 12 + 1);
		}
		prev = d;
	}
	assert_int_equal(prev.year, 2999);
	assert_int_equal(prev.month, 12);
	assert_int_equal(prev.day, 31);
}

static void date_format_pads_with_zeros(void **state)
{
	struct sw_date a = { 2023, 1, 7 }, b = { 1900, 12, 31 };
	char out[SW_DATE_LEN];

	(void)state;
	date_format(&a, out);
	assert_string_equal(out, "2023-01-07");
	date_format(&b, out);
	assert_string_equal(out, "1900-12-31");
}

/* ---- valid_timestamp ---------------------------------------------------- */

static void valid_timestamp_accepts_utc_designators(void **state)
{
	(void)state;
	check_ts("2023-01-17T08:00:00Z", 1673942400, 0);
	check_ts("2023-01-17T08:00:00z", 1673942400, 0);
	check_ts("2023-01-17t08:00:00Z", 1673942400, 0);
	check_ts("2023-01-17T08:00:00+00:00", 1673942400, 0);
	check_ts("1970-01-01T00:00:00Z", 0, 0);
	check_ts("1969-12-31T23:59:59Z", -1, 0);
}

static void valid_timestamp_applies_offsets(void **state)
{
	(void)state;
	/* 08:00 at +04:00 is 04:00 UTC. */
	check_ts("2023-01-17T08:00:00+04:00", 1673928000, 0);
	/* 08:00 at -03:30 is 11:30 UTC. */
	check_ts("2023-01-17T08:00:00-03:30", 1673955000, 0);
	/* Crossing midnight backwards. */
	check_ts("2023-01-01T01:00:00+04:00", 1672520400, 0);
	check_ts("2023-01-17T08:00:00+18:00", 1673942400 - 18 * 3600, 0);
	check_ts("2023-01-17T08:00:00-18:00", 1673942400 + 18 * 3600, 0);
}

static void valid_timestamp_keeps_fraction_to_microseconds(void **state)
{
	(void)state;
	check_ts("2023-01-17T08:00:00.5Z", 1673942400, 500000);
	check_ts("2023-01-17T08:00:00.123456Z", 1673942400, 123456);
	check_ts("2023-01-17T08:00:00.123456789Z", 1673942400, 123456);
	check_ts("2023-01-17T08:00:00.000001+04:00", 1673928000, 1);
}

static void valid_timestamp_refuses_bad_fractions(void **state)
{
	(void)state;
	assert_false(valid_timestamp("2023-01-17T08:00:00.Z", NULL));
	assert_false(valid_timestamp("2023-01-17T08:00:00.1234567891Z", NULL));
	assert_false(valid_timestamp("2023-01-17T08:00:00,5Z", NULL));
}

static void valid_timestamp_refuses_missing_offset(void **state)
{
	(void)state;
	assert_false(valid_timestamp("2023-01-17T08:00:00", NULL));
	assert_false(valid_timestamp("2023-01-17T08:00:00.5", NULL));
	assert_false(valid_timestamp("2023-01-17T08:00:00+04", NULL));
	assert_false(valid_timestamp("2023-01-17T08:00:00+0400", NULL));
}

static void valid_timestamp_refuses_missing_seconds(void **state)
{
	(void)state;
	assert_false(valid_timestamp("2023-01-17T08:00Z", NULL));
	assert_false(valid_timestamp("2023-01-17T08:00+04:00", NULL));
	assert_false(valid_timestamp("2023-01-17", NULL));
}

static void valid_timestamp_refuses_out_of_range_times(void **state)
{
	(void)state;
	assert_false(valid_timestamp("2023-01-17T24:00:00Z", NULL));
	assert_false(valid_timestamp("2023-01-17T23:60:00Z", NULL));
	assert_false(valid_timestamp("2023-02-29T08:00:00Z", NULL));
	assert_false(valid_timestamp("2023-01-17X08:00:00Z", NULL));
}

static void valid_timestamp_refuses_out_of_range_offsets(void **state)
{
	(void)state;
	assert_false(valid_timestamp("2023-01-17T08:00:00+19:00", NULL));
	assert_false(valid_timestamp("2023-01-17T08:00:00-19:00", NULL));
	assert_false(valid_timestamp("2023-01-17T08:00:00+18:01", NULL));
	assert_false(valid_timestamp("2023-01-17T08:00:00+04:60", NULL));
}

static void valid_timestamp_refuses_trailing_garbage(void **state)
{
	(void)state;
	assert_false(valid_timestamp("2023-01-17T08:00:00Zx", NULL));
	assert_false(valid_timestamp("2023-01-17T08:00:00Z ", NULL));
	assert_false(valid_timestamp("2023-01-17T08:00:00+04:00x", NULL));
	assert_false(valid_timestamp("2023-01-17T08:00:00+04:00Z", NULL));
	assert_false(valid_timestamp("", NULL));
}

/* ---- ts_format_utc ------------------------------------------------------ */

static void ts_format_utc_without_usec(void **state)
{
	(void)state;
	check_ts_format(1673942400, 0, "2023-01-17T08:00:00Z");
	check_ts_format(0, 0, "1970-01-01T00:00:00Z");
	check_ts_format(1673928000 + 3661, 0, "2023-01-17T05:01:01Z");
}

static void ts_format_utc_with_usec(void **state)
{
	(void)state;
	check_ts_format(1673942400, 500000, "2023-01-17T08:00:00.500000Z");
	check_ts_format(1673942400, 1, "2023-01-17T08:00:00.000001Z");
	check_ts_format(1673942400, 999999, "2023-01-17T08:00:00.999999Z");
}

static void ts_format_utc_before_epoch(void **state)
{
	(void)state;
	check_ts_format(-1, 0, "1969-12-31T23:59:59Z");
	check_ts_format(-86400, 0, "1969-12-31T00:00:00Z");
	check_ts_format(-2208988800, 0, "1900-01-01T00:00:00Z");
}

static void ts_format_utc_round_trips_parsed_offsets(void **state)
{
	struct sw_ts ts;
	char out[SW_TS_LEN];

	(void)state;
	assert_true(valid_timestamp("2023-01-17T08:00:00.123456789+04:00", &ts));
	ts_format_utc(&ts, out);
	assert_string_equal(out, "2023-01-17T04:00:00.123456Z");
	assert_true(valid_timestamp("2023-01-01T01:30:00+04:00", &ts));
	ts_format_utc(&ts, out);
	assert_string_equal(out, "2022-12-31T21:30:00Z");
}

/* ---- valid_uuid --------------------------------------------------------- */

static void valid_uuid_lower_cases(void **state)
{
	char out[SW_UUID_LEN + 1];

	(void)state;
	assert_true(valid_uuid("123E4567-E89B-42D3-A456-426614174ABC", out));
	assert_string_equal(out, "123e4567-e89b-42d3-a456-426614174abc");
	assert_true(valid_uuid("123e4567-e89b-42d3-a456-426614174000", out));
	assert_string_equal(out, "123e4567-e89b-42d3-a456-426614174000");
	assert_true(valid_uuid("FFFFFFFF-FFFF-FFFF-FFFF-FFFFFFFFFFFF", NULL));
}

static void valid_uuid_refuses_bad_lengths(void **state)
{
	(void)state;
	assert_false(valid_uuid("", NULL));
	assert_false(valid_uuid("123e4567-e89b-42d3-a456-42661417400", NULL));
	assert_false(valid_uuid("123e4567-e89b-42d3-a456-4266141740000", NULL));
	assert_false(valid_uuid("123e4567e89b42d3a456426614174000", NULL));
	assert_false(valid_uuid("{123e4567-e89b-42d3-a456-426614174000}", NULL));
}

static void valid_uuid_refuses_non_hex(void **state)
{
	(void)state;
	assert_false(valid_uuid("123e4567-e89b-42d3-a456-42661417400g", NULL));
	assert_false(valid_uuid("g23e4567-e89b-42d3-a456-426614174000", NULL));
	assert_false(valid_uuid("123e4567-e89b-42d3-a456-42661417 000", NULL));
}

static void valid_uuid_refuses_misplaced_dashes(void **state)
{
	(void)state;
	assert_false(valid_uuid("123e45678-e89-42d3-a456-426614174000", NULL));
	assert_false(valid_uuid("123e4567-e89b-42d3-a4564-26614174000", NULL));
	assert_false(valid_uuid("123e4567-e89b-42d3-a456-4266-4174000", NULL));
	assert_false(valid_uuid("123e4567+e89b+42d3+a456+426614174000", NULL));
	assert_false(valid_uuid("123e4567-e89b0042d3-a456-42661417400", NULL));
}

static void valid_uuid_refuses_nil(void **state)
{
	(void)state;
	assert_false(valid_uuid("00000000-0000-0000-0000-000000000000", NULL));
	assert_true(valid_uuid("00000000-0000-0000-0000-000000000001", NULL));
}

/* ---- enum_index / enum_list --------------------------------------------- */

static const char *const colours[] = { "red", "green", "blue", NULL };
static const char *const none[] = { NULL };

static void enum_index_finds_exact_names(void **state)
{
	(void)state;
	assert_int_equal(enum_index("red", colours), 0);
	assert_int_equal(enum_index("green", colours), 1);
	assert_int_equal(enum_index("blue", colours), 2);
}

static void enum_index_refuses_other_names(void **state)
{
	(void)state;
	assert_int_equal(enum_index("Red", colours), -1);
	assert_int_equal(enum_index("gree", colours), -1);
	assert_int_equal(enum_index("greens", colours), -1);
	assert_int_equal(enum_index("", colours), -1);
	assert_int_equal(enum_index("red", none), -1);
}

static void enum_list_joins_with_commas(void **state)
{
	char buf[64];

	(void)state;
	enum_list(colours, buf, sizeof(buf));
	assert_string_equal(buf, "red, green, blue");
	enum_list(none, buf, sizeof(buf));
	assert_string_equal(buf, "");
}

static void enum_list_truncates_within_buffer(void **state)
{
	char buf[16];

	(void)state;
	memset(buf, 'X', sizeof(buf));
	enum_list(colours, buf, 8);
	assert_string_equal(buf, "red, gr");
	assert_int_equal(buf[8], 'X');
	enum_list(colours, buf, 4);
	assert_string_equal(buf, "red");
}

/* ---- valid_slug --------------------------------------------------------- */

static void valid_slug_accepts_slugs(void **state)
{
	char max[64];

	(void)state;
	memset(max, 'a', 63);
	max[63] = '\0';
	assert_true(valid_slug("lachin"));
	assert_true(valid_slug("a"));
	assert_true(valid_slug("0rg"));
	assert_true(valid_slug("red-cross_am2"));
	assert_true(valid_slug(max));
}

static void valid_slug_refuses_non_slugs(void **state)
{
	char long_slug[65];

	(void)state;
	memset(long_slug, 'a', 64);
	long_slug[64] = '\0';
	assert_false(valid_slug(long_slug));
	assert_false(valid_slug(""));
	assert_false(valid_slug("-lachin"));
	assert_false(valid_slug("_lachin"));
	assert_false(valid_slug("Lachin"));
	assert_false(valid_slug("lachin corridor"));
	assert_false(valid_slug("lachin.am"));
	assert_false(valid_slug("la\xc3\xa7in"));
}

/* ---- valid_url ---------------------------------------------------------- */

static void valid_url_accepts_http_and_https(void **state)
{
	(void)state;
	assert_true(valid_url("http://example.org"));
	assert_true(valid_url("https://example.org/"));
	assert_true(valid_url("https://example.org/a/b?q=1&r=%20#frag"));
	assert_true(valid_url("http://127.0.0.1:8080/x"));
}

static void valid_url_refuses_other_schemes(void **state)
{
	(void)state;
	assert_false(valid_url("ftp://example.org/"));
	assert_false(valid_url("javascript:alert(1)"));
	assert_false(valid_url("//example.org/"));
	assert_false(valid_url("example.org"));
	assert_false(valid_url("http:/example.org"));
	assert_false(valid_url(""));
}

static void valid_url_refuses_spaces_and_controls(void **state)
{
	(void)state;
	assert_false(valid_url("https://example.org/a b"));
	assert_false(valid_url(" https://example.org/"));
	assert_false(valid_url("https://example.org/\t"));
	assert_false(valid_url("https://example.org/\n"));
	assert_false(valid_url("https://example.org/\x01"));
	assert_false(valid_url("https://example.org/\x7f"));
}

static void valid_url_refuses_empty_host(void **state)
{
	(void)state;
	assert_false(valid_url("http://"));
	assert_false(valid_url("https://"));
	assert_false(valid_url("https:///path"));
}

/* The authority ends at '/', '?' or '#'; a port alone is no host either. */
static void valid_url_refuses_empty_host_before_query_fragment_or_port(void **state)
{
	(void)state;
	assert_false(valid_url("https://?q=1"));
	assert_false(valid_url("https://#frag"));
	assert_false(valid_url("https://:8080/"));
}

/* ---- url_host ----------------------------------------------------------- */

static void check_host(const char *url, const char *want)
{
	const char *h = NULL;
	size_t n = 0;

	if (!want) {
		assert_false(url_host(url, &h, &n));
		return;
	}
	assert_true(url_host(url, &h, &n));
	assert_int_equal(n, strlen(want));
	assert_memory_equal(h, want, n);
}

static void url_host_takes_the_host_alone(void **state)
{
	(void)state;
	check_host("https://example.org", "example.org");
	check_host("https://example.org/a/b?q=1#f", "example.org");
	check_host("http://reliefweb.int?x=1", "reliefweb.int");
	check_host("https://Example.ORG#top", "Example.ORG");
	check_host("http://127.0.0.1:8080/x", "127.0.0.1");
	check_host("https://example.org:/", "example.org");
	check_host("https://[2001:db8::1]:443/p", "[2001:db8::1]");
	check_host("https://my_host.example-1.org/", "my_host.example-1.org");
	/* An internationalised name as written, UTF-8. */
	check_host("https://\xd5\xb0\xd5\xa1\xd5\xb5.example/", "\xd5\xb0\xd5\xa1\xd5\xb5.example");
}

/* What a reader would take for the host is not always where the link goes. */
static void url_host_skips_user_information(void **state)
{
	(void)state;
	check_host("https://trusted.org@evil.example/", "evil.example");
	check_host("https://a:b@c@evil.example:81/x@y", "evil.example");
	check_host("https://user@", NULL);
}

static void url_host_refuses_what_is_no_host(void **state)
{
	char long_host[300];

	(void)state;
	check_host("javascript:alert(1)", NULL);
	check_host("JAVASCRIPT://example.org/%0aalert(1)", NULL);
	check_host("data:text/html,<script>alert(1)</script>", NULL);
	check_host("ftp://example.org/", NULL);
	check_host("https://", NULL);
	check_host("https://ex\"ample.org/", NULL);
	check_host("https://<script>/", NULL);
	check_host("https://%65xample.org/", NULL);
	check_host("https://example.org:80a/", NULL);
	check_host("https://example.org:123456/", NULL);
	check_host("https://[::1/", NULL);
	check_host("https://[::1%eth0]/", NULL);
	check_host("https://[::1]x/", NULL);
	memset(long_host, 'a', sizeof(long_host));
	memcpy(long_host, "https://", 8);
	long_host[8 + 253] = '\0';
	check_host(long_host, long_host + 8);
	memset(long_host, 'a', sizeof(long_host));
	memcpy(long_host, "https://", 8);
	long_host[8 + 254] = '\0';
	check_host(long_host, NULL);
}

/* ---- utf8_prefix_chars ----------------------------------------------------------- */

static void utf8_prefix_counts_characters(void **state)
{
	(void)state;
	assert_int_equal(utf8_prefix_chars("abc", 2), 2);
	assert_int_equal(utf8_prefix_chars("abc", 3), 3);
	assert_int_equal(utf8_prefix_chars("abc", 10), 3);
	assert_int_equal(utf8_prefix_chars("", 10), 0);
	assert_int_equal(utf8_prefix_chars("abc", 0), 0);
	/* é (2 bytes), € (3), 😀 (4): never half a character. */
	assert_int_equal(utf8_prefix_chars("\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80x", 1), 2);
	assert_int_equal(utf8_prefix_chars("\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80x", 2), 5);
	assert_int_equal(utf8_prefix_chars("\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80x", 3), 9);
	assert_int_equal(utf8_prefix_chars("\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80x", 4), 10);
	/* A stray byte is one character; a cut sequence never reads past the NUL. */
	assert_int_equal(utf8_prefix_chars("\xff" "ab", 2), 2);
	assert_int_equal(utf8_prefix_chars("a\xe2\x82", 2), 2);
	assert_int_equal(utf8_prefix_chars("a\xe2\x82", 5), 3);
}

static void valid_url_limits_length_to_2048(void **state)
{
	char url[2050];
	size_t prefix = strlen("https://example.org/");

	(void)state;
	memcpy(url, "https://example.org/", prefix);
	memset(url + prefix, 'a', 2048 - prefix);
	url[2048] = '\0';
	assert_true(valid_url(url));
	url[2048] = 'a';
	url[2049] = '\0';
	assert_false(valid_url(url));
}

/* ---- valid_text --------------------------------------------------------- */

static void valid_text_accepts_plain_text(void **state)
{
	(void)state;
	assert_null(valid_text("flour", 200));
	assert_null(valid_text("a\tb\nc\r\nd", 200));
	assert_null(valid_text("\xd5\x80\xd5\xa1\xd5\xb6", 200));
	assert_null(valid_text("no\xc2\xa0" "break", 200));
}

static void valid_text_refuses_invalid_utf8_and_noncharacters(void **state)
{
	(void)state;
	assert_string_equal(valid_text("Caf\xe9", 200), "must be valid UTF-8");
	assert_string_equal(valid_text("\xc0\xaf", 200), "must be valid UTF-8");	/* overlong '/' */
	assert_string_equal(valid_text("\xed\xa0\x80", 200), "must be valid UTF-8");	/* surrogate */
	assert_string_equal(valid_text("\xf4\x90\x80\x80", 200), "must be valid UTF-8");	/* > U+10FFFF */
	assert_string_equal(valid_text("ab\xe2\x82", 200), "must be valid UTF-8");	/* truncated */
	assert_string_equal(valid_text("\xef\xbf\xbf", 200),
			    "must not contain the noncharacters U+FFFE or U+FFFF");
	assert_string_equal(valid_text("x\xef\xbf\xbe", 200),
			    "must not contain the noncharacters U+FFFE or U+FFFF");
	assert_null(valid_text("\xef\xbf\xbd", 200));	/* U+FFFD is a character */
}

static void valid_text_refuses_empty(void **state)
{
	(void)state;
	check_text_reason("", 200, "must not be empty");
	/* Blanks alone: a CSV cell or a form answer of blanks is absent, so is this. */
	check_text_reason(" ", 200, "must not be empty");
	check_text_reason(" \t\r\n ", 200, "must not be empty");
	assert_null(valid_text(" x ", 200));
	assert_null(valid_text("\xc2\xa0", 200));	/* a no-break space is a character */
}

static void valid_text_counts_code_points_not_bytes(void **state)
{
	(void)state;
	assert_null(valid_text("abc", 3));
	assert_null(valid_text("\xc3\xa9\xc3\xa9\xc3\xa9", 3));
	assert_null(valid_text("\xe2\x82\xac\xe2\x82\xac\xe2\x82\xac", 3));
	assert_null(valid_text("\xf0\x9f\x98\x80\xf0\x9f\x98\x80", 2));
}

static void valid_text_refuses_too_long(void **state)
{
	(void)state;
	check_text_reason("abcd", 3, "is too long");
	check_text_reason("\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9", 3, "is too long");
	check_text_reason("\xf0\x9f\x98\x80\xf0\x9f\x98\x80", 1, "is too long");
}

static void valid_text_refuses_control_characters(void **state)
{
	(void)state;
	check_text_reason("a\x01" "b", 200, "must not contain control characters");
	check_text_reason("\x1b[31m", 200, "must not contain control characters");
	check_text_reason("a\x7f", 200, "must not contain control characters");
	check_text_reason("a\xc2\x85" "b", 200, "must not contain control characters");
	check_text_reason("\xc2\x80", 200, "must not contain control characters");
	check_text_reason("\xc2\x9f", 200, "must not contain control characters");
}

/* ---- parse_int64 -------------------------------------------------------- */

static void parse_int64_accepts_whole_numbers(void **state)
{
	int64_t v = 1;

	(void)state;
	assert_true(parse_int64("0", &v));
	assert_int_equal(v, 0);
	assert_true(parse_int64("42", &v));
	assert_int_equal(v, 42);
	assert_true(parse_int64("-42", &v));
	assert_int_equal(v, -42);
	assert_true(parse_int64("9223372036854775807", &v));
	assert_true(v == INT64_MAX);
	assert_true(parse_int64("-9223372036854775808", &v));
	assert_true(v == INT64_MIN);
}

static void parse_int64_refuses_other_strings(void **state)
{
	int64_t v = 7;

	(void)state;
	assert_false(parse_int64("", &v));
	assert_false(parse_int64(" 1", &v));
	assert_false(parse_int64("1 ", &v));
	assert_false(parse_int64("1x", &v));
	assert_false(parse_int64("0x10", &v));
	assert_false(parse_int64("1.0", &v));
	assert_false(parse_int64("-", &v));
	assert_int_equal(v, 7);
}

static void parse_int64_refuses_overflow(void **state)
{
	int64_t v = 7;

	(void)state;
	assert_false(parse_int64("9223372036854775808", &v));
	assert_false(parse_int64("-9223372036854775809", &v));
	assert_false(parse_int64("99999999999999999999999", &v));
	assert_int_equal(v, 7);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(valid_date_accepts_real_dates),
		cmocka_unit_test(valid_date_follows_leap_year_rules),
		cmocka_unit_test(valid_date_refuses_days_past_month_end),
		cmocka_unit_test(valid_date_refuses_bad_months),
		cmocka_unit_test(valid_date_refuses_bad_shapes),
		cmocka_unit_test(valid_date_refuses_years_out_of_range),
		cmocka_unit_test(date_to_days_known_values),
		cmocka_unit_test(date_from_days_known_values),
		cmocka_unit_test(date_days_round_trip_over_whole_range),
		cmocka_unit_test(date_format_pads_with_zeros),
		cmocka_unit_test(valid_timestamp_accepts_utc_designators),
		cmocka_unit_test(valid_timestamp_applies_offsets),
		cmocka_unit_test(valid_timestamp_keeps_fraction_to_microseconds),
		cmocka_unit_test(valid_timestamp_refuses_bad_fractions),
		cmocka_unit_test(valid_timestamp_refuses_missing_offset),
		cmocka_unit_test(valid_timestamp_refuses_missing_seconds),
		cmocka_unit_test(valid_timestamp_refuses_out_of_range_times),
		cmocka_unit_test(valid_timestamp_refuses_out_of_range_offsets),
		cmocka_unit_test(valid_timestamp_refuses_trailing_garbage),
		cmocka_unit_test(ts_format_utc_without_usec),
		cmocka_unit_test(ts_format_utc_with_usec),
		cmocka_unit_test(ts_format_utc_before_epoch),
		cmocka_unit_test(ts_format_utc_round_trips_parsed_offsets),
		cmocka_unit_test(valid_uuid_lower_cases),
		cmocka_unit_test(valid_uuid_refuses_bad_lengths),
		cmocka_unit_test(valid_uuid_refuses_non_hex),
		cmocka_unit_test(valid_uuid_refuses_misplaced_dashes),
		cmocka_unit_test(valid_uuid_refuses_nil),
		cmocka_unit_test(enum_index_finds_exact_names),
		cmocka_unit_test(enum_index_refuses_other_names),
		cmocka_unit_test(enum_list_joins_with_commas),
		cmocka_unit_test(enum_list_truncates_within_buffer),
		cmocka_unit_test(valid_slug_accepts_slugs),
		cmocka_unit_test(valid_slug_refuses_non_slugs),
		cmocka_unit_test(valid_url_accepts_http_and_https),
		cmocka_unit_test(valid_url_refuses_other_schemes),
		cmocka_unit_test(valid_url_refuses_spaces_and_controls),
		cmocka_unit_test(valid_url_refuses_empty_host),
		cmocka_unit_test(valid_url_refuses_empty_host_before_query_fragment_or_port),
		cmocka_unit_test(valid_url_limits_length_to_2048),
		cmocka_unit_test(url_host_takes_the_host_alone),
		cmocka_unit_test(url_host_skips_user_information),
		cmocka_unit_test(url_host_refuses_what_is_no_host),
		cmocka_unit_test(utf8_prefix_counts_characters),
		cmocka_unit_test(valid_text_accepts_plain_text),
		cmocka_unit_test(valid_text_refuses_empty),
		cmocka_unit_test(valid_text_refuses_invalid_utf8_and_noncharacters),
		cmocka_unit_test(valid_text_counts_code_points_not_bytes),
		cmocka_unit_test(valid_text_refuses_too_long),
		cmocka_unit_test(valid_text_refuses_control_characters),
		cmocka_unit_test(parse_int64_accepts_whole_numbers),
		cmocka_unit_test(parse_int64_refuses_other_strings),
		cmocka_unit_test(parse_int64_refuses_overflow),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
