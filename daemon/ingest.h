/*
 * ingest: storing reports and retractions, and finding who a token belongs to.
 *
 * Every function here runs one transaction on the calling thread's
 * connection and answers with an HTTP status and a JSON body; a 2xx is
 * returned only after COMMIT succeeded.  Idempotency rests on the
 * database's UNIQUE (org_id, report_id), so it holds across threads and
 * across daemons sharing one database.
 */
#ifndef SW_INGEST_H
#define SW_INGEST_H

#include <jansson.h>
#include <libpq-fe.h>
#include <stdbool.h>

#include "config.h"
#include "db.h"
#include "token.h"

struct outcome {
	unsigned status;	/* HTTP status */
	json_t *body;		/* owned by the caller */
	int retry_after;	/* seconds, for 503 */
	/*
	 * The connection died before COMMIT was sent, so nothing can have been
	 * stored: the caller may run the request once more on a new connection.
	 */
	bool reconnect;
};

struct org {
	char id[16];		/* decimal, as a statement parameter */
	char slug[64];
};

void ingest_register(void);
/*
 * Called after a COMMIT that changed a corridor's reports (NULL: any), so
 * the daemon's snapshot follows without a NOTIFY in the transaction.
 */
extern void (*ingest_committed)(const char *corridor);

/* 1 = found, 0 = no such (or revoked) token, -1/DB_RETRY-like failure: status set. */
int ingest_auth(PGconn *c, const unsigned char hash[TOKEN_HASH_LEN], struct org *org);

/*
 * A submission of any size, one report at a time, in one transaction:
 * ingest_begin, ingest_add per validated report (index names it in details),
 * then ingest_finish, which commits only when nothing was invalid or in
 * conflict and abort is false.  With keep_results false the 2xx body holds
 * counts ({"stored", "replayed"}) instead of every report, so memory stays
 * bounded for files of any length.
 */
struct ingest_tx;
struct ingest_tx *ingest_begin(PGconn *c, const struct org *org, const char *channel,
			       const struct sw_config *cfg, bool keep_results);
/* False once the database failed: stop feeding, call ingest_finish. */
bool ingest_add(struct ingest_tx *tx, size_t index, const json_t *canon, const json_t *raw);
/* True once a report was refused or the database failed. */
bool ingest_failed(const struct ingest_tx *tx);
/* The transaction's 422 details so far (borrowed), to add the caller's own. */
json_t *ingest_details(struct ingest_tx *tx);
struct outcome ingest_finish(struct ingest_tx *tx, bool abort);

/* canon/raw as made by report_parse_body(). */
struct outcome ingest_reports(PGconn *c, const struct org *org, const char *channel,
			      json_t *canon, json_t *raw, const struct sw_config *cfg);
struct outcome ingest_retract(PGconn *c, const struct org *org, const char *report_id,
			      const char *reason);

/* Mirrors cfg's corridors into supplywatch.corridors. */
enum db_status ingest_sync_corridors(PGconn *c, const struct sw_config *cfg);

/* {"error": msg} with status. */
struct outcome outcome_error(unsigned status, const char *msg);

#endif
