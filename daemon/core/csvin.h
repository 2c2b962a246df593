/*
 * csvin: spreadsheets in.  A streaming RFC 4180 reader (libcsv) that finds
 * the header, by field names or by an HXL hashtag row among the first 25
 * rows, and turns each data row into the raw report object a JSON client
 * would have sent, so CSV goes through the same validation and storage as
 * JSON.  Rows without a report_id get one derived from the organisation and
 * the row's content, so uploading a file twice stores nothing twice.
 *
 * Pure: no I/O.  Feed it bytes, get rows through a callback.
 */
#ifndef SW_CSVIN_H
#define SW_CSVIN_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#define CSVIN_MAX_ERRORS 100

/* One data row: a new raw report object (the callee takes it) and its row number. */
typedef void (*csvin_row_fn)(void *arg, json_t *report, long row);

struct csvin;

/*
 * kind: from ?kind= / --kind, or NULL (then a kind column is needed).
 * key: the server's secret (the token pepper), which keys derived report ids.
 */
struct csvin *csvin_new(const char *kind, const char *org_slug, const unsigned char key[32],
			csvin_row_fn fn, void *arg);
/* The corridor of rows that give none (?corridor=, --corridor); NULL: none. */
void csvin_set_corridor(struct csvin *r, const char *corridor);
void csvin_free(struct csvin *r);
/* Feeds bytes; -1 once the file is unusable (see csvin_errors). */
int csvin_feed(struct csvin *r, const char *data, size_t len);
/* End of input: flushes the last row and any buffered rows. */
int csvin_finish(struct csvin *r);

/*
 * Errors as {"row", "column", "reason"} (borrowed), at most CSVIN_MAX_ERRORS;
 * csvin_error adds one (the file's own or a validation detail).
 */
json_t *csvin_errors(struct csvin *r);
void csvin_error(struct csvin *r, long row, const char *field, const char *reason);
/* Total errors seen, including those past the cap. */
long csvin_error_count(const struct csvin *r);
/* Header cells that name no field (borrowed array of strings). */
json_t *csvin_ignored(struct csvin *r);
/* Data rows seen so far. */
long csvin_rows(const struct csvin *r);

#endif
