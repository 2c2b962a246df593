/* The blockade rules, day by day.  Patterns: one character per day. */
#include <setjmp.h>
#include <stdio.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "core/rules.h"

/*
 * B blocked by flows (5 of 400)   R restricted (100)   O open (400)
 * . nobody reported               b declared blocked, no trucks
 * o declared open, no trucks      k declared blocked, flows open
 * K declared open, flows blocked  r declared restricted, no trucks
 */
#define D0 19338	/* 2022-12-12 */

static struct sw_corridor corridor(void)
{
	struct sw_corridor c;

	memset(&c, 0, sizeof(c));
	c.id = (char *)"lachin";
	c.baseline_trucks_per_day = 400;
	c.blocked_below_pct = 10;
	c.restricted_below_pct = 50;
	c.max_gap_days = 2;
	c.reopen_after_days = 7;
	return c;
}

static size_t build(const char *pattern, struct day *days)
{
	size_t n = strlen(pattern);

	memset(days, 0, n * sizeof(*days));
	for (size_t i = 0; i < n; i++) {
		struct day *d = &days[i];

		d->date = D0 + (int64_t)i;
		d->declared = ST_UNKNOWN;
		switch (pattern[i]) {
		case 'B': d->reported = true; d->trucks = 5; break;
		case 'R': d->reported = true; d->trucks = 100; break;
		case 'O': d->reported = true; d->trucks = 400; break;
		case 'b': d->declared = ST_BLOCKED; break;
		case 'o': d->declared = ST_OPEN; break;
		case 'r': d->declared = ST_RESTRICTED; break;
		case 'k': d->declared = ST_BLOCKED; d->reported = true; d->trucks = 400; break;
		case 'K': d->declared = ST_OPEN; d->reported = true; d->trucks = 5; break;
		default: break;
		}
		d->sources = d->reported;
		d->min = d->max = (int32_t)d->trucks;
	}
	return n;
}

/* Runs the rules; returns periods as "first-last" offsets ("*" = ongoing). */
static char *run(const char *pattern, const struct sw_corridor *c, char *inb)
{
	static char out[256];
	struct day days[128];
	struct period p[128];
	size_t n = build(pattern, days), np = rules_apply(c, days, n, p), used = 0;

	out[0] = '\0';
	for (size_t i = 0; i < np; i++)
		used += (size_t)snprintf(out + used, sizeof(out) - used, "%s%lld-%lld%s:%lld",
			i ? " " : "", (long long)(p[i].first - D0), (long long)(p[i].last - D0),
			p[i].ongoing ? "*" : "", (long long)p[i].days);
	if (inb) {
		for (size_t i = 0; i < n; i++)
			inb[i] = days[i].in_blockade ? '#' : '-';
		inb[n] = '\0';
	}
	return out;
}

static void flow_thresholds_are_strict(void **state)
{
	struct sw_corridor c = corridor();

	(void)state;
	assert_int_equal(rules_flow_status(&c, false, 0), ST_UNKNOWN);
	assert_int_equal(rules_flow_status(&c, true, 0), ST_BLOCKED);
	assert_int_equal(rules_flow_status(&c, true, 39), ST_BLOCKED);	/* 9.75% */
	assert_int_equal(rules_flow_status(&c, true, 40), ST_RESTRICTED);	/* exactly 10% */
	assert_int_equal(rules_flow_status(&c, true, 199), ST_RESTRICTED);
	assert_int_equal(rules_flow_status(&c, true, 200), ST_OPEN);	/* exactly 50% */
	assert_int_equal(rules_flow_status(&c, true, 5000), ST_OPEN);
}

static void gap_of_exactly_max_gap_days_is_carried(void **state)
{
	struct sw_corridor c = corridor();
	char inb[64];

	(void)state;
	assert_string_equal(run("BB..BB", &c, inb), "0-5*:6");
	assert_string_equal(inb, "######");
}

static void gap_of_one_more_day_ends_the_period(void **state)
{
	struct sw_corridor c = corridor();
	char inb[64];

	(void)state;
	assert_string_equal(run("BB...BB", &c, inb), "0-1:2 5-6*:2");
	assert_string_equal(inb, "##---##");
}

static void gap_at_the_end_still_pending(void **state)
{
	struct sw_corridor c = corridor();
	char inb[64];

	(void)state;
	/* Two unknown days at D: the blockade is still on, day 4. */
	assert_string_equal(run("BB..", &c, inb), "0-1*:4");
	assert_string_equal(inb, "####");
	/* A third one ends it: the period was two days. */
	assert_string_equal(run("BB...", &c, inb), "0-1:2");
	assert_string_equal(inb, "##---");
}

static void open_run_one_short_does_not_end_it(void **state)
{
	struct sw_corridor c = corridor();
	char inb[64];

	(void)state;
	/* One good day does not end a blockade; nor do six. */
	assert_string_equal(run("BBOBB", &c, NULL), "0-4*:5");
	assert_string_equal(run("BBOOOOOOBB", &c, inb), "0-9*:10");
	assert_string_equal(inb, "##########");
}

static void open_run_of_reopen_after_days_ends_it(void **state)
{
	struct sw_corridor c = corridor();
	char inb[64];

	(void)state;
	assert_string_equal(run("BBOOOOOOOBB", &c, inb), "0-1:2 9-10*:2");
	assert_string_equal(inb, "##-------##");
}

static void unknown_days_neither_count_nor_break_an_open_run(void **state)
{
	struct sw_corridor c = corridor();

	(void)state;
	assert_string_equal(run("BOOO.OOO", &c, NULL), "0-0*:8");
	assert_string_equal(run("BOOO.OOOO", &c, NULL), "0-0:1");
	/* ... but open days do break a run of unknown ones. */
	assert_string_equal(run("B..O..O..B", &c, NULL), "0-9*:10");
}

static void declared_open_ends_it_at_once(void **state)
{
	struct sw_corridor c = corridor();
	char inb[64];

	(void)state;
	assert_string_equal(run("BBo", &c, inb), "0-1:2");
	assert_string_equal(inb, "##-");
	assert_string_equal(run("BBoBB", &c, NULL), "0-1:2 3-4*:2");
	/* Declared open, flows blocked: the declaration decides. */
	assert_string_equal(run("BBK", &c, NULL), "0-1:2");
}

static void declared_status_wins_and_disagreement_is_flagged(void **state)
{
	struct sw_corridor c = corridor();
	struct day days[8];
	struct period p[8];
	size_t n = build("kKrO.", days);

	(void)state;
	rules_apply(&c, days, n, p);
	assert_int_equal(days[0].status, ST_BLOCKED);
	assert_int_equal(days[0].basis, BASIS_DECLARED);
	assert_int_equal(days[0].flow, ST_OPEN);
	assert_true(days[0].disagree);
	assert_int_equal(days[1].status, ST_OPEN);
	assert_int_equal(days[1].flow, ST_BLOCKED);
	assert_true(days[1].disagree);
	assert_int_equal(days[2].status, ST_RESTRICTED);
	assert_int_equal(days[2].flow, ST_UNKNOWN);
	assert_false(days[2].disagree);
	assert_int_equal(days[3].basis, BASIS_FLOWS);
	assert_false(days[3].disagree);
	assert_int_equal(days[4].status, ST_UNKNOWN);
	assert_int_equal(days[4].basis, BASIS_NONE);
	/* Declared blocked with trucks flowing still starts a blockade. */
	assert_string_equal(run("kk", &c, NULL), "0-1*:2");
}

static void restricted_days_carry_but_never_start_a_period(void **state)
{
	struct sw_corridor c = corridor();

	(void)state;
	assert_string_equal(run("RRRR", &c, NULL), "");
	assert_string_equal(run("RRBRRR", &c, NULL), "2-5*:4");
	assert_string_equal(run("..B", &c, NULL), "2-2*:1");
	assert_string_equal(run("brrb", &c, NULL), "0-3*:4");
}

static void period_ongoing_at_D_ends_later(void **state)
{
	struct sw_corridor c = corridor();
	const char *history = "BBBOOOOOOOB";
	char prefix[32], inb[64];

	(void)state;
	/* As of the 5th open day the blockade is on (its stretch has not completed)... */
	snprintf(prefix, sizeof(prefix), "%.8s", history);
	assert_string_equal(run(prefix, &c, inb), "0-2*:8");
	assert_string_equal(inb, "########");
	/* ... as of the 7th open day it ended on day 2, and D is outside it. */
	snprintf(prefix, sizeof(prefix), "%.10s", history);
	assert_string_equal(run(prefix, &c, inb), "0-2:3");
	assert_string_equal(inb, "###-------");
	assert_string_equal(run(history, &c, NULL), "0-2:3 10-10*:1");
}

static void other_settings_change_the_rules(void **state)
{
	struct sw_corridor c = corridor();

	(void)state;
	c.max_gap_days = 0;
	assert_string_equal(run("B.B", &c, NULL), "0-0:1 2-2*:1");
	c.reopen_after_days = 1;
	assert_string_equal(run("BOB", &c, NULL), "0-0:1 2-2*:1");
}

static void blockade_summary_counts(void **state)
{
	struct sw_corridor c = corridor();
	struct day days[128];
	struct period p[128];
	struct blockade_summary b;
	char pattern[128];
	size_t n, np;

	(void)state;
	/* 40 blocked days, 7 open (ends it), 3 unknown... then 50 days blocked to D. */
	memset(pattern, 0, sizeof(pattern));
	memset(pattern, 'B', 40);
	memcpy(pattern + 40, "OOOOOOO", 7);
	memset(pattern + 47, 'B', 43);
	memcpy(pattern + 90, "R.", 2);
	n = build(pattern, days);
	np = rules_apply(&c, days, n, p);
	rules_blockade(days, n, p, np, &b);
	assert_int_equal(np, 2);
	assert_true(b.active);
	assert_true(b.ongoing);
	assert_int_equal(b.since, D0 + 47);
	assert_int_equal(b.day_n, 92 - 47);
	assert_int_equal(b.longest_days, 45);
	/* Last 30 days: 28 blocked, R and . are not. Last 90: 43 + 38. */
	assert_int_equal(b.blocked_30d, 28);
	assert_int_equal(b.blocked_90d, 43 + 38);
}

static void no_blockade_summary(void **state)
{
	struct sw_corridor c = corridor();
	struct day days[16];
	struct period p[16];
	struct blockade_summary b;
	size_t n = build("BBOOOOOOOO", days), np = rules_apply(&c, days, n, p);

	(void)state;
	rules_blockade(days, n, p, np, &b);
	assert_false(b.active);
	assert_int_equal(b.longest_days, 2);
	assert_int_equal(b.blocked_30d, 2);
}

static void trucks_average_over_reported_days(void **state)
{
	struct sw_corridor c = corridor();
	struct day days[16];
	struct period p[16];
	struct blockade_summary b;
	struct trucks_summary t;
	size_t n = build("OOBB.B.B", days), np;

	(void)state;
	days[3].trucks = 8;
	days[5].trucks = 2;
	days[7].trucks = 6;
	days[7].sources = 2;
	np = rules_apply(&c, days, n, p);
	rules_blockade(days, n, p, np, &b);
	rules_trucks(&c, days, n, &b, &t);
	assert_true(t.has_on_day);
	assert_int_equal(t.on_day, 6);
	assert_false(t.has_previous);		/* D-1 unreported: null, never 0 */
	/* Last 7 days: O(400) B(5) B(8) . B(2) . B(6) -> 421/5 */
	assert_int_equal(t.days_reported_7d, 5);
	assert_true(t.avg_7d > 84.19 && t.avg_7d < 84.21);
	assert_true(t.pct_of_baseline > 21.04 && t.pct_of_baseline < 21.06);
	assert_int_equal(t.sources_on_day, 2);
	/* Blockade since day 2: deficit over reported days, unreported beside it. */
	assert_true(t.has_deficit);
	assert_int_equal(t.deficit, (400 - 5) + (400 - 8) + (400 - 2) + (400 - 6));
	assert_int_equal(t.unreported_in_blockade, 2);
}

static void trucks_without_reports(void **state)
{
	struct sw_corridor c = corridor();
	struct day days[4];
	struct period p[4];
	struct blockade_summary b;
	struct trucks_summary t;
	size_t n = build("....", days), np = rules_apply(&c, days, n, p);

	(void)state;
	rules_blockade(days, n, p, np, &b);
	rules_trucks(&c, days, n, &b, &t);
	assert_false(t.has_on_day);
	assert_false(t.has_avg);
	assert_int_equal(t.days_reported_7d, 0);
	assert_false(t.has_deficit);
}

static struct disruption dis(int service, const char *name, const char *loc, int64_t start,
			     int64_t end, int64_t people)
{
	struct disruption d = { service, name, loc, start * 86400, start, 14400, end >= 0, 0, 0, people };

	if (end >= 0) {
		d.ended_at = end * 86400 + 3600;
		d.end_day = end;
	}
	return d;
}

static void disruptions_ongoing_merged_and_counted(void **state)
{
	struct disruption d[] = {
		dis(0, "gas", "Stepanakert", D0 + 5, -1, 120000),
		dis(0, "gas", "Stepanakert", D0 + 3, -1, 100000),	/* another NGO, same cut */
		dis(1, "electricity", "Stepanakert", D0 + 1, D0 + 4, -1),
		dis(1, "electricity", "Martuni", D0 + 8, D0 + 10, 5000),	/* ends on D */
		dis(2, "water", "", D0 + 11, -1, -1),			/* starts after D */
	};
	struct ongoing o[5];
	size_t n;

	(void)state;
	n = rules_ongoing(d, 5, D0 + 10, o);
	assert_int_equal(n, 1);
	assert_string_equal(o[0].service_name, "gas");
	assert_int_equal(o[0].since_day, D0 + 3);
	assert_int_equal(o[0].days, 8);
	assert_int_equal(o[0].people, 120000);
	assert_int_equal(o[0].reports, 2);
	n = rules_ongoing(d, 5, D0 + 9, o);
	assert_int_equal(n, 2);
	assert_string_equal(o[0].service_name, "gas");
	assert_string_equal(o[1].location, "Martuni");
	/* Days in effect within [D-29, D]: 1..4 and 8..10 -> 7 for electricity. */
	assert_int_equal(rules_days_disrupted(d, 5, 1, D0 + 10), 7);
	assert_int_equal(rules_days_disrupted(d, 5, 0, D0 + 10), 8);
	assert_int_equal(rules_days_disrupted(d, 5, 2, D0 + 10), 0);
	/* Clipped to the last 30 days. */
	assert_int_equal(rules_days_disrupted(d, 5, 0, D0 + 100), 30);
	assert_int_equal(rules_days_disrupted(d, 5, 1, D0 + 100), 0);
}

static void shortages_latest_per_org_worst_across(void **state)
{
	/* Sorted by (item_key, location, org, day), as the loader returns them. */
	struct shortage s[] = {
		{ "baby formula", "Baby formula", "Stepanakert", 1, D0 + 1, 2 },
		{ "baby formula", "Baby formula", "Stepanakert", 1, D0 + 3, 4 },
		{ "baby formula", "Baby formula", "Stepanakert", 1, D0 + 6, 4 },
		{ "baby formula", "baby formula", "Stepanakert", 2, D0 + 7, 3 },
		{ "bread", "bread", "Stepanakert", 1, D0 + 2, 3 },
		{ "bread", "bread", "Stepanakert", 1, D0 + 9, 0 },
		{ "insulin", "Insulin", "", 2, D0 + 4, 3 },
		{ "insulin", "Insulin", "", 2, D0 + 20, 4 },
	};
	struct shortage_state st[8];
	size_t n;

	(void)state;
	n = rules_shortages(s, 8, D0 + 10, st);
	assert_int_equal(n, 2);
	assert_string_equal(st[0].item, "Baby formula");
	assert_int_equal(st[0].severity, 4);
	assert_int_equal(st[0].since, D0 + 3);
	assert_int_equal(st[0].days, 8);
	assert_string_equal(st[1].item, "Insulin");
	assert_int_equal(st[1].severity, 3);
	assert_string_equal(st[1].location, "");
	/* Earlier D: bread severe, formula moderate(2) vs nothing else. */
	n = rules_shortages(s, 8, D0 + 2, st);
	assert_int_equal(n, 2);
	assert_string_equal(st[0].item, "bread");
	assert_int_equal(st[1].severity, 2);
	assert_int_equal(rules_shortages(s, 8, D0, st), 0);
}

static void status_names_round_trip(void **state)
{
	(void)state;
	assert_string_equal(status_name(ST_UNKNOWN), "unknown");
	assert_string_equal(status_name(ST_BLOCKED), "blocked");
	assert_int_equal(status_parse("restricted"), ST_RESTRICTED);
	assert_int_equal(status_parse("open"), ST_OPEN);
	assert_int_equal(status_parse("closed"), ST_UNKNOWN);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(flow_thresholds_are_strict),
		cmocka_unit_test(gap_of_exactly_max_gap_days_is_carried),
		cmocka_unit_test(gap_of_one_more_day_ends_the_period),
		cmocka_unit_test(gap_at_the_end_still_pending),
		cmocka_unit_test(open_run_one_short_does_not_end_it),
		cmocka_unit_test(open_run_of_reopen_after_days_ends_it),
		cmocka_unit_test(unknown_days_neither_count_nor_break_an_open_run),
		cmocka_unit_test(declared_open_ends_it_at_once),
		cmocka_unit_test(declared_status_wins_and_disagreement_is_flagged),
		cmocka_unit_test(restricted_days_carry_but_never_start_a_period),
		cmocka_unit_test(period_ongoing_at_D_ends_later),
		cmocka_unit_test(other_settings_change_the_rules),
		cmocka_unit_test(blockade_summary_counts),
		cmocka_unit_test(no_blockade_summary),
		cmocka_unit_test(trucks_average_over_reported_days),
		cmocka_unit_test(trucks_without_reports),
		cmocka_unit_test(disruptions_ongoing_merged_and_counted),
		cmocka_unit_test(shortages_latest_per_org_worst_across),
		cmocka_unit_test(status_names_round_trip),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
