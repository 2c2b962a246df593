/* Counting points side by side, movements and crossings: exact figures. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "core/movement.h"
#include "core/rules.h"
#include "core/stage.h"

#define D0 19338	/* 2022-12-12 */
#define OD(org, stage, day, n) { org, stage, D0 + (day), n }

static void stage_names_parse(void **state)
{
	(void)state;
	for (int s = 0; s < NSTAGES; s++)
		assert_int_equal(stage_parse(stage_names[s]), s);
	assert_int_equal(stage_parse("crossed"), STAGE_DEFAULT);
	assert_int_equal(stage_parse("Crossed"), -1);
	assert_int_equal(stage_parse(NULL), -1);
	assert_null(stage_names[NSTAGES]);
}

/* Two organisations at one stage, by date: max or sum, sources and spread. */
static void reconcile_max_and_sum(void **state)
{
	const struct org_day rows[] = {
		OD(1, STAGE_CROSSED, 0, 10), OD(2, STAGE_CROSSED, 0, 14), OD(1, STAGE_CROSSED, 2, 0),
	};
	struct stage_day out[3];
	size_t n;

	(void)state;
	n = stage_reconcile(rows, 3, false, out);
	assert_int_equal(n, 2);
	assert_int_equal(out[0].date, D0);
	assert_int_equal(out[0].trucks, 14);
	assert_int_equal(out[0].sources, 2);
	assert_int_equal(out[0].min, 10);
	assert_int_equal(out[0].max, 14);
	assert_int_equal(out[1].date, D0 + 2);
	assert_int_equal(out[1].trucks, 0);
	assert_int_equal(out[1].sources, 1);
	n = stage_reconcile(rows, 3, true, out);
	assert_int_equal(n, 2);
	assert_int_equal(out[0].trucks, 24);
	assert_int_equal(stage_reconcile(rows, 0, true, out), 0);
}

static void summary_over_reported_days(void **state)
{
	const struct stage_day s[] = {
		{ D0, 9, 1, 9, 9, 0 }, { D0 + 3, 4, 2, 3, 4, 0 }, { D0 + 8, 7, 1, 7, 7, 0 },
	};
	struct stage_summary x;

	(void)state;
	stage_summarise(s, 3, D0 - 1, &x);
	assert_false(x.present);
	assert_false(x.has_avg);
	/* D0+8: reported days in D0+2 .. D0+8 are D0+3 and D0+8. */
	stage_summarise(s, 3, D0 + 8, &x);
	assert_true(x.present);
	assert_true(x.has_on_day);
	assert_int_equal(x.on_day, 7);
	assert_int_equal(x.days_reported_7d, 2);
	assert_true(x.avg_7d == 5.5);
	assert_int_equal(x.sources_on_day, 1);
	/* D0+7: nothing that day, the last is D0+3. */
	stage_summarise(s, 3, D0 + 7, &x);
	assert_false(x.has_on_day);
	assert_true(x.has_last);
	assert_int_equal(x.last_date, D0 + 3);
	assert_int_equal(x.last_trucks, 4);
	assert_int_equal(x.days_reported_7d, 1);
	assert_true(x.avg_7d == 4.0);
	/* D0+10: D0+3 has left the window. */
	stage_summarise(s, 3, D0 + 10, &x);
	assert_int_equal(x.days_reported_7d, 1);
	assert_true(x.avg_7d == 7.0);
	assert_ptr_equal(stage_find(s, 3, D0 + 3), &s[1]);
	assert_null(stage_find(s, 3, D0 + 4));
	assert_null(stage_find(s, 0, D0));
}

/* By crossing over D-6 .. D: per key, the reconciled days in the window summed. */
static void split_last_seven_days(void **state)
{
	const struct split_row rows[] = {
		{ D0 + 1, 0, 8 }, { D0 + 1, 2, 4 },	/* before the window (D = D0+8) */
		{ D0 + 2, 0, 6 },
		{ D0 + 5, 1, 10 },
		{ D0 + 8, 0, 2 },
		{ D0 + 9, 1, 7 },			/* after D */
	};
	struct split_total out[3];
	size_t n;

	(void)state;
	n = stage_split_7d(rows, 6, 3, D0 + 8, out);
	assert_int_equal(n, 2);
	assert_int_equal(out[0].key, 0);
	assert_int_equal(out[0].trucks, 6 + 2);
	assert_int_equal(out[0].days, 2);
	assert_int_equal(out[1].key, 1);
	assert_int_equal(out[1].trucks, 10);
	assert_int_equal(out[1].days, 1);
	n = stage_split_7d(rows, 6, 3, D0 + 9, out);
	assert_int_equal(n, 2);
	assert_int_equal(out[1].trucks, 17);
	assert_int_equal(stage_split_7d(rows, 6, 3, D0 - 1, out), 0);
	assert_int_equal(stage_split_7d(rows, 0, 3, D0 + 8, out), 0);
}

/*
 * Two organisations at two stages: org 1 counts at the crossing (the
 * headline), org 2 collects on the other side.  The worked example of
 * docs/indicators.md: over the days both reported, 190 + 150 against
 * 231 + 180 is 340 / 411 = 0.827.
 */
static void sources_side_by_side(void **state)
{
	const struct org_day rows[] = {
		OD(1, STAGE_CROSSED, 0, 231), OD(1, STAGE_CROSSED, 1, 180), OD(1, STAGE_CROSSED, 2, 200),
		OD(2, STAGE_COLLECTED, 0, 190), OD(2, STAGE_COLLECTED, 1, 150), OD(2, STAGE_COLLECTED, 3, 90),
		OD(2, STAGE_WAITING, 3, 40),
	};
	const struct stage_day headline[] = {
		{ D0, 231, 1, 231, 231, 0 }, { D0 + 1, 180, 1, 180, 180, 0 }, { D0 + 2, 200, 1, 200, 200, 0 },
	};
	struct source_figures f[7];
	size_t n;

	(void)state;
	n = stage_sources(rows, 7, headline, 3, D0, D0 + 3, f);
	assert_int_equal(n, 3);
	assert_int_equal(f[0].org, 1);
	assert_int_equal(f[0].stage, STAGE_CROSSED);
	assert_int_equal(f[0].days_reported, 3);
	assert_int_equal(f[0].total, 611);
	assert_true(f[0].has_ratio);
	assert_true(f[0].ratio == 1.0);
	assert_int_equal(f[1].org, 2);
	assert_int_equal(f[1].stage, STAGE_COLLECTED);
	assert_int_equal(f[1].days_reported, 3);
	assert_int_equal(f[1].total, 430);
	assert_int_equal(f[1].days_compared, 2);
	assert_int_equal(f[1].total_compared, 340);
	assert_int_equal(f[1].headline_compared, 411);
	assert_true(f[1].ratio == 340.0 / 411.0);
	assert_true(f[1].mean == 430.0 / 3);
	/* The stock is reported, never compared. */
	assert_int_equal(f[2].stage, STAGE_WAITING);
	assert_int_equal(f[2].days_compared, 0);
	assert_false(f[2].has_ratio);
	/* A range with no common day: no ratio; outside every report: nobody. */
	n = stage_sources(rows, 7, headline, 3, D0 + 3, D0 + 3, f);
	assert_int_equal(n, 2);
	assert_false(f[0].has_ratio);
	assert_int_equal(stage_sources(rows, 7, headline, 3, D0 + 9, D0 + 9, f), 0);
}

static struct movement mv(int day, int outcome, int64_t public_at)
{
	struct movement m;

	memset(&m, 0, sizeof(m));
	m.planned = D0 + day;
	m.outcome = outcome;
	m.public_at = public_at;
	m.purpose = m.from = m.to = m.crossing = "";
	return m;
}

static void movements_counted_and_listed(void **state)
{
	const int64_t now = 1000;
	const struct movement m[] = {
		mv(0, OUT_DENIED, 0),		/* outside the 30 days to D0+30 */
		mv(1, OUT_FACILITATED, 0), mv(2, OUT_IMPEDED, 0), mv(20, OUT_DENIED, 0),
		mv(29, OUT_POSTPONED, 0), mv(30, OUT_DENIED, now + 1),	/* embargoed */
	};
	struct movement_summary s;

	(void)state;
	movement_summarise(m, 6, D0 + 30, D0 + 30, now, &s);
	assert_int_equal(s.total_30d, 5);
	assert_int_equal(s.by_outcome_30d[OUT_DENIED], 2);
	assert_int_equal(s.by_outcome_30d[OUT_IMPEDED], 1);
	assert_int_equal(s.by_outcome_30d[OUT_FACILITATED], 1);
	assert_int_equal(s.by_outcome_30d[OUT_POSTPONED], 1);
	assert_true(s.has_pct);
	assert_true(s.denied_or_impeded_pct == 60.0);
	assert_int_equal(s.embargoed_30d, 1);
	/* Listed newest first, never the embargoed one. */
	assert_int_equal(s.nlisted, 4);
	assert_ptr_equal(s.listed[0], &m[4]);
	assert_ptr_equal(s.listed[3], &m[1]);
	/* A past D leaves the embargoed one out altogether. */
	movement_summarise(m, 6, D0 + 29, D0 + 30, now, &s);
	assert_int_equal(s.total_30d, 5);
	assert_int_equal(s.embargoed_30d, 0);
	assert_int_equal(s.by_outcome_30d[OUT_DENIED], 2);
	movement_summarise(m, 6, D0 - 5, D0 + 30, now, &s);
	assert_false(s.has_pct);
	assert_int_equal(movement_next_release(m, 6, now), now + 1);
	assert_int_equal(movement_next_release(m, 6, now + 1), 0);
}

#define EV(c, day, status) { c, (int64_t)(D0 + (day)) * 86400 + 3600, D0 + (day), 0, status }

/* As of D0+40 (window D0+11 .. D0+40). */
static void crossing_states(void **state)
{
	const struct crossing_event ev[] = {
		EV(0, 0, ST_OPEN),		/* before the window: the state it starts in */
		EV(0, 15, ST_BLOCKED),		/* a closure: open D0+11..14 = 4 days */
		EV(1, 16, ST_BLOCKED),
		EV(0, 15, ST_BLOCKED),		/* the same state again: no new closure */
		EV(0, 20, ST_RESTRICTED),
		EV(0, 30, ST_OPEN),		/* open D0+30..40 = 11 days */
		EV(1, 41, ST_OPEN),		/* after D: not known yet */
	};
	struct crossing_state out[3];

	(void)state;
	movement_crossings(ev, 7, 3, D0 + 40, out);
	assert_int_equal(out[0].state, ST_OPEN);
	assert_int_equal(out[0].since, (int64_t)(D0 + 30) * 86400 + 3600);
	assert_int_equal(out[0].open_days_30d, 4 + 11);
	assert_int_equal(out[0].closures_30d, 1);
	assert_int_equal(out[1].state, ST_BLOCKED);
	assert_int_equal(out[1].since, (int64_t)(D0 + 16) * 86400 + 3600);
	assert_int_equal(out[1].open_days_30d, 0);
	assert_int_equal(out[1].closures_30d, 1);
	assert_int_equal(out[2].state, ST_UNKNOWN);
	assert_int_equal(out[2].since, 0);
	assert_int_equal(out[2].open_days_30d, 0);
}

/* The tolerance's edges, exactly: 100 and 90 lie within 10%, 100 and 89 do not. */
static void corroboration_edges(void **state)
{
	(void)state;
	assert_int_equal(stage_corroboration(0, 0, 0, 10), CORR_NONE);
	assert_int_equal(stage_corroboration(1, 50, 50, 10), CORR_SINGLE);
	assert_int_equal(stage_corroboration(2, 90, 100, 10), CORR_CORROBORATED);
	assert_int_equal(stage_corroboration(2, 89, 100, 10), CORR_DISAGREE);
	assert_int_equal(stage_corroboration(3, 9, 10, 10), CORR_CORROBORATED);
	assert_int_equal(stage_corroboration(2, 8, 10, 10), CORR_DISAGREE);
	/* 0 and 0 agree; 0 and 1 differ by all of the larger. */
	assert_int_equal(stage_corroboration(2, 0, 0, 10), CORR_CORROBORATED);
	assert_int_equal(stage_corroboration(2, 0, 1, 10), CORR_DISAGREE);
	assert_int_equal(stage_corroboration(2, 0, 1, 100), CORR_CORROBORATED);
	/* pct 0: only equal counts corroborate. */
	assert_int_equal(stage_corroboration(2, 7, 7, 0), CORR_CORROBORATED);
	assert_int_equal(stage_corroboration(2, 6, 7, 0), CORR_DISAGREE);
	/* Counts saturate at INT32_MAX: no overflow at the top. */
	assert_int_equal(stage_corroboration(2, 2147483647 - 1, 2147483647, 1), CORR_CORROBORATED);
	assert_string_equal(corroboration_names[CORR_DISAGREE], "sources disagree");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(stage_names_parse),
		cmocka_unit_test(reconcile_max_and_sum),
		cmocka_unit_test(summary_over_reported_days),
		cmocka_unit_test(split_last_seven_days),
		cmocka_unit_test(sources_side_by_side),
		cmocka_unit_test(movements_counted_and_listed),
		cmocka_unit_test(crossing_states),
		cmocka_unit_test(corroboration_edges),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
