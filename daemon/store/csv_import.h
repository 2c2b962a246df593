/*
 * csv_import: the CSV channel.  A file goes through the one validation
 * path and one transaction, for POST /api/v1/reports (text/csv) and
 * supplywatch import.  Errors name the row as a spreadsheet shows it and
 * the column's header.
 */
#ifndef SW_CSV_IMPORT_H
#define SW_CSV_IMPORT_H

#include <stdbool.h>

#include "core/csvsum.h"
#include "store/ingest.h"

/*
 * An import's outcome: ingest's, with its details as {"row", "column",
 * "reason"}, and what the file came to (its size does not grow with the
 * file's: nothing is kept per row).
 */
struct csv_outcome {
	struct ingest_outcome o;
	long rows;			/* data rows read */
	long more_errors;		/* errors past the CSVIN_MAX_ERRORS listed */
	json_t *ignored_columns;	/* header cells that name no field (owned) */
	struct csvsum sum;		/* the valid rows' ids, kinds, corridors and days */
};
void csv_outcome_free(struct csv_outcome *co);

struct csv_import;

/*
 * kind: the default kind (?kind=, --kind) or NULL; corridor likewise (?corridor=,
 * --corridor) for rows without one.  The outcome lists no report (o.items is
 * NULL): counts and sum say what was stored, so memory stays flat whatever
 * the file's length.  token_pepper must be loaded (it keys derived ids).
 */
struct csv_import *csv_import_begin(PGconn *c, const struct org *org, const char *channel,
				    const char *kind, const char *corridor, const struct sw_config *cfg);
void csv_import_feed(struct csv_import *imp, const char *data, size_t len);
/* Commits when every row was valid and nothing conflicts; frees imp. */
struct csv_outcome csv_import_finish(struct csv_import *imp);
/* Rolls back whatever was fed (e.g. after a read error); frees imp. */
void csv_import_abort(struct csv_import *imp);

#endif
