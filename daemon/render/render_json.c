/* The status JSON and the daily series (JSON and CSV with an HXL row). */
#include <stdio.h>
#include <string.h>

#include "render/render.h"
#include "util/escape.h"
#include "util/fmt.h"

static json_t *date_or_null(bool has, int64_t days)
{
	char d[11];

	if (!has)
		return json_null();
	fmt_date(days, d);
	return json_string(d);
}

static json_t *int_or_null(bool has, int64_t v)
{
	return has ? json_integer(v) : json_null();
}

static json_t *real1_or_null(bool has, double v)
{
	return has ? json_real(fmt_round1(v)) : json_null();
}

static json_t *blockade_json(const struct corridor_eval *e)
{
	const struct blockade_summary *b = &e->blockade;

	if (!b->active)
		return json_null();
	return json_pack("{s:b, s:o, s:I, s:I, s:I, s:I}", "ongoing", b->ongoing,
		"since", date_or_null(true, b->since), "day", (json_int_t)b->day_n,
		"blocked_days_30d", (json_int_t)b->blocked_30d,
		"blocked_days_90d", (json_int_t)b->blocked_90d,
		"longest_days", (json_int_t)b->longest_days);
}

static json_t *trucks_json(const struct corridor_eval *e)
{
	const struct trucks_summary *t = &e->trucks;
	const struct sw_corridor *c = e->data->c;
	const struct day *d = &e->days[e->n - 1];
	json_t *o = json_pack("{s:o, s:o, s:o, s:i, s:I, s:o, s:o, s:o, s:i, s:o, s:o}",
		"on_day", int_or_null(t->has_on_day, t->on_day),
		"previous_day", int_or_null(t->has_previous, t->previous),
		"avg_7d", real1_or_null(t->has_avg, t->avg_7d),
		"days_reported_7d", t->days_reported_7d,
		"baseline_per_day", (json_int_t)c->baseline_trucks_per_day,
		"pct_of_baseline", real1_or_null(t->has_avg, t->pct_of_baseline),
		"deficit_in_blockade", int_or_null(t->has_deficit, t->deficit),
		"days_unreported_in_blockade", int_or_null(t->has_deficit, t->unreported_in_blockade),
		"sources_on_day", t->sources_on_day,
		"min_on_day", int_or_null(d->reported, d->min),
		"max_on_day", int_or_null(d->reported, d->max));

	if (c->baseline_tonnes_per_day > 0)
		json_object_set_new(o, "tonnes", json_pack("{s:o, s:o, s:f, s:o}",
			"on_day", t->has_tonnes_on_day ? json_real(fmt_round1(t->tonnes_on_day)) : json_null(),
			"avg_7d", real1_or_null(t->has_tonnes_avg, t->tonnes_avg_7d),
			"baseline_per_day", c->baseline_tonnes_per_day,
			"pct_of_baseline", real1_or_null(t->has_tonnes_avg, t->tonnes_pct)));
	return o;
}

static json_t *disruptions_json(const struct corridor_eval *e)
{
	json_t *a = json_array();

	for (size_t i = 0; i < e->nongoing; i++) {
		const struct ongoing *o = &e->ongoing[i];
		char since[32];

		fmt_instant_local(o->since, o->since_offset, since);
		json_array_append_new(a, json_pack("{s:s, s:s, s:s, s:I, s:o, s:i}",
			"service", o->service_name, "location", o->location, "since", since,
			"days", (json_int_t)o->days, "people_affected", int_or_null(o->people >= 0, o->people),
			"reports", o->reports));
	}
	return a;
}

static json_t *shortages_json(const struct corridor_eval *e)
{
	json_t *items = json_array(), *counts = json_object();

	for (int s = NSEVERITIES - 1; s >= 1; s--)
		json_object_set_new(counts, report_severities[s], json_integer(e->shortage_counts[s]));
	for (size_t i = 0; i < e->nshortages; i++) {
		const struct shortage_state *s = &e->shortages[i];

		json_array_append_new(items, json_pack("{s:s, s:s, s:s, s:o, s:I}", "item", s->item,
			"severity", report_severities[s->severity], "location", s->location,
			"since", date_or_null(true, s->since), "days", (json_int_t)s->days));
	}
	return json_pack("{s:o, s:o}", "counts", counts, "items", items);
}

static json_t *freshness_json(const struct corridor_eval *e)
{
	json_t *kinds = json_object();
	char t[32];

	for (int k = 0; k < KIND_COUNT; k++) {
		fmt_instant_utc(e->fresh.last_by_kind[k], t);
		json_object_set_new(kinds, report_kinds[k],
				    e->fresh.last_by_kind[k] ? json_string(t) : json_null());
	}
	fmt_instant_utc(e->fresh.last_report_at, t);
	return json_pack("{s:o, s:b, s:o, s:i}",
		"last_report_at", e->fresh.last_report_at ? json_string(t) : json_null(),
		"stale", e->stale, "last_by_kind", kinds,
		"organisations_30d", e->fresh.organisations_30d);
}

json_t *render_corridor_json(const struct corridor_eval *e)
{
	const struct day *d = &e->days[e->n - 1];
	json_t *services = json_object();

	for (int s = 0; s < NSERVICES; s++)
		json_object_set_new(services, report_services[s], json_integer(e->service_days_30d[s]));
	return json_pack("{s:s, s:s, s:o, s:s, s:s, s:s, s:s, s:o, s:b, s:o, s:o, s:o, s:o, s:o, s:o}",
		"id", e->data->c->id, "name", e->data->c->name,
		"as_of", date_or_null(true, e->D), "timezone", e->data->c->timezone,
		"status", status_name(d->status), "status_basis", basis_names[d->basis],
		"flow_status", status_name(d->flow),
		"declared_status", d->declared == ST_UNKNOWN ? json_null() : json_string(status_name(d->declared)),
		"disagree", d->disagree,
		"blockade", blockade_json(e), "trucks", trucks_json(e),
		"disruptions", disruptions_json(e), "service_days_disrupted_30d", services,
		"shortages", shortages_json(e), "freshness", freshness_json(e));
}

json_t *render_status_json(const struct sw_config *cfg, const struct corridor_eval *e, size_t n,
			   int64_t as_of, int64_t generated_at, bool db_up)
{
	json_t *list = json_array();
	int64_t shown = as_of;
	char gen[32];

	for (size_t i = 0; i < n; i++) {
		json_array_append_new(list, render_corridor_json(&e[i]));
		if (as_of < 0 && e[i].D > shown)
			shown = e[i].D;	/* default: the latest corridor's today */
	}
	fmt_instant_utc(generated_at, gen);
	/* database_reachable false: the figures are the last ones computed, and may be old. */
	return json_pack("{s:o, s:s, s:b, s:s, s:o}", "as_of", date_or_null(shown >= 0, shown),
			 "generated_at", gen, "database_reachable", db_up, "title", cfg->title,
			 "corridors", list);
}

/* One day as a series entry: trucks null when nobody reported, never 0. */
static json_t *day_json(const struct day *d)
{
	json_t *o = json_pack("{s:o, s:o, s:i, s:o, s:o, s:o, s:s, s:o, s:s, s:s, s:b, s:b}",
		"date", date_or_null(true, d->date), "trucks", int_or_null(d->reported, d->trucks),
		"sources", d->sources, "min", int_or_null(d->reported, d->min),
		"max", int_or_null(d->reported, d->max),
		"tonnes", d->has_tonnes ? json_real(d->tonnes) : json_null(),
		"flow_status", status_name(d->flow),
		"declared_status", d->declared == ST_UNKNOWN ? json_null() : json_string(status_name(d->declared)),
		"status", status_name(d->status), "status_basis", basis_names[d->basis],
		"disagree", d->disagree, "in_blockade", d->in_blockade);
	return o;
}

/* Calls fn for every date in [from, to], with the evaluated day or an unknown one. */
static void each_day(const struct corridor_eval *e, int64_t from, int64_t to,
		     void (*fn)(const struct day *d, void *arg), void *arg)
{
	size_t i = 0;

	while (i < e->n && e->days[i].date < from)
		i++;
	for (int64_t x = from; x <= to; x++) {
		struct day blank;

		if (i < e->n && e->days[i].date == x) {
			fn(&e->days[i++], arg);
			continue;
		}
		memset(&blank, 0, sizeof(blank));
		blank.date = x;
		blank.declared = blank.flow = blank.status = ST_UNKNOWN;
		fn(&blank, arg);
	}
}

static void add_day_json(const struct day *d, void *arg)
{
	json_array_append_new(arg, day_json(d));
}

json_t *render_daily_json(const struct corridor_eval *e, int64_t from, int64_t to)
{
	json_t *days = json_array();
	char f[11], t[11];

	each_day(e, from, to, add_day_json, days);
	fmt_date(from, f);
	fmt_date(to, t);
	return json_pack("{s:s, s:s, s:s, s:o}", "corridor", e->data->c->id, "from", f, "to", t,
			 "days", days);
}

struct csv_rows {
	struct strbuf *out;
	const char *corridor;
};

static void add_day_csv(const struct day *d, void *arg)
{
	struct csv_rows *rows = arg;
	struct strbuf *out = rows->out;
	char date[11], n[32];

	fmt_date(d->date, date);
	sb_addf(out, "%s,", date);
	if (d->reported)
		sb_addf(out, "%lld", (long long)d->trucks);
	sb_addf(out, ",%d,", d->sources);
	if (d->reported)
		sb_addf(out, "%lld,%lld", (long long)d->min, (long long)d->max);
	else
		sb_addch(out, ',');
	sb_addch(out, ',');
	if (d->has_tonnes) {
		snprintf(n, sizeof(n), "%.15g", d->tonnes);
		sb_addstr(out, n);
	}
	sb_addf(out, ",%s,%s,%s,%s,%s,%s,", status_name(d->flow),
		d->declared == ST_UNKNOWN ? "" : status_name(d->declared), status_name(d->status),
		basis_names[d->basis], d->disagree ? "true" : "false",
		d->in_blockade ? "true" : "false");
	esc_csv(out, rows->corridor, 1);
	sb_addstr(out, "\r\n");
}

void render_daily_csv(struct strbuf *out, const struct corridor_eval *e, int64_t from, int64_t to)
{
	struct csv_rows rows = { out, e->data->c->id };

	/* A header row, then the HXL hashtag row that HXL tools and HDX read. */
	sb_addstr(out, "date,trucks,sources,min,max,tonnes,flow_status,declared_status,status,"
		  "status_basis,disagree,in_blockade,corridor\r\n");
	sb_addstr(out, "#date,#indicator+trucks+num,#meta+sources+num,#indicator+trucks+min+num,"
		  "#indicator+trucks+max+num,#indicator+tonnes+num,#status+flow,#status+declared,"
		  "#status,#meta+basis,#meta+disagree,#status+blockade,#loc+corridor+code\r\n");
	each_day(e, from, to, add_day_csv, &rows);
}
