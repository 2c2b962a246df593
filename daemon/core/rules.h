/*
 * rules: the blockade indicators, in one place.
 *
 * Pure functions over a corridor's daily inputs (reconciled truck counts,
 * declared access status), its disruptions and its shortage reports, as of
 * a local date D.  No I/O: the snapshot and the on-demand as_of paths load
 * the inputs from PostgreSQL, call these, and render what they return; the
 * daemon writes the per-day results and periods back to the database, so
 * analysts read the very numbers computed here (docs/indicators.md).
 *
 * Dates are days since 1970-01-01 in the corridor's time zone; instants
 * are seconds since the epoch.
 */
#ifndef SW_RULES_H
#define SW_RULES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/config.h"

/* Numeric values are those of the supplywatch_corridor_status metric. */
enum day_status { ST_UNKNOWN = -1, ST_OPEN = 0, ST_RESTRICTED = 1, ST_BLOCKED = 2 };
enum status_basis { BASIS_NONE, BASIS_DECLARED, BASIS_FLOWS };

extern const char *const status_names[];	/* indexed by status + 1 */
extern const char *const basis_names[];
const char *status_name(int status);
int status_parse(const char *s);		/* "open" ... ; ST_UNKNOWN if not */

/*
 * 48 bytes: a corridor holds one per day of its history (3,650 at ten
 * years), so the fields are as narrow as their values allow.  min and max
 * are one organisation's sum of a day, which the loader holds in 32 bits
 * (struct org_day); trucks, a sum across organisations, keeps 64.
 */
struct day {
	int64_t date;
	/* inputs */
	int64_t trucks;		/* reconciled (max or sum across organisations) */
	double tonnes;
	int32_t min, max;	/* spread across organisations */
	int32_t sources;	/* organisations reporting */
	int8_t declared;	/* latest access status at or before the day's end */
	/* results */
	int8_t flow;
	int8_t status;
	int8_t basis;
	bool reported;		/* some organisation reported inbound trucks */
	bool has_tonnes;
	bool disagree;		/* declared and flows say blocked vs open */
	bool in_blockade;
};

struct period {
	int64_t first, last;	/* last: the last blocked or restricted day */
	bool ongoing;		/* not ended by D (D = the last day given) */
	int64_t days;		/* first..last, or first..D when ongoing */
};

/* Flow status of one day's reconciled count against the corridor's baseline. */
int rules_flow_status(const struct sw_corridor *c, bool reported, int64_t trucks);

/*
 * Fills flow, status, basis, disagree and in_blockade of days[0..n), which
 * must be consecutive dates ending at D, and writes the blockade periods in
 * date order to periods (capacity n).  Returns the number of periods.
 */
size_t rules_apply(const struct sw_corridor *c, struct day *days, size_t n,
		   struct period *periods);

/* A disruption's current state, with its timestamps' local dates. */
struct disruption {
	int service;		/* index into report.c's services */
	const char *service_name;
	const char *location;	/* "" when not given */
	int64_t started_at, start_day;
	int start_offset;	/* UTC offset at the start, seconds, for display */
	bool ended;
	int64_t ended_at, end_day;
	int64_t people;		/* -1 when not given */
	int org;		/* the reporting organisation's id */
	const char *url;	/* its report's source_url, "" when none */
	int end_offset;		/* UTC offset at the end, seconds, when ended */
};

/* Ongoing disruptions at D, merged by (service, location). */
struct ongoing {
	const char *service_name;
	const char *location;
	int64_t since;		/* earliest start, instant */
	int since_offset;
	int64_t since_day;
	int64_t days;		/* D - since_day + 1 */
	int64_t people;		/* largest reported, -1 when none */
	int reports;		/* organisations' disruptions merged here */
};

/* Ongoing disruptions at D (capacity n), ordered by since then service. */
size_t rules_ongoing(const struct disruption *d, size_t n, int64_t D, struct ongoing *out);
/* Days in [D-29, D] on which some disruption of service was in effect. */
int rules_days_disrupted(const struct disruption *d, size_t n, int service, int64_t D);

/* One current shortage report, input sorted by (item_key, location, org, day). */
struct shortage {
	const char *item_key;	/* normalised item name: lower case, trimmed */
	const char *item;	/* as reported (latest) */
	const char *location;	/* "" when not given */
	int org;
	int64_t day;
	int severity;		/* 0 none .. 4 critical */
	const char *url;	/* its report's source_url, "" when none */
};

struct shortage_state {
	const char *item;
	const char *location;
	int severity;		/* worst across organisations of their latest at D */
	int64_t since;		/* first day of the unbroken run at that severity */
	int64_t days;		/* D - since + 1 */
};

/* Current state per (item, location) at D, none-severity dropped; worst first. */
size_t rules_shortages(const struct shortage *s, size_t n, int64_t D, struct shortage_state *out);

/* Indicators of a corridor as of D = days[n-1].date. */
struct trucks_summary {
	bool has_on_day, has_previous, has_avg;
	int64_t on_day, previous;
	double avg_7d;
	int days_reported_7d;
	double pct_of_baseline;		/* of avg_7d; valid when has_avg */
	int sources_on_day;
	bool has_tonnes_avg;
	double tonnes_on_day, tonnes_avg_7d, tonnes_pct;
	bool has_tonnes_on_day;
	bool has_deficit;		/* inside a blockade */
	int64_t deficit;
	int64_t unreported_in_blockade;
};

struct blockade_summary {
	bool active;			/* D is in a blockade period, or its stretch is open */
	bool ongoing;
	int64_t since, day_n;
	int64_t blocked_30d, blocked_90d;
	int64_t longest_days;
	size_t periods;
};

void rules_blockade(const struct day *days, size_t n, const struct period *p, size_t np,
		    struct blockade_summary *out);
void rules_trucks(const struct sw_corridor *c, const struct day *days, size_t n,
		  const struct blockade_summary *b, struct trucks_summary *out);

#endif
