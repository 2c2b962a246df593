/*
 * clock: the one monotonic clock deadlines, backoffs and durations are
 * measured on (never the wall clock, which a daemon's host may step).
 */
#ifndef SW_CLOCK_H
#define SW_CLOCK_H

#include <stdint.h>

/* CLOCK_MONOTONIC in nanoseconds. */
int64_t clock_ns(void);
/* The same in milliseconds. */
int64_t clock_ms(void);

#endif
