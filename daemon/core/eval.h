/*
 * eval: a corridor's inputs and their evaluation as of a local date D.
 *
 * corridor_data holds what the loader read for one corridor: its daily
 * series from the first reported day to its local today, its disruptions
 * and shortages, and its freshness.  It never changes once filled and
 * evaluated as of today (eval_today, which writes the days' results in
 * place), and is shared by reference between successive snapshots (an
 * unchanged corridor is not read again).  eval_corridor applies the rules
 * to it as of any D up to today: a day's inputs never depend on later
 * days, so a past as_of needs no other data.  Pure: no I/O.
 */
#ifndef SW_EVAL_H
#define SW_EVAL_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/config.h"
#include "core/movement.h"
#include "core/report.h"
#include "core/rules.h"
#include "core/stage.h"
#include "util/strbuf.h"

struct freshness {
	int64_t last_report_at;			/* instant; 0 = never */
	int64_t last_by_kind[KIND_COUNT];
	int organisations_30d;			/* reporting in the 30 days to D */
	int64_t end_of_day;			/* instant D ends, for "stale" */
};

/*
 * A current report, as the corridor page's "Latest reports" lists it: who
 * sent it and when, its kind's key figure, its evidence.  Strings are ""
 * when not given.  Movements are never among them (their dates and places
 * wait for the embargo; core/movement.h).
 */
#define LATEST_MAX 20
struct latest_report {
	int64_t received_at;			/* instant */
	int64_t received_day;			/* its local date in the corridor's zone */
	int received_offset;			/* seconds east of UTC there and then */
	int org;				/* organisation id (eval_org) */
	int kind;				/* KIND_TRUCKS .. KIND_ACCESS */
	/*
	 * trucks: the stage (enum stage); shortage: the severity (index in
	 * report_severities); disruption: the service (report_services);
	 * access: the status (enum status).
	 */
	int code;
	bool outbound;				/* trucks */
	bool ended;				/* disruption */
	int64_t trucks;				/* trucks */
	int64_t day;				/* trucks, shortage: the report's own local date */
	int64_t at;				/* disruption: started; access: at (instants) */
	int at_offset;
	int64_t end;				/* disruption: ended, when ended */
	int end_offset;
	const char *item;			/* shortage */
	const char *place;			/* trucks, access: crossing; shortage, disruption: location */
	const char *url;			/* source_url, as stored (not checked here) */
	const char *note;			/* its first 201 characters at most */
};

/* An organisation, as "Sources and methods" shows it ("" when not set). */
struct source_org {
	int id;
	const char *slug, *name, *method, *url;
};

struct corridor_data {
	atomic_int refs;			/* shared by successive snapshots */
	const struct sw_corridor *c;
	int64_t today;				/* local date */
	int64_t next_midnight;			/* instant today ends */
	struct day *days;			/* first reported day .. today; may be empty */
	size_t ndays;
	/*
	 * eval_today fills days' results and periods as of today, once, before
	 * the data is shared: an evaluation as of today then uses them in place
	 * instead of copying the series.
	 */
	bool evaluated;
	struct period *periods;
	size_t np;
	struct disruption *dis;
	size_t ndis;
	struct shortage *sh;
	size_t nsh;
	struct freshness fresh;			/* as of today */
	/* Stage two: every stage's series, and what the headline breaks down into. */
	struct stage_day *stages[NSTAGES];	/* sparse, by date; [headline] is days' input */
	size_t nstages[NSTAGES];
	struct org_day *org_days;		/* by (org, stage, date) */
	size_t norg_days;
	struct split_row *by_crossing, *by_cargo;	/* headline stage; by (key, date, org) */
	size_t nby_crossing, nby_cargo;
	const char **crossing_names;		/* the configured ones first, then reported ones */
	size_t ncrossing_names;
	struct source_org *orgs;		/* by id */
	size_t norgs;
	struct movement *mov;			/* by planned date */
	size_t nmov;
	struct crossing_event *cev;		/* access events, by instant */
	size_t ncev;
	/*
	 * The newest current reports but movements (received_at, then id,
	 * descending), at most LATEST_MAX; latest_more when there are others,
	 * older, that were not read.
	 */
	struct latest_report *latest;
	size_t nlatest;
	bool latest_more;
	/* Publishing after review: current reports nobody has reviewed, and those with issues. */
	int64_t awaiting_review, has_issues;
	struct strbuf strings;			/* backing store of the strings above */
};

/* A corridor evaluated as of D. */
struct corridor_eval {
	const struct corridor_data *data;
	int64_t D;
	struct day *days;			/* inputs ..D with results; n >= 1, days[n-1] is D */
	size_t n;
	struct period *periods;
	size_t np;
	bool shared;				/* days and periods are data's (as of today) */
	struct blockade_summary blockade;
	struct trucks_summary trucks;
	struct ongoing *ongoing;
	size_t nongoing;
	struct shortage_state *shortages;
	size_t nshortages;
	int shortage_counts[NSEVERITIES];
	int service_days_30d[NSERVICES];
	struct stage_summary by_stage[NSTAGES];
	struct split_total *by_crossing, *by_cargo;	/* D-6 .. D */
	size_t nby_crossing, nby_cargo;
	bool has_since_delivery;
	int64_t days_since_delivery;		/* D - the last headline day with trucks > 0 */
	struct movement_summary movements;
	struct crossing_state *crossings;	/* one per crossing name */
	size_t ncrossings;
	/*
	 * The latest reports received by D's end: data->latest[latest_from ..
	 * nlatest).  latest_cut: fewer than LATEST_MAX of them, and older
	 * current reports exist that the data does not hold, so some received
	 * by D may be missing.
	 */
	size_t latest_from;
	bool latest_cut;
	struct freshness fresh;
	bool stale;
	bool written;				/* the write-back for analysts succeeded */
};

/* A new, empty corridor_data of c with one reference. */
struct corridor_data *corridor_data_new(const struct sw_corridor *c);
struct corridor_data *corridor_data_ref(struct corridor_data *d);
void corridor_data_release(struct corridor_data *d);

/*
 * Applies the rules to d's days as of today, in place (d must not be
 * shared yet).  Idempotent.
 */
void eval_today(struct corridor_data *d);
/*
 * Evaluation as of D (D <= data->today), with the corridor's freshness;
 * now and stale_after_s decide "stale", now the movements' embargo.
 * eval_free releases what it holds.
 */
void eval_corridor(const struct corridor_data *d, int64_t D, const struct freshness *fresh,
		   int64_t now, int64_t stale_after_s, struct corridor_eval *out);
void eval_free(struct corridor_eval *e);
/* The organisation of id in d, or NULL. */
const struct source_org *eval_org(const struct corridor_data *d, int id);

#endif
