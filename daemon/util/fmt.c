#include "util/fmt.h"

#include <math.h>
#include <stdio.h>
#include <time.h>

#include "util/valid.h"

void fmt_date(int64_t days, char out[FMT_DATE_LEN])
{
	struct sw_date d = date_from_days(days);

	date_format(&d, out);
}

void fmt_instant_utc(int64_t t, char out[FMT_INSTANT_LEN])
{
	struct sw_ts ts = { t, 0 };

	ts_format_utc(&ts, out);
}

void fmt_instant_local(int64_t t, int offset, char out[FMT_INSTANT_LEN])
{
	struct sw_ts ts = { t + offset, 0 };
	int a = offset < 0 ? -offset : offset;

	ts_format_utc(&ts, out);
	/* "...Z" becomes "...+HH:MM" */
	snprintf(out + 19, FMT_INSTANT_LEN - 19, "%c%02d:%02d", offset < 0 ? '-' : '+',
		 a / 3600 % 100, a / 60 % 60);
}

void fmt_http_date(int64_t t, char out[FMT_HTTP_DATE_LEN])
{
	time_t tt = (time_t)t;
	struct tm tm;

	gmtime_r(&tt, &tm);
	strftime(out, FMT_HTTP_DATE_LEN, "%a, %d %b %Y %H:%M:%S GMT", &tm);
}

double fmt_round1(double x)
{
	return round(x * 10.0) / 10.0;
}

double fmt_round3(double x)
{
	return round(x * 1000.0) / 1000.0;
}
