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

/* "single source", "corroborated", "sources disagree", or null when nobody reported. */
static json_t *corroboration_json(const struct corridor_eval *e, bool reported, int sources,
				  int64_t min, int64_t max)
{
	int c = reported ? stage_corroboration(sources, min, max, e->data->c->corroboration_pct) : CORR_NONE;

	return c == CORR_NONE ? json_null() : json_string(corroboration_names[c]);
}

/*
 * Each stage reported on or before D:
 * {stage: {on_day, avg_7d, days_reported_7d, sources_on_day, corroboration_on_day}}.
 */
static json_t *by_stage_json(const struct corridor_eval *e)
{
	json_t *o = json_object();

	for (int s = 0; s < NSTAGES; s++) {
		const struct stage_summary *x = &e->by_stage[s];
		const struct stage_day *d = stage_find(e->data->stages[s], e->data->nstages[s], e->D);

		if (!x->present && s != e->data->c->headline_stage)
			continue;
		json_object_set_new(o, stage_names[s], json_pack("{s:o, s:o, s:i, s:i, s:o}",
			"on_day", int_or_null(x->has_on_day, x->on_day),
			"avg_7d", real1_or_null(x->has_avg, x->avg_7d),
			"days_reported_7d", x->days_reported_7d, "sources_on_day", x->sources_on_day,
			"corroboration_on_day", s == STAGE_WAITING || !d ? json_null()
				: corroboration_json(e, true, d->sources, d->min, d->max)));
	}
	return o;
}

/* A breakdown over the last 7 days: {name: {trucks, days}}. */
static json_t *split_json(const struct split_total *t, size_t n, const char *const *names)
{
	json_t *o = json_object();

	for (size_t i = 0; i < n; i++)
		json_object_set_new(o, names[t[i].key], json_pack("{s:I, s:i}", "trucks",
			(json_int_t)t[i].trucks, "days", t[i].days));
	return o;
}

/* The latest stock of trucks waiting at the crossing, on or before D; null when none. */
static json_t *waiting_json(const struct corridor_eval *e)
{
	const struct stage_summary *w = &e->by_stage[STAGE_WAITING];
	const struct stage_day *d;
	char at[32];

	if (!w->has_last)
		return json_null();
	d = stage_find(e->data->stages[STAGE_WAITING], e->data->nstages[STAGE_WAITING], w->last_date);
	fmt_instant_utc(d->observed_at, at);
	return json_pack("{s:I, s:o, s:o, s:i}", "trucks", (json_int_t)w->last_trucks,
		"date", date_or_null(true, w->last_date),
		"observed_at", d->observed_at ? json_string(at) : json_null(), "sources", d->sources);
}

/* Movements over D-29 .. D: counted by outcome; only those past the embargo listed. */
static json_t *movements_json(const struct corridor_eval *e)
{
	const struct movement_summary *m = &e->movements;
	json_t *by = json_object(), *listed = json_array();

	for (int o = 0; o < NOUTCOME; o++)
		json_object_set_new(by, report_outcomes[o], json_integer(m->by_outcome_30d[o]));
	for (size_t i = 0; i < m->nlisted; i++) {
		const struct movement *x = m->listed[i];
		json_t *item = json_pack("{s:o, s:s}", "planned_for", date_or_null(true, x->planned),
					 "outcome", report_outcomes[x->outcome]);

		json_object_set_new(item, "purpose", *x->purpose ? json_string(x->purpose) : json_null());
		json_object_set_new(item, "from", *x->from ? json_string(x->from) : json_null());
		json_object_set_new(item, "to", *x->to ? json_string(x->to) : json_null());
		json_object_set_new(item, "crossing", *x->crossing ? json_string(x->crossing) : json_null());
		json_object_set_new(item, "delay_hours", x->has_delay ? json_real(x->delay_hours) : json_null());
		json_array_append_new(listed, item);
	}
	return json_pack("{s:o, s:i, s:o, s:i, s:o}", "by_outcome_30d", by, "total_30d", m->total_30d,
		"denied_or_impeded_pct_30d", real1_or_null(m->has_pct, m->denied_or_impeded_pct),
		"embargoed_30d", m->embargoed_30d, "recent", listed);
}

/* Each crossing configured or named by an access event: its state at D's end. */
static json_t *crossings_json(const struct corridor_eval *e)
{
	json_t *a = json_array();

	for (size_t i = 0; i < e->ncrossings; i++) {
		const struct crossing_state *c = &e->crossings[i];
		char since[32];

		if (c->state == ST_UNKNOWN && i >= e->data->c->ncrossings)
			continue;	/* named only by truck reports: no state to give */
		fmt_instant_local(c->since, c->since_offset, since);
		json_array_append_new(a, json_pack("{s:s, s:s, s:o, s:i, s:i}",
			"name", e->data->crossing_names[i], "state", status_name(c->state),
			"since", c->since ? json_string(since) : json_null(),
			"open_days_30d", c->open_days_30d, "closures_30d", c->closures_30d));
	}
	return a;
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

	json_object_set_new(o, "stage", json_string(stage_names[c->headline_stage]));
	json_object_set_new(o, "corroboration_on_day",
			    corroboration_json(e, d->reported, d->sources, d->min, d->max));
	json_object_set_new(o, "by_stage", by_stage_json(e));
	json_object_set_new(o, "by_crossing", split_json(e->by_crossing, e->nby_crossing,
							 e->data->crossing_names));
	json_object_set_new(o, "by_cargo", split_json(e->by_cargo, e->nby_cargo, report_cargos));
	json_object_set_new(o, "days_since_last_delivery",
			    int_or_null(e->has_since_delivery, e->days_since_delivery));
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

	/* Not movements: when their reports arrive would hint at embargoed dates. */
	for (int k = 0; k < KIND_MOVEMENT; k++) {
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

/*
 * How the corridor publishes; after review, how many current reports the
 * figures leave out because nobody has reviewed them yet, or a reviewer
 * found issues with them.
 */
static json_t *review_json(const struct corridor_eval *e)
{
	const struct corridor_data *d = e->data;
	bool after = d->c->publish == PUBLISH_AFTER_REVIEW;

	return json_pack("{s:s, s:o, s:o}", "publish", after ? "after_review" : "on_receipt",
		"awaiting_review", int_or_null(after, d->awaiting_review),
		"has_issues", int_or_null(after, d->has_issues));
}

json_t *render_corridor_json(const struct corridor_eval *e)
{
	const struct day *d = &e->days[e->n - 1];
	json_t *services = json_object();

	json_t *o;

	for (int s = 0; s < NSERVICES; s++)
		json_object_set_new(services, report_services[s], json_integer(e->service_days_30d[s]));
	o = json_pack("{s:s, s:s, s:o, s:s, s:s, s:s, s:s, s:o, s:b, s:o, s:o, s:o, s:o, s:o, s:o}",
		"id", e->data->c->id, "name", e->data->c->name,
		"as_of", date_or_null(true, e->D), "timezone", e->data->c->timezone,
		"status", status_name(d->status), "status_basis", basis_names[d->basis],
		"flow_status", status_name(d->flow),
		"declared_status", d->declared == ST_UNKNOWN ? json_null() : json_string(status_name(d->declared)),
		"disagree", d->disagree,
		"blockade", blockade_json(e), "trucks", trucks_json(e),
		"disruptions", disruptions_json(e), "service_days_disrupted_30d", services,
		"shortages", shortages_json(e), "freshness", freshness_json(e));
	json_object_set_new(o, "waiting", waiting_json(e));
	json_object_set_new(o, "movements", movements_json(e));
	json_object_set_new(o, "crossings", crossings_json(e));
	json_object_set_new(o, "review", review_json(e));
	return o;
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
static json_t *day_json(const struct corridor_eval *e, const struct day *d)
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
	json_object_set_new(o, "corroboration", corroboration_json(e, d->reported, d->sources, d->min, d->max));
	return o;
}

/*
 * A day of another stage's series: its own count, sources and spread (no
 * tonnes); the statuses stay the corridor's, which rest on the headline.
 */
static void other_stage(const struct corridor_eval *e, int stage, struct day *d)
{
	const struct stage_day *s = stage_find(e->data->stages[stage], e->data->nstages[stage], d->date);

	d->reported = s != NULL;
	d->trucks = s ? s->trucks : 0;
	d->sources = s ? s->sources : 0;
	/* One organisation's sum: 32 bits in org_day already. */
	d->min = s ? (int32_t)s->min : 0;
	d->max = s ? (int32_t)s->max : 0;
	d->has_tonnes = false;
}

/* Calls fn for every date in [from, to], with the evaluated day or an unknown one, at stage. */
static void each_day(const struct corridor_eval *e, int64_t from, int64_t to, int stage,
		     void (*fn)(const struct corridor_eval *e, const struct day *d, void *arg), void *arg)
{
	size_t i = 0;

	while (i < e->n && e->days[i].date < from)
		i++;
	for (int64_t x = from; x <= to; x++) {
		struct day d;

		if (i < e->n && e->days[i].date == x) {
			d = e->days[i++];
		} else {
			memset(&d, 0, sizeof(d));
			d.date = x;
			d.declared = d.flow = d.status = ST_UNKNOWN;
		}
		if (stage != e->data->c->headline_stage)
			other_stage(e, stage, &d);
		fn(e, &d, arg);
	}
}

static void add_day_json(const struct corridor_eval *e, const struct day *d, void *arg)
{
	json_array_append_new(arg, day_json(e, d));
}

json_t *render_daily_json(const struct corridor_eval *e, int64_t from, int64_t to, int stage)
{
	json_t *days = json_array();
	char f[11], t[11];

	each_day(e, from, to, stage, add_day_json, days);
	fmt_date(from, f);
	fmt_date(to, t);
	return json_pack("{s:s, s:s, s:s, s:s, s:b, s:o, s:o}", "corridor", e->data->c->id, "from", f,
			 "to", t, "stage", stage_names[stage],
			 "headline", stage == e->data->c->headline_stage, "review", review_json(e),
			 "days", days);
}

struct csv_rows {
	struct strbuf *out;
	const char *corridor;
	const char *stage;
};

static void add_day_csv(const struct corridor_eval *e, const struct day *d, void *arg)
{
	int corr = d->reported ? stage_corroboration(d->sources, d->min, d->max,
						    e->data->c->corroboration_pct) : CORR_NONE;
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
	sb_addf(out, ",%s,%s\r\n", rows->stage, corr == CORR_NONE ? "" : corroboration_names[corr]);
}

void render_daily_csv(struct strbuf *out, const struct corridor_eval *e, int64_t from, int64_t to,
		      int stage)
{
	struct csv_rows rows = { out, e->data->c->id, stage_names[stage] };

	/* A header row, then the HXL hashtag row that HXL tools and HDX read. */
	sb_addstr(out, "date,trucks,sources,min,max,tonnes,flow_status,declared_status,status,"
		  "status_basis,disagree,in_blockade,corridor,stage,corroboration\r\n");
	sb_addstr(out, "#date,#indicator+trucks+num,#meta+sources+num,#indicator+trucks+min+num,"
		  "#indicator+trucks+max+num,#indicator+tonnes+num,#status+flow,#status+declared,"
		  "#status,#meta+basis,#meta+disagree,#status+blockade,#loc+corridor+code,"
		  "#meta+stage,#meta+corroboration\r\n");
	each_day(e, from, to, stage, add_day_csv, &rows);
}

/* Each organisation's series side by side with the headline over [from, to]. */
json_t *render_sources_json(const struct corridor_eval *e, int64_t from, int64_t to)
{
	const struct corridor_data *d = e->data;
	struct source_figures *f = xcalloc(d->norg_days ? d->norg_days : 1, sizeof(*f));
	size_t n = stage_sources(d->org_days, d->norg_days, d->stages[d->c->headline_stage],
				 d->nstages[d->c->headline_stage], from, to, f);
	json_t *orgs = json_array(), *cur = NULL, *series = NULL, *stages = NULL;
	char fd[11], td[11];
	int last = -1;

	for (size_t i = 0; i < n; i++) {
		const struct source_org *o = eval_org(d, f[i].org);
		bool stock = f[i].stage == STAGE_WAITING;

		if (f[i].org != last) {
			cur = json_pack("{s:s, s:s, s:o, s:o}", "slug", o ? o->slug : "", "name",
				o ? o->name : "", "method", o && *o->method ? json_string(o->method) : json_null(),
				"method_url", o && *o->url ? json_string(o->url) : json_null());
			stages = json_array();
			series = json_array();
			json_object_set_new(cur, "stages", stages);
			json_object_set_new(cur, "series", series);
			json_array_append_new(orgs, cur);
			last = f[i].org;
		}
		json_array_append_new(stages, json_string(stage_names[f[i].stage]));
		/* A stock has no total: a sum of standing trucks over days means nothing. */
		json_array_append_new(series, json_pack("{s:s, s:i, s:o, s:o, s:i, s:o}",
			"stage", stage_names[f[i].stage], "days_reported", f[i].days_reported,
			"total", stock ? json_null() : json_integer(f[i].total),
			"mean_per_day", json_real(fmt_round1(f[i].mean)),
			"days_compared", f[i].days_compared,
			"ratio_to_headline", f[i].has_ratio ? json_real(fmt_round3(f[i].ratio)) : json_null()));
	}
	free(f);
	fmt_date(from, fd);
	fmt_date(to, td);
	return json_pack("{s:s, s:s, s:s, s:s, s:o}", "corridor", d->c->id, "from", fd, "to", td,
			 "headline_stage", stage_names[d->c->headline_stage], "organisations", orgs);
}

/* ---- the timeline ---- */

static json_t *str_or_null(const char *s)
{
	return s && *s ? json_string(s) : json_null();
}

static json_t *instant_json(int64_t t)
{
	char at[FMT_INSTANT_LEN];

	fmt_instant_utc(t, at);
	return json_string(at);
}

static json_t *local_json(int64_t t, int offset)
{
	char at[FMT_INSTANT_LEN];

	fmt_instant_local(t, offset, at);
	return json_string(at);
}

static json_t *event_sources_json(const struct corridor_eval *e, const struct timeline *t,
				  const struct tl_event *ev)
{
	json_t *a = json_array();

	for (size_t i = ev->src; i < ev->src + ev->nsrc; i++) {
		const struct source_org *o = eval_org(e->data, t->sources[i].org);

		json_array_append_new(a, json_pack("{s:o, s:o, s:o}", "organisation",
			str_or_null(o ? o->slug : NULL), "name", str_or_null(o ? o->name : NULL),
			"source_url", str_or_null(t->sources[i].url)));
	}
	return a;
}

/* What each kind says, beside what every event has. */
static void event_fields(json_t *o, const struct tl_event *ev)
{
	switch (ev->kind) {
	case TL_BLOCKADE_BEGAN:
	case TL_BLOCKADE_ENDED:
		json_object_set_new(o, "first_day", date_or_null(true, ev->p->first));
		json_object_set_new(o, "last_day", date_or_null(!ev->p->ongoing, ev->p->last));
		json_object_set_new(o, "ongoing", json_boolean(ev->p->ongoing));
		json_object_set_new(o, "days", json_integer(ev->p->days));
		json_object_set_new(o, "basis", json_string(basis_names[ev->basis]));
		break;
	case TL_STATUS:
		json_object_set_new(o, "from", json_string(status_name(ev->from)));
		json_object_set_new(o, "to", json_string(status_name(ev->to)));
		json_object_set_new(o, "basis", json_string(basis_names[ev->basis]));
		break;
	case TL_DISRUPTION_BEGAN:
	case TL_DISRUPTION_ENDED:
		json_object_set_new(o, "service", json_string(ev->d->service_name));
		json_object_set_new(o, "location", str_or_null(ev->d->location));
		json_object_set_new(o, "started_at", instant_json(ev->d->started_at));
		json_object_set_new(o, "ended_at", ev->kind == TL_DISRUPTION_ENDED ?
				    instant_json(ev->d->ended_at) : json_null());
		json_object_set_new(o, "people_affected", int_or_null(ev->people >= 0, ev->people));
		break;
	case TL_CROSSING:
		json_object_set_new(o, "crossing", json_string(ev->crossing_name));
		json_object_set_new(o, "from", ev->from == ST_UNKNOWN ? json_null() :
				    json_string(status_name(ev->from)));
		json_object_set_new(o, "to", json_string(status_name(ev->to)));
		break;
	case TL_SHORTAGE:
		json_object_set_new(o, "item", json_string(ev->item));
		json_object_set_new(o, "location", str_or_null(ev->location));
		json_object_set_new(o, "from", ev->from < 0 ? json_null() :
				    json_string(report_severities[ev->from]));
		json_object_set_new(o, "to", json_string(report_severities[ev->to]));
		break;
	default:
		break;
	}
}

json_t *render_events_json(const struct corridor_eval *e, const struct timeline *t, size_t from,
			   size_t to, bool more)
{
	json_t *events = json_array();
	char id[TL_ID_LEN], d[FMT_DATE_LEN], cur[TL_CURSOR_LEN];

	for (size_t i = from; i < to; i++) {
		const struct tl_event *ev = &t->ev[i];
		json_t *o;

		tl_event_id(e, ev, id);
		fmt_date(ev->day, d);
		o = json_pack("{s:s, s:s, s:s, s:o, s:o}", "id", id, "kind", tl_kind_names[ev->kind],
			      "date", d, "at", ev->dated ? json_null() : instant_json(ev->at),
			      "local", ev->dated ? json_null() : local_json(ev->at, ev->offset));
		event_fields(o, ev);
		json_object_set_new(o, "sources", event_sources_json(e, t, ev));
		json_array_append_new(events, o);
	}
	if (more)
		tl_cursor_of(&t->ev[to - 1], cur);
	fmt_date(e->D, d);
	return json_pack("{s:s, s:s, s:o, s:o}", "corridor", e->data->c->id, "as_of", d,
			 "events", events, "next", more && to > from ? json_string(cur) : json_null());
}
