/*
 * export: current reports of one kind as CSV with a header row and an HXL
 * hashtag row, as HXL tools and HDX take them (GET /api/v1/reports.csv).
 * Values are those submitted, so the file imports back as an identical
 * replay; organisations are left out, to protect reporters.
 *
 * Rows are read one at a time and written to a file descriptor as they
 * come, so memory stays flat whatever the export's size, and no row past
 * the cap is ever read (the query asks for one more than the cap, to know).
 */
#ifndef SW_EXPORT_H
#define SW_EXPORT_H

#include <libpq-fe.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/report.h"
#include "util/valid.h"

#define EXPORT_MAX_ROWS 100000

struct export_query {
	enum report_kind kind;
	char corridor[64];		/* "" = every corridor */
	char from[SW_DATE_LEN];		/* "" = no bound; the local date each kind is filed on */
	char to[SW_DATE_LEN];
	int64_t embargo_hours;		/* movements.embargo_hours: recent movements are left out */
	int64_t now;			/* the daemon's clock, which decides the embargo */
};

enum export_status {
	EXPORT_OK,
	EXPORT_TOO_MANY,		/* more rows than max_rows: nothing useful was written */
	EXPORT_UNAVAILABLE,		/* the database failed; try again later */
	EXPORT_FAILED,			/* writing failed, or an internal error */
};

/*
 * Writes the export of q to fd (from its current offset), reading at most
 * max_rows + 1 rows; *bytes gets what was written.
 */
enum export_status export_run(PGconn *c, const struct export_query *q, long max_rows, int fd,
			      int64_t *bytes);

#endif
