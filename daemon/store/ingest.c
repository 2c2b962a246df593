#include "store/ingest.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/ledger.h"
#include "core/metrics.h"
#include "core/report.h"
#include "util/i18n.h"
#include "util/log.h"
#include "util/strbuf.h"
#include "util/valid.h"


#define INSERT_REPORT(kind) \
	"WITH r AS (INSERT INTO supplywatch.reports (org_id, report_id, kind, corridor_id," \
	" channel, content_hash, payload, supersedes, source_url, note)" \
	" VALUES ($1, $2, '" kind "', $3, $4, $5, $6, $7, $8, $9)" \
	" ON CONFLICT (org_id, report_id) DO NOTHING RETURNING id, received_at), "

static const struct db_stmt stmts[] = {
	{ "auth_token",
	  "SELECT o.id, o.slug, t.scope, o.reviewer FROM supplywatch.tokens t"
	  " JOIN supplywatch.organisations o ON o.id = t.org_id"
	  " WHERE t.hash = $1 AND t.revoked_at IS NULL" },
	/* The last column: stored by this very transaction (an earlier row of the same file). */
	{ "find_report",
	  "SELECT r.id, r.kind, r.content_hash = $3::bytea, " TS_UTC("r.received_at") ","
	  " (SELECT s.report_id FROM supplywatch.reports s WHERE s.supersedes = r.id),"
	  " EXISTS (SELECT 1 FROM supplywatch.retractions x WHERE x.report = r.id),"
	  " coalesce(r.xmin = (pg_current_xact_id_if_assigned()::text::bigint % 4294967296)::text::xid, false),"
	  " r.corridor_id"
	  " FROM supplywatch.reports r WHERE r.org_id = $1 AND r.report_id = $2" },
	/* Serialises supersede and retract on one report (FOR UPDATE would need UPDATE rights). */
	{ "lock_report", "SELECT pg_advisory_xact_lock($1::bigint)" },
	{ "insert_trucks", INSERT_REPORT("trucks")
	  "t AS (INSERT INTO supplywatch.truck_reports (report, day, observed_at, direction,"
	  " crossing, trucks, cargo, tonnes, turned_back, stage, consignor)"
	  " SELECT id, coalesce($10::date, ($11::timestamptz AT TIME ZONE $12::text)::date),"
	  " $11::timestamptz, $13, $14, $15, $16, $17, $18, coalesce($19, 'crossed'), $20 FROM r RETURNING report)"
	  " SELECT " TS_UTC("r.received_at") " FROM r JOIN t ON t.report = r.id" },
	{ "insert_shortage", INSERT_REPORT("shortage")
	  "t AS (INSERT INTO supplywatch.shortage_reports (report, day, item, severity, category,"
	  " location) SELECT id, $10, $11, $12, $13, $14 FROM r RETURNING report)"
	  " SELECT " TS_UTC("r.received_at") " FROM r JOIN t ON t.report = r.id" },
	{ "insert_disruption", INSERT_REPORT("disruption")
	  "t AS (INSERT INTO supplywatch.disruption_reports (report, service, started_at,"
	  " ended_at, disruption_key, location, people_affected)"
	  " SELECT id, $10, $11, $12, coalesce($13, $2::text), $14, $15 FROM r RETURNING report)"
	  " SELECT " TS_UTC("r.received_at") " FROM r JOIN t ON t.report = r.id" },
	{ "insert_access", INSERT_REPORT("access")
	  "t AS (INSERT INTO supplywatch.access_events (report, status, at, crossing)"
	  " SELECT id, $10, $11, $12 FROM r RETURNING report)"
	  " SELECT " TS_UTC("r.received_at") " FROM r JOIN t ON t.report = r.id" },
	{ "insert_movement", INSERT_REPORT("movement")
	  "t AS (INSERT INTO supplywatch.movement_reports (report, outcome, planned_for, purpose,"
	  " from_place, to_place, delay_hours, crossing)"
	  " SELECT id, $10, $11, $12, $13, $14, $15, $16 FROM r RETURNING report)"
	  " SELECT " TS_UTC("r.received_at") " FROM r JOIN t ON t.report = r.id" },
	{ "insert_retraction",
	  "INSERT INTO supplywatch.retractions (report, reason) VALUES ($1, $2)"
	  " ON CONFLICT (report) DO NOTHING RETURNING " TS_UTC("retracted_at") },
	{ "find_retraction",
	  "SELECT reason, " TS_UTC("retracted_at") " FROM supplywatch.retractions WHERE report = $1" },
	{ "sync_corridors", "SELECT supplywatch.sync_corridors($1::jsonb)" },
};

static const char *const insert_stmt[KIND_COUNT] = {
	"insert_trucks", "insert_shortage", "insert_disruption", "insert_access", "insert_movement"
};

void ingest_outcome_free(struct ingest_outcome *o)
{
	json_decref(o->items);
	json_decref(o->details);
	o->items = o->details = NULL;
}

/*
 * The database failed with s.  committing: a COMMIT (or a statement that
 * commits by itself, on a session now lost) was sent and failed without a
 * clear refusal, so its fate is unknown.
 */
struct ingest_outcome ingest_unavailable(PGconn *c, enum db_status s, bool committing)
{
	struct ingest_outcome o = { 0 };

	o.result = s == DB_RETRY ? INGEST_UNAVAILABLE : INGEST_FAILED;
	if (s != DB_RETRY)
		return o;
	o.retry_after = db_retry_after();
	o.commit_unknown = committing;
	o.reconnect = !committing && db_conn_lost(c);
	return o;
}

enum ingest_auth ingest_auth(PGconn *c, const unsigned char hash[TOKEN_HASH_LEN], struct org *org)
{
	char hex[2 + 2 * TOKEN_HASH_LEN + 1];
	const char *params[] = { hex };
	PGresult *r;
	enum db_status s;
	enum ingest_auth found;

	hex_bytea(hash, TOKEN_HASH_LEN, hex);
	s = db_exec(c, true, "auth_token", 1, params, &r);
	if (s != DB_OK) {
		PQclear(r);
		return s == DB_RETRY ? AUTH_UNAVAILABLE : AUTH_FAILED;
	}
	found = PQntuples(r) == 1 ? AUTH_FOUND : AUTH_UNKNOWN;
	if (found == AUTH_FOUND) {
		snprintf(org->id, sizeof(org->id), "%s", PQgetvalue(r, 0, 0));
		snprintf(org->slug, sizeof(org->slug), "%s", PQgetvalue(r, 0, 1));
		org->scope = scope_parse(PQgetvalue(r, 0, 2));
		org->reviewer = strcmp(PQgetvalue(r, 0, 3), "t") == 0;
		/* A scope this build does not know grants nothing it does not know. */
		if (org->scope < 0)
			org->scope = SCOPE_READ;
	}
	PQclear(r);
	return found;
}

/* What the database knows of one (organisation, report_id). */
struct stored {
	bool exists;
	char id[24];
	char kind[16];
	bool same_content;
	char received_at[40];
	char superseded_by[40];	/* "" when current */
	bool retracted;
	bool this_tx;		/* stored earlier in this same submission */
	char corridor[64];
};

void (*ingest_committed)(const char *corridor);

/* Corridors a transaction changed, told to ingest_committed after COMMIT. */
struct touched {
	size_t n;
	bool many;		/* more than fit: "any" */
	char id[8][64];
};

static void touch(struct touched *t, const char *corridor)
{
	for (size_t i = 0; i < t->n; i++)
		if (strcmp(t->id[i], corridor) == 0)
			return;
	if (t->n == sizeof(t->id) / sizeof(t->id[0]) || strlen(corridor) >= sizeof(t->id[0]))
		t->many = true;
	else
		snprintf(t->id[t->n++], sizeof(t->id[0]), "%s", corridor);
}

static void tell_committed(const struct touched *t)
{
	if (!ingest_committed)
		return;
	if (t->many)
		ingest_committed(NULL);
	for (size_t i = 0; i < t->n && !t->many; i++)
		ingest_committed(t->id[i]);
}

static enum db_status find_report(PGconn *c, const struct org *org, const char *report_id,
				  const char *hash_hex, struct stored *st)
{
	const char *params[] = { org->id, report_id, hash_hex };
	PGresult *r;
	enum db_status s;

	memset(st, 0, sizeof(*st));
	s = db_exec(c, true, "find_report", 3, params, &r);
	if (s == DB_OK && PQntuples(r) == 1) {
		st->exists = true;
		snprintf(st->id, sizeof(st->id), "%s", PQgetvalue(r, 0, 0));
		snprintf(st->kind, sizeof(st->kind), "%s", PQgetvalue(r, 0, 1));
		st->same_content = strcmp(PQgetvalue(r, 0, 2), "t") == 0;
		snprintf(st->received_at, sizeof(st->received_at), "%s", PQgetvalue(r, 0, 3));
		snprintf(st->superseded_by, sizeof(st->superseded_by), "%s", PQgetvalue(r, 0, 4));
		st->retracted = strcmp(PQgetvalue(r, 0, 5), "t") == 0;
		st->this_tx = strcmp(PQgetvalue(r, 0, 6), "t") == 0;
		snprintf(st->corridor, sizeof(st->corridor), "%s", PQgetvalue(r, 0, 7));
	}
	PQclear(r);
	return s;
}

static enum db_status lock_report(PGconn *c, const char *id)
{
	const char *params[] = { id };
	PGresult *r;
	enum db_status s = db_exec(c, true, "lock_report", 1, params, &r);

	PQclear(r);
	return s;
}

/* Per-request state of a submission. */
struct batch {
	PGconn *c;
	const struct org *org;
	const char *channel;
	const struct sw_config *cfg;
	json_t *results;	/* {"report_id", "kind", "received_at"} per index */
	json_t *invalid;	/* 422 details */
	json_t *conflicts;	/* 409 details */
	int created;
	size_t total;		/* reports stored or replayed */
	struct touched touched;	/* corridors whose reports changed */
	struct touched attempted;	/* corridors a report was sent for */
	unsigned count[KIND_COUNT][RESULT_COUNT];	/* for supplywatch_reports_total */
	/*
	 * The transaction failed on a constraint that a detail explains (a
	 * supersede raced with another): a 422 then, not an internal error.
	 */
	bool explained;
	bool keep;		/* results listed in the answer (else counted only) */
};

static bool refused(const struct batch *b)
{
	return json_array_size(b->invalid) || json_array_size(b->conflicts);
}

/*
 * Checks the report a new one supersedes, under a lock on it; fills
 * target_id.  Problems are details, not failures.
 */
static enum db_status check_supersedes(struct batch *b, size_t i, const json_t *canon,
				       const char *hash_hex, char *target_id, size_t n)
{
	const char *sup = json_string_value(json_object_get(canon, "supersedes"));
	const char *self = json_string_value(json_object_get(canon, "report_id"));
	const char *kind = json_string_value(json_object_get(canon, "kind"));
	struct stored t;
	enum db_status s;
	char reason[160];

	s = find_report(b->c, b->org, sup, hash_hex, &t);
	if (s != DB_OK)
		return s;
	if (!t.exists) {
		report_error(b->invalid, i, "supersedes",
			     N_("no report with this report_id from your organisation"));
		return DB_OK;
	}
	if ((s = lock_report(b->c, t.id)) != DB_OK || (s = find_report(b->c, b->org, sup, hash_hex, &t)) != DB_OK)
		return s;
	if (strcmp(t.kind, kind) != 0) {
		snprintf(reason, sizeof(reason), "names a report of kind %s, not %s", t.kind, kind);
		report_error(b->invalid, i, "supersedes", reason);
	} else if (t.retracted) {
		report_error(b->invalid, i, "supersedes", N_("names a retracted report"));
	} else if (*t.superseded_by && strcmp(t.superseded_by, self) != 0) {
		snprintf(reason, sizeof(reason), "names a report already superseded by %s; supersede that one",
			 t.superseded_by);
		report_error(b->invalid, i, "supersedes", reason);
	}
	snprintf(target_id, n, "%s", t.id);
	touch(&b->touched, t.corridor);	/* it stops counting there, if the corridor differs */
	return DB_OK;
}

/*
 * One stored (or replayed) report of the answer, with the leaf hash its
 * version has in the public ledger: a receipt the submitter can keep
 * before the sequencer has even seen it (core/ledger.h).
 */
static json_t *result_item(const struct batch *b, const json_t *canon, const char *kind,
			   const char *received_at)
{
	const char *id = json_string_value(json_object_get(canon, "report_id"));
	unsigned char hash[32], leaf[32];
	char hex[LEDGER_HEX_LEN + 1], leaf_hex[LEDGER_HEX_LEN + 1], *entry;
	json_t *item;

	report_hash(canon, hash);
	ledger_hex(hash, sizeof(hash), hex);
	entry = ledger_entry_report(b->org->slug, id, received_at, hex,
				    json_string_value(json_object_get(canon, "supersedes")));
	if (!entry)
		abort();	/* jansson out of memory, as xmalloc would */
	ledger_leaf(entry, leaf);
	free(entry);
	ledger_hex(leaf, sizeof(leaf), leaf_hex);
	item = json_pack("{s:s, s:s, s:s, s:s}", "report_id", id, "kind", kind, "received_at", received_at,
			 "leaf_hash", leaf_hex);
	return item;
}

/* Records report i as stored (new or identical replay) or as a conflict. */
static void settle(struct batch *b, size_t i, const json_t *canon, const struct stored *st)
{
	char reason[160];

	if (st->this_tx) {
		/* Batches refuse repeats before storing; a streamed file finds them here. */
		report_error(b->invalid, i, "report_id", st->same_content
			? "repeats an earlier row of this file; give each row its own report_id to keep both"
			: "is used by an earlier row of this file");
		return;
	}
	if (!st->same_content) {
		snprintf(reason, sizeof(reason),
			 "a different report with this report_id was stored at %s", st->received_at);
		report_error(b->conflicts, i, "report_id", reason);
		b->count[report_kind_of(canon)][RESULT_CONFLICT]++;
		return;
	}
	b->count[report_kind_of(canon)][RESULT_REPLAYED]++;
	b->total++;
	if (b->keep)
		json_array_append_new(b->results, result_item(b, canon,
			json_string_value(json_object_get(canon, "kind")), st->received_at));
}

/*
 * The insert statements' parameters for one report: org, report_id,
 * corridor, channel, hash, payload (*payload, to free), supersedes target,
 * source_url, note, then the kind's own (kind_specs).  Returns how many.
 */
static int report_params(const struct batch *b, const json_t *canon, const json_t *raw,
			 const char *hash_hex, const char *target, const char **params,
			 char nums[8][32], char **payload)
{
	const struct kind_spec *spec = &kind_specs[report_kind_of(canon)];
	int n = 0, nn = 0;

	*payload = json_dumps(raw, SW_JSON | JSON_PRESERVE_ORDER);
	params[n++] = b->org->id;
	params[n++] = json_string_value(json_object_get(canon, "report_id"));
	params[n++] = json_string_value(json_object_get(canon, "corridor"));
	params[n++] = b->channel;
	params[n++] = hash_hex;
	params[n++] = *payload;
	params[n++] = target;
	params[n++] = report_param(canon, "source_url", NULL, 0);
	params[n++] = report_param(canon, "note", NULL, 0);
	for (const char *const *p = spec->params; *p; p++) {
		if (strcmp(*p, "@timezone") == 0) {
			params[n++] = config_corridor(b->cfg, params[2])->timezone;
			continue;
		}
		params[n++] = report_param(canon, *p, nums[nn], sizeof(nums[nn]));
		if (params[n - 1] == nums[nn])
			nn++;
	}
	return n;
}

static enum db_status store_one(struct batch *b, size_t i, const json_t *canon, const json_t *raw)
{
	const char *id = json_string_value(json_object_get(canon, "report_id"));
	enum report_kind kind = report_kind_of(canon);
	const struct kind_spec *spec = &kind_specs[kind];
	unsigned char hash[32];
	char hash_hex[2 + 64 + 1], target[24] = "";
	char nums[8][32];
	const char *params[24];
	int n;
	char *payload;
	struct stored st;
	PGresult *r;
	enum db_status s;

	report_hash(canon, hash);
	hex_bytea(hash, sizeof(hash), hash_hex);
	/*
	 * A new report is inserted straight away (ON CONFLICT DO NOTHING) and
	 * looked up only when that stored nothing: one round trip for the
	 * common case.  A supersede is checked first, under its lock.
	 */
	if (json_object_get(canon, "supersedes")) {
		size_t before = json_array_size(b->invalid);

		s = find_report(b->c, b->org, id, hash_hex, &st);
		if (s != DB_OK)
			return s;
		if (st.exists) {
			settle(b, i, canon, &st);
			return DB_OK;
		}
		s = check_supersedes(b, i, canon, hash_hex, target, sizeof(target));
		if (s != DB_OK || json_array_size(b->invalid) > before)
			return s;
	}
	n = report_params(b, canon, raw, hash_hex, *target ? target : NULL, params, nums, &payload);
	/* On its own the insert commits: should its answer be lost, the corridor is still known. */
	touch(&b->attempted, params[2]);
	s = db_exec(b->c, true, insert_stmt[kind], n, params, &r);
	free(payload);
	if (s == DB_HARD && strcmp(db_sqlstate(r), "23505") == 0) {
		/* Someone superseded the same report between our check and insert. */
		report_error(b->invalid, i, "supersedes", "names a report that was just superseded by another");
		b->explained = true;
		PQclear(r);
		return DB_HARD;
	}
	if (s == DB_OK && PQntuples(r) == 1) {
		if (b->keep)
			json_array_append_new(b->results, result_item(b, canon, spec->name, PQgetvalue(r, 0, 0)));
		b->created++;
		touch(&b->touched, params[2]);
		b->total++;
		b->count[kind][RESULT_STORED]++;
		PQclear(r);
		return DB_OK;
	}
	PQclear(r);
	if (s != DB_OK)
		return s;
	/* Stored before (a replay or a conflict), by this file, or just now by a concurrent submission. */
	s = find_report(b->c, b->org, id, hash_hex, &st);
	if (s == DB_OK)
		settle(b, i, canon, &st);
	return s;
}

/*
 * Batches go in by the thousand, and concurrent single reports by the
 * group (ingest_group): one INSERT ... SELECT per kind table from arrays
 * (unnest), ON CONFLICT DO NOTHING as for one report, so a thousand
 * reports cost one round trip and one executor run instead of one
 * statement each, and each chunk reads only its own rows.  Reports the
 * INSERT did not store (replays, conflicts, a repeat) are then looked up
 * one by one.  Supersedes go one at a time, locked.
 */
#define CHUNK 1000
#define NKPARAMS 11		/* the most kind parameters (trucks) */
#define NCOLS (10 + NKPARAMS)	/* the arrays of staged_insert */

/* The same expressions as the insert_* statements, on staged text. */
static const char staged_insert_sql[] =
	"WITH b AS (SELECT * FROM unnest($1::integer[], $2::integer[], $3::text[], $4::uuid[],"
	"  $5::text[], $6::text[], $7::bytea[], $8::jsonb[], $9::text[], $10::text[], $11::text[],"
	"  $12::text[], $13::text[], $14::text[], $15::text[], $16::text[], $17::text[], $18::text[],"
	"  $19::text[], $20::text[], $21::text[]) AS b (idx, org_id, channel, report_id, kind,"
	"  corridor_id, content_hash, payload, source_url, note, p1, p2, p3, p4, p5, p6, p7, p8, p9,"
	"  p10, p11)),"
	" r AS (INSERT INTO supplywatch.reports (org_id, report_id, kind, corridor_id, channel,"
	"  content_hash, payload, source_url, note)"
	"  SELECT org_id, report_id, kind, corridor_id, channel, content_hash, payload, source_url, note"
	"  FROM b ORDER BY idx ON CONFLICT (org_id, report_id) DO NOTHING"
	"  RETURNING id, org_id, report_id, received_at),"
	" x AS (SELECT r.id, r.received_at, b.* FROM r JOIN b"
	"  ON b.org_id = r.org_id AND b.report_id = r.report_id),"
	" t AS (INSERT INTO supplywatch.truck_reports (report, day, observed_at, direction, crossing,"
	"  trucks, cargo, tonnes, turned_back, stage, consignor)"
	"  SELECT id, coalesce(p1::date, (p2::timestamptz AT TIME ZONE p3)::date), p2::timestamptz,"
	"  p4, p5, p6::integer, p7, p8::numeric, p9::integer, coalesce(p10, 'crossed'), p11 FROM x WHERE kind = 'trucks'),"
	" s AS (INSERT INTO supplywatch.shortage_reports (report, day, item, severity, category, location)"
	"  SELECT id, p1::date, p2, p3, p4, p5 FROM x WHERE kind = 'shortage'),"
	" d AS (INSERT INTO supplywatch.disruption_reports (report, service, started_at, ended_at,"
	"  disruption_key, location, people_affected)"
	"  SELECT id, p1, p2::timestamptz, p3::timestamptz, coalesce(p4, report_id::text), p5,"
	"  p6::bigint FROM x WHERE kind = 'disruption'),"
	" a AS (INSERT INTO supplywatch.access_events (report, status, at, crossing)"
	"  SELECT id, p1, p2::timestamptz, p3 FROM x WHERE kind = 'access'),"
	" m AS (INSERT INTO supplywatch.movement_reports (report, outcome, planned_for, purpose,"
	"  from_place, to_place, delay_hours, crossing)"
	"  SELECT id, p1, p2::date, p3, p4, p5, p6::numeric, p7 FROM x WHERE kind = 'movement')"
	" SELECT idx, " TS_UTC("received_at") " FROM x";

struct staged {
	struct batch *b;		/* the submission it belongs to */
	size_t index;			/* in that submission */
	json_t *canon, *raw;		/* references held */
	char hash_hex[2 + 64 + 1];
	const char *received_at;	/* set by staged_insert: stored */
	bool repeat;			/* its (org, report_id) is earlier in the same chunk */
};

/* One element of a PostgreSQL array literal: NULL, or quoted with \ and " escaped. */
static void array_add(struct strbuf *out, const char *v)
{
	sb_addch(out, out->len ? ',' : '{');
	if (!v) {
		sb_addstr(out, "NULL");
		return;
	}
	sb_addch(out, '"');
	for (; *v; v++) {
		if (*v == '\\' || *v == '"')
			sb_addch(out, '\\');
		sb_addch(out, *v);
	}
	sb_addch(out, '"');
}

/* Marks reports whose (organisation, report_id) is already earlier in st. */
static void mark_repeats(struct staged *st, size_t n)
{
	enum { SLOTS = 2 * CHUNK };
	const struct staged *seen[SLOTS] = { NULL };

	for (size_t k = 0; k < n; k++) {
		const char *id = json_string_value(json_object_get(st[k].canon, "report_id"));
		const char *org = st[k].b->org->id;
		size_t h = 5381;

		for (const char *p = id; *p; p++)
			h = h * 33 + (unsigned char)*p;
		for (const char *p = org; *p; p++)
			h = h * 33 + (unsigned char)*p;
		for (h %= SLOTS; seen[h]; h = (h + 1) % SLOTS)
			if (strcmp(seen[h]->b->org->id, org) == 0 &&
			    strcmp(json_string_value(json_object_get(seen[h]->canon, "report_id")), id) == 0)
				break;
		st[k].repeat = seen[h] != NULL;
		seen[h] = &st[k];
	}
}

/*
 * Sends the INSERT of st[0..n) (at most CHUNK) that are not repeats, in
 * that order, as one statement, without waiting for it: staged_receive.
 */
static enum db_status staged_send(PGconn *c, struct staged *st, size_t n)
{
	struct strbuf col[NCOLS];
	const char *params[NCOLS];
	char num[24];
	enum db_status s;

	for (int i = 0; i < NCOLS; i++)
		sb_init(&col[i]);
	mark_repeats(st, n);
	for (size_t k = 0; k < n; k++) {
		const char *p[24];
		char nums[8][32], *payload;
		int np;

		if (st[k].repeat)
			continue;
		np = report_params(st[k].b, st[k].canon, st[k].raw, st[k].hash_hex, NULL, p, nums, &payload);
		snprintf(num, sizeof(num), "%zu", k);
		array_add(&col[0], num);
		array_add(&col[1], p[0]);		/* org */
		array_add(&col[2], p[3]);		/* channel */
		array_add(&col[3], p[1]);		/* report_id */
		array_add(&col[4], kind_specs[report_kind_of(st[k].canon)].name);
		array_add(&col[5], p[2]);		/* corridor */
		array_add(&col[6], p[4]);		/* content hash */
		array_add(&col[7], p[5]);		/* payload */
		array_add(&col[8], p[7]);		/* source_url */
		array_add(&col[9], p[8]);		/* note */
		for (int i = 0; i < NKPARAMS; i++)
			array_add(&col[10 + i], 9 + i < np ? p[9 + i] : NULL);
		free(payload);
	}
	for (int i = 0; i < NCOLS; i++) {
		if (!col[i].len)
			sb_addch(&col[i], '{');
		sb_addch(&col[i], '}');
		params[i] = col[i].buf;
	}
	s = db_send(c, "insert_staged", NCOLS, params);
	for (int i = 0; i < NCOLS; i++)
		sb_release(&col[i]);
	return s;
}

/* The sent INSERT's result: sets received_at of those stored (pointing into *res, the caller's to clear). */
static enum db_status staged_receive(PGconn *c, struct staged *st, size_t n, PGresult **res)
{
	enum db_status s = db_receive(c, "insert_staged", res);

	if (s != DB_OK)
		return s;
	for (int row = 0; row < PQntuples(*res); row++) {
		size_t k = (size_t)strtoul(PQgetvalue(*res, row, 0), NULL, 10);

		if (k < n)
			st[k].received_at = PQgetvalue(*res, row, 1);
	}
	return DB_OK;
}

/* What the batch comes to; committed: its reports are stored (else what would have been was not). */
static struct ingest_outcome batch_outcome(struct batch *b, bool committed)
{
	struct ingest_outcome o = { 0 };

	memcpy(o.count, b->count, sizeof(o.count));
	for (int k = 0; k < KIND_COUNT && !committed; k++)
		o.count[k][RESULT_STORED] = o.count[k][RESULT_REPLAYED] = 0;
	o.invalid_reports = report_errors_reports(b->invalid);
	if (json_array_size(b->invalid)) {
		o.result = INGEST_INVALID;
		o.details = json_incref(b->invalid);
	} else if (json_array_size(b->conflicts)) {
		o.result = INGEST_CONFLICT;
		o.details = json_incref(b->conflicts);
	} else {
		o.result = b->created ? INGEST_STORED : INGEST_REPLAY;
		o.items = json_incref(b->results);
		o.stored = b->created;
		o.replayed = (int)(b->total - (size_t)b->created);
	}
	return o;
}

/* An open submission transaction, fed one report at a time. */
struct ingest_tx {
	struct batch b;
	enum db_status s;		/* DB_OK while the transaction can go on */
	bool autocommit;		/* one statement, committed by itself (no BEGIN asked) */
	bool began;			/* BEGIN succeeded */
	struct staged *stage;		/* reports waiting for the next flush */
	size_t nstaged;
	/*
	 * The chunk whose INSERT is on its way: while PostgreSQL runs it, the
	 * caller reads and checks the next one.
	 */
	struct staged *sent;
	size_t nsent;
};

static void staged_release(struct staged *st, size_t *n)
{
	for (size_t k = 0; k < *n; k++) {
		json_decref(st[k].canon);
		json_decref(st[k].raw);
	}
	*n = 0;
}

/*
 * After staged_insert: each report's result, in order: stored, or (not
 * stored) looked up as a replay, a conflict or a repeat.
 */
static enum db_status staged_settle(PGconn *c, struct staged *st, size_t n)
{
	enum db_status s = DB_OK;

	for (size_t k = 0; k < n && s == DB_OK; k++) {
		struct batch *b = st[k].b;
		const json_t *canon = st[k].canon;
		enum report_kind kind = report_kind_of(canon);
		struct stored found;

		if (st[k].received_at) {
			if (b->keep)
				json_array_append_new(b->results, result_item(b, canon, kind_specs[kind].name,
					st[k].received_at));
			b->created++;
			b->total++;
			b->count[kind][RESULT_STORED]++;
			touch(&b->touched, json_string_value(json_object_get(canon, "corridor")));
			continue;
		}
		/* Not stored: stored before, earlier in this file or group, or by a concurrent submission. */
		s = find_report(c, b->org, json_string_value(json_object_get(canon, "report_id")),
				st[k].hash_hex, &found);
		if (s == DB_OK)
			settle(b, st[k].index, canon, &found);
	}
	return s;
}

/* Waits for the chunk on its way, if any: its results (and errors) in index order. */
static enum db_status drain(struct ingest_tx *tx)
{
	PGresult *r = NULL;
	enum db_status s;

	if (!tx->nsent)
		return DB_OK;
	s = staged_receive(tx->b.c, tx->sent, tx->nsent, &r);
	if (s == DB_OK)
		s = staged_settle(tx->b.c, tx->sent, tx->nsent);
	PQclear(r);
	staged_release(tx->sent, &tx->nsent);
	return s;
}

/*
 * Sends the staged reports' INSERT, after the results of the chunk before;
 * with wait, waits for its own results too.
 */
static enum db_status flush(struct ingest_tx *tx, bool wait)
{
	enum db_status s = drain(tx);
	struct staged *swap;

	if (s != DB_OK || !tx->nstaged) {
		staged_release(tx->stage, &tx->nstaged);
		return s;
	}
	s = staged_send(tx->b.c, tx->stage, tx->nstaged);
	if (!tx->sent)
		tx->sent = xcalloc(CHUNK, sizeof(*tx->sent));
	swap = tx->sent;
	tx->sent = tx->stage;
	tx->stage = swap;
	tx->nsent = tx->nstaged;
	tx->nstaged = 0;
	if (s != DB_OK) {
		staged_release(tx->sent, &tx->nsent);
		return s;
	}
	return wait ? drain(tx) : DB_OK;
}

static struct ingest_tx *tx_new(PGconn *c, const struct org *org, const char *channel,
				 const struct sw_config *cfg, bool keep_results, bool begin)
{
	struct ingest_tx *tx = xcalloc(1, sizeof(*tx));

	tx->b.c = c;
	tx->b.org = org;
	tx->b.channel = channel;
	tx->b.cfg = cfg;
	tx->b.results = json_array();
	tx->b.invalid = json_array();
	tx->b.conflicts = json_array();
	tx->b.keep = keep_results;
	tx->autocommit = !begin;
	tx->s = begin ? db_simple(c, "BEGIN") : DB_OK;
	tx->began = begin && tx->s == DB_OK;
	return tx;
}

struct ingest_tx *ingest_begin(PGconn *c, const struct org *org, const char *channel,
			       const struct sw_config *cfg, bool keep_results)
{
	return tx_new(c, org, channel, cfg, keep_results, true);
}

bool ingest_add(struct ingest_tx *tx, size_t index, const json_t *canon, const json_t *raw)
{
	struct staged *st;

	if (tx->s != DB_OK)
		return false;
	/* One report on its own (no transaction) or a supersede: stored now, in order. */
	if (!tx->began || json_object_get(canon, "supersedes")) {
		if ((tx->s = flush(tx, true)) == DB_OK)
			tx->s = store_one(&tx->b, index, canon, raw);
		return tx->s == DB_OK;
	}
	if (!tx->stage)
		tx->stage = xcalloc(CHUNK, sizeof(*tx->stage));
	st = &tx->stage[tx->nstaged++];
	memset(st, 0, sizeof(*st));
	st->b = &tx->b;
	st->index = index;
	st->canon = json_incref((json_t *)canon);
	st->raw = json_incref((json_t *)raw);
	{
		unsigned char hash[32];

		report_hash(canon, hash);
		hex_bytea(hash, sizeof(hash), st->hash_hex);
	}
	if (tx->nstaged == CHUNK)
		tx->s = flush(tx, false);
	return tx->s == DB_OK;
}

bool ingest_failed(const struct ingest_tx *tx)
{
	return tx->s != DB_OK || refused(&tx->b);
}

/*
 * The session died with a commit's answer outstanding (a COMMIT, or a
 * report's INSERT, which commits by itself): the reports may be stored.
 * The snapshot is told of their corridors either way (a rebuild that
 * finds nothing new costs little; a missed one hides reports until
 * midnight), and the caller learns their fate by sending them again.
 */
static struct ingest_outcome fate_unknown(struct batch *b, enum db_status s,
					  const struct touched *corridors)
{
	struct ingest_outcome o = ingest_unavailable(b->c, s, true);

	if (o.commit_unknown)
		tell_committed(corridors);
	return o;
}

static struct ingest_outcome rolled_back(struct ingest_tx *tx, enum db_status s)
{
	struct batch *b = &tx->b;

	if (tx->began && !db_conn_lost(b->c))
		db_simple(b->c, "ROLLBACK");
	return s != DB_OK ? ingest_unavailable(b->c, s, false) : batch_outcome(b, false);
}

struct ingest_outcome ingest_finish(struct ingest_tx *tx, bool abort)
{
	struct batch *b = &tx->b;
	enum db_status s = tx->s;
	struct ingest_outcome o;

	if (s == DB_OK && !abort)
		s = tx->s = flush(tx, true);
	else if (tx->nsent && drain(tx) != DB_OK && s == DB_OK)
		s = DB_RETRY;	/* aborting: the session must be free for the ROLLBACK */
	staged_release(tx->stage, &tx->nstaged);
	staged_release(tx->sent, &tx->nsent);
	free(tx->stage);
	free(tx->sent);
	if (s == DB_HARD && b->explained)
		s = DB_OK;	/* a constraint a detail explains */
	if (tx->autocommit && b->attempted.n && s == DB_RETRY && db_conn_lost(b->c))
		o = fate_unknown(b, s, &b->attempted);
	else if (s != DB_OK || abort || refused(b))
		o = rolled_back(tx, s);
	else if (tx->began && (s = db_simple(b->c, "COMMIT")) != DB_OK)
		o = fate_unknown(b, s, &b->touched);
	else {
		tell_committed(&b->touched);
		o = batch_outcome(b, true);
	}
	if (!b->keep) {
		json_decref(o.items);
		o.items = NULL;
	}
	json_decref(b->results);
	json_decref(b->invalid);
	json_decref(b->conflicts);
	free(tx);
	return o;
}

struct ingest_outcome ingest_reports(PGconn *c, const struct org *org, const char *channel,
				     const json_t *canon, const json_t *raw,
				     const struct sw_config *cfg)
{
	/*
	 * One new report is one INSERT statement, atomic and durable on its
	 * own: no BEGIN/COMMIT round trips.
	 */
	bool one = json_array_size(canon) == 1 && !json_object_get(json_array_get(canon, 0), "supersedes");
	struct ingest_tx *tx = tx_new(c, org, channel, cfg, true, !one);
	size_t i;
	json_t *item;

	json_array_foreach(canon, i, item)
		if (!ingest_add(tx, i, item, json_array_get(raw, i)))
			break;
	return ingest_finish(tx, false);
}

static struct ingest_outcome no_connection(void)
{
	struct ingest_outcome o = { 0 };

	o.result = INGEST_UNAVAILABLE;
	o.retry_after = db_retry_after();
	return o;
}

/* ---- group commit ------------------------------------------------------------- */

/* Orders a group by (organisation, report_id): concurrent groups take their row locks in one order. */
static int by_key(const void *a, const void *b)
{
	const struct staged *x = a, *y = b;
	int c = strcmp(x->b->org->id, y->b->org->id);

	return c ? c : strcmp(json_string_value(json_object_get(x->canon, "report_id")),
			      json_string_value(json_object_get(y->canon, "report_id")));
}

/* How far an attempt at a group went. */
enum group_stage { GROUP_UNSENT, GROUP_SENT, GROUP_COMMITTED };

/*
 * One attempt at a group on c.  The INSERT of all its reports is one
 * statement, atomic and durable on its own (no BEGIN or COMMIT round
 * trips, as for one report alone); the reports it did not store are then
 * looked up (replays, conflicts, a twin in the same group).  On DB_OK
 * every item's outcome is set; otherwise none is, and *stage says whether
 * the INSERT was sent (and may have committed) or committed for sure
 * (then a failed lookup leaves its reports stored, and DB_RETRY).
 */
static enum db_status group_once(PGconn *c, struct ingest_single *const *items, size_t n,
				 enum group_stage *stage)
{
	struct batch *bs = xcalloc(n, sizeof(*bs));
	struct staged *st = xcalloc(n, sizeof(*st));
	PGresult *r = NULL;
	enum db_status s;

	for (size_t k = 0; k < n; k++) {
		unsigned char hash[32];

		bs[k].c = c;
		bs[k].org = items[k]->org;
		bs[k].channel = items[k]->channel;
		bs[k].cfg = items[k]->cfg;
		bs[k].results = json_array();
		bs[k].invalid = json_array();
		bs[k].conflicts = json_array();
		bs[k].keep = true;
		st[k].b = &bs[k];
		st[k].canon = (json_t *)items[k]->canon;
		st[k].raw = (json_t *)items[k]->raw;
		report_hash(st[k].canon, hash);
		hex_bytea(hash, sizeof(hash), st[k].hash_hex);
	}
	qsort(st, n, sizeof(*st), by_key);
	*stage = GROUP_UNSENT;
	if ((s = staged_send(c, st, n)) == DB_OK) {
		*stage = GROUP_SENT;
		if ((s = staged_receive(c, st, n, &r)) == DB_OK) {
			*stage = GROUP_COMMITTED;
			s = staged_settle(c, st, n);
		}
	}
	PQclear(r);
	if (s != DB_OK && *stage == GROUP_COMMITTED)
		s = DB_RETRY;	/* stored; a lookup failed: running again finds them as replays */
	for (size_t k = 0; k < n; k++) {
		if (s == DB_OK || *stage == GROUP_COMMITTED)
			tell_committed(&bs[k].touched);
		if (s == DB_OK)
			items[k]->outcome = batch_outcome(&bs[k], true);
		json_decref(bs[k].results);
		json_decref(bs[k].invalid);
		json_decref(bs[k].conflicts);
	}
	free(st);
	free(bs);
	return s;
}

/* The INSERT may have stored the group: committed for sure, or sent on a session now lost. */
static bool maybe_stored(PGconn *c, enum group_stage stage)
{
	return stage == GROUP_COMMITTED || (stage == GROUP_SENT && c && db_conn_lost(c));
}

static struct ingest_outcome run_alone(PGconn *c, void *arg)
{
	struct ingest_single *it = arg;
	struct ingest_tx *tx = tx_new(c, it->org, it->channel, it->cfg, true, false);

	ingest_add(tx, 0, it->canon, it->raw);
	return ingest_finish(tx, false);
}

void ingest_group(struct ingest_single *const *items, size_t n)
{
	PGconn *c;
	enum group_stage stage = GROUP_UNSENT;
	bool unknown = false;
	enum db_status s;

	/* A group of one is a report on its own: its kind's own INSERT, lighter than the arrays. */
	if (n == 1) {
		items[0]->outcome = ingest_run(run_alone, items[0]);
		return;
	}
	c = db_conn();
	s = c ? group_once(c, items, n, &stage) : DB_RETRY;
	if (s == DB_RETRY && c) {
		/*
		 * The session died, a lookup after the commit failed, or the
		 * group met a deadlock or a timeout: once more on a (new)
		 * session.  When the INSERT may have stored the group that is
		 * safe too: what it stored comes back as replays.
		 */
		unknown = maybe_stored(c, stage);
		log_info("ingest: a group of %zu reports %s; running it again", n,
			 stage == GROUP_COMMITTED ? "was stored but not settled"
			 : unknown ? "lost its commit's answer" : "failed before its commit");
		if (unknown && ingest_committed)
			ingest_committed(NULL);
		c = db_conn();
		s = c ? group_once(c, items, n, &stage) : DB_RETRY;
		unknown = unknown || (s == DB_RETRY && maybe_stored(c, stage));
	}
	if (s == DB_OK)
		return;
	if (s == DB_HARD) {
		/* A report the database refused: each on its own, so only its request fails. */
		log_warn("ingest: a group of %zu reports was refused; storing each on its own", n);
		for (size_t k = 0; k < n; k++)
			items[k]->outcome = ingest_run(run_alone, items[k]);
		return;
	}
	for (size_t k = 0; k < n; k++) {
		items[k]->outcome = no_connection();
		items[k]->outcome.commit_unknown = unknown;
	}
	if (unknown && ingest_committed)
		ingest_committed(NULL);
}

/* ---- retractions ------------------------------------------------------------ */

struct ingest_outcome ingest_refused(enum ingest_result result, const char *reason)
{
	struct ingest_outcome o = { 0 };

	o.result = result;
	snprintf(o.reason, sizeof(o.reason), "%s", reason);
	return o;
}

static struct ingest_outcome retraction(enum ingest_result result, const char *report_id,
					const char *at, const char *reason)
{
	struct ingest_outcome o = { 0 };

	o.result = result;
	o.items = json_pack("{s:s, s:s, s:s}", "report_id", report_id, "retracted_at", at,
			    "reason", reason);
	return o;
}

/* The retraction already stored: an identical one is a replay, another a conflict. */
static struct ingest_outcome retract_again(PGconn *c, const char *id, const char *report_id,
					   const char *reason, enum db_status *s)
{
	const char *params[] = { id };
	struct ingest_outcome o;
	PGresult *r;

	if ((*s = db_exec(c, true, "find_retraction", 1, params, &r)) != DB_OK || PQntuples(r) != 1) {
		PQclear(r);
		if (*s == DB_OK)
			*s = DB_HARD;	/* the conflict said it exists: not found is a bug */
		return ingest_unavailable(c, *s, false);
	}
	if (strcmp(PQgetvalue(r, 0, 0), reason) != 0)
		o = ingest_refused(INGEST_CONFLICT, "this report was already retracted with a different reason");
	else
		o = retraction(INGEST_REPLAY, report_id, PQgetvalue(r, 0, 1), reason);
	PQclear(r);
	return o;
}

static struct ingest_outcome retract_locked(PGconn *c, const struct org *org, const char *report_id,
					    const char *reason, enum db_status *s,
					    struct touched *touched)
{
	struct stored t;
	const char *params[2];
	struct ingest_outcome o;
	PGresult *r;
	char msg[160];

	if ((*s = find_report(c, org, report_id, NULL, &t)) != DB_OK)
		return ingest_unavailable(c, *s, false);
	if (!t.exists)
		return ingest_refused(INGEST_NOT_FOUND, "no report with this report_id from your organisation");
	if ((*s = lock_report(c, t.id)) != DB_OK ||
	    (*s = find_report(c, org, report_id, NULL, &t)) != DB_OK)
		return ingest_unavailable(c, *s, false);
	if (*t.superseded_by) {
		snprintf(msg, sizeof(msg), "this report was superseded by %s; retract that one", t.superseded_by);
		return ingest_refused(INGEST_CONFLICT, msg);
	}
	params[0] = t.id;
	params[1] = reason;
	touch(touched, t.corridor);
	if ((*s = db_exec(c, true, "insert_retraction", 2, params, &r)) != DB_OK) {
		PQclear(r);
		return ingest_unavailable(c, *s, false);
	}
	if (PQntuples(r) == 1)
		o = retraction(INGEST_STORED, report_id, PQgetvalue(r, 0, 0), reason);
	else
		o = retract_again(c, t.id, report_id, reason, s);
	PQclear(r);
	return o;
}

struct ingest_outcome ingest_retract(PGconn *c, const struct org *org, const char *report_id,
				     const char *reason)
{
	enum db_status s = db_simple(c, "BEGIN");
	struct touched touched = { 0, false, { "" } };
	struct ingest_outcome o;

	if (s != DB_OK)
		return ingest_unavailable(c, s, false);
	o = retract_locked(c, org, report_id, reason, &s, &touched);
	if (s == DB_OK && o.result == INGEST_STORED) {
		s = db_simple(c, "COMMIT");
		if (s == DB_OK) {
			tell_committed(&touched);
			return o;
		}
		ingest_outcome_free(&o);
		o = ingest_unavailable(c, s, true);
		if (o.commit_unknown)
			tell_committed(&touched);
		return o;
	}
	if (!db_conn_lost(c))
		db_simple(c, "ROLLBACK");
	return o;
}

/* ---- the one retry loop ------------------------------------------------------ */

struct ingest_outcome ingest_run(ingest_job job, void *arg)
{
	PGconn *c = db_conn();
	struct ingest_outcome o = c ? job(c, arg) : no_connection();
	bool unknown = o.commit_unknown;

	if (o.result != INGEST_UNAVAILABLE || !(o.reconnect || o.commit_unknown))
		return o;
	log_info("ingest: the database session was lost%s; running the request again on a new one",
		 unknown ? " with a commit unanswered" : "");
	ingest_outcome_free(&o);
	c = db_conn();
	o = c ? job(c, arg) : no_connection();
	/* The second attempt failed: the first one's commit may still have happened. */
	if (unknown && (o.result == INGEST_UNAVAILABLE || o.result == INGEST_FAILED)) {
		ingest_outcome_free(&o);
		o = no_connection();
		o.commit_unknown = true;
	}
	return o;
}

enum db_status ingest_sync_corridors(PGconn *c, const struct sw_config *cfg)
{
	json_t *list = json_array();
	const char *params[1];
	char *text;
	PGresult *r;
	enum db_status s;

	for (size_t i = 0; i < cfg->ncorridors; i++) {
		const struct sw_corridor *k = &cfg->corridors[i];
		json_t *cross = json_array();

		for (size_t j = 0; j < k->ncrossings; j++)
			json_array_append_new(cross, json_string(k->crossings[j]));
		json_array_append_new(list, json_pack("{s:s, s:s, s:I, s:o, s:o, s:I, s:I, s:I, s:I, s:s, s:s, s:o, s:s, s:s, s:I}",
			"id", k->id, "name", k->name,
			"baseline_trucks_per_day", (json_int_t)k->baseline_trucks_per_day,
			"baseline_tonnes_per_day", k->baseline_tonnes_per_day > 0 ? json_real(k->baseline_tonnes_per_day) : json_null(),
			"population", k->population > 0 ? json_integer(k->population) : json_null(),
			"blocked_below_pct", (json_int_t)k->blocked_below_pct,
			"restricted_below_pct", (json_int_t)k->restricted_below_pct,
			"max_gap_days", (json_int_t)k->max_gap_days,
			"reopen_after_days", (json_int_t)k->reopen_after_days,
			"reconcile", k->reconcile == RECONCILE_SUM ? "sum" : "max",
			"timezone", k->timezone, "crossings", cross,
			"headline_stage", stage_names[k->headline_stage],
			"publish", k->publish == PUBLISH_AFTER_REVIEW ? "after_review" : "on_receipt",
			"corroboration_pct", (json_int_t)k->corroboration_pct));
	}
	text = json_dumps(list, SW_JSON);
	json_decref(list);
	params[0] = text;
	s = db_exec(c, true, "sync_corridors", 1, params, &r);
	PQclear(r);
	free(text);
	return s;
}

void ingest_register(void)
{
	static const struct db_stmt staged[] = { { "insert_staged", staged_insert_sql } };

	db_register(stmts, (int)(sizeof(stmts) / sizeof(stmts[0])));
	db_register(staged, 1);
}
