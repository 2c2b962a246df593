/*
 * fmt: dates, instants and numbers as every surface writes them.  Pure.
 *
 * Dates are days since 1970-01-01 (proleptic Gregorian), instants seconds
 * since the epoch.  Out-parameters are sized for the longest result.
 */
#ifndef SW_FMT_H
#define SW_FMT_H

#include <stdint.h>

#define FMT_DATE_LEN 11
#define FMT_INSTANT_LEN 32
#define FMT_HTTP_DATE_LEN 40

/* 2023-03-01 */
void fmt_date(int64_t days, char out[FMT_DATE_LEN]);
/* 2023-03-01T09:00:00Z */
void fmt_instant_utc(int64_t t, char out[FMT_INSTANT_LEN]);
/* 2023-03-01T13:00:00+04:00: t as seen at a UTC offset of offset seconds */
void fmt_instant_local(int64_t t, int offset, char out[FMT_INSTANT_LEN]);
/* Wed, 01 Mar 2023 09:00:00 GMT (RFC 9110's IMF-fixdate) */
void fmt_http_date(int64_t t, char out[FMT_HTTP_DATE_LEN]);
/* x rounded to one decimal, halves away from zero */
double fmt_round1(double x);
/* x rounded to three decimals, halves away from zero (ratios) */
double fmt_round3(double x);

#endif
