/*
 * review: storing reviews of report versions and reading the review queue
 * (design.md, stage two, "Review, corroboration and alerts").
 *
 * A review is appended, never changed: supplywatch.reviews keeps every
 * one, and the latest is the version's state (supplywatch.review_state,
 * kept by a trigger of migration 011).  Only a current version (neither
 * superseded nor retracted) can be reviewed: a correction is a new version
 * and starts as received.  A review identical to the version's latest one
 * (same reviewer, state and comment) is a replay and stores nothing, so a
 * retried request never appends twice.  Storing runs through ingest_run,
 * the channels' one retry loop, and tells the snapshot like a report.
 */
#ifndef SW_STORE_REVIEW_H
#define SW_STORE_REVIEW_H

#include <jansson.h>
#include <libpq-fe.h>

#include "core/org.h"
#include "store/db.h"
#include "store/ingest.h"

struct review_input {
	const char *organisation;	/* slug of the organisation that submitted the report */
	const char *report_id;		/* UUID, validated */
	int state;			/* enum review_state */
	const char *comment;		/* NULL: none */
	const char *reviewer_id;	/* organisations.id of the reviewer, decimal */
	const char *channel;		/* "json" or "cli" */
};

void review_register(void);
/*
 * Stores a review in its own transaction.  STORED (a new review) or
 * REPLAY (the same as the latest): items is the review as JSON;
 * NOT_FOUND, CONFLICT (superseded, retracted): reason says why.
 */
struct ingest_outcome review_store(PGconn *c, const struct review_input *in);

/*
 * The current reports in state (enum review_state) of corridor (NULL: all),
 * oldest first, at most limit: {"state", "reports": [...], "more": bool}.
 * NULL when the database failed (*s says how).
 */
json_t *review_queue(PGconn *c, const char *corridor, int state, int limit, enum db_status *s);

#endif
