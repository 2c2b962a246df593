/*
 * movement: OCHA-style access monitoring (design.md, "Movements and
 * crossings"): planned humanitarian movements and their outcomes, and each
 * crossing's state from the access events that name it.  Pure: the loader
 * fills the inputs, these compute as of a local date D.
 *
 * Safer publication: a movement's places and planned date are public only
 * from public_at (the end of its planned day plus movements.embargo_hours);
 * before that it is counted, never listed.
 */
#ifndef SW_MOVEMENT_H
#define SW_MOVEMENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum outcome { OUT_FACILITATED, OUT_PARTIAL, OUT_IMPEDED, OUT_DENIED, OUT_POSTPONED, NOUTCOME };

struct movement {
	int64_t planned;		/* local date */
	int64_t public_at;		/* instant its details may be shown */
	int outcome;			/* enum outcome */
	const char *purpose;		/* "" when not given */
	const char *from, *to, *crossing;	/* "" when not given */
	bool has_delay;
	double delay_hours;
};

#define MOVEMENTS_LISTED 10

struct movement_summary {
	int by_outcome_30d[NOUTCOME];	/* planned in D-29 .. D */
	int total_30d;
	bool has_pct;
	double denied_or_impeded_pct;	/* of total_30d */
	int embargoed_30d;		/* counted above, not listed */
	/* The latest public ones planned in D-29 .. D, newest first (pointers into the input). */
	const struct movement *listed[MOVEMENTS_LISTED];
	size_t nlisted;
};

/*
 * Movements (sorted by planned date) as of D; now decides the embargo.
 * today: the corridor's local today.  For a past D, embargoed movements are
 * left out altogether: comparing two past days would otherwise reveal the
 * day they were planned for.
 */
void movement_summarise(const struct movement *m, size_t n, int64_t D, int64_t today, int64_t now,
			struct movement_summary *out);
/* The earliest public_at after now, or 0: when a surface must be rendered again. */
int64_t movement_next_release(const struct movement *m, size_t n, int64_t now);

/* One current access event, sorted by instant (then report). */
struct crossing_event {
	int crossing;		/* index into the corridor's crossing names; -1: the corridor as a whole */
	int64_t at, day;	/* instant, and its local date */
	int offset;		/* UTC offset at the instant, seconds, for display */
	int status;		/* enum day_status: ST_OPEN, ST_RESTRICTED, ST_BLOCKED */
	int org;		/* the reporting organisation's id */
	const char *url;	/* its report's source_url, "" when none */
};

struct crossing_state {
	int crossing;
	int state;		/* ST_UNKNOWN when no event at or before D's end */
	int64_t since;		/* instant the current state began (its first event in a row) */
	int since_offset;
	int open_days_30d;	/* days in D-29 .. D whose state at their end was open */
	int closures_30d;	/* changes to blocked in D-29 .. D */
};

/*
 * The state of each of ncrossings crossings at the end of D (out has room
 * for ncrossings, in crossing order); events of the corridor as a whole
 * (crossing -1) name no crossing and are not counted.
 */
void movement_crossings(const struct crossing_event *ev, size_t n, size_t ncrossings, int64_t D,
			struct crossing_state *out);

#endif
