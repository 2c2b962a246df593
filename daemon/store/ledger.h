/*
 * ledger (store): the public ledger's tables (sql/014_ledger.sql).
 *
 * Writers never touch the ledger: a trigger queues every new report,
 * retraction and review in the writer's transaction.  The sequencer
 * (publish/sequencer.h), holding the ledger's advisory lock, moves queued
 * rows into the tree in batches (ledger_sequence: entries appended and
 * queue rows deleted in one transaction, so each is sequenced exactly
 * once) and stores signed heads.  Proofs are computed from stored leaf
 * hashes and the stored hashes of complete subtrees at every 8th level, a
 * few short range reads each (ledger_subtree).
 */
#ifndef SW_STORE_LEDGER_H
#define SW_STORE_LEDGER_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "core/config.h"
#include "core/merkle.h"
#include "store/db.h"

#define LEDGER_PAGE_MAX 1000	/* entries per /ledger/entries answer */

/*
 * The columns an entry is built from (ledger_entry_of_row), for a row q
 * (source, id) of the queue or the ledger, with LEDGER_ENTRY_JOINS: source,
 * organisation, report_id, content hash, received_at, superseded report_id,
 * retracted_at, reason hash, reviewer, state, reviewed_at, comment hash, id.
 */
#define LEDGER_TS(col) "to_char(" col " AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"')"
#define LEDGER_ENTRY_COLS \
	"q.source, o.slug, r.report_id, encode(r.content_hash, 'hex'), " LEDGER_TS("r.received_at") "," \
	" s.report_id, " LEDGER_TS("x.retracted_at") ", encode(sha256(convert_to(x.reason, 'UTF8')), 'hex')," \
	" w.slug, v.state, " LEDGER_TS("v.reviewed_at") ", encode(sha256(convert_to(v.comment, 'UTF8')), 'hex'), q.id"
#define LEDGER_ENTRY_NCOLS 13
#define LEDGER_ENTRY_JOINS \
	" LEFT JOIN supplywatch.reviews v ON q.source = 'review' AND v.id = q.id" \
	" LEFT JOIN supplywatch.retractions x ON q.source = 'retraction' AND x.report = q.id" \
	" LEFT JOIN supplywatch.reports r ON r.id = CASE WHEN q.source = 'review' THEN v.report ELSE q.id END" \
	" LEFT JOIN supplywatch.organisations o ON o.id = r.org_id" \
	" LEFT JOIN supplywatch.reports s ON s.id = r.supersedes" \
	" LEFT JOIN supplywatch.organisations w ON w.id = v.org_id"

struct ledger_head {
	uint64_t size;		/* 0: no head signed yet */
	unsigned char root[32];
	int64_t signed_at;	/* seconds since the epoch */
	char *note;		/* the signed note (malloc'd) */
	char *key;		/* the verifier key that signed it (malloc'd) */
};

void ledger_register(void);
/* The entry of row's LEDGER_ENTRY_COLS from col; NULL when its rows are missing. */
char *ledger_entry_of_row(const PGresult *r, int row, int col);
void ledger_head_free(struct ledger_head *h);

/* Takes the sequencer's session-level advisory lock if free. */
enum db_status ledger_try_lock(PGconn *c, bool *held);
/* How many leaves are stored, and the latest signed head. */
enum db_status ledger_tip(PGconn *c, uint64_t *size, struct ledger_head *head);
/* The head of exactly size, when one was signed (head->size 0 otherwise). */
enum db_status ledger_head_at(PGconn *c, uint64_t size, struct ledger_head *head);
/* A merkle_subtree_fn over the stored tree; ctx is the PGconn. */
int ledger_subtree(void *ctx, unsigned level, uint64_t index, unsigned char out[32]);
/*
 * Whether a ledger_subtree of this thread failed because the database did
 * (not because hashes were missing) since the last call; clears it.
 */
bool ledger_subtree_failed(void);
/*
 * Appends up to limit queued entries to the stored tree, whose frontier f
 * is, in one transaction.  On success f has grown by *n; on failure f is
 * as it was and nothing was written.  *skipped counts queued rows whose
 * report is gone (only a hand-made change of the database does that):
 * they stay queued, and the backlog says so.
 */
enum db_status ledger_sequence(PGconn *c, struct merkle_frontier *f, int limit, size_t *n,
			       size_t *skipped);
enum db_status ledger_put_head(PGconn *c, uint64_t size, const unsigned char root[32], int64_t at,
			       const char *note, const char *key);
/* Queued entries, stored leaves, and the latest head's size and time (0, 0 without one). */
enum db_status ledger_stats(PGconn *c, int64_t *backlog, uint64_t *size, uint64_t *head_size,
			    int64_t *head_at);

/* {"entries": [{"index", "entry", "leaf_hash"}]} for [start, end) (end already capped). */
enum db_status ledger_entries(PGconn *c, uint64_t start, uint64_t end, json_t **out);
/* {"heads": [{"size", "root", "signed_at", "checkpoint", "key"}]}, newest first, at most limit, sizes < before. */
enum db_status ledger_heads(PGconn *c, uint64_t before, int limit, json_t **out);

/*
 * Whether report id's rows (reports and its kind's table) hold what canon,
 * its canonical object, says, as ingest wrote them (cfg: the corridor's
 * time zone).  For `supplywatch verify --db`.
 */
enum db_status ledger_rows_match(PGconn *c, const char *id, const json_t *canon,
				 const struct sw_config *cfg, bool *match);

/* A report version's place in the ledger. */
struct ledger_place {
	bool exists;		/* the report is stored */
	bool sequenced;
	uint64_t index;		/* when sequenced */
	char *entry;		/* its entry (malloc'd): stored, or built from the row while queued */
	unsigned char leaf[32];
};
enum db_status ledger_find(PGconn *c, const char *org, const char *report_id, struct ledger_place *p);
void ledger_place_free(struct ledger_place *p);

#endif
