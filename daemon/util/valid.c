#include "util/valid.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static bool digits(const char *s, int n, int *out)
{
	int v = 0;

	for (int i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		v = v * 10 + (s[i] - '0');
	}
	*out = v;
	return true;
}

static bool is_leap(int y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int days_in_month(int y, int m)
{
	static const int dim[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	return m == 2 && is_leap(y) ? 29 : dim[m - 1];
}

/* Parses "YYYY-MM-DD" at s without looking past it. */
static bool parse_date_prefix(const char *s, struct sw_date *d)
{
	if (!digits(s, 4, &d->year) || s[4] != '-' || !digits(s + 5, 2, &d->month) ||
	    s[7] != '-' || !digits(s + 8, 2, &d->day))
		return false;
	if (d->year < 1900 || d->year > 2999 || d->month < 1 || d->month > 12)
		return false;
	return d->day >= 1 && d->day <= days_in_month(d->year, d->month);
}

bool valid_date(const char *s, struct sw_date *out)
{
	struct sw_date d;

	if (strlen(s) != 10 || !parse_date_prefix(s, &d))
		return false;
	if (out)
		*out = d;
	return true;
}

/* Howard Hinnant's days_from_civil. */
int64_t date_to_days(const struct sw_date *d)
{
	int64_t y = d->year - (d->month <= 2);
	int64_t era = (y >= 0 ? y : y - 399) / 400;
	int64_t yoe = y - era * 400;
	int64_t mp = (d->month + 9) % 12;
	int64_t doy = (153 * mp + 2) / 5 + d->day - 1;
	int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;

	return era * 146097 + doe - 719468;
}

struct sw_date date_from_days(int64_t z)
{
	struct sw_date d;
	int64_t era, doe, yoe, doy, mp, y;

	z += 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = z - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	y = yoe + era * 400;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	d.day = (int)(doy - (153 * mp + 2) / 5 + 1);
	d.month = (int)(mp < 10 ? mp + 3 : mp - 9);
	d.year = (int)(y + (d.month <= 2));
	return d;
}

void date_format(const struct sw_date *d, char out[SW_DATE_LEN])
{
	snprintf(out, SW_DATE_LEN, "%04u-%02u-%02u", (unsigned)d->year % 10000u,
		 (unsigned)d->month % 100u, (unsigned)d->day % 100u);
}

bool valid_timestamp(const char *s, struct sw_ts *out)
{
	struct sw_date d;
	int hh, mm, ss, usec = 0, off = 0;
	const char *p;

	if (strlen(s) < 20 || !parse_date_prefix(s, &d))
		return false;
	if (s[10] != 'T' && s[10] != 't' && s[10] != ' ')
		return false;
	if (!digits(s + 11, 2, &hh) || s[13] != ':' || !digits(s + 14, 2, &mm) ||
	    s[16] != ':' || !digits(s + 17, 2, &ss))
		return false;
	if (hh > 23 || mm > 59 || ss > 59)
		return false;
	p = s + 19;
	if (*p == '.') {
		int n = 0;

		for (p++; *p >= '0' && *p <= '9'; p++, n++) {
			if (n < 6)
				usec = usec * 10 + (*p - '0');
		}
		if (n == 0 || n > 9)
			return false;
		for (; n < 6; n++)
			usec *= 10;
	}
	if (*p == 'Z' || *p == 'z') {
		p++;
	} else if (*p == '+' || *p == '-') {
		int oh, om;

		if (!digits(p + 1, 2, &oh) || p[3] != ':' || !digits(p + 4, 2, &om) ||
		    oh > 18 || om > 59 || (oh == 18 && om > 0))
			return false;
		off = (oh * 60 + om) * (*p == '-' ? -1 : 1);
		p += 6;
	} else {
		return false;
	}
	if (*p)
		return false;
	if (out) {
		out->epoch = date_to_days(&d) * 86400 + hh * 3600 + mm * 60 + ss -
			     (int64_t)off * 60;
		out->usec = usec;
	}
	return true;
}

void ts_format_utc(const struct sw_ts *ts, char out[SW_TS_LEN])
{
	int64_t days = ts->epoch / 86400, secs = ts->epoch % 86400;
	struct sw_date d;
	char date[SW_DATE_LEN];

	if (secs < 0) {
		secs += 86400;
		days--;
	}
	d = date_from_days(days);
	date_format(&d, date);
	if (ts->usec)
		snprintf(out, SW_TS_LEN, "%sT%02d:%02d:%02d.%06dZ", date,
			 (int)(secs / 3600), (int)(secs / 60 % 60), (int)(secs % 60),
			 ts->usec % 1000000);
	else
		snprintf(out, SW_TS_LEN, "%sT%02d:%02d:%02dZ", date,
			 (int)(secs / 3600), (int)(secs / 60 % 60), (int)(secs % 60));
}

bool valid_uuid(const char *s, char out[SW_UUID_LEN + 1])
{
	bool nonzero = false;

	if (strlen(s) != SW_UUID_LEN)
		return false;
	for (int i = 0; i < SW_UUID_LEN; i++) {
		char c = s[i];

		if (i == 8 || i == 13 || i == 18 || i == 23) {
			if (c != '-')
				return false;
		} else if (!isxdigit((unsigned char)c)) {
			return false;
		} else if (c != '0') {
			nonzero = true;
		}
		if (out)
			out[i] = (char)tolower((unsigned char)c);
	}
	if (out)
		out[SW_UUID_LEN] = '\0';
	return nonzero;
}

int enum_index(const char *s, const char *const *names)
{
	for (int i = 0; names[i]; i++)
		if (strcmp(s, names[i]) == 0)
			return i;
	return -1;
}

void enum_list(const char *const *names, char *buf, size_t n)
{
	size_t used = 0;

	buf[0] = '\0';
	for (int i = 0; names[i] && used < n; i++) {
		int r = snprintf(buf + used, n - used, "%s%s", i ? ", " : "", names[i]);
		if (r < 0)
			break;
		used += (size_t)r;
	}
}

bool valid_slug(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > 63 || !(islower((unsigned char)s[0]) || isdigit((unsigned char)s[0])))
		return false;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (!(c >= 'a' && c <= 'z') && !(c >= '0' && c <= '9') && c != '-' && c != '_')
			return false;
	}
	return true;
}

bool valid_url(const char *s)
{
	size_t n = strlen(s);
	const char *host;

	if (n > 2048)
		return false;
	if (strncmp(s, "https://", 8) == 0)
		host = s + 8;
	else if (strncmp(s, "http://", 7) == 0)
		host = s + 7;
	else
		return false;
	/* An authority must name a host before any path, query, fragment or port. */
	if (*host == '\0' || strchr("/?#:@", *host))
		return false;
	for (const char *p = s; *p; p++)
		if ((unsigned char)*p <= 0x20 || *p == 0x7f)
			return false;
	return true;
}

/* An IPv6 literal's inside: hex digits, ':' and '.' (an IPv4 tail); no zone. */
static bool ipv6_chars(const char *s, size_t n)
{
	if (n < 2)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!strchr("0123456789abcdefABCDEF:.", s[i]))
			return false;
	return true;
}

static bool name_chars(const char *s, size_t n)
{
	if (n == 0 || n > 253)
		return false;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c < 0x80 && !isalnum(c) && !strchr("-._", c))
			return false;
	}
	return true;
}

bool url_host(const char *url, const char **host, size_t *len)
{
	const char *a, *end, *at, *h, *port;

	if (!valid_url(url))
		return false;
	a = url + (url[4] == 's' ? 8 : 7);
	end = a + strcspn(a, "/?#");
	/* User information ends at the authority's last '@'. */
	for (at = end; at > a && at[-1] != '@'; at--)
		;
	h = at;
	if (*h == '[') {
		const char *close = memchr(h, ']', (size_t)(end - h));

		if (!close || !ipv6_chars(h + 1, (size_t)(close - h - 1)))
			return false;
		port = close + 1;
	} else {
		port = memchr(h, ':', (size_t)(end - h));
		if (!port)
			port = end;
		if (!name_chars(h, (size_t)(port - h)))
			return false;
	}
	if (port < end) {
		size_t digits = (size_t)(end - port - 1);

		if (*port != ':' || digits > 5 || strspn(port + 1, "0123456789") < digits)
			return false;
	}
	*host = h;
	*len = (size_t)(port - h);
	return true;
}

/* Length of the well-formed UTF-8 sequence at p (RFC 3629), or 0. */
static size_t utf8_len(const unsigned char *p)
{
	if (p[0] < 0x80)
		return 1;
	if (p[0] >= 0xc2 && p[0] <= 0xdf)
		return (p[1] & 0xc0) == 0x80 ? 2 : 0;
	if (p[0] >= 0xe0 && p[0] <= 0xef) {
		/* No overlong forms (E0 80..9F) and no surrogates (ED A0..BF). */
		if ((p[1] & 0xc0) != 0x80 || (p[2] & 0xc0) != 0x80 ||
		    (p[0] == 0xe0 && p[1] < 0xa0) || (p[0] == 0xed && p[1] > 0x9f))
			return 0;
		return 3;
	}
	if (p[0] >= 0xf0 && p[0] <= 0xf4) {
		if ((p[1] & 0xc0) != 0x80 || (p[2] & 0xc0) != 0x80 || (p[3] & 0xc0) != 0x80 ||
		    (p[0] == 0xf0 && p[1] < 0x90) || (p[0] == 0xf4 && p[1] > 0x8f))
			return 0;
		return 4;
	}
	return 0;
}

const char *valid_text(const char *s, size_t max)
{
	size_t chars = 0, n;

	/*
	 * White space alone is empty too: a CSV cell or a phone's answer of only
	 * blanks is read as absent, so such text could not come back through an
	 * export, and an item or a reason of blanks says nothing.
	 */
	if (s[strspn(s, " \t\r\n")] == '\0')
		return "must not be empty";
	for (const unsigned char *p = (const unsigned char *)s; *p; p += n, chars++) {
		n = utf8_len(p);
		if (n == 0)
			return "must be valid UTF-8";
		if ((*p < 0x20 && *p != '\t' && *p != '\n' && *p != '\r') || *p == 0x7f)
			return "must not contain control characters";
		/* C1 controls U+0080..U+009F are encoded as C2 80..C2 9F. */
		if (*p == 0xc2 && p[1] <= 0x9f)
			return "must not contain control characters";
		/* U+FFFE and U+FFFF are not characters, and XML refuses them. */
		if (*p == 0xef && p[1] == 0xbf && (p[2] == 0xbe || p[2] == 0xbf))
			return "must not contain the noncharacters U+FFFE or U+FFFF";
	}
	if (chars > max)
		return "is too long";
	return NULL;
}

size_t utf8_seq_len(const char *s)
{
	return utf8_len((const unsigned char *)s);
}

size_t utf8_prefix_chars(const char *s, size_t max)
{
	size_t i = 0, n;

	for (size_t chars = 0; s[i] && chars < max; chars++, i += n) {
		n = utf8_len((const unsigned char *)s + i);
		if (n == 0)
			n = 1;
	}
	return i;
}

bool valid_utf8(const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;

	for (size_t i = 0, k; i < n; i += k) {
		/* A zero-padded copy: utf8_len never reads past the n bytes. */
		unsigned char tmp[4] = { 0, 0, 0, 0 };

		if (p[i] == 0)
			return false;
		memcpy(tmp, p + i, n - i < 4 ? n - i : 4);
		k = utf8_len(tmp);
		if (!k)
			return false;
	}
	return true;
}

bool parse_decimal(const char *s, double *out)
{
	const char *p = s;

	int digits = 0;

	/* XML Schema's decimal plus an exponent: 12, 12.5, .5, 5., 1e3; no hex, nan or inf. */
	if (*p == '-' || *p == '+')
		p++;
	for (; isdigit((unsigned char)*p); p++)
		digits++;
	if (*p == '.')
		for (p++; isdigit((unsigned char)*p); p++)
			digits++;
	if (!digits)
		return false;
	if (*p == 'e' || *p == 'E') {
		p++;
		if (*p == '-' || *p == '+')
			p++;
		if (!isdigit((unsigned char)*p))
			return false;
		while (isdigit((unsigned char)*p))
			p++;
	}
	if (*p)
		return false;
	*out = strtod(s, NULL);
	return isfinite(*out);
}

void format_decimal(double d, char *buf, size_t n)
{
	/* The shortest decimal that reads back as d: 12.3, not 12.300000000000001. */
	for (int decimals = 0; decimals <= 17; decimals++) {
		snprintf(buf, n, "%.*f", decimals, d);
		if (strtod(buf, NULL) == d)
			return;
	}
	snprintf(buf, n, "%.17g", d);
}

bool parse_int64(const char *s, int64_t *out)
{
	char *end;
	long long v;

	if (!*s || isspace((unsigned char)*s))
		return false;
	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno || *end)
		return false;
	*out = v;
	return true;
}
