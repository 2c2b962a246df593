/*
 * eval: a corridor's inputs and their evaluation as of a local date D.
 *
 * corridor_data holds what the loader read for one corridor: its daily
 * series from the first reported day to its local today, its disruptions
 * and shortages, and its freshness.  It never changes once filled and is
 * shared by reference between successive snapshots (an unchanged corridor
 * is not read again).  eval_corridor applies the rules to it as of any D
 * up to today: a day's inputs never depend on later days, so a past as_of
 * needs no other data.  Pure: no I/O.
 */
#ifndef SW_EVAL_H
#define SW_EVAL_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/config.h"
#include "core/report.h"
#include "core/rules.h"
#include "util/strbuf.h"

struct freshness {
	int64_t last_report_at;			/* instant; 0 = never */
	int64_t last_by_kind[KIND_COUNT];
	int organisations_30d;			/* reporting in the 30 days to D */
	int64_t end_of_day;			/* instant D ends, for "stale" */
};

struct corridor_data {
	atomic_int refs;			/* shared by successive snapshots */
	const struct sw_corridor *c;
	int64_t today;				/* local date */
	int64_t next_midnight;			/* instant today ends */
	struct day *days;			/* first reported day .. today; may be empty */
	size_t ndays;
	struct disruption *dis;
	size_t ndis;
	struct shortage *sh;
	size_t nsh;
	struct freshness fresh;			/* as of today */
	struct strbuf strings;			/* backing store of dis/sh strings */
};

/* A corridor evaluated as of D. */
struct corridor_eval {
	const struct corridor_data *data;
	int64_t D;
	struct day *days;			/* inputs ..D with results; n >= 1, days[n-1] is D */
	size_t n;
	struct period *periods;
	size_t np;
	struct blockade_summary blockade;
	struct trucks_summary trucks;
	struct ongoing *ongoing;
	size_t nongoing;
	struct shortage_state *shortages;
	size_t nshortages;
	int shortage_counts[NSEVERITIES];
	int service_days_30d[NSERVICES];
	struct freshness fresh;
	bool stale;
	bool written;				/* the write-back for analysts succeeded */
};

/* A new, empty corridor_data of c with one reference. */
struct corridor_data *corridor_data_new(const struct sw_corridor *c);
struct corridor_data *corridor_data_ref(struct corridor_data *d);
void corridor_data_release(struct corridor_data *d);

/*
 * Evaluation as of D (D <= data->today), with the corridor's freshness;
 * now and stale_after_s decide "stale".  eval_free releases what it holds.
 */
void eval_corridor(const struct corridor_data *d, int64_t D, const struct freshness *fresh,
		   int64_t now, int64_t stale_after_s, struct corridor_eval *out);
void eval_free(struct corridor_eval *e);

#endif
