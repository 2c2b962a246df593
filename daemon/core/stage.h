/*
 * stage: where along the way a truck count was taken, and the series each
 * counting point makes (design.md, "Counting points and sources side by
 * side").  Every stage is its own series: reconciliation combines
 * organisations reporting the same stage, never two stages.  WAITING is a
 * stock (trucks standing at the crossing when observed), never summed over
 * days, never part of a flow.
 *
 * Pure: the loader fills the inputs, these functions compute as of a
 * local date D.  Dates are days since 1970-01-01 in the corridor's zone.
 */
#ifndef SW_STAGE_H
#define SW_STAGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum stage {
	STAGE_DISPATCHED, STAGE_INSPECTED, STAGE_CROSSED, STAGE_COLLECTED, STAGE_DELIVERED,
	STAGE_INTERCEPTED, STAGE_WAITING, NSTAGES
};
#define STAGE_DEFAULT STAGE_CROSSED

extern const char *const stage_names[];		/* indexed by enum stage; NULL-terminated */
extern const char *const stage_labels[];	/* "counted at the crossing", ... for pages */

/* The stage called s, or -1. */
int stage_parse(const char *s);

/* One reconciled day of a stage's series (days nobody reported are absent). */
struct stage_day {
	int64_t date;
	int64_t trucks;		/* max or sum across organisations, per the corridor */
	int sources;
	int64_t min, max;
	int64_t observed_at;	/* WAITING: the latest instant observed that day; 0 = a date only */
};

/*
 * One organisation's value of a day at a stage: for a flow, the sum of its
 * current inbound reports; for WAITING, its latest observation of the day.
 * Sorted by (org, stage, date).
 */
struct org_day {		/* 16 bytes: a corridor holds one per organisation, stage and day */
	int32_t org;		/* the organisation's id */
	int32_t stage;
	int32_t date;
	int32_t trucks;		/* saturates at INT32_MAX (reports hold at most 100,000 each) */
};

/*
 * Reconciles org_day values of one stage into a sparse series: rows must
 * be sorted by date; sum chooses "sum" over "max".  Returns the days
 * written to out (capacity n).
 */
size_t stage_reconcile(const struct org_day *rows, size_t n, bool sum, struct stage_day *out);

/*
 * Corroboration of a day's count at a stage (design.md, "Corroborated"):
 * one organisation is a single source; two or more corroborate each other
 * when their counts lie within pct percent of each other, that is when
 * the largest and the smallest differ by at most pct percent of the
 * largest ((max - min) * 100 <= pct * max, exact in integers); otherwise
 * the sources disagree.  CORR_NONE: nobody reported.
 */
enum corroboration { CORR_NONE = -1, CORR_SINGLE, CORR_CORROBORATED, CORR_DISAGREE };
extern const char *const corroboration_names[];	/* "single source", ...; indexed by enum */
int stage_corroboration(int sources, int64_t min, int64_t max, int64_t pct);

/* Where a stage stands at D. */
struct stage_summary {
	bool present;		/* the stage has a report on or before D */
	bool has_on_day, has_avg;
	int64_t on_day;
	double avg_7d;		/* over the days reported in D-6 .. D */
	int days_reported_7d;
	int sources_on_day;
	bool has_last;		/* its latest reported day on or before D */
	int64_t last_date, last_trucks;
};
void stage_summarise(const struct stage_day *s, size_t n, int64_t D, struct stage_summary *out);

/* The reconciled day of date in s (sorted), or NULL. */
const struct stage_day *stage_find(const struct stage_day *s, size_t n, int64_t date);

/*
 * A breakdown of the headline series (by crossing or by cargo): for each
 * key and day, the organisations' sums reconciled like the series (the
 * loader does that: one row per key and day); over D-6 .. D, per key, the
 * total and the days it was reported.
 */
struct split_row {
	int32_t date;
	int32_t key;		/* crossing or cargo index, 0 .. nkeys - 1 */
	int64_t trucks;
};
struct split_total {
	int key;
	int64_t trucks;
	int days;
};
/*
 * rows: one per (key, date), sorted by date; out has room for nkeys.
 * Writes the keys reported in the window, in key order; returns how many.
 */
size_t stage_split_7d(const struct split_row *rows, size_t n, size_t nkeys, int64_t D,
		      struct split_total *out);

/*
 * Sources side by side over [from, to]: for one organisation's series at
 * one stage, the days it reported, its total and mean per reported day,
 * and its total against the headline series' total over the days both
 * reported.
 */
struct source_figures {
	int org;
	int stage;
	int days_reported;
	int64_t total;
	double mean;
	int days_compared;	/* days both reported */
	int64_t total_compared, headline_compared;
	bool has_ratio;		/* headline_compared > 0 */
	double ratio;
};
/*
 * rows: every org_day, sorted by (org, stage, date); headline: the reconciled
 * headline series, sorted.  Writes one entry per (organisation, stage)
 * with a report in [from, to] to out (capacity n); returns how many.
 */
size_t stage_sources(const struct org_day *rows, size_t n, const struct stage_day *headline,
		     size_t nh, int64_t from, int64_t to, struct source_figures *out);

#endif
