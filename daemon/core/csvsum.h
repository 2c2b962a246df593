/*
 * csvsum: what a CSV file came to, in a fixed size whatever its length.
 * The CSV channel answers with this summary rather than one object per row
 * (a 100,000-row file would make a 100,000-object answer held in memory
 * until sent): the first and last report ids in file order, and per kind
 * the filters of the export (GET /api/v1/reports.csv) that lists the
 * file's reports: the corridor when every row of the kind had the same,
 * and the days the rows cover.
 *
 * Pure: fed canonical report objects (report_validate's), no I/O.
 */
#ifndef SW_CSVSUM_H
#define SW_CSVSUM_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "core/report.h"
#include "util/valid.h"

struct csvsum_kind {
	long reports;
	char corridor[64];	/* every report's corridor; "" when they differ */
	bool undated;		/* a report without the day the export filters on */
	int64_t from, to;	/* days since 1970-01-01 the export's from and to should cover */
};

struct csvsum {
	long reports;
	char first_id[SW_UUID_LEN + 1], last_id[SW_UUID_LEN + 1];
	struct csvsum_kind kind[KIND_COUNT];
};

#define CSVSUM_INIT { 0 }

/* Adds one valid report (canonical: corridor a slug, instants in UTC). */
void csvsum_add(struct csvsum *s, const json_t *canon);

/*
 * {"first_report_id", "last_report_id", "export": {KIND: URL, ...},
 * "receipt": URL template} (a new reference); the ids are null when no
 * report was added.  org_slug names the receipts' organisation.
 */
json_t *csvsum_json(const struct csvsum *s, const char *org_slug);

#endif
