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
};

static void value(struct strbuf *out, double v)
{
	if (isnan(v))
		sb_addstr(out, "NaN");
	else
		sb_addf(out, "%.17g", v);
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
}
