#include "store/csv_import.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/csvin.h"
#include "core/report.h"
#include "util/token.h"

struct csv_import {
	struct csvin *r;
	struct ingest_tx *tx;
	const struct sw_config *cfg;
	int64_t now;
	unsigned invalid_rows;		/* rows validation refused */
	struct csvsum sum;
};

static void on_row(void *arg, json_t *obj, long row)
{
	struct csv_import *imp = arg;
	json_t *errs = json_array(), *canon, *d;
	size_t i;

	canon = report_validate(obj, (size_t)row, imp->cfg, imp->now, errs);
	imp->invalid_rows += !canon;
	if (canon)
		csvsum_add(&imp->sum, canon);
	json_array_foreach(errs, i, d)
		csvin_error(imp->r, row, json_string_value(json_object_get(d, "field")),
			    json_string_value(json_object_get(d, "reason")));
	/* Once a row is bad nothing will be stored: keep checking, stop writing. */
	if (canon && !csvin_error_count(imp->r) && !ingest_failed(imp->tx))
		ingest_add(imp->tx, (size_t)row, canon, obj);
	json_decref(canon);
	json_decref(errs);
	json_decref(obj);
}

struct csv_import *csv_import_begin(PGconn *c, const struct org *org, const char *channel,
				    const char *kind, const char *corridor, const struct sw_config *cfg)
{
	struct csv_import *imp = xcalloc(1, sizeof(*imp));

	/* Derived report ids are keyed with the pepper (see csvin.c). */
	imp->r = csvin_new(kind, org->slug, token_pepper, on_row, imp);
	csvin_set_corridor(imp->r, corridor);
	imp->tx = ingest_begin(c, org, channel, cfg, false);
	imp->cfg = cfg;
	imp->now = (int64_t)time(NULL);
	return imp;
}

void csv_import_feed(struct csv_import *imp, const char *data, size_t len)
{
	csvin_feed(imp->r, data, len);
}

void csv_import_abort(struct csv_import *imp)
{
	struct ingest_outcome o = ingest_finish(imp->tx, true);

	ingest_outcome_free(&o);
	csvin_free(imp->r);
	free(imp);
}

void csv_outcome_free(struct csv_outcome *co)
{
	ingest_outcome_free(&co->o);
	json_decref(co->ignored_columns);
	co->ignored_columns = NULL;
}

/* The storage layer's {"index", "field"} details as {"row", "column"} ones. */
static void rows_from_details(struct csv_import *imp, const json_t *details)
{
	size_t i;
	json_t *d;

	json_array_foreach(details, i, d)
		csvin_error(imp->r, (long)json_integer_value(json_object_get(d, "index")),
			    json_string_value(json_object_get(d, "field")),
			    json_string_value(json_object_get(d, "reason")));
}

struct csv_outcome csv_import_finish(struct csv_import *imp)
{
	struct csv_outcome co = { .rows = 0 };
	bool bad;

	csvin_finish(imp->r);
	bad = csvin_error_count(imp->r) > 0;
	co.o = ingest_finish(imp->tx, bad);
	/* What storage refused (repeats, supersedes, conflicts) joins the file's own errors. */
	rows_from_details(imp, co.o.details);
	/* Bad rows make the file invalid; a server failure stays one, whatever the rows. */
	if ((bad && co.o.result != INGEST_FAILED) || co.o.result == INGEST_INVALID) {
		ingest_outcome_free(&co.o);
		co.o.result = INGEST_INVALID;
	}
	co.o.invalid_reports += imp->invalid_rows;
	if (co.o.result == INGEST_INVALID || co.o.result == INGEST_CONFLICT) {
		json_decref(co.o.details);
		co.o.details = json_incref(csvin_errors(imp->r));
		if (csvin_error_count(imp->r) > CSVIN_MAX_ERRORS)
			co.more_errors = csvin_error_count(imp->r) - CSVIN_MAX_ERRORS;
	}
	co.rows = csvin_rows(imp->r);
	co.ignored_columns = json_incref(csvin_ignored(imp->r));
	co.sum = imp->sum;
	csvin_free(imp->r);
	free(imp);
	return co;
}
