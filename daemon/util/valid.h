/*
 * valid: strict validators for the scalar values of the public interface.
 * Pure functions: no I/O, no clock (callers pass "now" where it matters).
 */
#ifndef SW_VALID_H
#define SW_VALID_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct sw_date {
	int year, month, day;
};

/* An instant: seconds since the epoch (UTC) and microseconds. */
struct sw_ts {
	int64_t epoch;
	int usec;
};

#define SW_UUID_LEN 36
#define SW_TS_LEN 32
#define SW_DATE_LEN 11

/* "YYYY-MM-DD", a real calendar date between 1900-01-01 and 2999-12-31. */
bool valid_date(const char *s, struct sw_date *out);
/* Days since 1970-01-01 (proleptic Gregorian). */
int64_t date_to_days(const struct sw_date *d);
struct sw_date date_from_days(int64_t days);
void date_format(const struct sw_date *d, char out[SW_DATE_LEN]);

/*
 * RFC 3339 date-time with a UTC offset ("Z" or "+HH:MM"), seconds required,
 * up to 9 fraction digits (kept to the microsecond).  A timestamp without
 * an offset is refused: it names no instant.
 */
bool valid_timestamp(const char *s, struct sw_ts *out);
/* "YYYY-MM-DDTHH:MM:SS[.ffffff]Z" */
void ts_format_utc(const struct sw_ts *ts, char out[SW_TS_LEN]);

/* 8-4-4-4-12 hex digits, any case, not the nil UUID; out is lower case. */
bool valid_uuid(const char *s, char out[SW_UUID_LEN + 1]);

/* Index of s in the NULL-terminated list names, or -1. */
int enum_index(const char *s, const char *const *names);
/* Appends "a, b, c" for error messages into buf (size n). */
void enum_list(const char *const *names, char *buf, size_t n);

/* Organisation/corridor slug: [a-z0-9][a-z0-9_-]{0,62}. */
bool valid_slug(const char *s);
/* An absolute http(s) URL of at most 2048 bytes without spaces or controls. */
bool valid_url(const char *s);
/*
 * The host an http(s) URL that valid_url accepts leads to, as *host and
 * *len (pointing into url): without the user information, the port, the
 * path, the query and the fragment, so "https://trusted.org@evil.example/"
 * names evil.example.  False when the URL is not valid_url's, or its
 * authority is not a plausible host: a name of at most 253 bytes made of
 * ASCII letters, digits, '-', '.', '_' and non-ASCII bytes (an
 * internationalised name), or an IPv6 literal in brackets; then an
 * optional port of digits.
 */
bool url_host(const char *url, const char **host, size_t *len);
/*
 * Free text: NULL if acceptable, else the reason.  Refuses empty text
 * (white space alone counts as empty), invalid UTF-8, more than max
 * characters (code points), control characters other than tab, newline
 * and carriage return, and the noncharacters U+FFFE and U+FFFF (which XML
 * cannot carry).
 */
const char *valid_text(const char *s, size_t max);

/* Strict base-10 integer / number parsing of a whole string. */
bool parse_int64(const char *s, int64_t *out);
/* A finite decimal as people write it: [+-]digits[.digits][e[+-]digits]. */
bool parse_decimal(const char *s, double *out);
/* The shortest decimal text that reads back as d. */
void format_decimal(double d, char *buf, size_t n);
/* n bytes of well-formed UTF-8 without NUL. */
bool valid_utf8(const char *s, size_t n);
/*
 * Bytes in the well-formed UTF-8 sequence that starts s (1 for ASCII), or 0
 * when none does.  Reads no further than a NUL, so s must be NUL-terminated.
 */
size_t utf8_seq_len(const char *s);
/*
 * The bytes of the first max characters (code points) of s, never a part
 * of one; strlen(s) when it has no more.  A byte that starts no
 * well-formed sequence counts as a character of its own.
 */
size_t utf8_prefix_chars(const char *s, size_t max);

#endif
