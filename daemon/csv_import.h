/*
 * csv_import: a CSV file through the one validation path and one
 * transaction, for POST /api/v1/reports (text/csv) and supplywatch import.
 * Errors name the row as a spreadsheet shows it and the column's header.
 */
#ifndef SW_CSV_IMPORT_H
#define SW_CSV_IMPORT_H

#include <stdbool.h>

#include "ingest.h"

struct csv_import;

/*
 * kind: the default kind (?kind=, --kind) or NULL; keep_results: list every
 * report in the body.  token_pepper must be loaded (it keys derived ids).
 */
struct csv_import *csv_import_begin(PGconn *c, const struct org *org, const char *channel,
				    const char *kind, const struct sw_config *cfg, bool keep_results);
void csv_import_feed(struct csv_import *imp, const char *data, size_t len);
/* Commits when every row was valid and nothing conflicts; frees imp. */
struct outcome csv_import_finish(struct csv_import *imp);
/* Rolls back whatever was fed (e.g. after a read error); frees imp. */
struct outcome csv_import_abort(struct csv_import *imp);

#endif
