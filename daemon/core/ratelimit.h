/*
 * ratelimit: a token bucket per API token.
 *
 * A bucket holds up to burst requests and refills at per_minute / 60 a
 * second; a request takes one, or is refused with the seconds until one is
 * there.  Buckets are keyed by the token's hash and live in one bounded
 * table: only verified tokens get a bucket, so its size is bounded by the
 * tokens issued, and a bucket that has refilled completely is the same as
 * none, so it can be reused.
 */
#ifndef SW_RATELIMIT_H
#define SW_RATELIMIT_H

#include <stdbool.h>
#include <stdint.h>

#include "util/token.h"

struct bucket {
	double level;		/* requests available */
	int64_t at_ns;		/* when level was computed */
};

/*
 * Pure step: refills b up to now, then takes one request.  Returns 0 when
 * allowed, else the whole seconds (>= 1) until a request will be.
 */
int bucket_take(struct bucket *b, double per_minute, double burst, int64_t now_ns);

/* The table.  per_minute 0 allows everything.  Thread-safe. */
int ratelimit_take(const unsigned char key[TOKEN_HASH_LEN], int64_t per_minute, int64_t burst,
		   int64_t now_ns);
/* Forgets every bucket (tests). */
void ratelimit_reset(void);

#endif
