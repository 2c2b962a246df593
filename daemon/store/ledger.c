#include "store/ledger.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/ledger.h"
#include "core/report.h"
#include "util/log.h"
#include "util/strbuf.h"

/* Any fixed number: the session-level advisory lock of "the sequencer". */
#define SEQUENCER_LOCK "7316209163502"
#define EPOCH(x) "floor(extract(epoch FROM " x "))::bigint"

static const struct db_stmt stmts[] = {
	{ "ledger_lock", "SELECT pg_try_advisory_lock(" SEQUENCER_LOCK ")" },
	{ "ledger_tip",
	  "SELECT (SELECT coalesce(max(idx) + 1, 0) FROM supplywatch.ledger),"
	  " h.size, encode(h.root, 'hex'), " EPOCH("h.signed_at") ", h.note, h.key"
	  " FROM (SELECT 1) one LEFT JOIN LATERAL (SELECT * FROM supplywatch.ledger_heads"
	  "  ORDER BY size DESC LIMIT 1) h ON true" },
	{ "ledger_head_at",
	  "SELECT size, encode(root, 'hex'), " EPOCH("signed_at") ", note, key"
	  " FROM supplywatch.ledger_heads WHERE size = $1" },
	{ "ledger_leaves",
	  "SELECT encode(leaf_hash, 'hex') FROM supplywatch.ledger WHERE idx >= $1 AND idx < $2 ORDER BY idx" },
	{ "ledger_nodes",
	  "SELECT encode(hash, 'hex') FROM supplywatch.ledger_nodes"
	  " WHERE level = $1 AND idx >= $2 AND idx < $3 ORDER BY idx" },
	{ "ledger_batch",
	  "SELECT q.seq, " LEDGER_ENTRY_COLS
	  " FROM (SELECT seq, source, id FROM supplywatch.ledger_queue q0"
	  "  WHERE CASE q0.source"
	  "   WHEN 'report' THEN EXISTS (SELECT 1 FROM supplywatch.reports x WHERE x.id = q0.id)"
	  "   WHEN 'retraction' THEN EXISTS (SELECT 1 FROM supplywatch.retractions x WHERE x.report = q0.id)"
	  "   ELSE EXISTS (SELECT 1 FROM supplywatch.reviews x WHERE x.id = q0.id) END"
	  "  ORDER BY seq LIMIT $1) q "
	  LEDGER_ENTRY_JOINS " ORDER BY q.seq" },
	{ "ledger_put",
	  "INSERT INTO supplywatch.ledger (idx, source, id, entry, leaf_hash)"
	  " SELECT i, s, d, e, decode(h, 'hex')"
	  " FROM unnest($1::bigint[], $2::text[], $3::bigint[], $4::text[], $5::text[]) AS t(i, s, d, e, h)" },
	{ "ledger_put_nodes",
	  "INSERT INTO supplywatch.ledger_nodes (level, idx, hash)"
	  " SELECT l, i, decode(h, 'hex') FROM unnest($1::smallint[], $2::bigint[], $3::text[]) AS t(l, i, h)" },
	{ "ledger_dequeue", "DELETE FROM supplywatch.ledger_queue WHERE seq = ANY ($1::bigint[])" },
	{ "ledger_put_head",
	  "INSERT INTO supplywatch.ledger_heads (size, root, signed_at, note, key)"
	  " VALUES ($1, decode($2, 'hex'), to_timestamp($3), $4, $5)" },
	{ "ledger_stats",
	  "SELECT (SELECT count(*) FROM supplywatch.ledger_queue),"
	  " (SELECT coalesce(max(idx) + 1, 0) FROM supplywatch.ledger),"
	  " coalesce(h.size, 0), coalesce(" EPOCH("h.signed_at") ", 0)"
	  " FROM (SELECT 1) one LEFT JOIN LATERAL (SELECT * FROM supplywatch.ledger_heads"
	  "  ORDER BY size DESC LIMIT 1) h ON true" },
	{ "ledger_entries",
	  "SELECT idx, entry, encode(leaf_hash, 'hex') FROM supplywatch.ledger"
	  " WHERE idx >= $1 AND idx < $2 ORDER BY idx" },
	{ "ledger_heads",
	  "SELECT size, encode(root, 'hex'), to_char(signed_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), note, key"
	  " FROM supplywatch.ledger_heads"
	  " WHERE size < $1 ORDER BY size DESC LIMIT $2" },
	/* The report's version, whether it is in the tree yet, and its entry either way. */
	{ "ledger_find",
	  "SELECT l.idx, l.entry, " LEDGER_ENTRY_COLS
	  " FROM (SELECT 'report'::text AS source, r0.id FROM supplywatch.reports r0"
	  "  JOIN supplywatch.organisations o0 ON o0.id = r0.org_id"
	  "  WHERE o0.slug = $1 AND r0.report_id = $2) q "
	  LEDGER_ENTRY_JOINS
	  " LEFT JOIN supplywatch.ledger l ON l.source = 'report' AND l.id = q.id" },
};

/*
 * A report's rows hold what its canonical object says, as ingest wrote them
 * (store/ingest.c's insert statements, read backwards): $1 the report's
 * internal id, $2-$4 corridor, source_url and note, then the kind's own
 * parameters (core/report.h, kind_specs) from $5.
 */
#define ROW_CHECK(table, cols, values) \
	"SELECT EXISTS (SELECT 1 FROM supplywatch.reports r JOIN supplywatch." table " k ON k.report = r.id" \
	" WHERE r.id = $1 AND (r.corridor_id, r.source_url, r.note) IS NOT DISTINCT FROM ($2::text, $3::text, $4::text)" \
	" AND (" cols ") IS NOT DISTINCT FROM (" values "))"

static const struct db_stmt row_checks[KIND_COUNT] = {
	{ "ledger_check_trucks", ROW_CHECK("truck_reports",
	  "k.day, k.observed_at, k.direction, k.crossing, k.trucks, k.cargo, k.tonnes, k.turned_back, k.stage, k.consignor",
	  "coalesce($5::date, ($6::timestamptz AT TIME ZONE $7::text)::date), $6::timestamptz, $8::text, $9::text,"
	  " $10::integer, $11::text, $12::numeric, $13::integer, coalesce($14::text, 'crossed'), $15::text") },
	{ "ledger_check_shortage", ROW_CHECK("shortage_reports",
	  "k.day, k.item, k.severity, k.category, k.location",
	  "$5::date, $6::text, $7::text, $8::text, $9::text") },
	{ "ledger_check_disruption", ROW_CHECK("disruption_reports",
	  "k.service, k.started_at, k.ended_at, k.disruption_key, k.location, k.people_affected",
	  "$5::text, $6::timestamptz, $7::timestamptz, coalesce($8::text, r.report_id::text), $9::text, $10::bigint") },
	{ "ledger_check_access", ROW_CHECK("access_events",
	  "k.status, k.at, k.crossing", "$5::text, $6::timestamptz, $7::text") },
	{ "ledger_check_movement", ROW_CHECK("movement_reports",
	  "k.outcome, k.planned_for, k.purpose, k.from_place, k.to_place, k.delay_hours, k.crossing",
	  "$5::text, $6::date, $7::text, $8::text, $9::text, $10::numeric, $11::text") },
};

enum db_status ledger_rows_match(PGconn *c, const char *id, const json_t *canon, const struct sw_config *cfg,
				 bool *match)
{
	enum report_kind kind = report_kind_of(canon);
	const char *params[24], *corridor = json_string_value(json_object_get(canon, "corridor"));
	const struct sw_corridor *k = corridor ? config_corridor(cfg, corridor) : NULL;
	char nums[16][32];
	int n = 0, nn = 0;
	PGresult *r;
	enum db_status s;

	params[n++] = id;
	params[n++] = corridor;
	params[n++] = report_param(canon, "source_url", NULL, 0);
	params[n++] = report_param(canon, "note", NULL, 0);
	for (const char *const *p = kind_specs[kind].params; *p && nn < 16; p++) {
		if (strcmp(*p, "@timezone") == 0) {
			params[n++] = k ? k->timezone : "UTC";
			continue;
		}
		params[n++] = report_param(canon, *p, nums[nn++], sizeof(nums[0]));
	}
	s = db_exec(c, true, row_checks[kind].name, n, params, &r);
	*match = s == DB_OK && strcmp(PQgetvalue(r, 0, 0), "t") == 0;
	PQclear(r);
	return s;
}

void ledger_register(void)
{
	db_register(stmts, (int)(sizeof(stmts) / sizeof(stmts[0])));
	db_register(row_checks, KIND_COUNT);
}

void ledger_head_free(struct ledger_head *h)
{
	free(h->note);
	free(h->key);
	h->note = h->key = NULL;
}

void ledger_place_free(struct ledger_place *p)
{
	free(p->entry);
	p->entry = NULL;
}

static const char *val(const PGresult *r, int row, int col)
{
	return PQgetisnull(r, row, col) ? NULL : PQgetvalue(r, row, col);
}

char *ledger_entry_of_row(const PGresult *r, int row, int col)
{
	const char *source = val(r, row, col), *org = val(r, row, col + 1), *id = val(r, row, col + 2),
		   *hash = val(r, row, col + 3);

	if (!source || !org || !id || !hash)
		return NULL;
	if (strcmp(source, "report") == 0)
		return ledger_entry_report(org, id, val(r, row, col + 4), hash, val(r, row, col + 5));
	if (strcmp(source, "retraction") == 0) {
		if (!val(r, row, col + 6) || !val(r, row, col + 7))
			return NULL;
		return ledger_entry_retraction(org, id, hash, val(r, row, col + 6), val(r, row, col + 7));
	}
	if (!val(r, row, col + 8) || !val(r, row, col + 9) || !val(r, row, col + 10))
		return NULL;
	return ledger_entry_review(org, id, hash, val(r, row, col + 8), val(r, row, col + 9),
				   val(r, row, col + 10), val(r, row, col + 11));
}

enum db_status ledger_try_lock(PGconn *c, bool *held)
{
	PGresult *r;
	enum db_status s = db_exec(c, true, "ledger_lock", 0, NULL, &r);

	*held = s == DB_OK && strcmp(PQgetvalue(r, 0, 0), "t") == 0;
	PQclear(r);
	return s;
}

static void head_of(const PGresult *r, int col, struct ledger_head *h)
{
	memset(h, 0, sizeof(*h));
	if (PQgetisnull(r, 0, col))
		return;
	h->size = strtoull(PQgetvalue(r, 0, col), NULL, 10);
	ledger_unhex(PQgetvalue(r, 0, col + 1), h->root);
	h->signed_at = strtoll(PQgetvalue(r, 0, col + 2), NULL, 10);
	h->note = xstrdup(PQgetvalue(r, 0, col + 3));
	h->key = xstrdup(PQgetvalue(r, 0, col + 4));
}

enum db_status ledger_tip(PGconn *c, uint64_t *size, struct ledger_head *head)
{
	PGresult *r;
	enum db_status s = db_exec(c, true, "ledger_tip", 0, NULL, &r);

	memset(head, 0, sizeof(*head));
	if (s == DB_OK) {
		*size = strtoull(PQgetvalue(r, 0, 0), NULL, 10);
		head_of(r, 1, head);
	}
	PQclear(r);
	return s;
}

enum db_status ledger_head_at(PGconn *c, uint64_t size, struct ledger_head *head)
{
	char n[24];
	const char *params[] = { n };
	PGresult *r;
	enum db_status s;

	snprintf(n, sizeof(n), "%" PRIu64, size);
	s = db_exec(c, true, "ledger_head_at", 1, params, &r);
	memset(head, 0, sizeof(*head));
	if (s == DB_OK && PQntuples(r) == 1)
		head_of(r, 0, head);
	PQclear(r);
	return s;
}

/* The database failed (rather than a hash being missing) in a ledger_subtree of this thread. */
static _Thread_local bool subtree_db_failed;

bool ledger_subtree_failed(void)
{
	bool failed = subtree_db_failed;

	subtree_db_failed = false;
	return failed;
}

/*
 * A complete subtree from the nearest stored level at or below it: level
 * 13 is folded from 32 hashes at level 8, level 5 from 32 leaves.
 */
int ledger_subtree(void *ctx, unsigned level, uint64_t index, unsigned char out[32])
{
	PGconn *c = ctx;
	unsigned base = level - level % 8;
	uint64_t count = (uint64_t)1 << (level - base);
	char lv[8], lo[24], hi[24];
	const char *leaves[] = { lo, hi }, *nodes[] = { lv, lo, hi };
	unsigned char (*h)[32];
	PGresult *r;
	enum db_status s;
	int rc = -1;

	if (level >= 63)
		return -1;
	snprintf(lv, sizeof(lv), "%u", base);
	snprintf(lo, sizeof(lo), "%" PRIu64, index * count);
	snprintf(hi, sizeof(hi), "%" PRIu64, (index + 1) * count);
	s = base == 0 ? db_exec(c, true, "ledger_leaves", 2, leaves, &r)
		      : db_exec(c, true, "ledger_nodes", 3, nodes, &r);
	if (s != DB_OK || (uint64_t)PQntuples(r) != count) {
		subtree_db_failed |= s != DB_OK;
		if (s == DB_OK)
			log_err("ledger: %" PRIu64 " hashes at level %u from %s are missing", count, base, lo);
		PQclear(r);
		return -1;
	}
	h = xcalloc(count, sizeof(*h));
	for (uint64_t i = 0; i < count; i++)
		if (ledger_unhex(PQgetvalue(r, (int)i, 0), h[i]) != 0)
			goto out;
	merkle_fold((const unsigned char (*)[32])h, count, out);
	rc = 0;
out:
	free(h);
	PQclear(r);
	return rc;
}

/* A Postgres array literal of text elements, each quoted. */
static void array_add(struct strbuf *a, const char *v)
{
	sb_addch(a, a->len ? ',' : '{');
	sb_addch(a, '"');
	for (const char *p = v; *p; p++) {
		if (*p == '"' || *p == '\\')
			sb_addch(a, '\\');
		sb_addch(a, *p);
	}
	sb_addch(a, '"');
}

static const char *array_end(struct strbuf *a)
{
	if (!a->len)
		sb_addch(a, '{');
	sb_addch(a, '}');
	return a->buf;
}

struct nodes {
	struct strbuf level, idx, hash;
	size_t n;
};

/* Completed subtrees at the stored levels (8, 16, ...) go into the batch. */
static void keep_node(void *ctx, unsigned level, uint64_t index, const unsigned char hash[32])
{
	struct nodes *k = ctx;
	char num[24], hex[65];

	if (level % 8)
		return;
	snprintf(num, sizeof(num), "%u", level);
	array_add(&k->level, num);
	snprintf(num, sizeof(num), "%" PRIu64, index);
	array_add(&k->idx, num);
	ledger_hex(hash, 32, hex);
	array_add(&k->hash, hex);
	k->n++;
}

enum db_status ledger_sequence(PGconn *c, struct merkle_frontier *f, int limit, size_t *n,
			       size_t *skipped)
{
	struct merkle_frontier g = *f;
	struct strbuf idx = STRBUF_INIT, src = STRBUF_INIT, id = STRBUF_INIT, ent = STRBUF_INIT,
		      leaf = STRBUF_INIT, seq = STRBUF_INIT;
	struct nodes k = { STRBUF_INIT, STRBUF_INIT, STRBUF_INIT, 0 };
	char lim[16];
	const char *p[5];
	PGresult *r = NULL;
	enum db_status s;

	*n = *skipped = 0;
	snprintf(lim, sizeof(lim), "%d", limit);
	p[0] = lim;
	s = db_simple(c, "BEGIN");
	if (s != DB_OK)
		goto done;
	s = db_exec(c, true, "ledger_batch", 1, p, &r);
	if (s != DB_OK)
		goto fail;
	for (int i = 0; i < PQntuples(r); i++) {
		char *entry = ledger_entry_of_row(r, i, 1), num[24], hex[65];
		unsigned char h[32];

		if (!entry) {
			(*skipped)++;
			continue;
		}
		ledger_leaf(entry, h);
		snprintf(num, sizeof(num), "%" PRIu64, g.size);
		array_add(&idx, num);
		merkle_frontier_append(&g, h, keep_node, &k);
		array_add(&src, PQgetvalue(r, i, 1));
		array_add(&id, PQgetvalue(r, i, LEDGER_ENTRY_NCOLS));
		array_add(&ent, entry);
		ledger_hex(h, 32, hex);
		array_add(&leaf, hex);
		array_add(&seq, PQgetvalue(r, i, 0));
		free(entry);
		(*n)++;
	}
	PQclear(r);
	r = NULL;
	if (*n == 0) {
		s = db_simple(c, "ROLLBACK");
		goto done;
	}
	p[0] = array_end(&idx), p[1] = array_end(&src), p[2] = array_end(&id);
	p[3] = array_end(&ent), p[4] = array_end(&leaf);
	s = db_exec(c, true, "ledger_put", 5, p, &r);
	PQclear(r);
	r = NULL;
	if (s == DB_OK && k.n) {
		p[0] = array_end(&k.level), p[1] = array_end(&k.idx), p[2] = array_end(&k.hash);
		s = db_exec(c, true, "ledger_put_nodes", 3, p, &r);
		PQclear(r);
		r = NULL;
	}
	if (s == DB_OK) {
		p[0] = array_end(&seq);
		s = db_exec(c, true, "ledger_dequeue", 1, p, &r);
		PQclear(r);
		r = NULL;
	}
	if (s != DB_OK)
		goto fail;
	s = db_simple(c, "COMMIT");
	if (s == DB_OK)
		*f = g;
	else
		*n = 0;		/* unknown: the caller reloads the tree from the database */
	goto done;
fail:
	PQclear(r);
	db_simple(c, "ROLLBACK");
	*n = 0;
done:
	sb_release(&idx), sb_release(&src), sb_release(&id), sb_release(&ent), sb_release(&leaf), sb_release(&seq);
	sb_release(&k.level), sb_release(&k.idx), sb_release(&k.hash);
	return s;
}

enum db_status ledger_put_head(PGconn *c, uint64_t size, const unsigned char root[32], int64_t at,
			       const char *note, const char *key)
{
	char n[24], hex[65], t[24];
	const char *params[] = { n, hex, t, note, key };
	PGresult *r;
	enum db_status s;

	snprintf(n, sizeof(n), "%" PRIu64, size);
	ledger_hex(root, 32, hex);
	snprintf(t, sizeof(t), "%" PRId64, at);
	s = db_exec(c, true, "ledger_put_head", 5, params, &r);
	PQclear(r);
	return s;
}

enum db_status ledger_stats(PGconn *c, int64_t *backlog, uint64_t *size, uint64_t *head_size,
			    int64_t *head_at)
{
	PGresult *r;
	enum db_status s = db_exec(c, true, "ledger_stats", 0, NULL, &r);

	if (s == DB_OK) {
		*backlog = strtoll(PQgetvalue(r, 0, 0), NULL, 10);
		*size = strtoull(PQgetvalue(r, 0, 1), NULL, 10);
		*head_size = strtoull(PQgetvalue(r, 0, 2), NULL, 10);
		*head_at = strtoll(PQgetvalue(r, 0, 3), NULL, 10);
	}
	PQclear(r);
	return s;
}

enum db_status ledger_entries(PGconn *c, uint64_t start, uint64_t end, json_t **out)
{
	char lo[24], hi[24];
	const char *params[] = { lo, hi };
	PGresult *r;
	enum db_status s;
	json_t *a;

	snprintf(lo, sizeof(lo), "%" PRIu64, start);
	snprintf(hi, sizeof(hi), "%" PRIu64, end);
	s = db_exec(c, true, "ledger_entries", 2, params, &r);
	if (s != DB_OK) {
		PQclear(r);
		return s;
	}
	a = json_array();
	for (int i = 0; i < PQntuples(r); i++)
		json_array_append_new(a, json_pack("{s:I, s:s, s:s}",
			"index", (json_int_t)strtoll(PQgetvalue(r, i, 0), NULL, 10),
			"entry", PQgetvalue(r, i, 1), "leaf_hash", PQgetvalue(r, i, 2)));
	PQclear(r);
	*out = json_pack("{s:o}", "entries", a);
	return DB_OK;
}

enum db_status ledger_heads(PGconn *c, uint64_t before, int limit, json_t **out)
{
	char b[24], l[16];
	const char *params[] = { b, l };
	PGresult *r;
	enum db_status s;
	json_t *a;

	snprintf(b, sizeof(b), "%" PRIu64, before);
	snprintf(l, sizeof(l), "%d", limit);
	s = db_exec(c, true, "ledger_heads", 2, params, &r);
	if (s != DB_OK) {
		PQclear(r);
		return s;
	}
	a = json_array();
	for (int i = 0; i < PQntuples(r); i++)
		json_array_append_new(a, json_pack("{s:I, s:s, s:s, s:s, s:s}",
			"size", (json_int_t)strtoll(PQgetvalue(r, i, 0), NULL, 10),
			"root", PQgetvalue(r, i, 1), "signed_at", PQgetvalue(r, i, 2),
			"checkpoint", PQgetvalue(r, i, 3), "key", PQgetvalue(r, i, 4)));
	PQclear(r);
	*out = json_pack("{s:o}", "heads", a);
	return DB_OK;
}

enum db_status ledger_find(PGconn *c, const char *org, const char *report_id, struct ledger_place *p)
{
	const char *params[] = { org, report_id };
	PGresult *r;
	enum db_status s = db_exec(c, true, "ledger_find", 2, params, &r);

	memset(p, 0, sizeof(*p));
	if (s == DB_OK && PQntuples(r) == 1) {
		p->exists = true;
		p->sequenced = !PQgetisnull(r, 0, 0);
		if (p->sequenced) {
			p->index = strtoull(PQgetvalue(r, 0, 0), NULL, 10);
			p->entry = xstrdup(PQgetvalue(r, 0, 1));
		} else {
			p->entry = ledger_entry_of_row(r, 0, 2);
		}
		if (p->entry)
			ledger_leaf(p->entry, p->leaf);
		else
			p->exists = false;
	}
	PQclear(r);
	return s;
}
