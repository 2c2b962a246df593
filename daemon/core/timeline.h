/*
 * timeline: what happened on a corridor, when, and who said so.
 *
 * The events of a corridor evaluated as of D, newest first: blockade
 * periods beginning and ending, its status changing, a crossing's access
 * changing, disruptions beginning and ending, shortages changing severity.
 * Each carries the reports behind it (organisation, source_url).  The
 * corridor page's timeline, GET /api/v1/corridors/{id}/events and the Atom
 * feed all read these, so the three cannot disagree.
 *
 * Nothing is stored: the events are derived from the current reports the
 * loader read (a retracted report is not among them, a corrected one is
 * there in its latest version), so a rebuild gives the same event the same
 * id.  Pure: no I/O; pointers into the evaluation, valid while it lives.
 */
#ifndef SW_TIMELINE_H
#define SW_TIMELINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/eval.h"

/* In order of display for events at the same instant. */
enum tl_kind {
	TL_BLOCKADE_BEGAN, TL_BLOCKADE_ENDED, TL_STATUS, TL_DISRUPTION_ENDED, TL_DISRUPTION_BEGAN,
	TL_CROSSING, TL_SHORTAGE, NTL_KINDS
};

/* "blockade-began", ...: in ids and in the events JSON. */
extern const char *const tl_kind_names[NTL_KINDS];

/* A report behind an event: its organisation (-1 for none known) and its evidence ("" for none). */
struct tl_source {
	int org;
	const char *url;
};

struct tl_event {
	enum tl_kind kind;
	/*
	 * Dated events (blockades, status, shortages) happen on a local date
	 * and sort as that date's 00:00 UTC; the others at their instant.
	 */
	bool dated;
	int64_t at;
	int64_t day;			/* local date */
	int offset;			/* UTC offset at the instant, seconds (not dated) */
	/*
	 * Orders events of one kind at one instant, and with at and kind makes
	 * the paging cursor: a hash of what the event is about (0 for a
	 * blockade or status event, one per corridor and day).
	 */
	uint64_t key;
	/*
	 * Status, crossing: enum day_status (from ST_UNKNOWN: the first known);
	 * shortage: severities 0 none .. 4 critical (from -1: the first report).
	 */
	int from, to;
	int basis;			/* status, blockade: enum status_basis of the day */
	const struct period *p;		/* blockade */
	const struct disruption *d;	/* disruption: the first of those merged */
	int64_t people;			/* disruption: the largest reported, -1 when none */
	int crossing;			/* crossing: index into the corridor's crossing names */
	const char *crossing_name;	/* crossing: that name, as configured or reported */
	/*
	 * Crossing: reports that disagree about one instant are an event per
	 * state in report order (rank 0, 1, ...); the last report's state is
	 * the crossing's, and the earlier ones are overruled (their ids end in
	 * "/rank").
	 */
	int rank;
	bool overruled;
	const char *item, *location;	/* shortage: as last reported; "" when no place */
	const char *item_key;		/* shortage: the normalised item */
	size_t src, nsrc;		/* timeline's sources[src .. src + nsrc) */
};

struct timeline {
	struct tl_event *ev;		/* newest first */
	size_t n;
	struct tl_source *sources;	/* by event, then organisation id */
	size_t nsources;
};

/* The events of e, as of its D. */
void timeline_build(const struct corridor_eval *e, struct timeline *out);
void timeline_free(struct timeline *t);

/*
 * An event's id, the same in every rebuild and every language:
 * "tag:supplywatch,2022:lachin/crossing/2023-01-10T08:00:00Z/1a2b3c4d".
 * ASCII; corridor ids are slugs.
 */
#define TL_ID_LEN 160
void tl_event_id(const struct corridor_eval *e, const struct tl_event *ev, char out[TL_ID_LEN]);

/*
 * Paging: a cursor names the last event of a page by (at, kind, key), as
 * "1673337600.5.00c4f1d2a9b3e870"; the next page starts after it.  A page
 * never ends between events with the same (at, kind, key), so a cursor is
 * exact even if two keys collide.
 */
#define TL_CURSOR_LEN 48
struct tl_cursor {
	int64_t at;
	int kind;
	uint64_t key;
};
void tl_cursor_of(const struct tl_event *ev, char out[TL_CURSOR_LEN]);
/* False unless s is a cursor as tl_cursor_of writes it. */
bool tl_cursor_parse(const char *s, struct tl_cursor *out);
/* The index of the first event after c. */
size_t timeline_seek(const struct timeline *t, const struct tl_cursor *c);
/*
 * The end of a page of limit (>= 1) events from first: a few more when a
 * cursor's events (equal at, kind and key) would be split.
 */
size_t timeline_page_end(const struct timeline *t, size_t first, size_t limit);

#endif
