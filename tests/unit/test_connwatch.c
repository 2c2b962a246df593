/* Unit tests for daemon/core/connwatch.c: deadlines, body rates, pressure, addresses. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "core/connwatch.h"
#include "core/inflight.h"

#define S(x) ((int64_t)((x) * 1e9))

static const struct cw_limits defaults = {
	.header_timeout_s = 10, .body_grace_s = 10, .min_body_rate = 100,
	.connection_limit = 8, .per_address = 4,
};

static unsigned char A[16] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 192, 0, 2, 1 };
static unsigned char B[16] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 192, 0, 2, 2 };

static struct cw_events none(void)
{
	struct cw_events ev;

	memset(&ev, 0, sizeof(ev));
	return ev;
}

static void close_all(struct connwatch *w, struct cw_conn *c, int n)
{
	for (int i = 0; i < n; i++)
		cw_close(w, &c[i]);
	for (int p = 0; p < CW_NPHASES; p++)
		assert_int_equal(w->count[p], 0);
	assert_int_equal(w->total, 0);
	cw_free(w);
}

static void a_header_has_its_timeout_and_then_goes(void **state)
{
	struct connwatch w;
	struct cw_conn c[2];
	struct cw_events ev = none();

	(void)state;
	cw_init(&w, &defaults);
	assert_true(cw_open(&w, &c[0], -1, A, 0, &ev));
	assert_true(cw_open(&w, &c[1], -1, B, S(1), &ev));
	cw_reap(&w, S(10), &ev);
	assert_int_equal(ev.dropped[CW_OWING], 0);
	cw_reap(&w, S(10.001), &ev);
	assert_int_equal(ev.dropped[CW_OWING], 1);
	assert_ptr_equal(ev.last, &c[0]);
	assert_int_equal(ev.shed, 0);
	assert_true(c[0].dropped);
	/* A request in: no header deadline while it is served. */
	cw_request(&w, &c[1], false, S(2));
	cw_reap(&w, S(100), &ev);
	assert_int_equal(ev.dropped[CW_OWING], 1);
	/* Answered: the next header is owed from then (a kept-alive connection). */
	cw_idle(&w, &c[1], S(100));
	cw_reap(&w, S(110.5), &ev);
	assert_int_equal(ev.dropped[CW_OWING], 2);
	assert_true(cw_close(&w, &c[0]));
	assert_true(cw_close(&w, &c[1]));
	close_all(&w, c, 0);
}

static void the_rules_alone(void **state)
{
	struct cw_limits l = defaults;

	(void)state;
	/* Pressure: 3/4 of 8 or more, that is 6 or more. */
	assert_false(cw_pressure(&l, 5));
	assert_true(cw_pressure(&l, 6));
	assert_int_equal(cw_header_deadline(&l, S(5), false), S(15));
	assert_int_equal(cw_header_deadline(&l, S(5), true), S(5 + CW_PRESSURE_HEADER_S));
	l.header_timeout_s = 1;
	assert_int_equal(cw_header_deadline(&l, S(5), true), S(6));
	l = defaults;
	/* 100 bytes a second: 250 bytes buy 2.5 s, never past grace ahead of now. */
	assert_int_equal(cw_body_credit(&l, S(10), 250, S(1)), S(11));
	assert_int_equal(cw_body_credit(&l, S(3), 250, S(1)), S(5.5));
	assert_int_equal(cw_body_credit(&l, S(3), 1000000, S(1)), S(11));
	assert_false(cw_body_late(&l, S(10), S(10), false));
	assert_true(cw_body_late(&l, S(10), S(10.001), false));
	/* Under pressure a body must keep half its credit (5 s here). */
	assert_false(cw_body_late(&l, S(15), S(10), true));
	assert_true(cw_body_late(&l, S(14.9), S(10), true));
	l.min_body_rate = 0;
	assert_false(cw_body_late(&l, 0, S(1000), true));
	assert_int_equal(cw_body_credit(&l, 0, 0, S(50)), S(60));
}

/* Feeds c rate bytes a second from t0 for secs seconds, reaping each second. */
static int64_t trickle(struct connwatch *w, struct cw_conn *c, uint64_t rate, int64_t t0, int secs,
		       struct cw_events *ev)
{
	int64_t t = t0;

	for (int i = 0; i < secs && !c->dropped; i++) {
		t += S(1);
		cw_body(w, c, rate, t);
		cw_reap(w, t, ev);
	}
	return t;
}

static void a_body_keeps_up_its_rate_or_goes(void **state)
{
	struct connwatch w;
	struct cw_conn c[4];
	struct cw_events ev = none();
	int64_t t;

	(void)state;
	cw_init(&w, &defaults);
	for (int i = 0; i < 4; i++) {
		assert_true(cw_open(&w, &c[i], -1, i % 2 ? A : B, 0, &ev));
		cw_request(&w, &c[i], true, 0);
	}
	/* At the rate for a minute: kept. */
	t = trickle(&w, &c[0], 100, 0, 60, &ev);
	assert_false(c[0].dropped);
	assert_int_equal(c[0].body_bytes, 6000);
	/* c[1] sent nothing in that minute: dropped at 10 s already, as a body. */
	assert_true(c[1].dropped);
	assert_true(c[2].dropped);
	assert_true(c[3].dropped);
	assert_int_equal(ev.dropped[CW_BODY], 3);
	cw_body_done(&w, &c[0]);
	cw_reap(&w, t + S(1000), &ev);
	assert_false(c[0].dropped);
	close_all(&w, c, 4);

	/* Half the rate: the credit drains at half a second a second, gone at 20 s. */
	cw_init(&w, &defaults);
	ev = none();
	assert_true(cw_open(&w, &c[0], -1, A, 0, &ev));
	cw_request(&w, &c[0], true, 0);
	t = trickle(&w, &c[0], 50, 0, 100, &ev);
	assert_true(c[0].dropped);
	assert_int_equal(t, S(21));	/* its credit ran out at 20 s; the next reap saw it */
	/* A fast start banks no more than the grace: 10 s of silence, then it goes. */
	assert_true(cw_open(&w, &c[1], -1, A, 0, &ev));
	cw_request(&w, &c[1], true, 0);
	cw_body(&w, &c[1], 1000000, S(0.5));
	cw_reap(&w, S(10.5), &ev);
	assert_false(c[1].dropped);
	cw_reap(&w, S(10.6), &ev);
	assert_true(c[1].dropped);
	close_all(&w, c, 2);
}

static void a_new_connection_under_pressure_sheds_the_idlest(void **state)
{
	struct connwatch w;
	struct cw_conn c[10];
	struct cw_events ev = none();

	(void)state;
	cw_init(&w, &defaults);
	/* Six slow headers from two addresses (3 each, limit 4): no pressure yet. */
	for (int i = 0; i < 6; i++)
		assert_true(cw_open(&w, &c[i], -1, i % 2 ? A : B, S(i * 0.1), &ev));
	assert_int_equal(ev.shed, 0);
	/* The seventh finds three quarters of 8 open: the longest-owed header goes. */
	assert_true(cw_open(&w, &c[6], -1, NULL, S(1), &ev));
	assert_int_equal(ev.shed, 1);
	assert_ptr_equal(ev.last, &c[0]);
	assert_int_equal(w.total, 6);
	/* A client that sends its request at once is never the one shed. */
	cw_request(&w, &c[6], false, S(1));
	for (int i = 7; i < 10; i++) {
		assert_true(cw_open(&w, &c[i], -1, NULL, S(1 + i * 0.1), &ev));
		cw_request(&w, &c[i], false, S(1 + i * 0.1));
	}
	assert_int_equal(ev.shed, 4);
	assert_true(c[1].dropped && c[2].dropped && c[3].dropped);
	assert_false(c[4].dropped || c[5].dropped || c[6].dropped || c[9].dropped);
	/* A kept-alive connection goes idle: it owes a header from now, behind the others. */
	cw_idle(&w, &c[6], S(3));
	assert_true(cw_open(&w, &c[1], -1, NULL, S(3), &ev));
	assert_ptr_equal(ev.last, &c[4]);
	/* Six of eight open: pressure, a header block is due within 2 s. */
	cw_reap(&w, S(4), &ev);
	assert_true(c[5].dropped);
	assert_false(c[6].dropped);
	assert_int_equal(ev.dropped[CW_OWING], 6);
	assert_int_equal(ev.refused, 0);
	close_all(&w, c, 10);
}

static void deadlines_tighten_under_pressure(void **state)
{
	struct connwatch w;
	struct cw_conn c[8];
	struct cw_events ev = none();

	(void)state;
	cw_init(&w, &defaults);
	for (int i = 0; i < 6; i++) {
		assert_true(cw_open(&w, &c[i], -1, NULL, 0, &ev));
		cw_request(&w, &c[i], i == 5, 0);
	}
	/* The seventh finds pressure, but nobody to shed (the body has all its credit). */
	assert_true(cw_open(&w, &c[6], -1, NULL, 0, &ev));
	assert_int_equal(ev.shed, 0);
	cw_reap(&w, S(1.9), &ev);
	assert_false(c[6].dropped);
	cw_reap(&w, S(2.001), &ev);
	assert_true(c[6].dropped);
	assert_int_equal(ev.dropped[CW_OWING], 1);
	/* Pressure again: the silent body must keep half its credit, so it goes at 5 s, not 10. */
	assert_true(cw_open(&w, &c[7], -1, NULL, S(2.1), &ev));
	cw_request(&w, &c[7], false, S(2.1));
	cw_reap(&w, S(4.9), &ev);
	assert_false(c[5].dropped);
	cw_reap(&w, S(5.1), &ev);
	assert_true(c[5].dropped);
	assert_int_equal(ev.dropped[CW_BODY], 1);
	assert_int_equal(ev.shed, 0);
	close_all(&w, c, 8);
}

static void a_body_behind_goes_before_an_idle_header(void **state)
{
	struct connwatch w;
	struct cw_conn c[8];
	struct cw_events ev = none();

	(void)state;
	cw_init(&w, &defaults);
	for (int i = 0; i < 6; i++)
		assert_true(cw_open(&w, &c[i], -1, NULL, 0, &ev));
	/* c[0] idle; c[1..5] bodies, c[3] furthest behind, c[4] at full credit. */
	for (int i = 1; i < 6; i++)
		cw_request(&w, &c[i], true, 0);
	cw_body(&w, &c[1], 100, S(6));		/* credit until 11 s: 5 s ahead, not behind */
	cw_body(&w, &c[2], 50, S(6));		/* 10.5 s */
	cw_body(&w, &c[4], 10000, S(6));	/* 16 s */
	cw_body(&w, &c[5], 60, S(6));		/* 10.6 s */
	assert_true(cw_open(&w, &c[6], -1, NULL, S(6), &ev));
	assert_ptr_equal(ev.last, &c[3]);
	assert_true(cw_open(&w, &c[7], -1, NULL, S(6), &ev));
	assert_ptr_equal(ev.last, &c[2]);
	assert_int_equal(ev.dropped[CW_BODY], 2);
	assert_int_equal(ev.shed, 2);
	close_all(&w, c, 8);
}

static void an_address_over_its_limit_replaces_its_stalled(void **state)
{
	struct connwatch w;
	struct cw_conn c[8], other;
	struct cw_events ev = none();
	struct cw_limits l = defaults;

	(void)state;
	l.connection_limit = 100;
	cw_init(&w, &l);
	/* Four from A, all being served: the fifth is refused; B is not affected. */
	for (int i = 0; i < 4; i++) {
		assert_true(cw_open(&w, &c[i], -1, A, 0, &ev));
		cw_request(&w, &c[i], false, 0);
	}
	assert_false(cw_open(&w, &c[4], -1, A, S(5), &ev));
	assert_int_equal(ev.refused, 1);
	assert_true(c[4].dropped);
	assert_true(cw_close(&w, &c[4]));
	assert_true(cw_open(&w, &other, -1, B, S(5), &ev));
	/* Two go idle: owing a header for less than CW_STALL_MS, they still count. */
	cw_idle(&w, &c[1], S(10));
	cw_idle(&w, &c[2], S(10.2));
	assert_false(cw_open(&w, &c[4], -1, A, S(10.9), &ev));
	assert_int_equal(ev.refused, 2);
	cw_close(&w, &c[4]);
	/* Past it they are stalled: a NAT neighbour takes the longest-idle one's place. */
	assert_true(cw_open(&w, &c[4], -1, A, S(11.1), &ev));
	assert_ptr_equal(ev.last, &c[1]);
	assert_int_equal(ev.shed, 1);
	assert_false(cw_open(&w, &c[5], -1, A, S(11.15), &ev));
	assert_true(cw_open(&w, &c[5], -1, A, S(11.2), &ev));
	assert_ptr_equal(ev.last, &c[2]);
	assert_int_equal(ev.dropped[CW_OWING], 2);
	/* A body behind its rate is not making progress either. */
	cw_request(&w, &c[5], true, S(11.2));
	assert_false(cw_open(&w, &c[6], -1, A, S(12), &ev));
	assert_true(cw_open(&w, &c[6], -1, A, S(17), &ev));
	assert_ptr_equal(ev.last, &c[5]);
	assert_int_equal(ev.dropped[CW_BODY], 1);
	cw_close(&w, &other);
	close_all(&w, c, 7);
}

/* The address's only connection is the one shed: its entry must outlive the shedding. */
static void shedding_an_address_s_last_connection(void **state)
{
	struct connwatch w;
	struct cw_conn c[8];
	struct cw_events ev = none();
	struct cw_limits l = defaults;

	(void)state;
	cw_init(&w, &defaults);
	/* A's kept-alive connection is the longest idle when A connects again under pressure. */
	assert_true(cw_open(&w, &c[0], -1, A, 0, &ev));
	for (int i = 1; i < 6; i++) {
		assert_true(cw_open(&w, &c[i], -1, NULL, 0, &ev));
		cw_request(&w, &c[i], false, 0);
	}
	assert_true(cw_open(&w, &c[6], -1, A, S(1), &ev));
	assert_ptr_equal(ev.last, &c[0]);
	assert_int_equal(cw_address_open(&w, A), 1);
	/* One connection an address: a stalled one is replaced by the next. */
	cw_close(&w, &c[6]);
	l.per_address = 1;
	cw_configure(&w, &l);
	assert_true(cw_open(&w, &c[6], -1, B, S(2), &ev));
	assert_true(cw_open(&w, &c[7], -1, B, S(3.5), &ev));
	assert_ptr_equal(ev.last, &c[6]);
	assert_int_equal(cw_address_open(&w, B), 1);
	close_all(&w, c, 8);
}

/* Bytes the client sent and no thread has read: the server is behind, the client is kept. */
static void a_connection_the_server_has_not_read_is_kept(void **state)
{
	struct connwatch w;
	struct cw_conn c[2];
	struct cw_events ev = none();
	int sp[2];

	(void)state;
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sp), 0);
	cw_init(&w, &defaults);
	assert_true(cw_open(&w, &c[0], sp[0], A, 0, &ev));
	assert_true(cw_open(&w, &c[1], -1, B, 0, &ev));
	assert_int_equal(write(sp[1], "GET / HTTP/1.1\r\n\r\n", 18), 18);
	cw_reap(&w, S(11), &ev);
	assert_false(c[0].dropped);
	assert_true(c[1].dropped);
	/* Read: now the deadline is the client's again. */
	{
		char buf[32];

		assert_int_equal(read(sp[0], buf, sizeof(buf)), 18);
	}
	cw_reap(&w, S(11.1), &ev);
	assert_true(c[0].dropped);
	assert_false(cw_request(&w, &c[0], false, S(11.2)));
	assert_true(cw_dropped(&w, &c[0]));
	close_all(&w, c, 2);
	close(sp[0]);
	close(sp[1]);
}

static void inflight_counts_per_key(void **state)
{
	static struct inflight t = INFLIGHT_INIT;
	unsigned char k1[32] = { 1 }, k2[32] = { 2 };

	(void)state;
	assert_true(inflight_enter(&t, k1, 32, 2));
	assert_true(inflight_enter(&t, k1, 32, 2));
	assert_false(inflight_enter(&t, k1, 32, 2));
	assert_true(inflight_enter(&t, k2, 32, 2));
	assert_int_equal(inflight_count(&t, k1, 32), 2);
	inflight_leave(&t, k1, 32);
	assert_true(inflight_enter(&t, k1, 32, 2));
	inflight_leave(&t, k1, 32);
	inflight_leave(&t, k1, 32);
	inflight_leave(&t, k2, 32);
	assert_int_equal(inflight_count(&t, k1, 32), 0);
	assert_int_equal(inflight_count(&t, k2, 32), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(a_header_has_its_timeout_and_then_goes),
		cmocka_unit_test(the_rules_alone),
		cmocka_unit_test(a_body_keeps_up_its_rate_or_goes),
		cmocka_unit_test(a_new_connection_under_pressure_sheds_the_idlest),
		cmocka_unit_test(deadlines_tighten_under_pressure),
		cmocka_unit_test(a_body_behind_goes_before_an_idle_header),
		cmocka_unit_test(an_address_over_its_limit_replaces_its_stalled),
		cmocka_unit_test(shedding_an_address_s_last_connection),
		cmocka_unit_test(a_connection_the_server_has_not_read_is_kept),
		cmocka_unit_test(inflight_counts_per_key),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
