#include "store/load.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/report.h"
#include "util/clock.h"
#include "util/fmt.h"
#include "util/log.h"
#include "util/valid.h"

/* Local dates leave the database as days since 1970-01-01, instants as epoch seconds. */
#define EPOCH_DAYS(x) "((" x ") - date '1970-01-01')"
#define EPOCH(x) "floor(extract(epoch FROM " x "))::bigint"
/* The daemon's clock, $2 in seconds, seen in the time zone $1. */
#define LOCAL_NOW "(to_timestamp($2::bigint) AT TIME ZONE $1::text)"

/*
 * A corridor that publishes after review (config publish = "after_review")
 * reads only the reports a reviewer has published: each query that reads
 * reports comes twice, the second ("..._pub") with this condition on r.
 */
#define PUBLISHED " AND EXISTS (SELECT 1 FROM supplywatch.review_state v" \
	" WHERE v.report = r.id AND v.state = 'published')"

/* Trucks waiting at a crossing: each organisation's latest observation of a day. */
#define SQL_WAITING(F) \
	"SELECT DISTINCT ON (r.org_id, t.day) r.org_id, " EPOCH_DAYS("t.day") ", t.trucks," \
	" coalesce(" EPOCH("t.observed_at") ", 0)" \
	" FROM supplywatch.truck_reports t JOIN supplywatch.current_reports r ON r.id = t.report" \
	" WHERE t.stage = 'waiting' AND t.direction = 'inbound' AND r.corridor_id = $1" F \
	" ORDER BY r.org_id, t.day, t.observed_at DESC NULLS LAST, r.received_at DESC, r.id DESC"
#define SQL_ACCESS(F) \
	"SELECT " EPOCH_DAYS("(a.at AT TIME ZONE $2::text)::date") ", a.status, a.crossing," \
	" " EPOCH("a.at") "," \
	" " EPOCH("(a.at AT TIME ZONE $2::text) - (a.at AT TIME ZONE 'UTC')") "," \
	" r.org_id, coalesce(r.source_url, '')" \
	" FROM supplywatch.current_reports r JOIN supplywatch.access_events a ON a.report = r.id" \
	" WHERE r.corridor_id = $1 AND r.kind = 'access'" F " ORDER BY a.at, r.id"
/* $3: movements.embargo_hours, after the end of the planned day. */
#define SQL_MOVEMENTS(F) \
	"SELECT " EPOCH_DAYS("m.planned_for") "," \
	" " EPOCH("((m.planned_for + 1)::timestamp AT TIME ZONE $2::text) + make_interval(hours => $3::integer)") "," \
	" m.outcome, coalesce(m.purpose, ''), coalesce(m.from_place, ''), coalesce(m.to_place, '')," \
	" coalesce(m.crossing, ''), m.delay_hours IS NOT NULL, coalesce(m.delay_hours, 0)" \
	" FROM supplywatch.current_reports r JOIN supplywatch.movement_reports m ON m.report = r.id" \
	" WHERE r.corridor_id = $1 AND r.kind = 'movement'" F " ORDER BY m.planned_for, r.id"
/* The latest current report of each (organisation, disruption). */
#define SQL_DISRUPTIONS(F) \
	"SELECT DISTINCT ON (r.org_id, d.disruption_key) d.service, coalesce(d.location, '')," \
	" " EPOCH("d.started_at") ", " EPOCH_DAYS("(d.started_at AT TIME ZONE $2::text)::date") "," \
	" " EPOCH("(d.started_at AT TIME ZONE $2::text) - (d.started_at AT TIME ZONE 'UTC')") "," \
	" d.ended_at IS NOT NULL, coalesce(" EPOCH("d.ended_at") ", 0)," \
	" coalesce(" EPOCH_DAYS("(d.ended_at AT TIME ZONE $2::text)::date") ", 0)," \
	" coalesce(d.people_affected, -1), r.org_id, coalesce(r.source_url, '')," \
	" coalesce(" EPOCH("(d.ended_at AT TIME ZONE $2::text) - (d.ended_at AT TIME ZONE 'UTC')") ", 0)" \
	" FROM supplywatch.current_reports r JOIN supplywatch.disruption_reports d ON d.report = r.id" \
	" WHERE r.corridor_id = $1 AND r.kind = 'disruption'" F \
	" ORDER BY r.org_id, d.disruption_key, r.received_at DESC, r.id DESC"
#define SQL_SHORTAGES(F) \
	"SELECT lower(btrim(s.item)), s.item, coalesce(s.location, ''), r.org_id," \
	" " EPOCH_DAYS("s.day") "," \
	" array_position(ARRAY['none','low','moderate','severe','critical'], s.severity) - 1," \
	" coalesce(r.source_url, '')" \
	" FROM supplywatch.current_reports r JOIN supplywatch.shortage_reports s ON s.report = r.id" \
	" WHERE r.corridor_id = $1 AND r.kind = 'shortage'" F \
	" ORDER BY 1, 3, r.org_id, s.day, r.received_at, r.id"
/*
 * $3: local date D; freshness counts what had been received by D's end.
 * One index probe per kind (reports_corridor_kind_received).  Not
 * movements: when their reports arrive would hint at embargoed dates.
 */
#define SQL_FRESHNESS(F) \
	"WITH e AS (SELECT ((date '1970-01-01' + $3::integer + 1)::timestamp AT TIME ZONE $2::text) AS t)" \
	" SELECT k.kind, " EPOCH("l.last") \
	" FROM e, unnest(ARRAY['trucks', 'shortage', 'disruption', 'access']) k(kind)" \
	" CROSS JOIN LATERAL (SELECT max(r.received_at) AS last FROM supplywatch.reports r" \
	"  WHERE r.corridor_id = $1 AND r.kind = k.kind AND r.received_at <= e.t" F ") l" \
	" WHERE l.last IS NOT NULL"
#define SQL_ORGS_30D(F) \
	"WITH e AS (SELECT ((date '1970-01-01' + $3::integer + 1)::timestamp AT TIME ZONE $2::text) AS t)" \
	" SELECT count(DISTINCT r.org_id), " EPOCH("min(e.t)") " FROM supplywatch.reports r, e" \
	" WHERE r.corridor_id = $1" \
	" AND r.received_at <= e.t AND r.received_at > e.t - interval '30 days'" F

/*
 * The corridor page's latest reports: the newest current reports but
 * movements, one more than are kept (to know whether older ones exist).
 * The index reports_corridor_received_id (corridor_id, received_at, id),
 * read backwards, gives them in order without a sort, however many
 * reports one batch received at the same instant (migration 016); the
 * kind tables are joined for the 21 found.  $2: the corridor's time zone.
 */
#define LATEST_LIMIT "21"
_Static_assert(LATEST_MAX == 20, "LATEST_LIMIT is LATEST_MAX + 1");
#define LOCAL_OFFSET(x) EPOCH("(" x " AT TIME ZONE $2::text) - (" x " AT TIME ZONE 'UTC')")
#define SQL_LATEST(F) \
	"SELECT r.kind, r.org_id, " EPOCH("r.received_at") ", " LOCAL_OFFSET("r.received_at") "," \
	" " EPOCH_DAYS("(r.received_at AT TIME ZONE $2::text)::date") "," \
	" coalesce(r.source_url, ''), coalesce(left(r.note, 201), '')," \
	" coalesce(t.trucks, 0), coalesce(" EPOCH_DAYS("coalesce(t.day, s.day)") ", 0)," \
	" t.direction = 'outbound', coalesce(t.stage, s.severity, d.service, a.status, '')," \
	" coalesce(s.item, ''), coalesce(t.crossing, s.location, d.location, a.crossing, '')," \
	" coalesce(" EPOCH("coalesce(d.started_at, a.at)") ", 0)," \
	" coalesce(" LOCAL_OFFSET("coalesce(d.started_at, a.at)") ", 0)," \
	" d.ended_at IS NOT NULL, coalesce(" EPOCH("d.ended_at") ", 0)," \
	" coalesce(" LOCAL_OFFSET("d.ended_at") ", 0)" \
	" FROM (SELECT r.id, r.kind, r.org_id, r.received_at, r.source_url, r.note" \
	"  FROM supplywatch.current_reports r" \
	"  WHERE r.corridor_id = $1 AND r.kind <> 'movement'" F \
	"  ORDER BY r.received_at DESC, r.id DESC LIMIT " LATEST_LIMIT ") r" \
	" LEFT JOIN supplywatch.truck_reports t ON t.report = r.id" \
	" LEFT JOIN supplywatch.shortage_reports s ON s.report = r.id" \
	" LEFT JOIN supplywatch.disruption_reports d ON d.report = r.id" \
	" LEFT JOIN supplywatch.access_events a ON a.report = r.id" \
	" ORDER BY r.received_at DESC, r.id DESC"

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
	 * Reconciliation input: per organisation, stage, crossing and cargo the
	 * sums of its current inbound reports of a day, kept by triggers in
	 * truck_daily (migrations 007, 009), read in the primary key's order
	 * (no sort, no aggregate: the loader adds up as the rows stream in).
	 */
	{ "snap_trucks",
	  "SELECT stage, " EPOCH_DAYS("day") ", org_id, crossing, cargo, trucks, coalesce(tonnes, 0), tonnes_n"
	  " FROM supplywatch.truck_daily WHERE corridor_id = $1 AND reports > 0"
	  " ORDER BY stage, day, org_id, crossing, cargo" },
	/* The same sums over the published reports only, in the same order. */
	{ "snap_trucks_pub",
	  "SELECT t.stage, " EPOCH_DAYS("t.day") ", r.org_id, coalesce(t.crossing, ''), coalesce(t.cargo, ''),"
	  " sum(t.trucks), coalesce(sum(t.tonnes), 0), count(t.tonnes)"
	  " FROM supplywatch.current_reports r JOIN supplywatch.truck_reports t ON t.report = r.id"
	  " WHERE r.corridor_id = $1 AND r.kind = 'trucks' AND t.direction = 'inbound'"
	  " AND t.stage <> 'waiting'" PUBLISHED
	  " GROUP BY t.stage, t.day, r.org_id, 4, 5 ORDER BY t.stage, t.day, r.org_id, 4, 5" },
	{ "snap_waiting", SQL_WAITING("") },
	{ "snap_waiting_pub", SQL_WAITING(PUBLISHED) },
	{ "snap_access", SQL_ACCESS("") },
	{ "snap_access_pub", SQL_ACCESS(PUBLISHED) },
	{ "snap_movements", SQL_MOVEMENTS("") },
	{ "snap_movements_pub", SQL_MOVEMENTS(PUBLISHED) },
	{ "snap_orgs",
	  "SELECT id, slug, name, coalesce(method, ''), coalesce(method_url, '')"
	  " FROM supplywatch.organisations ORDER BY id" },
	{ "snap_disruptions", SQL_DISRUPTIONS("") },
	{ "snap_disruptions_pub", SQL_DISRUPTIONS(PUBLISHED) },
	{ "snap_shortages", SQL_SHORTAGES("") },
	{ "snap_shortages_pub", SQL_SHORTAGES(PUBLISHED) },
	{ "snap_freshness", SQL_FRESHNESS("") },
	{ "snap_freshness_pub", SQL_FRESHNESS(PUBLISHED) },
	{ "snap_latest", SQL_LATEST("") },
	{ "snap_latest_pub", SQL_LATEST(PUBLISHED) },
	{ "snap_orgs_30d", SQL_ORGS_30D("") },
	{ "snap_orgs_30d_pub", SQL_ORGS_30D(PUBLISHED) },
	/* What awaits a reviewer in a corridor publishing after review: current reports by state. */
	{ "snap_review",
	  "SELECT count(*) FILTER (WHERE v.state IS NULL OR v.state = 'received'),"
	  " count(*) FILTER (WHERE v.state = 'has_issues')"
	  " FROM supplywatch.current_reports r LEFT JOIN supplywatch.review_state v ON v.report = r.id"
	  " WHERE r.corridor_id = $1" },
	{ "snap_seq", "SELECT coalesce(max(id), 0) FROM supplywatch.reports" },
	/* Active organisations that have reported: when each last did (index probes). */
	{ "snap_heads",
	  "SELECT size, floor(extract(epoch FROM signed_at))::bigint, note FROM supplywatch.ledger_heads"
	  " ORDER BY size DESC LIMIT 10" },
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

/* The index of a crossing's name, the configured ones first (added by init_crossings). */
static int crossing_index(struct corridor_data *d, const char *name)
{
	for (size_t i = 0; i < d->ncrossing_names; i++)
		if (strcmp(fix(d, d->crossing_names[i]), name) == 0)
			return (int)i;
	d->crossing_names = xrealloc(d->crossing_names, (d->ncrossing_names + 1) * sizeof(char *));
	d->crossing_names[d->ncrossing_names] = keep(d, name);
	return (int)d->ncrossing_names++;
}

static void init_crossings(struct corridor_data *d)
{
	for (size_t i = 0; i < d->c->ncrossings; i++)
		crossing_index(d, d->c->crossings[i]);
}

static int cmp_org_day(const void *a, const void *b)
{
	const struct org_day *x = a, *y = b;

	if (x->org != y->org)
		return x->org < y->org ? -1 : 1;
	if (x->stage != y->stage)
		return x->stage < y->stage ? -1 : 1;
	return x->date < y->date ? -1 : x->date > y->date;
}

static size_t org_stage(const struct org_day *x)
{
	return (size_t)x->org * NSTAGES + (size_t)x->stage;
}

/*
 * Sorts od[0..n) by (org, stage, date).  Within each stage the rows come
 * by date (truck_daily's order: stage by name, date, organisation; the
 * waiting stock's after them by organisation and date), so a stable
 * counting sort by (organisation, stage) does it in linear time (a
 * comparison sort took a tenth of a full reload).  Organisation ids are
 * small serials; should they be too large for a counting array of the
 * rows' order of size, a comparison sort.
 */
static void by_org(struct org_day *od, size_t n)
{
	size_t top = 0, *at;
	struct org_day *out;

	for (size_t i = 0; i < n; i++) {
		if (od[i].org < 0 || od[i].org > 1 << 20 || od[i].stage < 0 || od[i].stage >= NSTAGES) {
			top = SIZE_MAX;
			break;
		}
		if (org_stage(&od[i]) > top)
			top = org_stage(&od[i]);
	}
	if (top > 4 * n + 1024) {
		qsort(od, n, sizeof(*od), cmp_org_day);
		return;
	}
	at = xcalloc(top + 2, sizeof(*at));
	out = xcalloc(n ? n : 1, sizeof(*out));
	for (size_t i = 0; i < n; i++)
		at[org_stage(&od[i]) + 1]++;
	for (size_t k = 1; k <= top + 1; k++)
		at[k] += at[k - 1];
	for (size_t i = 0; i < n; i++)
		out[at[org_stage(&od[i])]++] = od[i];
	memcpy(od, out, n * sizeof(*od));
	free(out);
	free(at);
}

/* A waiting observation, with the instant it was seen (0: a date only). */
struct seen {
	struct org_day v;
	int64_t at;
};

static int cmp_seen(const void *a, const void *b)
{
	const struct seen *x = a, *y = b;

	return x->v.date < y->v.date ? -1 : x->v.date > y->v.date;
}

static int32_t sat32(int64_t v)
{
	return v > INT32_MAX ? INT32_MAX : (int32_t)v;
}

/*
 * A breakdown of the headline series (by crossing or by cargo) as its rows
 * stream in by day and organisation: each organisation's sums per key, then
 * the day's, reconciled like the series (max or sum); one row per key and
 * day comes out, by date.  -1 is "not reported" (0 trucks is a report).
 */
struct splitter {
	bool sum;
	size_t nkeys;
	int64_t *org, *day;		/* per key */
	int64_t date;
	int cur_org;
	struct split_row *rows;
	size_t n, alloc;
};

static void split_grow(struct splitter *s, size_t nkeys)
{
	if (nkeys <= s->nkeys)
		return;
	s->org = xrealloc(s->org, nkeys * sizeof(*s->org));
	s->day = xrealloc(s->day, nkeys * sizeof(*s->day));
	for (size_t k = s->nkeys; k < nkeys; k++)
		s->org[k] = s->day[k] = -1;
	s->nkeys = nkeys;
}

static void split_fold_org(struct splitter *s)
{
	for (size_t k = 0; k < s->nkeys; k++) {
		int64_t o = s->org[k], *d = &s->day[k];

		if (o < 0)
			continue;
		*d = *d < 0 ? o : s->sum ? *d + o : (o > *d ? o : *d);
		s->org[k] = -1;
	}
}

static void split_emit_day(struct splitter *s)
{
	split_fold_org(s);
	for (size_t k = 0; k < s->nkeys; k++) {
		if (s->day[k] < 0)
			continue;
		if (s->n == s->alloc) {
			s->alloc = s->alloc ? 2 * s->alloc : 256;
			s->rows = xrealloc(s->rows, s->alloc * sizeof(*s->rows));
		}
		s->rows[s->n++] = (struct split_row){ (int32_t)s->date, (int32_t)k, s->day[k] };
		s->day[k] = -1;
	}
}

static void split_add(struct splitter *s, int64_t date, int org, int key, int64_t trucks)
{
	if (date != s->date) {
		split_emit_day(s);
		s->date = date;
	} else if (org != s->cur_org) {
		split_fold_org(s);
	}
	s->cur_org = org;
	split_grow(s, (size_t)key + 1);
	s->org[key] = (s->org[key] < 0 ? 0 : s->org[key]) + trucks;
}

/* The rows made, shrunk to fit; frees the rest.  Returns how many. */
static size_t split_finish(struct splitter *s, struct split_row **out)
{
	split_emit_day(s);
	*out = xrealloc(s->rows, (s->n ? s->n : 1) * sizeof(*s->rows));
	free(s->org);
	free(s->day);
	return s->n;
}

/* The queries of one corridor's inputs, in the order load_corridor reads them. */
enum { Q_TRUCKS, Q_WAITING, Q_ACCESS, Q_DIS, Q_SH, Q_MOV, Q_ORGS, Q_LATEST, NQ };

/*
 * The headline's tonnes of each day as its rows stream in by day and
 * organisation: each organisation's sum of the tonnes given, then the
 * day's max or sum of the organisations that gave some.
 */
struct day_tonnes {
	int64_t date;
	double tonnes;
};

struct tonnes_fold {
	bool sum;
	int64_t date;			/* the day being added up */
	int org;			/* the organisation being added up */
	double org_t, day_t;
	int64_t org_n;
	bool day_has;
	struct day_tonnes *rows;	/* by date: days some organisation gave tonnes */
	size_t n, alloc;
};

static void tonnes_fold_org(struct tonnes_fold *f)
{
	if (f->org_n > 0) {
		if (f->sum)
			f->day_t += f->org_t;
		else if (!f->day_has || f->org_t > f->day_t)
			f->day_t = f->org_t;
		f->day_has = true;
	}
	f->org_t = 0;
	f->org_n = 0;
}

static void tonnes_emit_day(struct tonnes_fold *f)
{
	tonnes_fold_org(f);
	if (f->day_has) {
		if (f->n == f->alloc) {
			f->alloc = f->alloc ? 2 * f->alloc : 256;
			f->rows = xrealloc(f->rows, f->alloc * sizeof(*f->rows));
		}
		f->rows[f->n++] = (struct day_tonnes){ f->date, f->day_t };
	}
	f->day_t = 0;
	f->day_has = false;
}

static void tonnes_add(struct tonnes_fold *f, int64_t date, int org, double tonnes, int64_t n)
{
	if (date != f->date) {
		tonnes_emit_day(f);
		f->date = date;
	} else if (org != f->org) {
		tonnes_fold_org(f);
	}
	f->org = org;
	if (n > 0) {
		f->org_t += tonnes;
		f->org_n += n;
	}
}

/* What reading truck_daily gives, before it is shaped into the corridor's series. */
struct truck_read {
	struct org_day *od;		/* by (stage, date, org), as read */
	size_t nod;
	struct splitter cross, cargo;	/* the headline stage's breakdowns */
	struct tonnes_fold tons;	/* the headline stage's tonnes */
	/* The previous row's names and what they came to: rows repeat them. */
	char stage_name[16], cargo_name[16], crossing_name[64];
	int stage_i, cargo_i, crossing_i;
};

/* The index of name, from the previous row's when it is the same (cache: its name and index). */
static int cached(const char *name, char *cache, size_t size, int *idx, int (*find)(const char *, void *),
		  void *arg)
{
	int v;

	if (*idx != INT_MIN && strcmp(name, cache) == 0)
		return *idx;
	v = find(name, arg);
	/* A name too long for the cache is looked up every time. */
	*idx = INT_MIN;
	if (strlen(name) < size) {
		memcpy(cache, name, strlen(name) + 1);
		*idx = v;
	}
	return v;
}

static int find_stage(const char *name, void *arg)
{
	(void)arg;
	return stage_parse(name);
}

static int find_cargo(const char *name, void *arg)
{
	(void)arg;
	return enum_index(name, report_cargos);
}

static int find_crossing(const char *name, void *arg)
{
	return *name ? crossing_index(arg, name) : -1;
}

static void read_truck_row(struct corridor_data *d, const PGresult *r, int i, struct truck_read *t)
{
	int st = cached(PQgetvalue(r, i, 0), t->stage_name, sizeof(t->stage_name), &t->stage_i, find_stage, NULL);
	int64_t day = val_i64(r, i, 1), trucks = val_i64(r, i, 5), tn_n = val_i64(r, i, 7);
	int org = (int)val_i64(r, i, 2), crossing;
	int cargo = cached(PQgetvalue(r, i, 4), t->cargo_name, sizeof(t->cargo_name), &t->cargo_i, find_cargo, NULL);
	struct org_day *last = t->nod ? &t->od[t->nod - 1] : NULL;

	if (st < 0 || st == STAGE_WAITING)
		return;
	if (!last || last->stage != st || last->date != day || last->org != org) {
		last = &t->od[t->nod];
		*last = (struct org_day){ org, st, (int32_t)day, 0 };
		t->nod++;
	}
	last->trucks = sat32((int64_t)last->trucks + trucks);
	if (st != d->c->headline_stage)
		return;
	tonnes_add(&t->tons, day, org, tn_n > 0 ? strtod(PQgetvalue(r, i, 6), NULL) : 0, tn_n);
	crossing = cached(PQgetvalue(r, i, 3), t->crossing_name, sizeof(t->crossing_name),
			  &t->crossing_i, find_crossing, d);
	if (crossing >= 0)
		split_add(&t->cross, day, org, crossing, trucks);
	if (cargo >= 0)
		split_add(&t->cargo, day, org, cargo, trucks);
}

/* Each flow stage's series from the rows read, by (stage, date, org). */
static void shape_stages(struct corridor_data *d, const struct truck_read *t)
{
	bool sum = d->c->reconcile == RECONCILE_SUM;

	for (size_t i = 0; i < t->nod;) {
		size_t j = i;
		int st = t->od[i].stage;

		while (j < t->nod && t->od[j].stage == st)
			j++;
		d->stages[st] = xcalloc(j - i, sizeof(struct stage_day));
		d->nstages[st] = stage_reconcile(&t->od[i], j - i, sum, d->stages[st]);
		d->stages[st] = xrealloc(d->stages[st], d->nstages[st] * sizeof(struct stage_day));
		i = j;
	}
}

/* Trucks waiting at the crossing: each organisation's latest of a day, reconciled per day. */
static void read_waiting(struct corridor_data *d, const PGresult *r, struct org_day *out, size_t *nout)
{
	size_t n = (size_t)PQntuples(r), k = 0;
	struct seen *w = xcalloc(n ? n : 1, sizeof(*w));
	struct org_day *v = xcalloc(n ? n : 1, sizeof(*v));
	struct stage_day *s;

	for (size_t i = 0; i < n; i++) {
		w[i].v = (struct org_day){ (int32_t)val_i64(r, (int)i, 0), STAGE_WAITING,
					   (int32_t)val_i64(r, (int)i, 1), sat32(val_i64(r, (int)i, 2)) };
		w[i].at = val_i64(r, (int)i, 3);
		out[(*nout)++] = w[i].v;
	}
	qsort(w, n, sizeof(*w), cmp_seen);
	for (size_t i = 0; i < n; i++)
		v[i] = w[i].v;
	s = d->stages[STAGE_WAITING] = xcalloc(n ? n : 1, sizeof(*s));
	d->nstages[STAGE_WAITING] = stage_reconcile(v, n, d->c->reconcile == RECONCILE_SUM, s);
	/* When each day's stock was seen: the latest instant any organisation gave. */
	for (size_t i = 0; i < n; i++) {
		while (s[k].date < w[i].v.date)
			k++;
		if (w[i].at > s[k].observed_at)
			s[k].observed_at = w[i].at;
	}
	free(w);
	free(v);
}

/* Fills the dense day array from the headline series and the access events. */
static void fill_days(struct corridor_data *d, const struct truck_read *t, const PGresult *access)
{
	int na = PQntuples(access), ai = 0;
	int64_t first = d->today + 1;
	int declared = ST_UNKNOWN, hs = d->c->headline_stage;
	size_t hi = 0, ti = 0;

	for (int s = 0; s < NSTAGES; s++)
		if (d->nstages[s] && d->stages[s][0].date < first)
			first = d->stages[s][0].date;
	if (na && val_i64(access, 0, 0) < first)
		first = val_i64(access, 0, 0);
	if (first > d->today)
		return;
	d->ndays = (size_t)(d->today - first + 1);
	d->days = xcalloc(d->ndays, sizeof(*d->days));
	for (size_t i = 0; i < d->ndays; i++) {
		struct day *x = &d->days[i];

		x->date = first + (int64_t)i;
		/* Latest access event at or before the end of this day. */
		while (ai < na && val_i64(access, ai, 0) <= x->date)
			declared = status_parse(PQgetvalue(access, ai++, 1));
		x->declared = (int8_t)declared;
		if (hi < d->nstages[hs] && d->stages[hs][hi].date == x->date) {
			const struct stage_day *h = &d->stages[hs][hi++];

			x->reported = true;
			x->trucks = h->trucks;
			x->sources = h->sources;
			/* One organisation's sum: 32 bits in org_day already. */
			x->min = (int32_t)h->min;
			x->max = (int32_t)h->max;
			while (ti < t->tons.n && t->tons.rows[ti].date < x->date)
				ti++;
			if (ti < t->tons.n && t->tons.rows[ti].date == x->date) {
				x->tonnes = t->tons.rows[ti].tonnes;
				x->has_tonnes = true;
			}
		}
	}
}

/* Every access event, for the crossings' states and the timeline's evidence. */
static void fill_crossing_events(struct corridor_data *d, const PGresult *access)
{
	int na = PQntuples(access);

	d->cev = xcalloc(na ? (size_t)na : 1, sizeof(*d->cev));
	for (int i = 0; i < na; i++)
		d->cev[d->ncev++] = (struct crossing_event){
			PQgetisnull(access, i, 2) ? -1 : crossing_index(d, PQgetvalue(access, i, 2)),
			val_i64(access, i, 3), val_i64(access, i, 0), (int)val_i64(access, i, 4),
			status_parse(PQgetvalue(access, i, 1)), (int)val_i64(access, i, 5),
			keep(d, PQgetvalue(access, i, 6)) };
}

/* Reads a corridor's truck_daily rows (snap_trucks) into t, which truck_read_free releases. */
static void read_trucks(struct corridor_data *d, const PGresult *r, struct truck_read *t)
{
	size_t n = (size_t)PQntuples(r);

	memset(t, 0, sizeof(*t));
	/* Room for a row per truck_daily row; the stock comes later, then it is shrunk. */
	t->od = xcalloc(n + 1, sizeof(*t->od));
	t->cross.sum = t->cargo.sum = t->tons.sum = d->c->reconcile == RECONCILE_SUM;
	t->cross.date = t->cargo.date = t->tons.date = INT64_MIN;
	t->stage_i = t->cargo_i = t->crossing_i = INT_MIN;
	init_crossings(d);
	for (int i = 0; i < (int)n; i++)
		read_truck_row(d, r, i, t);
	tonnes_emit_day(&t->tons);
}

static void truck_read_free(struct truck_read *t)
{
	struct split_row *rows;

	free(t->od);
	split_finish(&t->cross, &rows);
	free(rows);
	split_finish(&t->cargo, &rows);
	free(rows);
	free(t->tons.rows);
	memset(t, 0, sizeof(*t));
}

/* Shapes the trucks read (every stage), the waiting stock, the breakdowns and the access events into d. */
static void fill_flows(struct corridor_data *d, struct truck_read *t, PGresult *const *r)
{
	const PGresult *waiting = r[Q_WAITING], *access = r[Q_ACCESS];
	size_t nw = (size_t)PQntuples(waiting);

	shape_stages(d, t);
	/* The stock too (its rows go after the flows'), so the days begin at any stage's first. */
	t->od = xrealloc(t->od, (t->nod + nw + 1) * sizeof(*t->od));
	d->norg_days = t->nod;
	read_waiting(d, waiting, t->od, &d->norg_days);
	fill_days(d, t, access);
	by_org(t->od, d->norg_days);
	d->org_days = xrealloc(t->od, (d->norg_days ? d->norg_days : 1) * sizeof(*t->od));
	t->od = NULL;
	d->nby_crossing = split_finish(&t->cross, &d->by_crossing);
	d->nby_cargo = split_finish(&t->cargo, &d->by_cargo);
	memset(&t->cross, 0, sizeof(t->cross));
	memset(&t->cargo, 0, sizeof(t->cargo));
	fill_crossing_events(d, access);
	truck_read_free(t);
}

static void fill_movements(struct corridor_data *d, const PGresult *r)
{
	d->nmov = (size_t)PQntuples(r);
	d->mov = xcalloc(d->nmov ? d->nmov : 1, sizeof(*d->mov));
	for (int i = 0; i < (int)d->nmov; i++) {
		struct movement *m = &d->mov[i];
		int o = enum_index(PQgetvalue(r, i, 2), report_outcomes);

		m->planned = val_i64(r, i, 0);
		m->public_at = val_i64(r, i, 1);
		m->outcome = o < 0 ? OUT_POSTPONED : o;
		m->purpose = keep(d, PQgetvalue(r, i, 3));
		m->from = keep(d, PQgetvalue(r, i, 4));
		m->to = keep(d, PQgetvalue(r, i, 5));
		m->crossing = keep(d, PQgetvalue(r, i, 6));
		m->has_delay = strcmp(PQgetvalue(r, i, 7), "t") == 0;
		m->delay_hours = strtod(PQgetvalue(r, i, 8), NULL);
	}
}

static void fill_orgs(struct corridor_data *d, const PGresult *r)
{
	d->norgs = (size_t)PQntuples(r);
	d->orgs = xcalloc(d->norgs ? d->norgs : 1, sizeof(*d->orgs));
	for (int i = 0; i < (int)d->norgs; i++)
		d->orgs[i] = (struct source_org){ (int)val_i64(r, i, 0), keep(d, PQgetvalue(r, i, 1)),
			keep(d, PQgetvalue(r, i, 2)), keep(d, PQgetvalue(r, i, 3)),
			keep(d, PQgetvalue(r, i, 4)) };
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
		x->org = (int)val_i64(r, i, 9);
		x->url = keep(d, PQgetvalue(r, i, 10));
		x->end_offset = (int)val_i64(r, i, 11);
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
		x->url = keep(d, PQgetvalue(r, i, 6));
	}
}

/* What a row's code column names, by kind: see struct latest_report. */
static int latest_code(int kind, const char *v)
{
	int i;

	switch (kind) {
	case KIND_TRUCKS:
		i = stage_parse(v);
		return i < 0 ? STAGE_DEFAULT : i;
	case KIND_SHORTAGE:
		i = enum_index(v, report_severities);
		return i < 0 ? 0 : i;
	case KIND_DISRUPTION:
		i = enum_index(v, report_services);
		return i < 0 ? NSERVICES - 1 : i;
	default:
		return status_parse(v);
	}
}

static void fill_latest(struct corridor_data *d, const PGresult *r)
{
	size_t n = (size_t)PQntuples(r);

	d->latest_more = n > LATEST_MAX;
	d->nlatest = 0;
	d->latest = xcalloc(n ? n : 1, sizeof(*d->latest));
	for (int i = 0; i < (int)n && d->nlatest < LATEST_MAX; i++) {
		struct latest_report *x = &d->latest[d->nlatest];
		int kind = enum_index(PQgetvalue(r, i, 0), report_kinds);

		/* A kind this version does not know (a newer schema) is not shown. */
		if (kind < 0 || kind == KIND_MOVEMENT)
			continue;
		x->kind = kind;
		x->org = (int)val_i64(r, i, 1);
		x->received_at = val_i64(r, i, 2);
		x->received_offset = (int)val_i64(r, i, 3);
		x->received_day = val_i64(r, i, 4);
		x->url = keep(d, PQgetvalue(r, i, 5));
		x->note = keep(d, PQgetvalue(r, i, 6));
		x->trucks = val_i64(r, i, 7);
		x->day = val_i64(r, i, 8);
		x->outbound = strcmp(PQgetvalue(r, i, 9), "t") == 0;
		x->code = latest_code(kind, PQgetvalue(r, i, 10));
		x->item = keep(d, PQgetvalue(r, i, 11));
		x->place = keep(d, PQgetvalue(r, i, 12));
		x->at = val_i64(r, i, 13);
		x->at_offset = (int)val_i64(r, i, 14);
		x->ended = strcmp(PQgetvalue(r, i, 15), "t") == 0;
		x->end = val_i64(r, i, 16);
		x->end_offset = (int)val_i64(r, i, 17);
		d->nlatest++;
	}
}

static void fix_strings(struct corridor_data *d)
{
	for (size_t i = 0; i < d->nlatest; i++) {
		struct latest_report *x = &d->latest[i];

		x->url = fix(d, x->url);
		x->note = fix(d, x->note);
		x->item = fix(d, x->item);
		x->place = fix(d, x->place);
	}
	for (size_t i = 0; i < d->ndis; i++) {
		d->dis[i].location = fix(d, d->dis[i].location);
		d->dis[i].url = fix(d, d->dis[i].url);
	}
	for (size_t i = 0; i < d->ncev; i++)
		d->cev[i].url = fix(d, d->cev[i].url);
	for (size_t i = 0; i < d->nsh; i++) {
		d->sh[i].url = fix(d, d->sh[i].url);
		d->sh[i].item_key = fix(d, d->sh[i].item_key);
		d->sh[i].item = fix(d, d->sh[i].item);
		d->sh[i].location = fix(d, d->sh[i].location);
	}
	for (size_t i = 0; i < d->ncrossing_names; i++)
		d->crossing_names[i] = fix(d, d->crossing_names[i]);
	for (size_t i = 0; i < d->nmov; i++) {
		d->mov[i].purpose = fix(d, d->mov[i].purpose);
		d->mov[i].from = fix(d, d->mov[i].from);
		d->mov[i].to = fix(d, d->mov[i].to);
		d->mov[i].crossing = fix(d, d->mov[i].crossing);
	}
	for (size_t i = 0; i < d->norgs; i++) {
		d->orgs[i].slug = fix(d, d->orgs[i].slug);
		d->orgs[i].name = fix(d, d->orgs[i].name);
		d->orgs[i].method = fix(d, d->orgs[i].method);
		d->orgs[i].url = fix(d, d->orgs[i].url);
	}
}

/* The statement called name, or its "_pub" twin when k publishes after review. */
static const char *stmt_for(const struct sw_corridor *k, const char *name, char *buf, size_t size)
{
	if (k->publish != PUBLISH_AFTER_REVIEW || strcmp(name, "snap_orgs") == 0)
		return name;
	snprintf(buf, size, "%s_pub", name);
	return buf;
}

static int load_freshness(PGconn *c, const struct sw_corridor *k, int64_t D, struct freshness *out)
{
	char name[32];
	char day[24];
	const char *params[] = { k->id, k->timezone, day };
	PGresult *r;

	memset(out, 0, sizeof(*out));
	snprintf(day, sizeof(day), "%lld", (long long)D);
	if (query(c, stmt_for(k, "snap_freshness", name, sizeof(name)), 3, params, &r) != DB_OK)
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
	if (query(c, stmt_for(k, "snap_orgs_30d", name, sizeof(name)), 3, params, &r) != DB_OK)
		return -1;
	out->organisations_30d = (int)val_i64(r, 0, 0);
	out->end_of_day = val_i64(r, 0, 1);
	PQclear(r);
	return 0;
}

/* How many current reports await review, and how many a reviewer found issues with. */
static int load_review(PGconn *c, const struct sw_corridor *k, struct corridor_data *d)
{
	const char *params[] = { k->id };
	PGresult *r;

	if (query(c, "snap_review", 1, params, &r) != DB_OK)
		return -1;
	d->awaiting_review = val_i64(r, 0, 0);
	d->has_issues = val_i64(r, 0, 1);
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


/* The rest of a corridor's inputs, its trucks t already read (and released here). */
static int load_corridor(PGconn *c, const struct sw_config *cfg, const struct sw_corridor *k,
			 int64_t now, struct corridor_data *d, struct truck_read *t)
{
	static const struct { const char *stmt; int nparams; } q[NQ] = {
		{ NULL, 0 }, { "snap_waiting", 1 }, { "snap_access", 2 },
		{ "snap_disruptions", 2 }, { "snap_shortages", 1 }, { "snap_movements", 3 },
		{ "snap_orgs", 0 }, { "snap_latest", 2 },
	};
	char embargo[24];
	const char *params[] = { k->id, k->timezone, embargo };
	PGresult *r[NQ] = { NULL };
	int rc = -1;

	snprintf(embargo, sizeof(embargo), "%lld", (long long)cfg->embargo_hours);
	if (load_today(c, k, now, d) != 0)
		goto out;
	for (int i = Q_TRUCKS + 1; i < NQ; i++) {
		char name[32];

		if (query(c, stmt_for(k, q[i].stmt, name, sizeof(name)), q[i].nparams, params, &r[i]) != DB_OK)
			goto out;
	}
	if (k->publish == PUBLISH_AFTER_REVIEW && load_review(c, k, d) != 0)
		goto out;
	fill_flows(d, t, r);
	fill_disruptions(d, r[Q_DIS]);
	fill_shortages(d, r[Q_SH]);
	fill_movements(d, r[Q_MOV]);
	fill_orgs(d, r[Q_ORGS]);
	fill_latest(d, r[Q_LATEST]);
	fix_strings(d);
	rc = load_freshness(c, k, d->today, &d->fresh);
out:
	truck_read_free(t);
	for (int i = 0; i < NQ; i++)
		PQclear(r[i]);
	return rc;
}

static int load_orgs(PGconn *c, struct load *out)
{
	PGresult *r;

	if (query(c, "snap_seq", 0, NULL, &r) != DB_OK)
		return -1;
	out->report_seq = val_i64(r, 0, 0);
	PQclear(r);
	if (query(c, "snap_heads", 0, NULL, &r) != DB_OK)
		return -1;
	out->nheads = (size_t)PQntuples(r);
	out->heads = xcalloc(out->nheads ? out->nheads : 1, sizeof(*out->heads));
	for (size_t i = 0; i < out->nheads; i++) {
		out->heads[i].size = (uint64_t)val_i64(r, (int)i, 0);
		out->heads[i].signed_at = val_i64(r, (int)i, 1);
		out->heads[i].checkpoint = xstrdup(PQgetvalue(r, (int)i, 2));
	}
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

/* The corridors a load reads, and their trucks as the pipeline brings them. */
struct to_read {
	struct load *out;
	size_t *at;			/* indexes of out->data */
	struct truck_read *t;		/* parallel to at */
	size_t n;
};

static void got_trucks(size_t i, const PGresult *r, void *arg)
{
	struct to_read *w = arg;

	read_trucks(w->out->data[w->at[i]], r, &w->t[i]);
}

/*
 * The trucks of every corridor to read, in one pipeline: the largest
 * results by far (a row per organisation, stage and day, 30,000 a corridor
 * at ten years), read while the server produces the next.
 */
static int load_trucks(PGconn *c, const struct sw_config *cfg, struct to_read *w)
{
	struct db_pipelined *q = xcalloc(w->n ? w->n : 1, sizeof(*q));
	const char **ids = xcalloc(w->n ? w->n : 1, sizeof(*ids));
	enum db_status s;

	for (size_t i = 0; i < w->n; i++) {
		const struct sw_corridor *k = &cfg->corridors[w->at[i]];

		ids[i] = k->id;
		q[i] = (struct db_pipelined){
			k->publish == PUBLISH_AFTER_REVIEW ? "snap_trucks_pub" : "snap_trucks", 1, &ids[i] };
	}
	s = db_pipeline(c, q, w->n, got_trucks, w);
	free(q);
	free(ids);
	return s == DB_OK ? 0 : -1;
}

static int load_corridors(PGconn *c, const struct sw_config *cfg, int64_t now, struct to_read *w)
{
	int64_t t0 = clock_ms(), t1;

	for (size_t i = 0; i < w->n; i++)
		w->out->data[w->at[i]] = corridor_data_new(&cfg->corridors[w->at[i]]);
	if (load_trucks(c, cfg, w) != 0)
		return -1;
	t1 = clock_ms();
	for (size_t i = 0; i < w->n; i++) {
		size_t k = w->at[i];

		if (load_corridor(c, cfg, &cfg->corridors[k], now, w->out->data[k], &w->t[i]) != 0)
			return -1;
	}
	log_debug("load: %zu corridors: trucks in %lld ms, the rest in %lld ms", w->n,
		  (long long)(t1 - t0), (long long)(clock_ms() - t1));
	return 0;
}

/*
 * All corridors are read in one REPEATABLE READ transaction, so a snapshot
 * is one consistent state of the database; report_seq is the highest
 * report it includes.  The results are written back afterwards, outside it.
 */
int load_inputs(PGconn *c, const struct sw_config *cfg, int64_t now, struct load *out)
{
	struct to_read w = { out, NULL, NULL, 0 };
	int rc = -1;

	/* Every entry is released by load_free: the caller's references and those read here. */
	out->n = cfg->ncorridors;
	w.at = xcalloc(cfg->ncorridors + 1, sizeof(*w.at));
	w.t = xcalloc(cfg->ncorridors + 1, sizeof(*w.t));
	for (size_t i = 0; i < cfg->ncorridors; i++)
		if (!out->data[i])
			w.at[w.n++] = i;
	if (db_simple(c, "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY") != DB_OK)
		goto out;
	if (load_orgs(c, out) != 0 || load_corridors(c, cfg, now, &w) != 0) {
		if (!db_conn_lost(c))
			db_simple(c, "ROLLBACK");
		goto out;
	}
	rc = db_simple(c, "COMMIT") == DB_OK ? 0 : -1;
out:
	/* What a failure left unread. */
	for (size_t i = 0; i < w.n; i++)
		truck_read_free(&w.t[i]);
	free(w.at);
	free(w.t);
	return rc;
}

void load_free(struct load *l)
{
	for (size_t i = 0; i < l->n; i++)
		corridor_data_release(l->data[i]);
	free(l->data);
	free(l->org_last);
	ledger_signed_free(l->heads, l->nheads);
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
