/*
 * load: the snapshot's SQL.  Reads every corridor's inputs in one
 * consistent state of the database, and writes the evaluated days and
 * blockade periods back for analysts (analytics.daily_status and
 * analytics.blockade_periods hold the very numbers the daemon serves).
 */
#ifndef SW_LOAD_H
#define SW_LOAD_H

#include <libpq-fe.h>
#include <stddef.h>
#include <stdint.h>

#include "core/config.h"
#include "core/eval.h"
#include "core/ledger.h"
#include "store/db.h"

/* What one load read; data[i] is corridor i of the configuration. */
struct load {
	int64_t report_seq;		/* highest supplywatch.reports.id included */
	struct ledger_signed *heads;	/* the latest signed ledger heads, newest first */
	size_t nheads;
	int64_t *org_last;		/* last report of each active organisation */
	size_t norgs;
	struct corridor_data **data;	/* cfg->ncorridors entries */
	size_t n;			/* entries filled (all of them on success) */
};

void load_register(void);

/*
 * Reads, in one REPEATABLE READ transaction, every corridor of cfg whose
 * out->data[i] is NULL (the others are reused as they are; the caller
 * filled them with a reference of its own).  now (the daemon's clock)
 * decides each corridor's local today.  0, or -1 on a database failure
 * (load_free releases what was read).
 */
int load_inputs(PGconn *c, const struct sw_config *cfg, int64_t now, struct load *out);
void load_free(struct load *l);

/*
 * Writes e's days and periods for analysts; only the days that differ
 * from old (the corridor's previous evaluation, or NULL) are sent.
 */
enum db_status load_write_back(PGconn *c, const struct corridor_eval *e,
			       const struct corridor_eval *old);

#endif
