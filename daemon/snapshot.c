#include "snapshot.h"

#include <math.h>
#include <poll.h>
#include <pthread.h>
#include <sodium.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <zlib.h>

#include "db.h"
#include "http.h"
#include "log.h"
#include "report.h"
#include "valid.h"

/* Local dates leave the database as days since 1970-01-01, instants as epoch seconds. */
#define EPOCH_DAYS(x) "((" x ") - date '1970-01-01')"
#define EPOCH(x) "floor(extract(epoch FROM " x "))::bigint"

static const struct db_stmt stmts[] = {
	/* $1 time zone: today there, and the instant it ends */
	{ "snap_today",
	  "SELECT " EPOCH_DAYS("(now() AT TIME ZONE $1::text)::date") ","
	  " " EPOCH("(((now() AT TIME ZONE $1::text)::date + 1)::timestamp AT TIME ZONE $1::text)") },
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

void snapshot_register(void)
{
	db_register(stmts, (int)(sizeof(stmts) / sizeof(stmts[0])));
}

/* ---- formatting ---------------------------------------------------------- */

void fmt_date(int64_t days, char out[11])
{
	struct sw_date d = date_from_days(days);

	date_format(&d, out);
}

void fmt_instant_utc(int64_t t, char out[32])
{
	struct sw_ts ts = { t, 0 };

	ts_format_utc(&ts, out);
}

void fmt_instant_local(int64_t t, int offset, char out[32])
{
	struct sw_ts ts = { t + offset, 0 };
	int a = offset < 0 ? -offset : offset;

	ts_format_utc(&ts, out);
	/* "...Z" becomes "...+HH:MM" */
	snprintf(out + 19, 32 - 19, "%c%02d:%02d", offset < 0 ? '-' : '+', a / 3600 % 100,
		 a / 60 % 60);
}

double round1(double x)
{
	return round(x * 10.0) / 10.0;
}

/* ---- loading ------------------------------------------------------------- */

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
		if (ti < (size_t)nt && val_i64(trucks, (int)ti, 0) == x->date) {
			int row = (int)ti++;
			bool sum = d->c->reconcile == RECONCILE_SUM;

			x->reported = true;
			x->sources = (int)val_i64(trucks, row, 1);
			x->min = val_i64(trucks, row, 2);
			x->max = val_i64(trucks, row, 3);
			x->trucks = sum ? val_i64(trucks, row, 4) : x->max;
			x->has_tonnes = val_i64(trucks, row, 7) > 0;
			if (x->has_tonnes)
				x->tonnes = strtod(PQgetvalue(trucks, row, sum ? 6 : 5), NULL);
		}
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
	enum db_status s;

	memset(out, 0, sizeof(*out));
	snprintf(day, sizeof(day), "%lld", (long long)D);
	if ((s = query(c, "snap_freshness", 3, params, &r)) != DB_OK)
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
	if ((s = query(c, "snap_orgs_30d", 3, params, &r)) != DB_OK)
		return -1;
	out->organisations_30d = (int)val_i64(r, 0, 0);
	out->end_of_day = val_i64(r, 0, 1);
	PQclear(r);
	return 0;
}

static int load_corridor(PGconn *c, const struct sw_corridor *k, struct corridor_data *d)
{
	const char *params[] = { k->id, k->timezone };
	PGresult *today = NULL, *trucks = NULL, *access = NULL, *dis = NULL, *sh = NULL;
	int rc = -1;

	d->c = k;
	sb_init(&d->strings);
	if (query(c, "snap_today", 1, params + 1, &today) != DB_OK ||
	    query(c, "snap_trucks", 1, params, &trucks) != DB_OK ||
	    query(c, "snap_access", 2, params, &access) != DB_OK ||
	    query(c, "snap_disruptions", 2, params, &dis) != DB_OK ||
	    query(c, "snap_shortages", 1, params, &sh) != DB_OK)
		goto out;
	d->today = val_i64(today, 0, 0);
	d->next_midnight = val_i64(today, 0, 1);
	fill_days(d, trucks, access);
	fill_disruptions(d, dis);
	fill_shortages(d, sh);
	fix_strings(d);
	rc = load_freshness(c, k, d->today, &d->fresh);
out:
	PQclear(today);
	PQclear(trucks);
	PQclear(access);
	PQclear(dis);
	PQclear(sh);
	return rc;
}

static void data_release(struct corridor_data *d)
{
	if (!d || atomic_fetch_sub(&d->refs, 1) != 1)
		return;
	free(d->days);
	free(d->dis);
	free(d->sh);
	sb_release(&d->strings);
	free(d);
}

void changed_add(struct changed *ch, const char *corridor)
{
	if (!corridor || !*corridor || ch->n == CHANGED_MAX || strlen(corridor) >= sizeof(ch->id[0])) {
		ch->all = true;
		return;
	}
	if (!changed_has(ch, corridor))
		snprintf(ch->id[ch->n++], sizeof(ch->id[0]), "%s", corridor);
}

bool changed_has(const struct changed *ch, const char *corridor)
{
	if (ch->all)
		return true;
	for (size_t i = 0; i < ch->n; i++)
		if (strcmp(ch->id[i], corridor) == 0)
			return true;
	return false;
}

void changed_merge(struct changed *into, const struct changed *from)
{
	if (from->all)
		into->all = true;
	for (size_t i = 0; i < from->n && !into->all; i++)
		changed_add(into, from->id[i]);
}

/* ---- evaluation ---------------------------------------------------------- */

void eval_corridor(const struct corridor_data *d, int64_t D, const struct freshness *fresh,
		   int64_t now, int64_t stale_after_s, struct corridor_eval *e)
{
	size_t n = 0;
	int64_t until;

	memset(e, 0, sizeof(*e));
	e->data = d;
	e->D = D;
	/* Days up to D; before the first reported day there is one unknown day. */
	while (n < d->ndays && d->days[n].date <= D)
		n++;
	e->n = n ? n : 1;
	e->days = xcalloc(e->n, sizeof(*e->days));
	if (n) {
		memcpy(e->days, d->days, n * sizeof(*e->days));
	} else {
		e->days[0].date = D;
		e->days[0].declared = ST_UNKNOWN;
	}
	e->periods = xcalloc(e->n, sizeof(*e->periods));
	e->np = rules_apply(d->c, e->days, e->n, e->periods);
	/* One slot per day was room enough; a corridor has a handful of periods. */
	e->periods = xrealloc(e->periods, (e->np ? e->np : 1) * sizeof(*e->periods));
	rules_blockade(e->days, e->n, e->periods, e->np, &e->blockade);
	rules_trucks(d->c, e->days, e->n, &e->blockade, &e->trucks);
	e->ongoing = xcalloc(d->ndis ? d->ndis : 1, sizeof(*e->ongoing));
	e->nongoing = rules_ongoing(d->dis, d->ndis, D, e->ongoing);
	for (int s = 0; s < NSERVICES; s++)
		e->service_days_30d[s] = rules_days_disrupted(d->dis, d->ndis, s, D);
	e->shortages = xcalloc(d->nsh ? d->nsh : 1, sizeof(*e->shortages));
	e->nshortages = rules_shortages(d->sh, d->nsh, D, e->shortages);
	for (size_t i = 0; i < e->nshortages; i++)
		e->shortage_counts[e->shortages[i].severity]++;
	e->fresh = *fresh;
	until = fresh->end_of_day && fresh->end_of_day < now ? fresh->end_of_day : now;
	e->stale = !fresh->last_report_at || until - fresh->last_report_at > stale_after_s;
}

void eval_free(struct corridor_eval *e)
{
	free(e->days);
	free(e->periods);
	free(e->ongoing);
	free(e->shortages);
	memset(e, 0, sizeof(*e));
}

/* ---- writing the results back for analysts ------------------------------- */

static json_t *day_row(const struct day *x)
{
	json_t *o = json_pack("{s:s, s:i, s:s, s:s, s:s, s:b, s:b}",
		"day", "", "sources", x->sources, "flow_status", status_name(x->flow),
		"status", status_name(x->status), "status_basis", basis_names[x->basis],
		"disagree", x->disagree, "in_blockade", x->in_blockade);
	char date[11];

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

/* The previous evaluation of the same corridor, to send only the days that changed. */
static const struct corridor_eval *previous(const struct snapshot *prev, const char *id)
{
	for (size_t i = 0; prev && i < prev->n; i++)
		if (strcmp(prev->evals[i].data->c->id, id) == 0)
			return prev->evals[i].written ? &prev->evals[i] : NULL;
	return NULL;
}

static enum db_status put_indicators(PGconn *c, const struct corridor_eval *e,
				     const struct corridor_eval *old)
{
	json_t *days = json_array(), *periods = json_array();
	char as_of[24], first[24];
	char *dj, *pj;
	const char *params[5];
	PGresult *r;
	enum db_status s;
	bool empty = e->data->ndays == 0;

	for (size_t i = 0; i < e->n && !empty; i++) {
		const struct day *x = &e->days[i];
		/* Dates line up when both series start on the same day. */
		bool same = old && old->data->ndays && old->days[0].date == e->days[0].date &&
			    i < old->n && same_day(x, &old->days[i]);

		if (!same)
			json_array_append_new(days, day_row(x));
	}
	for (size_t i = 0; i < e->np; i++) {
		char f[11], l[11];

		fmt_date(e->periods[i].first, f);
		fmt_date(e->periods[i].last, l);
		json_array_append_new(periods, json_pack("{s:s, s:s, s:I, s:b}", "first_day", f,
			"last_day", l, "days", (json_int_t)e->periods[i].days,
			"ongoing", e->periods[i].ongoing));
	}
	snprintf(as_of, sizeof(as_of), "%lld", (long long)e->D);
	snprintf(first, sizeof(first), "%lld", (long long)e->days[0].date);
	dj = json_dumps(days, SW_JSON);
	pj = json_dumps(periods, SW_JSON);
	params[0] = e->data->c->id;
	params[1] = as_of;
	params[2] = empty ? NULL : first;
	params[3] = dj;
	params[4] = pj;
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

/* ---- rendering once per snapshot ----------------------------------------- */

/* body gzipped into a new buffer; NULL when that is no smaller. */
static unsigned char *gzip_of(const char *body, size_t len, size_t *out_len)
{
	z_stream z = { 0 };
	size_t cap;
	unsigned char *out;

	if (len < 256 || deflateInit2(&z, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK)
		return NULL;
	cap = deflateBound(&z, (uLong)len);
	out = xmalloc(cap);
	z.next_in = (Bytef *)(uintptr_t)body;
	z.avail_in = (uInt)len;
	z.next_out = out;
	z.avail_out = (uInt)cap;
	if (deflate(&z, Z_FINISH) != Z_STREAM_END || z.total_out >= len) {
		deflateEnd(&z);
		free(out);
		return NULL;
	}
	*out_len = z.total_out;
	deflateEnd(&z);
	return out;
}

static struct MHD_Response *response_of(const char *type, void *body, size_t len,
					enum MHD_ResponseMemoryMode mode, const char *etag,
					const char *date)
{
	struct MHD_Response *r = MHD_create_response_from_buffer(len, body, mode);

	http_surface_headers(r, type);
	MHD_add_response_header(r, MHD_HTTP_HEADER_ETAG, etag);
	MHD_add_response_header(r, MHD_HTTP_HEADER_LAST_MODIFIED, date);
	MHD_add_response_header(r, MHD_HTTP_HEADER_VARY, MHD_HTTP_HEADER_ACCEPT_ENCODING);
	return r;
}

void rendered_make(struct rendered *out, const char *type, const char *body, size_t len,
		   int64_t last_modified, bool gzip)
{
	unsigned char h[16], *z;
	char hex[33], date[40];
	time_t t = (time_t)last_modified;
	struct tm tm;
	size_t zlen;

	crypto_generichash(h, sizeof(h), (const unsigned char *)body, len, NULL, 0);
	sodium_bin2hex(hex, sizeof(hex), h, sizeof(h));
	snprintf(out->etag, sizeof(out->etag), "\"%s\"", hex);
	snprintf(out->etag_gz, sizeof(out->etag_gz), "\"%s-gz\"", hex);
	out->last_modified = last_modified;
	gmtime_r(&t, &tm);
	strftime(date, sizeof(date), "%a, %d %b %Y %H:%M:%S GMT", &tm);
	out->resp = response_of(type, (void *)body, len, MHD_RESPMEM_MUST_COPY, out->etag, date);
	out->gz = NULL;
	if (gzip && (z = gzip_of(body, len, &zlen))) {
		out->gz = response_of(type, z, zlen, MHD_RESPMEM_MUST_FREE, out->etag_gz, date);
		MHD_add_response_header(out->gz, MHD_HTTP_HEADER_CONTENT_ENCODING, "gzip");
	}
}

void rendered_free(struct rendered *r)
{
	if (r->resp)
		MHD_destroy_response(r->resp);
	if (r->gz)
		MHD_destroy_response(r->gz);
	r->resp = r->gz = NULL;
}

static void render_all(struct snapshot *s)
{
	struct { struct strbuf b; } t = { STRBUF_INIT };

	for (int down = 0; down < 2; down++) {
		json_t *j = render_status_json(s->cfg, s->evals, s->n, -1, s->generated_at, !down);
		char *text = json_dumps(j, SW_JSON);

		json_decref(j);
		sb_reset(&t.b);
		sb_addstr(&t.b, text);
		sb_addch(&t.b, '\n');
		free(text);
		rendered_make(&s->status_json[down], "application/json", t.b.buf, t.b.len,
			      s->generated_at, true);
		sb_reset(&t.b);
		render_html(&t.b, s->cfg, s->evals, s->n, true, s->generated_at, !down);
		rendered_make(&s->home_html[down], "text/html; charset=utf-8", t.b.buf, t.b.len,
			      s->generated_at, true);
		s->corridor_html[down] = xcalloc(s->n ? s->n : 1, sizeof(*s->corridor_html[down]));
		for (size_t i = 0; i < s->n; i++) {
			sb_reset(&t.b);
			render_html(&t.b, s->cfg, &s->evals[i], 1, false, s->generated_at, !down);
			rendered_make(&s->corridor_html[down][i], "text/html; charset=utf-8", t.b.buf,
				      t.b.len, s->generated_at, true);
		}
		sb_reset(&t.b);
		render_feed(&t.b, s->cfg, s->evals, s->n, s->generated_at, !down);
		rendered_make(&s->feed[down], "application/atom+xml", t.b.buf, t.b.len,
			      s->generated_at, true);
	}
	sb_reset(&t.b);
	render_metric_gauges(&t.b, s->evals, s->n);
	s->metrics_gauges = sb_detach(&t.b, NULL);
}

/* ---- building and sharing ------------------------------------------------- */

static pthread_mutex_t snap_lock = PTHREAD_MUTEX_INITIALIZER;
static struct snapshot *current;

static void snapshot_free(struct snapshot *s)
{
	for (size_t i = 0; i < s->n; i++) {
		eval_free(&s->evals[i]);		/* zeroed when never evaluated */
		data_release(s->data[i]);
	}
	for (int down = 0; down < 2; down++) {
		for (size_t i = 0; s->corridor_html[down] && i < s->n; i++)
			rendered_free(&s->corridor_html[down][i]);
		free(s->corridor_html[down]);
		rendered_free(&s->home_html[down]);
		rendered_free(&s->status_json[down]);
		rendered_free(&s->feed[down]);
	}
	free(s->metrics_gauges);
	free(s->org_last);
	free(s->evals);
	free(s->data);
	config_release(s->cfg);
	free(s);
}

/*
 * All corridors are read in one REPEATABLE READ transaction, so a snapshot
 * is one consistent state of the database; report_seq is the highest report
 * it includes.  The results are written back afterwards, outside it.
 */
/* prev's data of corridor k, when it can serve unchanged; else NULL. */
static struct corridor_data *reusable(const struct snapshot *prev, const struct sw_config *cfg,
				      const struct changed *ch, const struct sw_corridor *k,
				      int64_t now, size_t *at)
{
	if (!prev || prev->cfg != cfg || !ch || changed_has(ch, k->id))
		return NULL;
	for (size_t j = 0; j < prev->n; j++) {
		struct corridor_data *d = prev->data[j];

		/* Same configuration, so the same corridor object; same local day. */
		if (d->c == k && now < d->next_midnight) {
			*at = j;
			return d;
		}
	}
	return NULL;
}

static int load_all(PGconn *c, struct snapshot *s, const struct snapshot *prev,
		    const struct changed *ch, size_t *reused_from)
{
	PGresult *r;

	if (db_simple(c, "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY") != DB_OK)
		return -1;
	if (query(c, "snap_seq", 0, NULL, &r) != DB_OK)
		goto fail;
	s->report_seq = val_i64(r, 0, 0);
	PQclear(r);
	if (query(c, "snap_org_last", 0, NULL, &r) != DB_OK)
		goto fail;
	s->norgs = (size_t)PQntuples(r);
	s->org_last = xcalloc(s->norgs ? s->norgs : 1, sizeof(*s->org_last));
	for (size_t i = 0; i < s->norgs; i++)
		s->org_last[i] = val_i64(r, (int)i, 0);
	PQclear(r);
	for (size_t i = 0; i < s->cfg->ncorridors; i++) {
		const struct sw_corridor *k = &s->cfg->corridors[i];
		struct corridor_data *d = reusable(prev, s->cfg, ch, k, s->generated_at, &reused_from[i]);

		s->n = i + 1;
		if (d) {
			atomic_fetch_add(&d->refs, 1);
			s->data[i] = d;
			continue;
		}
		reused_from[i] = SIZE_MAX;
		s->data[i] = d = xcalloc(1, sizeof(*d));
		atomic_init(&d->refs, 1);
		if (load_corridor(c, k, d) != 0)
			goto fail;
	}
	return db_simple(c, "COMMIT") == DB_OK ? 0 : -1;
fail:
	if (!db_conn_lost(c))
		db_simple(c, "ROLLBACK");
	return -1;
}

struct snapshot *snapshot_build(PGconn *c, struct sw_config *cfg, const struct snapshot *prev,
				const struct changed *changed)
{
	struct snapshot *s = xcalloc(1, sizeof(*s));
	size_t *reused = xcalloc(cfg->ncorridors ? cfg->ncorridors : 1, sizeof(*reused));
	struct timespec ts;
	int64_t now;

	clock_gettime(CLOCK_REALTIME, &ts);
	now = (int64_t)ts.tv_sec;
	s->refs = 1;
	s->cfg = cfg;
	s->generated_at = now;
	s->data = xcalloc(cfg->ncorridors, sizeof(*s->data));
	s->evals = xcalloc(cfg->ncorridors, sizeof(*s->evals));
	if (load_all(c, s, prev, changed, reused) != 0)
		goto fail;
	for (size_t i = 0; i < s->n; i++) {
		struct corridor_data *d = s->data[i];

		eval_corridor(d, d->today, &d->fresh, now, cfg->stale_after_hours * 3600, &s->evals[i]);
		/* Unchanged inputs, same day: the analysts' copy is already right. */
		if (reused[i] != SIZE_MAX && prev->evals[reused[i]].written) {
			s->evals[i].written = true;
			continue;
		}
		/*
		 * A failed write-back must not hold the status surfaces hostage:
		 * serve the new figures, and send the whole series next time.
		 */
		s->evals[i].written = put_indicators(c, &s->evals[i], previous(prev, d->c->id)) == DB_OK;
		if (!s->evals[i].written)
			log_err("snapshot: cannot write the indicators of %s for analysts; will retry", d->c->id);
	}
	render_all(s);
	free(reused);
	return s;
fail:
	free(reused);
	snapshot_free(s);
	return NULL;
}

struct snapshot *snapshot_acquire(void)
{
	struct snapshot *s;

	pthread_mutex_lock(&snap_lock);
	s = current;
	if (s)
		s->refs++;
	pthread_mutex_unlock(&snap_lock);
	return s;
}

void snapshot_release(struct snapshot *s)
{
	int left;

	if (!s)
		return;
	pthread_mutex_lock(&snap_lock);
	left = --s->refs;
	pthread_mutex_unlock(&snap_lock);
	if (left == 0)
		snapshot_free(s);
}

void snapshot_publish(struct snapshot *s)
{
	struct snapshot *old;

	static uint64_t published;

	pthread_mutex_lock(&snap_lock);
	old = current;
	current = s;
	if (s)
		s->seq = ++published;
	pthread_mutex_unlock(&snap_lock);
	snapshot_release(old);
}
