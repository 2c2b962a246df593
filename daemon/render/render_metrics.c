/* The corridor gauges of /metrics, rendered once per snapshot. */
#include <math.h>

#include "render/render.h"
#include "util/escape.h"
#include "util/fmt.h"

typedef double (*gauge_fn)(const struct corridor_eval *e);

static double g_status(const struct corridor_eval *e) { return e->days[e->n - 1].status; }
static double g_blockade(const struct corridor_eval *e) { return e->blockade.active ? (double)e->blockade.day_n : 0; }
static double g_avg(const struct corridor_eval *e) { return e->trucks.has_avg ? e->trucks.avg_7d : NAN; }
static double g_on_day(const struct corridor_eval *e) { return e->trucks.has_on_day ? (double)e->trucks.on_day : NAN; }
static double g_deficit(const struct corridor_eval *e) { return e->trucks.has_deficit ? (double)e->trucks.deficit : 0; }
static double g_last(const struct corridor_eval *e) { return (double)e->fresh.last_report_at; }
static double g_stale(const struct corridor_eval *e) { return e->stale; }
static double g_ongoing(const struct corridor_eval *e) { return (double)e->nongoing; }
static double g_since_delivery(const struct corridor_eval *e) { return e->has_since_delivery ? (double)e->days_since_delivery : NAN; }
static double g_waiting(const struct corridor_eval *e)
{
	return e->by_stage[STAGE_WAITING].has_last ? (double)e->by_stage[STAGE_WAITING].last_trucks : NAN;
}
static double g_denied(const struct corridor_eval *e)
{
	return e->movements.has_pct ? e->movements.denied_or_impeded_pct / 100.0 : NAN;
}
static double g_awaiting(const struct corridor_eval *e)
{
	return e->data->c->publish == PUBLISH_AFTER_REVIEW ? (double)e->data->awaiting_review : NAN;
}

static const struct gauge {
	const char *name, *help;
	gauge_fn fn;
} gauges[] = {
	{ "supplywatch_corridor_status", "Day status as of today: 0 open, 1 restricted, 2 blocked, -1 unknown.", g_status },
	{ "supplywatch_blockade_day", "Day N of the current blockade (its first day is 1); 0 when none.", g_blockade },
	{ "supplywatch_trucks_avg_7d", "Inbound trucks per day, averaged over the reported days of the last 7; NaN when none reported.", g_avg },
	{ "supplywatch_trucks_on_day", "Reconciled inbound trucks today; NaN when nobody reported.", g_on_day },
	{ "supplywatch_trucks_deficit", "Cumulative truck deficit against the baseline over the current blockade's reported days; 0 when none.", g_deficit },
	{ "supplywatch_last_report_timestamp_seconds", "When the last report for the corridor was received (Unix time); 0 when never.", g_last },
	{ "supplywatch_data_stale", "1 when the corridor's latest report is older than status.stale_after_hours.", g_stale },
	{ "supplywatch_disruptions_ongoing", "Ongoing service disruptions (merged by service and location).", g_ongoing },
	{ "supplywatch_delivery_gap_day", "Days since the last headline-stage day with trucks > 0 (0: trucks got through today); NaN when there was none.", g_since_delivery },
	{ "supplywatch_trucks_waiting", "Trucks waiting at the crossing at the latest observation (a stock); NaN when never reported.", g_waiting },
	{ "supplywatch_movements_denied_or_impeded_ratio", "Share of the last 30 days' movements that were denied or impeded (0 to 1); NaN when none.", g_denied },
	{ "supplywatch_reports_awaiting_review", "Current reports nobody has reviewed, left out of the figures of a corridor that publishes after review; NaN when it publishes on receipt.", g_awaiting },
};

static void value(struct strbuf *out, double v)
{
	if (isnan(v))
		sb_addstr(out, "NaN");
	else
		sb_addf(out, "%.17g", v);
}

/* Labelled families: a stage's count today, movements by outcome, configured crossings' states. */
static void label_families(struct strbuf *out, const struct corridor_eval *e, size_t n)
{
	sb_addstr(out, "# HELP supplywatch_trucks_stage_avg_7d Inbound trucks per day at each counting point, averaged over the reported days of the last 7.\n"
		  "# TYPE supplywatch_trucks_stage_avg_7d gauge\n");
	for (size_t i = 0; i < n; i++)
		for (int s = 0; s < STAGE_WAITING; s++) {
			if (!e[i].by_stage[s].has_avg)
				continue;
			sb_addstr(out, "supplywatch_trucks_stage_avg_7d{corridor=\"");
			esc_prom_label(out, e[i].data->c->id);
			sb_addf(out, "\",stage=\"%s\"} ", stage_names[s]);
			value(out, e[i].by_stage[s].avg_7d);
			sb_addch(out, '\n');
		}
	sb_addstr(out, "# HELP supplywatch_movements_30d Humanitarian movements planned in the last 30 days, by outcome.\n"
		  "# TYPE supplywatch_movements_30d gauge\n");
	for (size_t i = 0; i < n; i++)
		for (int o = 0; o < NOUTCOME; o++) {
			sb_addstr(out, "supplywatch_movements_30d{corridor=\"");
			esc_prom_label(out, e[i].data->c->id);
			sb_addf(out, "\",outcome=\"%s\"} %d\n", report_outcomes[o],
				e[i].movements.by_outcome_30d[o]);
		}
	/* Only the configured crossings: a reporter's free text never becomes a label. */
	sb_addstr(out, "# HELP supplywatch_crossing_status State of each configured crossing: 0 open, 1 restricted, 2 blocked, -1 unknown.\n"
		  "# TYPE supplywatch_crossing_status gauge\n");
	for (size_t i = 0; i < n; i++)
		for (size_t c = 0; c < e[i].data->c->ncrossings && c < e[i].ncrossings; c++) {
			sb_addstr(out, "supplywatch_crossing_status{corridor=\"");
			esc_prom_label(out, e[i].data->c->id);
			sb_addstr(out, "\",crossing=\"");
			esc_prom_label(out, e[i].data->c->crossings[c]);
			sb_addf(out, "\"} %d\n", e[i].crossings[c].state);
		}
}

void render_metric_gauges(struct strbuf *out, const struct corridor_eval *e, size_t n)
{
	for (size_t g = 0; g < sizeof(gauges) / sizeof(gauges[0]); g++) {
		sb_addf(out, "# HELP %s %s\n# TYPE %s gauge\n", gauges[g].name, gauges[g].help,
			gauges[g].name);
		for (size_t i = 0; i < n; i++) {
			sb_addf(out, "%s{corridor=\"", gauges[g].name);
			esc_prom_label(out, e[i].data->c->id);
			sb_addstr(out, "\"} ");
			value(out, gauges[g].fn(&e[i]));
			sb_addch(out, '\n');
		}
	}
	sb_addstr(out, "# HELP supplywatch_shortages Items in short supply, by worst current severity.\n"
		  "# TYPE supplywatch_shortages gauge\n");
	for (size_t i = 0; i < n; i++)
		for (int s = 1; s < NSEVERITIES; s++) {
			sb_addstr(out, "supplywatch_shortages{corridor=\"");
			esc_prom_label(out, e[i].data->c->id);
			sb_addf(out, "\",severity=\"%s\"} %d\n", report_severities[s], e[i].shortage_counts[s]);
		}
	label_families(out, e, n);
}
