#include "store/load.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/report.h"
#include "util/fmt.h"
#include "util/log.h"
#include "util/valid.h"

/* Local dates leave the database as days since 1970-01-01, instants as epoch seconds. */
#define EPOCH_DAYS(x) "((" x ") - date '1970-01-01')"
#define EPOCH(x) "floor(extract(epoch FROM " x "))::bigint"
/* The daemon's clock, $2 in seconds, seen in the time zone $1. */
#define LOCAL_NOW "(to_timestamp($2::bigint) AT TIME ZONE $1::text)"

static const struct db_stmt stmts[] = {
	/*
	 * $1 time zone, $2 the daemon's now: today there, and the instant it
	 * ends.  The daemon's clock, not the database's: the daemon compares
	 * that instant with its own clock to know when the day rolls over.
	 */
	{ "snap_today",
	  "SELECT " EPOCH_DAYS(LOCAL_NOW "::date") ","
	  " " EPOCH("((" LOCAL_NOW "::date + 1)::timestamp AT TIME ZONE $1::text)") },
	/*
	 * Reconciliation input: per organisation the sum of its current inbound
	 * reports of a day, kept by triggers in truck_daily (migration 007).
	 */
	{ "snap_trucks",
	  "SELECT " EPOCH_DAYS("day") ", count(*), min(trucks), max(trucks), sum(trucks),"
	  " max(tn), sum(tn), count(tn)"
	  " FROM (SELECT day, trucks, CASE WHEN tonnes_n > 0 THEN tonnes END AS tn"
	  "       FROM supplywatch.truck_daily WHERE corridor_id = $1 AND reports > 0) o"
	  " GROUP BY day ORDER BY day" },
	{ "snap_access",
	  "SELECT " EPOCH_DAYS("(a.at AT TIME ZONE $2::text)::date") ", a.status"
	  " FROM supplywatch.current_reports r JOIN supplywatch.access_events a ON a.report = r.id"
	  " WHERE r.corridor_id = $1 AND r.kind = 'access' ORDER BY a.at, r.id" },
	/* The latest current report of each (organisation, disruption). */
	{ "snap_disruptions",
	  "SELECT DISTINCT ON (r.org_id, d.disruption_key) d.service, coalesce(d.location, ''),"
	  " " EPOCH("d.started_at") ", " EPOCH_DAYS("(d.started_at AT TIME ZONE $2::text)::date") ","
	  " " EPOCH("(d.started_at AT TIME ZONE $2::text) - (d.started_at AT TIME ZONE 'UTC')") ","
	  " d.ended_at IS NOT NULL, coalesce(" EPOCH("d.ended_at") ", 0),"
	  " coalesce(" EPOCH_DAYS("(d.ended_at AT TIME ZONE $2::text)::date") ", 0),"
	  " coalesce(d.people_affected, -1)"
	  " FROM supplywatch.current_reports r JOIN supplywatch.disruption_reports d ON d.report = r.id"
	  " WHERE r.corridor_id = $1 AND r.kind = 'disruption'"
	  " ORDER BY r.org_id, d.disruption_key, r.received_at DESC, r.id DESC" },
	{ "snap_shortages",
	  "SELECT lower(btrim(s.item)), s.item, coalesce(s.location, ''), r.org_id,"
	  " " EPOCH_DAYS("s.day") ","
	  " array_position(ARRAY['none','low','moderate','severe','critical'], s.severity) - 1"
	  " FROM supplywatch.current_reports r JOIN supplywatch.shortage_reports s ON s.report = r.id"
	  " WHERE r.corridor_id = $1 AND r.kind = 'shortage'"
	  " ORDER BY 1, 3, r.org_id, s.day, r.received_at, r.id" },
	/* $3: local date D; freshness counts what had been received by D's end. */
	/* One index probe per kind (reports_corridor_kind_received). */
	{ "snap_freshness",
	  "WITH e AS (SELECT ((date '1970-01-01' + $3::integer + 1)::timestamp AT TIME ZONE $2::text) AS t)"
	  " SELECT k.kind, " EPOCH("l.last")
	  " FROM e, unnest(ARRAY['trucks', 'shortage', 'disruption', 'access']) k(kind)"
	  " CROSS JOIN LATERAL (SELECT max(r.received_at) AS last FROM supplywatch.reports r"
	  "  WHERE r.corridor_id = $1 AND r.kind = k.kind AND r.received_at <= e.t) l"
	  " WHERE l.last IS NOT NULL" },
	{ "snap_orgs_30d",
	  "WITH e AS (SELECT ((date '1970-01-01' + $3::integer + 1)::timestamp AT TIME ZONE $2::text) AS t)"
	  " SELECT count(DISTINCT r.org_id), " EPOCH("min(e.t)") " FROM supplywatch.reports r, e"
	  " WHERE r.corridor_id = $1"
	  " AND r.received_at <= e.t AND r.received_at > e.t - interval '30 days'" },
	{ "snap_seq", "SELECT coalesce(max(id), 0) FROM supplywatch.reports" },
	/* Active organisations that have reported: when each last did (index probes). */
	{ "snap_org_last",
	  "SELECT " EPOCH("l.last") " FROM supplywatch.organisations o"
	  " CROSS JOIN LATERAL (SELECT max(r.received_at) AS last FROM supplywatch.reports r"
	  " WHERE r.org_id = o.id) l"
	  " WHERE l.last IS NOT NULL AND EXISTS (SELECT 1 FROM supplywatch.tokens t"
	  " WHERE t.org_id = o.id AND t.revoked_at IS NULL)" },
	{ "snap_put",
	  "SELECT supplywatch.put_indicators($1, date '1970-01-01' + $2::integer,"
	  " date '1970-01-01' + $3::integer, $4::jsonb, $5::jsonb)" },
};

void load_register(void)
{
	db_register(stmts, (int)(sizeof(stmts) / sizeof(stmts[0])));
}

static int64_t val_i64(const PGresult *r, int row, int col)
{
	return strtoll(PQgetvalue(r, row, col), NULL, 10);
}

static enum db_status query(PGconn *c, const char *stmt, int n, const char *const *params,
			    PGresult **r)
{
	enum db_status s = db_exec(c, true, stmt, n, params, r);

	if (s != DB_OK) {
		PQclear(*r);
		*r = NULL;
	}
	return s;
}

/* ---- reading ------------------------------------------------------------- */

static void fill_truck_day(const struct sw_corridor *k, struct day *x, const PGresult *trucks,
			   int row)
{
	bool sum = k->reconcile == RECONCILE_SUM;

	x->reported = true;
	x->sources = (int)val_i64(trucks, row, 1);
	x->min = val_i64(trucks, row, 2);
	x->max = val_i64(trucks, row, 3);
	x->trucks = sum ? val_i64(trucks, row, 4) : x->max;
	x->has_tonnes = val_i64(trucks, row, 7) > 0;
	if (x->has_tonnes)
		x->tonnes = strtod(PQgetvalue(trucks, row, sum ? 6 : 5), NULL);
}

/* Fills the dense day array from the sparse truck days and the access events. */
static void fill_days(struct corridor_data *d, const PGresult *trucks, const PGresult *access)
{
	int nt = PQntuples(trucks), na = PQntuples(access), ai = 0;
	int64_t first = d->today + 1;
	int declared = ST_UNKNOWN;

	if (nt)
		first = val_i64(trucks, 0, 0);
	if (na && val_i64(access, 0, 0) < first)
		first = val_i64(access, 0, 0);
	if (first > d->today)
		return;
	d->ndays = (size_t)(d->today - first + 1);
	d->days = xcalloc(d->ndays, sizeof(*d->days));
	for (size_t i = 0, ti = 0; i < d->ndays; i++) {
		struct day *x = &d->days[i];

		x->date = first + (int64_t)i;
		/* Latest access event at or before the end of this day. */
		while (ai < na && val_i64(access, ai, 0) <= x->date)
			declared = status_parse(PQgetvalue(access, ai++, 1));
		x->declared = declared;
		if (ti < (size_t)nt && val_i64(trucks, (int)ti, 0) == x->date)
			fill_truck_day(d->c, x, trucks, (int)ti++);
	}
}

static const char *keep(struct corridor_data *d, const char *s)
{
	/* Offsets now, pointers once the store stops growing (see fix_strings). */
	size_t off = d->strings.len;

	sb_add(&d->strings, s, strlen(s) + 1);
	return (const char *)(uintptr_t)off;
}

static const char *fix(const struct corridor_data *d, const char *off)
{
	return d->strings.buf + (uintptr_t)off;
}

static void fill_disruptions(struct corridor_data *d, const PGresult *r)
{
	d->ndis = (size_t)PQntuples(r);
	d->dis = xcalloc(d->ndis ? d->ndis : 1, sizeof(*d->dis));
	for (int i = 0; i < (int)d->ndis; i++) {
		struct disruption *x = &d->dis[i];
		int svc = enum_index(PQgetvalue(r, i, 0), report_services);

		x->service = svc < 0 ? NSERVICES - 1 : svc;
		x->service_name = report_services[x->service];
		x->location = keep(d, PQgetvalue(r, i, 1));
		x->started_at = val_i64(r, i, 2);
		x->start_day = val_i64(r, i, 3);
		x->start_offset = (int)val_i64(r, i, 4);
		x->ended = strcmp(PQgetvalue(r, i, 5), "t") == 0;
		x->ended_at = val_i64(r, i, 6);
		x->end_day = val_i64(r, i, 7);
		x->people = val_i64(r, i, 8);
	}
}

static void fill_shortages(struct corridor_data *d, const PGresult *r)
{
	d->nsh = (size_t)PQntuples(r);
	d->sh = xcalloc(d->nsh ? d->nsh : 1, sizeof(*d->sh));
	for (int i = 0; i < (int)d->nsh; i++) {
		struct shortage *x = &d->sh[i];

		x->item_key = keep(d, PQgetvalue(r, i, 0));
		x->item = keep(d, PQgetvalue(r, i, 1));
		x->location = keep(d, PQgetvalue(r, i, 2));
		x->org = (int)val_i64(r, i, 3);
		x->day = val_i64(r, i, 4);
		x->severity = (int)val_i64(r, i, 5);
	}
}

static void fix_strings(struct corridor_data *d)
{
	for (size_t i = 0; i < d->ndis; i++)
		d->dis[i].location = fix(d, d->dis[i].location);
	for (size_t i = 0; i < d->nsh; i++) {
		d->sh[i].item_key = fix(d, d->sh[i].item_key);
		d->sh[i].item = fix(d, d->sh[i].item);
		d->sh[i].location = fix(d, d->sh[i].location);
	}
}

static int load_freshness(PGconn *c, const struct sw_corridor *k, int64_t D, struct freshness *out)
{
	char day[24];
	const char *params[] = { k->id, k->timezone, day };
	PGresult *r;

	memset(out, 0, sizeof(*out));
	snprintf(day, sizeof(day), "%lld", (long long)D);
	if (query(c, "snap_freshness", 3, params, &r) != DB_OK)
		return -1;
	for (int i = 0; i < PQntuples(r); i++) {
		int kind = enum_index(PQgetvalue(r, i, 0), report_kinds);
		int64_t t = val_i64(r, i, 1);

		if (kind >= 0)
			out->last_by_kind[kind] = t;
		if (t > out->last_report_at)
			out->last_report_at = t;
	}
	PQclear(r);
	if (query(c, "snap_orgs_30d", 3, params, &r) != DB_OK)
		return -1;
	out->organisations_30d = (int)val_i64(r, 0, 0);
	out->end_of_day = val_i64(r, 0, 1);
	PQclear(r);
	return 0;
}

static int load_today(PGconn *c, const struct sw_corridor *k, int64_t now, struct corridor_data *d)
{
	char when[24];
	const char *params[] = { k->timezone, when };
	PGresult *r;

	snprintf(when, sizeof(when), "%lld", (long long)now);
	if (query(c, "snap_today", 2, params, &r) != DB_OK)
		return -1;
	d->today = val_i64(r, 0, 0);
	d->next_midnight = val_i64(r, 0, 1);
	PQclear(r);
	return 0;
}

static int load_corridor(PGconn *c, const struct sw_corridor *k, int64_t now,
			 struct corridor_data *d)
{
	const char *params[] = { k->id, k->timezone };
	PGresult *trucks = NULL, *access = NULL, *dis = NULL, *sh = NULL;
	int rc = -1;

	if (load_today(c, k, now, d) != 0 ||
	    query(c, "snap_trucks", 1, params, &trucks) != DB_OK ||
	    query(c, "snap_access", 2, params, &access) != DB_OK ||
	    query(c, "snap_disruptions", 2, params, &dis) != DB_OK ||
	    query(c, "snap_shortages", 1, params, &sh) != DB_OK)
		goto out;
	fill_days(d, trucks, access);
	fill_disruptions(d, dis);
	fill_shortages(d, sh);
	fix_strings(d);
	rc = load_freshness(c, k, d->today, &d->fresh);
out:
	PQclear(trucks);
	PQclear(access);
	PQclear(dis);
	PQclear(sh);
	return rc;
}

static int load_orgs(PGconn *c, struct load *out)
{
	PGresult *r;

	if (query(c, "snap_seq", 0, NULL, &r) != DB_OK)
		return -1;
	out->report_seq = val_i64(r, 0, 0);
	PQclear(r);
	if (query(c, "snap_org_last", 0, NULL, &r) != DB_OK)
		return -1;
	out->norgs = (size_t)PQntuples(r);
	out->org_last = xcalloc(out->norgs ? out->norgs : 1, sizeof(*out->org_last));
	for (size_t i = 0; i < out->norgs; i++)
		out->org_last[i] = val_i64(r, (int)i, 0);
	PQclear(r);
	return 0;
}

/*
 * All corridors are read in one REPEATABLE READ transaction, so a snapshot
 * is one consistent state of the database; report_seq is the highest
 * report it includes.  The results are written back afterwards, outside it.
 */
int load_inputs(PGconn *c, const struct sw_config *cfg, int64_t now, struct load *out)
{
	if (db_simple(c, "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY") != DB_OK)
		return -1;
	if (load_orgs(c, out) != 0)
		goto fail;
	for (size_t i = 0; i < cfg->ncorridors; i++) {
		out->n = i + 1;
		if (out->data[i])
			continue;
		out->data[i] = corridor_data_new(&cfg->corridors[i]);
		if (load_corridor(c, &cfg->corridors[i], now, out->data[i]) != 0)
			goto fail;
	}
	out->n = cfg->ncorridors;
	return db_simple(c, "COMMIT") == DB_OK ? 0 : -1;
fail:
	if (!db_conn_lost(c))
		db_simple(c, "ROLLBACK");
	return -1;
}

void load_free(struct load *l)
{
	for (size_t i = 0; i < l->n; i++)
		corridor_data_release(l->data[i]);
	free(l->data);
	free(l->org_last);
	memset(l, 0, sizeof(*l));
}

/* ---- writing the results back for analysts ------------------------------- */

static json_t *day_row(const struct day *x)
{
	json_t *o = json_pack("{s:s, s:i, s:s, s:s, s:s, s:b, s:b}",
		"day", "", "sources", x->sources, "flow_status", status_name(x->flow),
		"status", status_name(x->status), "status_basis", basis_names[x->basis],
		"disagree", x->disagree, "in_blockade", x->in_blockade);
	char date[FMT_DATE_LEN];

	fmt_date(x->date, date);
	json_object_set_new(o, "day", json_string(date));
	json_object_set_new(o, "declared_status",
			    x->declared == ST_UNKNOWN ? json_null() : json_string(status_name(x->declared)));
	json_object_set_new(o, "trucks", x->reported ? json_integer(x->trucks) : json_null());
	json_object_set_new(o, "min_trucks", x->reported ? json_integer(x->min) : json_null());
	json_object_set_new(o, "max_trucks", x->reported ? json_integer(x->max) : json_null());
	json_object_set_new(o, "tonnes", x->has_tonnes ? json_real(x->tonnes) : json_null());
	return o;
}

static bool same_day(const struct day *a, const struct day *b)
{
	return a->date == b->date && a->reported == b->reported && a->trucks == b->trucks &&
	       a->sources == b->sources && a->min == b->min && a->max == b->max &&
	       a->has_tonnes == b->has_tonnes && a->tonnes == b->tonnes &&
	       a->declared == b->declared && a->status == b->status && a->flow == b->flow &&
	       a->basis == b->basis && a->disagree == b->disagree && a->in_blockade == b->in_blockade;
}

/* The days of e that old does not already hold as they are. */
static json_t *changed_days(const struct corridor_eval *e, const struct corridor_eval *old)
{
	json_t *days = json_array();

	if (e->data->ndays == 0)
		return days;
	for (size_t i = 0; i < e->n; i++) {
		/* Dates line up when both series start on the same day. */
		bool same = old && old->data->ndays && old->days[0].date == e->days[0].date &&
			    i < old->n && same_day(&e->days[i], &old->days[i]);

		if (!same)
			json_array_append_new(days, day_row(&e->days[i]));
	}
	return days;
}

static json_t *period_rows(const struct corridor_eval *e)
{
	json_t *periods = json_array();

	for (size_t i = 0; i < e->np; i++) {
		char f[FMT_DATE_LEN], l[FMT_DATE_LEN];

		fmt_date(e->periods[i].first, f);
		fmt_date(e->periods[i].last, l);
		json_array_append_new(periods, json_pack("{s:s, s:s, s:I, s:b}", "first_day", f,
			"last_day", l, "days", (json_int_t)e->periods[i].days,
			"ongoing", e->periods[i].ongoing));
	}
	return periods;
}

enum db_status load_write_back(PGconn *c, const struct corridor_eval *e,
			       const struct corridor_eval *old)
{
	json_t *days = changed_days(e, old), *periods = period_rows(e);
	char as_of[24], first[24];
	char *dj = json_dumps(days, SW_JSON), *pj = json_dumps(periods, SW_JSON);
	const char *params[5] = { e->data->c->id, as_of, e->data->ndays ? first : NULL, dj, pj };
	PGresult *r;
	enum db_status s;

	snprintf(as_of, sizeof(as_of), "%lld", (long long)e->D);
	snprintf(first, sizeof(first), "%lld", (long long)e->days[0].date);
	s = db_exec(c, true, "snap_put", 5, params, &r);
	if (s != DB_OK)
		log_warn("snapshot: put_indicators(%s): %s %s", params[0], db_sqlstate(r),
			 r ? PQresultErrorMessage(r) : "");
	PQclear(r);
	free(dj);
	free(pj);
	json_decref(days);
	json_decref(periods);
	return s;
}
