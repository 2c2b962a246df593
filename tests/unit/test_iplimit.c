/* Unit tests for daemon/core/iplimit.c: requests in flight per client address. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <string.h>

#include "core/iplimit.h"

static struct sockaddr_in v4(const char *a)
{
	struct sockaddr_in s;

	memset(&s, 0, sizeof(s));
	s.sin_family = AF_INET;
	inet_pton(AF_INET, a, &s.sin_addr);
	return s;
}

static struct sockaddr_in6 v6(const char *a)
{
	struct sockaddr_in6 s;

	memset(&s, 0, sizeof(s));
	s.sin6_family = AF_INET6;
	inet_pton(AF_INET6, a, &s.sin6_addr);
	return s;
}

#define SA(x) ((const struct sockaddr *)&(x))

static void an_address_gets_its_share_and_no_more(void **state)
{
	struct sockaddr_in a = v4("192.0.2.1"), b = v4("192.0.2.2");

	(void)state;
	assert_true(iplimit_enter(SA(a), 2));
	assert_true(iplimit_enter(SA(a), 2));
	assert_false(iplimit_enter(SA(a), 2));
	assert_int_equal(iplimit_count(SA(a)), 2);
	/* Another address is not affected. */
	assert_true(iplimit_enter(SA(b), 2));
	iplimit_leave(SA(b));
	/* One ends: one more may start. */
	iplimit_leave(SA(a));
	assert_int_equal(iplimit_count(SA(a)), 1);
	assert_true(iplimit_enter(SA(a), 2));
	iplimit_leave(SA(a));
	iplimit_leave(SA(a));
	assert_int_equal(iplimit_count(SA(a)), 0);
}

static void ipv4_mapped_ipv6_is_the_same_address(void **state)
{
	struct sockaddr_in a = v4("198.51.100.7");
	struct sockaddr_in6 m = v6("::ffff:198.51.100.7"), other = v6("2001:db8::7");

	(void)state;
	assert_true(iplimit_enter(SA(a), 1));
	assert_false(iplimit_enter(SA(m), 1));
	assert_true(iplimit_enter(SA(other), 1));
	iplimit_leave(SA(m));
	assert_int_equal(iplimit_count(SA(a)), 0);
	iplimit_leave(SA(other));
}

static void an_ipv6_client_is_its_slash_64(void **state)
{
	struct sockaddr_in6 a = v6("2001:db8:1:2::7"), b = v6("2001:db8:1:2:ffff::9"), c = v6("2001:db8:1:3::7");

	(void)state;
	assert_true(iplimit_enter(SA(a), 1));
	assert_false(iplimit_enter(SA(b), 1));
	assert_true(iplimit_enter(SA(c), 1));
	iplimit_leave(SA(b));
	iplimit_leave(SA(c));
	assert_int_equal(iplimit_count(SA(a)), 0);
}

static void no_address_is_not_limited(void **state)
{
	struct sockaddr unix_like;

	(void)state;
	memset(&unix_like, 0, sizeof(unix_like));
	unix_like.sa_family = AF_UNIX;
	assert_true(iplimit_enter(NULL, 1));
	assert_true(iplimit_enter(&unix_like, 1));
	assert_true(iplimit_enter(&unix_like, 1));
	iplimit_leave(&unix_like);
	assert_int_equal(iplimit_count(&unix_like), 0);
}

static void leaving_more_than_entered_does_no_harm(void **state)
{
	struct sockaddr_in a = v4("203.0.113.9");

	(void)state;
	iplimit_leave(SA(a));
	assert_int_equal(iplimit_count(SA(a)), 0);
	assert_true(iplimit_enter(SA(a), 1));
	assert_false(iplimit_enter(SA(a), 1));
	iplimit_leave(SA(a));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(an_address_gets_its_share_and_no_more),
		cmocka_unit_test(ipv4_mapped_ipv6_is_the_same_address),
		cmocka_unit_test(an_ipv6_client_is_its_slash_64),
		cmocka_unit_test(no_address_is_not_limited),
		cmocka_unit_test(leaving_more_than_entered_does_no_harm),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
