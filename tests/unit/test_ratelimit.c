/* Unit tests for daemon/ratelimit.c: the token bucket and its table. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "core/ratelimit.h"

#define S 1000000000LL	/* one second in ns */

static void key_of(unsigned char k[TOKEN_HASH_LEN], unsigned n)
{
	memset(k, 0, TOKEN_HASH_LEN);
	memcpy(k, &n, sizeof(n));
	k[TOKEN_HASH_LEN - 1] = (unsigned char)(n * 7 + 1);	/* not only the index bytes */
}

static int setup(void **state)
{
	(void)state;
	ratelimit_reset();
	return 0;
}

static void burst_then_refused_with_retry_after(void **state)
{
	struct bucket b = { 3.0, 0 };

	(void)state;
	/* 60 a minute = one a second; a burst of 3. */
	assert_int_equal(bucket_take(&b, 60, 3, 0), 0);
	assert_int_equal(bucket_take(&b, 60, 3, 0), 0);
	assert_int_equal(bucket_take(&b, 60, 3, 0), 0);
	assert_int_equal(bucket_take(&b, 60, 3, 0), 1);
	/* Half a second later: half a request back, still one second to wait (rounded up). */
	assert_int_equal(bucket_take(&b, 60, 3, S / 2), 1);
	assert_int_equal(bucket_take(&b, 60, 3, S), 0);
	assert_int_equal(bucket_take(&b, 60, 3, S), 1);
}

static void retry_after_grows_with_a_slow_rate(void **state)
{
	struct bucket b = { 1.0, 0 };

	(void)state;
	/* 6 a minute: one every 10 s. */
	assert_int_equal(bucket_take(&b, 6, 1, 0), 0);
	assert_int_equal(bucket_take(&b, 6, 1, 0), 10);
	assert_int_equal(bucket_take(&b, 6, 1, 4 * S), 6);
	assert_int_equal(bucket_take(&b, 6, 1, 10 * S), 0);
}

static void refill_never_exceeds_burst(void **state)
{
	struct bucket b = { 0.0, 0 };

	(void)state;
	/* A day idle refills to the burst, not to a day's worth. */
	for (int i = 0; i < 5; i++)
		assert_int_equal(bucket_take(&b, 60, 5, 86400 * S), 0);
	assert_int_equal(bucket_take(&b, 60, 5, 86400 * S), 1);
}

static void clock_going_back_takes_nothing_back(void **state)
{
	struct bucket b = { 1.0, 10 * S };

	(void)state;
	assert_int_equal(bucket_take(&b, 60, 1, 10 * S), 0);
	assert_int_equal(bucket_take(&b, 60, 1, 5 * S), 1);
	assert_int_equal(bucket_take(&b, 60, 1, 11 * S), 0);
}

static void tokens_have_separate_buckets(void **state)
{
	unsigned char a[TOKEN_HASH_LEN], b[TOKEN_HASH_LEN];

	(void)state;
	key_of(a, 1);
	key_of(b, 2);
	assert_int_equal(ratelimit_take(a, 60, 2, 0), 0);
	assert_int_equal(ratelimit_take(a, 60, 2, 0), 0);
	assert_int_equal(ratelimit_take(a, 60, 2, 0), 1);
	/* Another token is unaffected. */
	assert_int_equal(ratelimit_take(b, 60, 2, 0), 0);
	assert_int_equal(ratelimit_take(b, 60, 2, 0), 0);
	assert_int_equal(ratelimit_take(b, 60, 2, 0), 1);
	assert_int_equal(ratelimit_take(a, 60, 2, S), 0);
}

static void zero_rate_is_off(void **state)
{
	unsigned char a[TOKEN_HASH_LEN];

	(void)state;
	key_of(a, 3);
	for (int i = 0; i < 1000; i++)
		assert_int_equal(ratelimit_take(a, 0, 1, 0), 0);
}

static void colliding_keys_keep_their_own_buckets(void **state)
{
	unsigned char k[TOKEN_HASH_LEN];

	(void)state;
	/* Same index bytes, different keys: probing keeps them apart. */
	for (unsigned n = 0; n < 20; n++) {
		key_of(k, 5);
		k[TOKEN_HASH_LEN - 1] = (unsigned char)n;
		assert_int_equal(ratelimit_take(k, 60, 1, 0), 0);
		assert_int_equal(ratelimit_take(k, 60, 1, 0), 1);
	}
}

static void full_buckets_are_reused_when_the_table_is_crowded(void **state)
{
	unsigned char k[TOKEN_HASH_LEN];

	(void)state;
	/* 40 keys on one index (more than the probe window), each idle long enough to refill. */
	for (unsigned n = 0; n < 40; n++) {
		key_of(k, 9);
		k[TOKEN_HASH_LEN - 1] = (unsigned char)n;
		assert_int_equal(ratelimit_take(k, 60, 1, (int64_t)n * 2 * S), 0);
	}
	/* A key seen long ago comes back with a full bucket. */
	key_of(k, 9);
	k[TOKEN_HASH_LEN - 1] = 0;
	assert_int_equal(ratelimit_take(k, 60, 1, 100 * S), 0);
	assert_int_equal(ratelimit_take(k, 60, 1, 100 * S), 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(burst_then_refused_with_retry_after),
		cmocka_unit_test(retry_after_grows_with_a_slow_rate),
		cmocka_unit_test(refill_never_exceeds_burst),
		cmocka_unit_test(clock_going_back_takes_nothing_back),
		cmocka_unit_test_setup(tokens_have_separate_buckets, setup),
		cmocka_unit_test_setup(zero_rate_is_off, setup),
		cmocka_unit_test_setup(colliding_keys_keep_their_own_buckets, setup),
		cmocka_unit_test_setup(full_buckets_are_reused_when_the_table_is_crowded, setup),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
