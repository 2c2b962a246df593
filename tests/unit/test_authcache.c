/* Unit tests for daemon/authcache.c: verified tokens kept, expired, emptied. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "core/authcache.h"

#define S 1000000000LL

static void key_of(unsigned char k[TOKEN_HASH_LEN], unsigned n, unsigned char tail)
{
	memset(k, 0, TOKEN_HASH_LEN);
	memcpy(k, &n, sizeof(n));
	k[TOKEN_HASH_LEN - 1] = tail;
}

static struct org org_of(int id)
{
	struct org o;

	snprintf(o.id, sizeof(o.id), "%d", id);
	snprintf(o.slug, sizeof(o.slug), "ngo-%d", id);
	return o;
}

static int setup(void **state)
{
	(void)state;
	authcache_clear();
	return 0;
}

static void a_put_token_is_found_until_it_expires(void **state)
{
	unsigned char k[TOKEN_HASH_LEN];
	struct org o = org_of(7), got;

	(void)state;
	key_of(k, 1, 1);
	assert_false(authcache_get(k, &got, 0));
	authcache_put(k, &o, authcache_generation(), 0);
	assert_true(authcache_get(k, &got, (int64_t)AUTHCACHE_TTL_MS * 1000000 - 1));
	assert_string_equal(got.id, "7");
	assert_string_equal(got.slug, "ngo-7");
	assert_false(authcache_get(k, &got, (int64_t)AUTHCACHE_TTL_MS * 1000000));
}

/* A revocation whose notification is lost still takes effect within 2 s. */
static void entries_live_under_two_seconds(void **state)
{
	(void)state;
	assert_true(AUTHCACHE_TTL_MS < 2000);
}

static void another_key_is_not_found(void **state)
{
	unsigned char k[TOKEN_HASH_LEN], other[TOKEN_HASH_LEN];
	struct org o = org_of(1), got;

	(void)state;
	key_of(k, 2, 1);
	key_of(other, 2, 2);	/* same index, different key */
	authcache_put(k, &o, authcache_generation(), 0);
	assert_false(authcache_get(other, &got, 0));
}

static void clear_forgets_everything(void **state)
{
	unsigned char k[TOKEN_HASH_LEN];
	struct org o = org_of(3), got;

	(void)state;
	key_of(k, 3, 1);
	authcache_put(k, &o, authcache_generation(), 0);
	authcache_clear();
	assert_false(authcache_get(k, &got, 0));
}

static void a_put_that_raced_with_a_clear_is_dropped(void **state)
{
	unsigned char k[TOKEN_HASH_LEN];
	struct org o = org_of(4), got;
	uint64_t gen;

	(void)state;
	key_of(k, 4, 1);
	gen = authcache_generation();	/* a request starts its lookup... */
	authcache_clear();		/* ...a revocation is heard... */
	authcache_put(k, &o, gen, 0);	/* ...and the stale answer must not be kept */
	assert_false(authcache_get(k, &got, 0));
}

static void a_crowded_window_evicts_rather_than_fails(void **state)
{
	unsigned char k[TOKEN_HASH_LEN];
	struct org got;

	(void)state;
	for (unsigned t = 0; t < 40; t++) {
		struct org o = org_of((int)t);

		key_of(k, 5, (unsigned char)t);
		authcache_put(k, &o, authcache_generation(), 0);
		assert_true(authcache_get(k, &got, 0));
		assert_string_equal(got.id, o.id);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(a_put_token_is_found_until_it_expires, setup),
		cmocka_unit_test(entries_live_under_two_seconds),
		cmocka_unit_test_setup(another_key_is_not_found, setup),
		cmocka_unit_test_setup(clear_forgets_everything, setup),
		cmocka_unit_test_setup(a_put_that_raced_with_a_clear_is_dropped, setup),
		cmocka_unit_test_setup(a_crowded_window_evicts_rather_than_fails, setup),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
