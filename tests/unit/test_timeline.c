/*
 * The timeline: events derived from a corridor's evaluated inputs, their
 * order, merging, sources, ids and paging cursors.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "core/timeline.h"

#define D0 19338		/* 2022-12-12 */
#define T(d) ((int64_t)(D0 + (d)) * 86400)
#define H 3600

static struct sw_corridor corridor;

/*
 * Six days to D0+5: 400 trucks on D0 (open), then 5 a day (blocked by
 * flows), counted by organisations 1 and 2.  Hakari bridge closed on D0+1
 * at 08:00 (reported by both at the same instant), reopened on D0+3.  Gas
 * cut in Stepanakert from D0+2 06:00 by both, ended by organisation 1 on
 * D0+4 10:00.  Flour in Stepanakert: 1 says severe on D0+1, 2 critical on
 * D0+2, 2 none on D0+4, 1 none on D0+5.  Water: 1 says none on D0+3.
 */
static struct corridor_data *scenario(void)
{
	static const char *names[] = { "Hakari bridge" };
	struct corridor_data *d;

	memset(&corridor, 0, sizeof(corridor));
	corridor.id = (char *)"lachin";
	corridor.name = (char *)"Lachin corridor";
	corridor.baseline_trucks_per_day = 400;
	corridor.blocked_below_pct = 10;
	corridor.restricted_below_pct = 50;
	corridor.max_gap_days = 2;
	corridor.reopen_after_days = 7;
	corridor.timezone = (char *)"Asia/Yerevan";
	d = corridor_data_new(&corridor);
	d->today = D0 + 5;
	d->next_midnight = T(6);
	d->ndays = 6;
	d->days = calloc(6, sizeof(*d->days));
	for (int i = 0; i < 6; i++) {
		struct day *x = &d->days[i];

		x->date = D0 + i;
		x->declared = ST_UNKNOWN;
		x->reported = true;
		x->trucks = i == 0 ? 400 : 5;
		x->sources = 2;
		x->min = x->max = (int32_t)x->trucks;
	}
	d->norg_days = 12;
	d->org_days = calloc(12, sizeof(*d->org_days));
	for (int i = 0; i < 12; i++)
		d->org_days[i] = (struct org_day){ 1 + i / 6, 0, D0 + i % 6, i % 6 ? 5 : 400 };
	d->crossing_names = calloc(1, sizeof(*d->crossing_names));
	d->crossing_names[0] = names[0];
	d->ncrossing_names = 1;
	d->ncev = 4;
	d->cev = calloc(4, sizeof(*d->cev));
	d->cev[0] = (struct crossing_event){ 0, T(1) + 8 * H, D0 + 1, 4 * H, ST_BLOCKED, 2,
					     "https://example.org/closed" };
	d->cev[1] = (struct crossing_event){ 0, T(1) + 8 * H, D0 + 1, 4 * H, ST_BLOCKED, 1,
					     "javascript:alert(1)" };
	/* The corridor as a whole: no event of its own. */
	d->cev[2] = (struct crossing_event){ -1, T(2), D0 + 2, 4 * H, ST_BLOCKED, 1, "" };
	d->cev[3] = (struct crossing_event){ 0, T(3) + 8 * H, D0 + 3, 4 * H, ST_OPEN, 1, "" };
	d->ndis = 2;
	d->dis = calloc(2, sizeof(*d->dis));
	d->dis[0] = (struct disruption){ 0, "gas", "Stepanakert", T(2) + 6 * H, D0 + 2, 4 * H,
					 true, T(4) + 10 * H, D0 + 4, 120000, 1, "https://a.example/gas",
					 4 * H };
	d->dis[1] = (struct disruption){ 0, "gas", "Stepanakert", T(2) + 6 * H, D0 + 2, 4 * H,
					 false, 0, 0, 90000, 2, "", 0 };
	d->nsh = 5;
	d->sh = calloc(5, sizeof(*d->sh));
	/* Sorted as the loader reads them: item, location, organisation, day. */
	d->sh[0] = (struct shortage){ "flour", "Flour", "Stepanakert", 1, D0 + 1, 3, "https://s.example/1" };
	d->sh[1] = (struct shortage){ "flour", "flour", "Stepanakert", 1, D0 + 5, 0, "" };
	d->sh[2] = (struct shortage){ "flour", "FLOUR", "Stepanakert", 2, D0 + 2, 4, "https://s.example/2" };
	d->sh[3] = (struct shortage){ "flour", "Flour", "Stepanakert", 2, D0 + 4, 0, "" };
	d->sh[4] = (struct shortage){ "water", "Water", "", 1, D0 + 3, 0, "" };
	eval_today(d);
	return d;
}

static void evaluate(struct corridor_data *d, int64_t D, struct corridor_eval *e)
{
	struct freshness f = { .end_of_day = T(D - D0 + 1) };

	eval_corridor(d, D, &f, T(6), 86400, e);
}

static void assert_source(const struct timeline *t, const struct tl_event *ev, size_t i, int org,
			  const char *url)
{
	assert_true(i < ev->nsrc);
	assert_int_equal(t->sources[ev->src + i].org, org);
	assert_string_equal(t->sources[ev->src + i].url, url);
}

static void test_events(void **state)
{
	struct corridor_data *d = scenario();
	struct corridor_eval e;
	struct timeline t;
	const struct tl_event *v;
	static const int kinds[] = { TL_SHORTAGE, TL_DISRUPTION_ENDED, TL_SHORTAGE, TL_CROSSING,
				     TL_DISRUPTION_BEGAN, TL_SHORTAGE, TL_CROSSING, TL_BLOCKADE_BEGAN,
				     TL_STATUS, TL_SHORTAGE };
	static const int64_t at[] = { T(5), T(4) + 10 * H, T(4), T(3) + 8 * H, T(2) + 6 * H, T(2),
				      T(1) + 8 * H, T(1), T(1), T(1) };

	(void)state;
	evaluate(d, D0 + 5, &e);
	timeline_build(&e, &t);
	assert_int_equal(t.n, 10);
	for (size_t i = 0; i < t.n; i++) {
		assert_int_equal(t.ev[i].kind, kinds[i]);
		assert_int_equal(t.ev[i].at, at[i]);
	}
	v = t.ev;
	/* Flour: severe (1), critical (2), severe again (2 says none, 1 still severe), over. */
	assert_true(v[9].dated);
	assert_int_equal(v[9].from, -1);
	assert_int_equal(v[9].to, 3);
	assert_string_equal(v[9].item, "Flour");
	assert_int_equal(v[9].nsrc, 1);
	assert_source(&t, &v[9], 0, 1, "https://s.example/1");
	assert_int_equal(v[5].from, 3);
	assert_int_equal(v[5].to, 4);
	assert_string_equal(v[5].item, "FLOUR");
	assert_int_equal(v[2].from, 4);
	assert_int_equal(v[2].to, 3);
	assert_int_equal(v[0].from, 3);
	assert_int_equal(v[0].to, 0);
	assert_int_equal(v[0].day, D0 + 5);
	/* The crossing: closed by both at one instant (one event), then reopened. */
	assert_int_equal(v[6].from, ST_UNKNOWN);
	assert_int_equal(v[6].to, ST_BLOCKED);
	assert_false(v[6].dated);
	assert_int_equal(v[6].offset, 4 * H);
	assert_int_equal(v[6].nsrc, 2);
	assert_source(&t, &v[6], 0, 1, "javascript:alert(1)");
	assert_source(&t, &v[6], 1, 2, "https://example.org/closed");
	assert_int_equal(v[3].from, ST_BLOCKED);
	assert_int_equal(v[3].to, ST_OPEN);
	assert_string_equal(v[3].crossing_name, "Hakari bridge");
	/* The cut: one beginning from both (the larger count of people), one end. */
	assert_int_equal(v[4].nsrc, 2);
	assert_int_equal(v[4].people, 120000);
	assert_source(&t, &v[4], 0, 1, "https://a.example/gas");
	assert_source(&t, &v[4], 1, 2, "");
	assert_int_equal(v[1].nsrc, 1);
	assert_int_equal(v[1].day, D0 + 4);
	/* Derived from flows: the organisations that counted that day, without links. */
	assert_int_equal(v[7].p->first, D0 + 1);
	assert_true(v[7].p->ongoing);
	assert_int_equal(v[7].basis, BASIS_FLOWS);
	assert_int_equal(v[7].nsrc, 2);
	assert_source(&t, &v[7], 0, 1, "");
	assert_source(&t, &v[7], 1, 2, "");
	assert_int_equal(v[8].from, ST_OPEN);
	assert_int_equal(v[8].to, ST_BLOCKED);
	timeline_free(&t);
	eval_free(&e);
	corridor_data_release(d);
}

/* As of a past day: nothing after it, and what it knew then. */
static void test_as_of(void **state)
{
	struct corridor_data *d = scenario();
	struct corridor_eval e;
	struct timeline t;

	(void)state;
	evaluate(d, D0 + 3, &e);
	timeline_build(&e, &t);
	assert_int_equal(t.n, 7);
	assert_int_equal(t.ev[0].kind, TL_CROSSING);
	assert_int_equal(t.ev[0].at, T(3) + 8 * H);
	assert_int_equal(t.ev[1].kind, TL_DISRUPTION_BEGAN);
	assert_int_equal(t.ev[2].kind, TL_SHORTAGE);
	assert_int_equal(t.ev[2].to, 4);
	assert_int_equal(t.ev[4].kind, TL_BLOCKADE_BEGAN);
	assert_int_equal(t.ev[4].p->days, 3);
	timeline_free(&t);
	eval_free(&e);
	/* Before anything happened: only the first day. */
	evaluate(d, D0, &e);
	timeline_build(&e, &t);
	assert_int_equal(t.n, 0);
	timeline_free(&t);
	eval_free(&e);
	corridor_data_release(d);
}

static void test_ids(void **state)
{
	struct corridor_data *d = scenario();
	struct corridor_eval e;
	struct timeline t;
	char id[TL_ID_LEN];

	(void)state;
	evaluate(d, D0 + 5, &e);
	timeline_build(&e, &t);
	/* Stage one's ids for stage one's kinds: feed readers must not see them again. */
	tl_event_id(&e, &t.ev[6], id);
	assert_string_equal(id, "tag:supplywatch,2022:lachin/crossing/2022-12-13T08:00:00Z/24639de0");
	tl_event_id(&e, &t.ev[4], id);
	assert_string_equal(id, "tag:supplywatch,2022:lachin/disruption-began/2022-12-14T06:00:00Z/gas/8d583855");
	tl_event_id(&e, &t.ev[7], id);
	assert_string_equal(id, "tag:supplywatch,2022:lachin/blockade-began/2022-12-13");
	tl_event_id(&e, &t.ev[8], id);
	assert_string_equal(id, "tag:supplywatch,2022:lachin/status/2022-12-13");
	tl_event_id(&e, &t.ev[9], id);
	assert_string_equal(id, "tag:supplywatch,2022:lachin/shortage/2022-12-13/2f011a622091b5cf");
	assert_int_equal(t.ev[3].key, 0x90ed1dd7fff399a0u);
	timeline_free(&t);
	eval_free(&e);
	corridor_data_release(d);
}

static void test_paging(void **state)
{
	struct corridor_data *d = scenario();
	struct corridor_eval e;
	struct timeline t;
	struct tl_cursor c;
	char cur[TL_CURSOR_LEN];
	size_t from = 0, pages = 0, seen = 0;

	(void)state;
	evaluate(d, D0 + 5, &e);
	timeline_build(&e, &t);
	tl_cursor_of(&t.ev[6], cur);
	assert_string_equal(cur, "1670918400.5.90ed1dd7fff399a0");
	assert_true(tl_cursor_parse(cur, &c));
	assert_int_equal(c.at, T(1) + 8 * H);
	assert_int_equal(c.kind, TL_CROSSING);
	assert_int_equal(timeline_seek(&t, &c), 7);
	/* Pages of three walk every event once. */
	while (from < t.n) {
		size_t to = timeline_page_end(&t, from, 3);

		assert_true(to > from && to - from <= 3);
		seen += to - from;
		pages++;
		if (to == t.n)
			break;
		tl_cursor_of(&t.ev[to - 1], cur);
		assert_true(tl_cursor_parse(cur, &c));
		from = timeline_seek(&t, &c);
		assert_int_equal(from, to);
	}
	assert_int_equal(seen, 10);
	assert_int_equal(pages, 4);
	/* A cursor between events, or past the oldest. */
	assert_true(tl_cursor_parse("1670918400.0.0000000000000000", &c));
	assert_int_equal(timeline_seek(&t, &c), 6);
	assert_true(tl_cursor_parse("-86400.6.ffffffffffffffff", &c));
	assert_int_equal(c.at, -86400);
	assert_int_equal(timeline_seek(&t, &c), 10);
	assert_int_equal(timeline_page_end(&t, 10, 20), 10);
	timeline_free(&t);
	eval_free(&e);
	corridor_data_release(d);
}

/* Events equal in (at, kind, key) stay on one page: a colliding key cannot hide one. */
static void test_page_keeps_collisions(void **state)
{
	struct tl_event ev[4] = {
		{ .at = 10, .kind = TL_SHORTAGE, .key = 7 }, { .at = 10, .kind = TL_SHORTAGE, .key = 7 },
		{ .at = 10, .kind = TL_SHORTAGE, .key = 7 }, { .at = 9, .kind = TL_SHORTAGE, .key = 7 },
	};
	struct timeline t = { ev, 4, NULL, 0 };

	(void)state;
	assert_int_equal(timeline_page_end(&t, 0, 1), 3);
	assert_int_equal(timeline_page_end(&t, 0, 2), 3);
	assert_int_equal(timeline_page_end(&t, 0, 4), 4);
	assert_int_equal(timeline_page_end(&t, 3, 1), 4);
}

/* Reports disagreeing about one instant: an event per state, the last report's first and unmarked. */
static void test_disagreeing_instant(void **state)
{
	struct corridor_data *d = scenario();
	struct corridor_eval e;
	struct timeline t;
	char id[TL_ID_LEN];

	(void)state;
	d->cev = realloc(d->cev, 7 * sizeof(*d->cev));
	d->cev[4] = (struct crossing_event){ 0, T(5) + 2 * H, D0 + 5, 4 * H, ST_BLOCKED, 1, "https://x.example/1" };
	d->cev[5] = (struct crossing_event){ 0, T(5) + 2 * H, D0 + 5, 4 * H, ST_OPEN, 2, "https://x.example/2" };
	d->cev[6] = (struct crossing_event){ 0, T(5) + 2 * H, D0 + 5, 4 * H, ST_OPEN, 3, "" };
	d->ncev = 7;
	evaluate(d, D0 + 5, &e);
	timeline_build(&e, &t);
	assert_int_equal(t.n, 12);
	assert_int_equal(t.ev[0].kind, TL_CROSSING);
	assert_int_equal(t.ev[0].from, ST_BLOCKED);
	assert_int_equal(t.ev[0].to, ST_OPEN);
	assert_false(t.ev[0].overruled);
	assert_int_equal(t.ev[0].nsrc, 2);
	assert_source(&t, &t.ev[0], 0, 2, "https://x.example/2");
	assert_source(&t, &t.ev[0], 1, 3, "");
	tl_event_id(&e, &t.ev[0], id);
	assert_string_equal(id, "tag:supplywatch,2022:lachin/crossing/2022-12-17T02:00:00Z/24639de0");
	assert_int_equal(t.ev[1].kind, TL_CROSSING);
	assert_int_equal(t.ev[1].from, ST_OPEN);
	assert_int_equal(t.ev[1].to, ST_BLOCKED);
	assert_true(t.ev[1].overruled);
	assert_int_equal(t.ev[1].nsrc, 1);
	tl_event_id(&e, &t.ev[1], id);
	assert_string_equal(id, "tag:supplywatch,2022:lachin/crossing/2022-12-17T02:00:00Z/24639de0/0");
	/* One cursor for both: a page never splits them. */
	assert_int_equal(timeline_page_end(&t, 0, 1), 2);
	timeline_free(&t);
	eval_free(&e);
	corridor_data_release(d);
}

static void test_cursor_parse_rejects(void **state)
{
	static const char *const bad[] = {
		"", "1", "1.2", "1.2.", "1.7.0000000000000000", "1.9.0000000000000000",
		"+1.0.0000000000000000", " 1.0.0000000000000000", "1.0.000000000000000G",
		"1.0.00000000000000000", "1.0.000000000000000", "1.0.ABCDEF0000000000",
		"1.-1.0000000000000000", "1.00.0000000000000000", "99999999999999999999.0.0000000000000000",
		"-.0.0000000000000000", "1x.0.0000000000000000", "1.0.0000000000000000 ",
		"01.0.0000000000000000", "-0.0.0000000000000000", "--1.0.0000000000000000",
	};
	struct tl_cursor c;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (tl_cursor_parse(bad[i], &c))
			fail_msg("accepted \"%s\"", bad[i]);
	assert_true(tl_cursor_parse("0.6.abcdef0123456789", &c));
	assert_int_equal(c.kind, 6);
	assert_int_equal(c.key, 0xabcdef0123456789u);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_events),
		cmocka_unit_test(test_as_of),
		cmocka_unit_test(test_ids),
		cmocka_unit_test(test_paging),
		cmocka_unit_test(test_page_keeps_collisions),
		cmocka_unit_test(test_disagreeing_instant),
		cmocka_unit_test(test_cursor_parse_rejects),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
