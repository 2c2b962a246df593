#include "store/review.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/review.h"
#include "util/log.h"

static const struct db_stmt stmts[] = {
	/* The version, whether it is current, and who submitted it. */
	{ "review_find",
	  "SELECT r.id, r.corridor_id, r.kind,"
	  " (SELECT s.report_id FROM supplywatch.reports s WHERE s.supersedes = r.id),"
	  " EXISTS (SELECT 1 FROM supplywatch.retractions x WHERE x.report = r.id)"
	  " FROM supplywatch.reports r JOIN supplywatch.organisations o ON o.id = r.org_id"
	  " WHERE o.slug = $1 AND r.report_id = $2::uuid" },
	/* The lock ingest takes to supersede or retract the version: reviews wait for it. */
	{ "review_lock", "SELECT pg_advisory_xact_lock($1::bigint)" },
	{ "review_latest",
	  "SELECT v.org_id::text, v.state, v.comment, w.slug, " TS_UTC("v.reviewed_at")
	  " FROM supplywatch.review_state s JOIN supplywatch.reviews v ON v.id = s.review"
	  " JOIN supplywatch.organisations w ON w.id = v.org_id WHERE s.report = $1" },
	{ "review_insert",
	  "WITH v AS (INSERT INTO supplywatch.reviews (report, org_id, state, comment, channel)"
	  " VALUES ($1, $2, $3, $4, $5) RETURNING org_id, reviewed_at)"
	  " SELECT w.slug, " TS_UTC("v.reviewed_at")
	  " FROM v JOIN supplywatch.organisations w ON w.id = v.org_id" },
	/* $1 corridor or NULL, $2 state, $3 limit + 1 (to know whether there is more). */
	{ "review_queue",
	  "SELECT o.slug, r.report_id, r.kind, r.corridor_id, " TS_UTC("r.received_at") ","
	  " (SELECT p.report_id::text FROM supplywatch.reports p WHERE p.id = r.supersedes),"
	  " v.comment, w.slug, " TS_UTC("v.reviewed_at") ", r.payload::text"
	  " FROM supplywatch.current_reports r"
	  " JOIN supplywatch.organisations o ON o.id = r.org_id"
	  " LEFT JOIN supplywatch.review_state s ON s.report = r.id"
	  " LEFT JOIN supplywatch.reviews v ON v.id = s.review"
	  " LEFT JOIN supplywatch.organisations w ON w.id = v.org_id"
	  " WHERE ($1::text IS NULL OR r.corridor_id = $1) AND coalesce(s.state, 'received') = $2"
	  " ORDER BY r.received_at, r.id LIMIT $3::integer" },
};

void review_register(void)
{
	db_register(stmts, (int)(sizeof(stmts) / sizeof(stmts[0])));
}

static json_t *review_json(const struct review_input *in, const char *kind, const char *corridor,
			   int state, const char *comment, const char *reviewer, const char *at)
{
	return json_pack("{s:s, s:s, s:s, s:s, s:s, s:o, s:s, s:s}",
		"organisation", in->organisation, "report_id", in->report_id, "kind", kind,
		"corridor", corridor, "state", review_state_names[state],
		"comment", comment ? json_string(comment) : json_null(),
		"reviewer", reviewer, "reviewed_at", at);
}

/* The version's latest review, when it says exactly what in says: a replay. */
static bool same_as_latest(const PGresult *r, const struct review_input *in)
{
	if (PQntuples(r) != 1 || strcmp(PQgetvalue(r, 0, 0), in->reviewer_id) != 0 ||
	    strcmp(PQgetvalue(r, 0, 1), review_state_names[in->state]) != 0)
		return false;
	if (PQgetisnull(r, 0, 2))
		return in->comment == NULL;
	return in->comment && strcmp(PQgetvalue(r, 0, 2), in->comment) == 0;
}

/* Inside the transaction: the checks, then the insert or the replay. */
static struct ingest_outcome store_locked(PGconn *c, const struct review_input *in,
					  enum db_status *s, char *corridor, size_t n)
{
	const char *find[] = { in->organisation, in->report_id };
	char id[24], kind[16];
	const char *p1[] = { id };
	struct ingest_outcome o = { 0 };
	PGresult *r;

	if ((*s = db_exec(c, true, "review_find", 2, find, &r)) != DB_OK || PQntuples(r) != 1) {
		PQclear(r);
		return *s != DB_OK ? ingest_unavailable(c, *s, false)
			: ingest_refused(INGEST_NOT_FOUND, "no report with this report_id from this organisation");
	}
	snprintf(id, sizeof(id), "%s", PQgetvalue(r, 0, 0));
	PQclear(r);
	if ((*s = db_exec(c, true, "review_lock", 1, p1, &r)) != DB_OK) {
		PQclear(r);
		return ingest_unavailable(c, *s, false);
	}
	PQclear(r);
	/* Read again under the lock: a correction or a retraction may have just committed. */
	if ((*s = db_exec(c, true, "review_find", 2, find, &r)) != DB_OK || PQntuples(r) != 1) {
		PQclear(r);
		return ingest_unavailable(c, *s == DB_OK ? DB_HARD : *s, false);
	}
	snprintf(corridor, n, "%s", PQgetvalue(r, 0, 1));
	snprintf(kind, sizeof(kind), "%s", PQgetvalue(r, 0, 2));
	if (!PQgetisnull(r, 0, 3)) {
		char msg[128];

		snprintf(msg, sizeof(msg), "this version was superseded by %s; review that one",
			 PQgetvalue(r, 0, 3));
		o = ingest_refused(INGEST_CONFLICT, msg);
	} else if (strcmp(PQgetvalue(r, 0, 4), "t") == 0) {
		o = ingest_refused(INGEST_CONFLICT, "this report was retracted; there is nothing to review");
	}
	PQclear(r);
	if (o.result == INGEST_CONFLICT)
		return o;
	if ((*s = db_exec(c, true, "review_latest", 1, p1, &r)) != DB_OK) {
		PQclear(r);
		return ingest_unavailable(c, *s, false);
	}
	if (same_as_latest(r, in)) {
		o.result = INGEST_REPLAY;
		o.items = review_json(in, kind, corridor, in->state, in->comment, PQgetvalue(r, 0, 3),
				      PQgetvalue(r, 0, 4));
		PQclear(r);
		return o;
	}
	PQclear(r);
	{
		const char *params[] = { id, in->reviewer_id, review_state_names[in->state], in->comment,
					 in->channel };

		if ((*s = db_exec(c, true, "review_insert", 5, params, &r)) != DB_OK || PQntuples(r) != 1) {
			PQclear(r);
			return ingest_unavailable(c, *s == DB_OK ? DB_HARD : *s, false);
		}
	}
	o.result = INGEST_STORED;
	o.items = review_json(in, kind, corridor, in->state, in->comment, PQgetvalue(r, 0, 0),
			      PQgetvalue(r, 0, 1));
	PQclear(r);
	return o;
}

struct ingest_outcome review_store(PGconn *c, const struct review_input *in)
{
	enum db_status s = db_simple(c, "BEGIN");
	char corridor[64] = "";
	struct ingest_outcome o;

	if (s != DB_OK)
		return ingest_unavailable(c, s, false);
	o = store_locked(c, in, &s, corridor, sizeof(corridor));
	if (s == DB_OK && o.result == INGEST_STORED) {
		s = db_simple(c, "COMMIT");
		if (s == DB_OK || s == DB_RETRY) {
			/* A lost COMMIT may have happened: the snapshot looks again either way. */
			if (ingest_committed)
				ingest_committed(corridor);
		}
		if (s == DB_OK)
			return o;
		ingest_outcome_free(&o);
		return ingest_unavailable(c, s, true);
	}
	if (!db_conn_lost(c))
		db_simple(c, "ROLLBACK");
	return o;
}

static json_t *queue_row(const PGresult *r, int i)
{
	json_t *payload = json_loads(PQgetvalue(r, i, 9), 0, NULL);

	return json_pack("{s:s, s:s, s:s, s:s, s:s, s:o, s:o, s:o, s:o, s:o}",
		"organisation", PQgetvalue(r, i, 0), "report_id", PQgetvalue(r, i, 1),
		"kind", PQgetvalue(r, i, 2), "corridor", PQgetvalue(r, i, 3),
		"received_at", PQgetvalue(r, i, 4),
		"supersedes", PQgetisnull(r, i, 5) ? json_null() : json_string(PQgetvalue(r, i, 5)),
		"comment", PQgetisnull(r, i, 6) ? json_null() : json_string(PQgetvalue(r, i, 6)),
		"reviewer", PQgetisnull(r, i, 7) ? json_null() : json_string(PQgetvalue(r, i, 7)),
		"reviewed_at", PQgetisnull(r, i, 8) ? json_null() : json_string(PQgetvalue(r, i, 8)),
		"report", payload ? payload : json_null());
}

json_t *review_queue(PGconn *c, const char *corridor, int state, int limit, enum db_status *s)
{
	char lim[16];
	const char *params[] = { corridor, review_state_names[state], lim };
	json_t *list, *out;
	PGresult *r;
	int n;

	snprintf(lim, sizeof(lim), "%d", limit + 1);
	if ((*s = db_exec(c, true, "review_queue", 3, params, &r)) != DB_OK) {
		PQclear(r);
		return NULL;
	}
	n = PQntuples(r);
	list = json_array();
	for (int i = 0; i < n && i < limit; i++)
		json_array_append_new(list, queue_row(r, i));
	out = json_pack("{s:s, s:o, s:b}", "state", review_state_names[state], "reports", list,
			"more", n > limit);
	PQclear(r);
	return out;
}
