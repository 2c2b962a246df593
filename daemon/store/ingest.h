/*
 * ingest: storing reports and retractions, and finding who a token belongs to.
 *
 * A submission runs in one transaction on the caller's connection and ends
 * in a domain outcome (struct ingest_outcome): stored, replayed, conflict,
 * invalid with details, not found, unavailable or failed.  Each channel
 * (JSON, CSV, OpenRosa, the CLI) turns it into its own answer.  Success is
 * reported only after COMMIT succeeded.  Idempotency rests on the
 * database's UNIQUE (org_id, report_id), so it holds across threads and
 * across daemons sharing one database.
 */
#ifndef SW_INGEST_H
#define SW_INGEST_H

#include <jansson.h>
#include <libpq-fe.h>
#include <stdbool.h>

#include "core/config.h"
#include "core/metrics.h"
#include "core/org.h"
#include "core/report.h"
#include "store/db.h"
#include "util/token.h"

enum ingest_result {
	INGEST_STORED,		/* something new was stored (and committed) */
	INGEST_REPLAY,		/* everything was stored before, with identical content */
	INGEST_CONFLICT,	/* a report_id holds different content (or a retraction conflicts) */
	INGEST_INVALID,		/* details name what is wrong; nothing was stored */
	INGEST_NOT_FOUND,	/* a retraction names no report of the organisation */
	INGEST_UNAVAILABLE,	/* the database cannot be reached; nothing was stored */
	INGEST_FAILED,		/* an internal error; nothing was stored */
};

struct ingest_outcome {
	enum ingest_result result;
	/*
	 * STORED, REPLAY: per report {"report_id", "kind", "received_at"}
	 * (NULL without keep_results); a retraction's {"report_id",
	 * "retracted_at", "reason"}.  Owned: ingest_outcome_free.
	 */
	json_t *items;
	json_t *details;	/* INVALID, CONFLICT: [{"index", "field", "reason"}] */
	char reason[200];	/* a retraction's CONFLICT or NOT_FOUND, in words */
	int stored, replayed;	/* reports */
	unsigned count[KIND_COUNT][RESULT_COUNT];	/* what was committed or refused, for metrics */
	unsigned invalid_reports;			/* reports with a detail */
	int retry_after;	/* UNAVAILABLE: seconds */
	/*
	 * UNAVAILABLE: COMMIT was sent and no answer came, so the reports may
	 * or may not be stored; sending the same request again finds out.
	 */
	bool commit_unknown;
	/* UNAVAILABLE: the session died before COMMIT; running again on a new one is safe. */
	bool reconnect;
};

/* Instants leave the database in one fixed UTC format, so replays compare equal. */
#define TS_UTC(col) "to_char(" col " AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"')"

void ingest_register(void);
void ingest_outcome_free(struct ingest_outcome *o);
/*
 * The outcome of a failed statement s: UNAVAILABLE (with retry_after, and
 * commit_unknown when committing, else reconnect when the session died)
 * or FAILED.
 */
struct ingest_outcome ingest_unavailable(PGconn *c, enum db_status s, bool committing);
/* A refusal (NOT_FOUND, CONFLICT) with its reason in words. */
struct ingest_outcome ingest_refused(enum ingest_result result, const char *reason);
/*
 * Called after a COMMIT that changed a corridor's reports (NULL: any), so
 * the daemon's snapshot follows without a NOTIFY in the transaction; also
 * after a COMMIT whose fate is unknown, since it may have.
 */
extern void (*ingest_committed)(const char *corridor);

enum ingest_auth { AUTH_FOUND, AUTH_UNKNOWN, AUTH_UNAVAILABLE, AUTH_FAILED };
/* The organisation of an unrevoked token with this hash. */
enum ingest_auth ingest_auth(PGconn *c, const unsigned char hash[TOKEN_HASH_LEN], struct org *org);

/*
 * A submission of any size, one report at a time, in one transaction:
 * ingest_begin, ingest_add per validated report (index names it in
 * details), then ingest_finish, which commits only when nothing was
 * invalid or in conflict and abort is false.  With keep_results false the
 * outcome holds counts only, so memory stays bounded for files of any
 * length.
 */
struct ingest_tx;
struct ingest_tx *ingest_begin(PGconn *c, const struct org *org, const char *channel,
			       const struct sw_config *cfg, bool keep_results);
/* False once the database failed: stop feeding, call ingest_finish. */
bool ingest_add(struct ingest_tx *tx, size_t index, const json_t *canon, const json_t *raw);
/* True once a report was refused or the database failed. */
bool ingest_failed(const struct ingest_tx *tx);
struct ingest_outcome ingest_finish(struct ingest_tx *tx, bool abort);

/* canon/raw as made by report_parse_body(). */
struct ingest_outcome ingest_reports(PGconn *c, const struct org *org, const char *channel,
				     const json_t *canon, const json_t *raw,
				     const struct sw_config *cfg);
struct ingest_outcome ingest_retract(PGconn *c, const struct org *org, const char *report_id,
				     const char *reason);

/*
 * Runs job on this thread's connection, the one retry loop of every
 * channel: a session found dead before anything could be stored is
 * replaced and the job runs once more; so it does after a COMMIT whose
 * fate is unknown, since a submission is idempotent: what the lost commit
 * stored comes back as a replay.  No connection: UNAVAILABLE.
 */
typedef struct ingest_outcome (*ingest_job)(PGconn *c, void *arg);
struct ingest_outcome ingest_run(ingest_job job, void *arg);

/*
 * Group commit: one report each from concurrent requests, stored in one
 * transaction (one INSERT statement for all, committed by itself), on
 * this thread's connection.  Each item's outcome is exactly the one it would have had
 * on its own: stored, replay, conflict; a group the database refuses (a
 * report breaking a constraint) is stored report by report, so only the
 * bad one fails; a lost session or an unanswered COMMIT is retried once
 * (idempotent, as ingest_run).  Items are sorted by (organisation,
 * report_id) in the transaction, so concurrent groups cannot deadlock.
 */
struct ingest_single {
	const struct org *org;
	const char *channel;
	const struct sw_config *cfg;
	const json_t *canon, *raw;	/* one validated report object, without supersedes */
	struct ingest_outcome outcome;	/* set by ingest_group */
};
void ingest_group(struct ingest_single *const *items, size_t n);

/* Mirrors cfg's corridors into supplywatch.corridors. */
enum db_status ingest_sync_corridors(PGconn *c, const struct sw_config *cfg);

#endif
