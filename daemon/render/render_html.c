/*
 * render_html: the status page, from evaluations.
 *
 * One self-contained HTML document: a single inline <style>, inline SVG
 * charts, no script and nothing fetched, so it works under the page's
 * Content-Security-Policy (default-src 'none'; style-src 'unsafe-inline';
 * img-src data:) and on a phone over a poor link.  Every status is written
 * in words beside its colour.  Every text that came from a report or the
 * configuration goes through esc_html.
 *
 * The page must stay well under 100 KB with ten corridors, so the charts
 * draw runs of days as one shape and bars as segments of one path rather
 * than an element per day, and long lists are cut on the home page.
 */
#include <ctype.h>
#include <string.h>

#include "render/render.h"
#include "util/escape.h"
#include "util/fmt.h"

#define CHART_DAYS 90
#define DAY_W 6			/* SVG units per day; integers keep the output short */
#define PLOT_TOP 20
#define PLOT_BOT 190		/* the zero axis */
#define PLOT_H (PLOT_BOT - PLOT_TOP)
#define BAR_H 16		/* height of a service availability bar */
#define LIST_MAX_HOME 5		/* items per list on the home page */
#define LIST_MAX_PAGE 200	/* and on a corridor's own page */

static const char style[] =
	"*{box-sizing:border-box}"
	"body{margin:0;font:1rem/1.5 system-ui,-apple-system,\"Segoe UI\",Roboto,sans-serif;"
	"color:#1a1a1a;background:#fff;overflow-wrap:anywhere}"
	"header,main,footer{max-width:48rem;margin:0 auto;padding:0 1rem}"
	"h1{font-size:1.5rem;margin:1rem 0 .25rem}"
	"h2{font-size:1.35rem;margin:0}h3{font-size:1.05rem;margin:1.25rem 0 .25rem}"
	"p,ul{margin:.25rem 0}ul{padding-left:1.25rem}"
	"a{color:#0b57a4}"
	"section{border-top:3px solid #ddd;padding:1rem 0 1.5rem}"
	".asof{color:#555;margin:0 0 .5rem}"
	".badge{display:inline-block;padding:0 .5rem;border-radius:.25rem;color:#fff;"
	"font-weight:700;letter-spacing:.04em}"
	".st{font-size:1.25rem}.st .badge{font-size:1.4rem;margin-right:.5rem}"
	".s-1{background:#5f6368}.s0{background:#1e7b34}.s1{background:#c2410c}.s2{background:#b3261e}"
	".v1{background:#5f6368}.v2{background:#8a6d00}.v3{background:#c2410c}.v4{background:#b3261e}"
	".big{font-size:1.2rem;font-weight:700}"
	".warn{background:#fff4ce;border-left:4px solid #8a6d00;padding:.25rem .5rem}"
	".alert{background:#b3261e;color:#fff;font-weight:700;padding:.75rem 1rem;margin:0;"
	"text-align:center}"
	"svg{display:block;width:100%;height:auto}"
	"figure{margin:.5rem 0}"
	".ax{display:flex;justify-content:space-between;font-size:.8rem;color:#555}"
	".lg{list-style:none;padding:0;font-size:.875rem;color:#333}"
	".k{display:inline-block;width:1.1em;height:.9em;margin-right:.4em;vertical-align:-.1em;"
	"border:1px solid #999}"
	".kb{background:#f4cccc}.kg{background:repeating-linear-gradient(45deg,#888 0 2px,#fff 2px 4px)}"
	".kt{height:.35em;background:#111;border:0}.kr{background:#2b5c8a;border:0}"
	".kl{height:0;border:0;border-top:2px dashed #333}"
	".ok{background:#1e7b34;border:0}.no{background:#b3261e;border:0}"
	".svc{margin:.5rem 0}.it{list-style:none;padding:0}.it li{margin:.35rem 0}"
	".bar{stroke:#2b5c8a;stroke-width:4}.z{stroke:#111;stroke-width:4}"
	".sh{fill:#f4cccc}.g{fill:url(#gap)}"
	"svg.defs{position:absolute;width:0;height:0}"
	".bl{stroke:#333;stroke-width:1.5;stroke-dasharray:6 4;fill:none}"
	".axl{stroke:#777;stroke-width:1}"
	".lbl{font-size:13px;fill:#222;paint-order:stroke;stroke:#fff;stroke-width:3px}"
	/* SVG text scales with the chart: keep the label legible on a phone. */
	"@media(max-width:30rem){.lbl{font-size:20px}}"
	/* stroke-width: BAR_H, the full height of a service bar */
	".up,.dn{stroke-width:16px;stroke-dasharray:5 1}.up{stroke:#1e7b34}.dn{stroke:#b3261e}"
	".tw{overflow-x:auto}table{border-collapse:collapse;font-size:.875rem;margin:.25rem 0;"
	"overflow-wrap:normal}th,td{padding:.2rem .4rem;border-bottom:1px solid #ddd;text-align:start;"
	"vertical-align:top}td .badge,.d{white-space:nowrap}td .badge{font-size:.8rem}"
	"td{font-variant-numeric:tabular-nums}.na{color:#666;font-style:italic}"
	"footer{color:#555;font-size:.875rem;padding-bottom:2rem}";

/* ---- small text helpers ---- */

static void add_date(struct strbuf *out, int64_t days)
{
	char d[11];

	fmt_date(days, d);
	sb_addstr(out, d);
}

static void add_utc(struct strbuf *out, int64_t t)
{
	char s[32];

	fmt_instant_utc(t, s);
	sb_addstr(out, s);
}

/* Status and service names are our own constants, never report text. */
static void add_upper(struct strbuf *out, const char *s)
{
	for (; *s; s++)
		sb_addch(out, (char)toupper((unsigned char)*s));
}

static void add_capitalised(struct strbuf *out, const char *s)
{
	sb_addch(out, (char)toupper((unsigned char)*s));
	sb_addstr(out, s + 1);
}

static const char *plural(int64_t n)
{
	return n == 1 ? "" : "s";
}

static const char *basis_phrase(int basis)
{
	switch (basis) {
	case BASIS_DECLARED: return "declared by access reports";
	case BASIS_FLOWS: return "from truck flows";
	default: return "no data";
	}
}

/* The input day for a date, or NULL when nobody reported anything for it. */
static const struct day *day_at(const struct corridor_eval *e, int64_t date)
{
	int64_t k;

	if (e->n == 0 || date < e->days[0].date)
		return NULL;
	k = date - e->days[0].date;
	if (k >= (int64_t)e->n || e->days[k].date != date)
		return NULL;
	return &e->days[k];
}

/* ---- document frame ---- */

static void page_head(struct strbuf *out, const struct sw_config *cfg,
		      const struct corridor_eval *e, size_t n, bool home)
{
	sb_addstr(out, "<!doctype html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
		  "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>");
	if (!home && n > 0) {
		esc_html(out, e[0].data->c->name);
		sb_addstr(out, " \xe2\x80\x94 ");
	}
	esc_html(out, cfg->title);
	sb_addf(out, "</title>\n<style>%s</style>\n</head>\n<body>\n", style);
	/* The hatching of unreported days, defined once for every chart on the page. */
	sb_addstr(out, "<svg class=\"defs\" aria-hidden=\"true\"><defs><pattern id=\"gap\" "
		  "width=\"4\" height=\"4\" patternUnits=\"userSpaceOnUse\" "
		  "patternTransform=\"rotate(45)\"><rect width=\"2\" height=\"4\" fill=\"#888\"/>"
		  "</pattern></defs></svg>\n");
}

static void page_header(struct strbuf *out, const struct sw_config *cfg, bool home, bool db_up)
{
	/* First in the document: a reader must not take old figures for new. */
	if (!db_up)
		sb_addstr(out, "<p class=\"alert\" role=\"alert\">The database is unreachable: "
			  "these figures are from the last successful update</p>\n");
	sb_addstr(out, "<header>\n<h1>");
	esc_html(out, cfg->title);
	sb_addstr(out, "</h1>\n");
	if (!home)
		sb_addstr(out, "<p><a href=\"/\">All corridors</a></p>\n");
	sb_addstr(out, "</header>\n");
}

static void page_footer(struct strbuf *out, int64_t generated_at)
{
	sb_addstr(out, "<footer>\n<p>Generated ");
	add_utc(out, generated_at);
	sb_addstr(out, ". Data: <a href=\"/api/v1/status\">status JSON</a> \xc2\xb7 "
		  "<a href=\"/feed.atom\">Atom feed of status changes</a></p>\n"
		  "</footer>\n</body>\n</html>\n");
}

/* ---- status, blockade, trucks ---- */

static void section_title(struct strbuf *out, const struct corridor_eval *e, bool home)
{
	const struct sw_corridor *c = e->data->c;

	sb_addstr(out, "<h2>");
	if (home) {
		sb_addstr(out, "<a href=\"/corridors/");
		esc_html(out, c->id);
		sb_addstr(out, "\">");
	}
	esc_html(out, c->name);
	sb_addstr(out, home ? "</a></h2>\n" : "</h2>\n");
	sb_addstr(out, "<p class=\"asof\">as of ");
	add_date(out, e->D);
	sb_addstr(out, "</p>\n");
}

static void status_line(struct strbuf *out, const struct corridor_eval *e)
{
	const struct day *d = &e->days[e->n - 1];

	sb_addf(out, "<p class=\"st\"><span class=\"badge s%d\">", d->status);
	add_upper(out, status_name(d->status));
	sb_addf(out, "</span> %s</p>\n", basis_phrase(d->basis));
	if (d->disagree)
		sb_addf(out, "<p class=\"warn\">Declared status and truck flows disagree: "
			"declared %s, flows %s.</p>\n",
			status_name(d->declared), status_name(d->flow));
}

static void blockade_lines(struct strbuf *out, const struct corridor_eval *e)
{
	const struct blockade_summary *b = &e->blockade;
	char since[11];

	if (b->active) {
		fmt_date(b->since, since);
		sb_addf(out, "<p class=\"big\">Day %lld of the blockade, since %s</p>\n",
			(long long)b->day_n, since);
	} else {
		sb_addstr(out, "<p class=\"big\">No blockade in effect</p>\n");
	}
	if (b->active || b->blocked_90d > 0)
		sb_addf(out, "<p>Blocked on %lld of the last 30 days and %lld of the last 90.</p>\n",
			(long long)b->blocked_30d, (long long)b->blocked_90d);
	if (b->longest_days > 0)
		sb_addf(out, "<p>Longest blockade: %lld day%s.</p>\n",
			(long long)b->longest_days, plural(b->longest_days));
}

/* "(single source)", "(2 sources, corroborated)", "(3 sources disagree: 80 to 120)". */
static void corroboration_note(struct strbuf *out, const struct corridor_eval *e, int sources,
			       int64_t min, int64_t max)
{
	switch (stage_corroboration(sources, min, max, e->data->c->corroboration_pct)) {
	case CORR_SINGLE:
		sb_addstr(out, " (single source)");
		break;
	case CORR_CORROBORATED:
		sb_addf(out, " (%d sources, corroborated)", sources);
		break;
	case CORR_DISAGREE:
		sb_addf(out, " (%d sources disagree: %lld to %lld)", sources, (long long)min,
			(long long)max);
		break;
	default:
		break;
	}
}

/* The headline's count of d, or "not reported". */
static void trucks_on(struct strbuf *out, const struct corridor_eval *e, int64_t date,
		      const struct day *d)
{
	sb_addstr(out, "<li>Trucks on ");
	add_date(out, date);
	/* A day nobody reported is unknown: saying 0 would invent a fact. */
	if (!d || !d->reported) {
		sb_addstr(out, ": <strong>not reported</strong></li>\n");
		return;
	}
	sb_addf(out, ": <strong>%lld</strong>", (long long)d->trucks);
	corroboration_note(out, e, d->sources, d->min, d->max);
	sb_addstr(out, "</li>\n");
}

static void trucks_average(struct strbuf *out, const struct corridor_eval *e)
{
	const struct trucks_summary *t = &e->trucks;
	long long base = (long long)e->data->c->baseline_trucks_per_day;

	if (!t->has_avg) {
		sb_addf(out, "<li>7-day average: no day reported in the last 7 "
			"(pre-blockade baseline %lld trucks/day)</li>\n", base);
		return;
	}
	sb_addf(out, "<li>7-day average: <strong>%.1f</strong> (over %d reported day%s), "
		"<strong>%.1f%%</strong> of the pre-blockade baseline of %lld trucks/day</li>\n",
		fmt_round1(t->avg_7d), t->days_reported_7d, plural(t->days_reported_7d),
		fmt_round1(t->pct_of_baseline), base);
}

static void trucks_tonnes_deficit(struct strbuf *out, const struct corridor_eval *e)
{
	const struct trucks_summary *t = &e->trucks;

	if (t->has_tonnes_avg)
		sb_addf(out, "<li>Tonnes, 7-day average: %.1f, %.1f%% of the baseline of "
			"%.1f t/day</li>\n", fmt_round1(t->tonnes_avg_7d), fmt_round1(t->tonnes_pct),
			fmt_round1(e->data->c->baseline_tonnes_per_day));
	if (t->has_deficit)
		sb_addf(out, "<li>Deficit since the blockade began: <strong>%lld trucks</strong> "
			"(%lld day%s not reported)</li>\n", (long long)t->deficit,
			(long long)t->unreported_in_blockade, plural(t->unreported_in_blockade));
}

/* A breakdown of the last 7 days: "Hakari bridge 35 (5 days) · ...". */
static void split_line(struct strbuf *out, const char *what, const struct split_total *t, size_t n,
		       const char *const *names)
{
	if (n == 0)
		return;
	sb_addf(out, "<li>Last 7 days by %s: ", what);
	for (size_t i = 0; i < n; i++) {
		sb_addstr(out, i ? " \xc2\xb7 " : "");
		esc_html(out, names[t[i].key]);
		sb_addf(out, " <strong>%lld</strong> (%d day%s)", (long long)t[i].trucks, t[i].days,
			plural(t[i].days));
	}
	sb_addstr(out, "</li>\n");
}

/* Where the headline is counted, the last delivery, the stock waiting, the breakdowns. */
static void trucks_stage_two(struct strbuf *out, const struct corridor_eval *e)
{
	const struct stage_summary *w = &e->by_stage[STAGE_WAITING];

	sb_addf(out, "<li>Counting point: %s</li>\n", stage_labels[e->data->c->headline_stage]);
	if (e->has_since_delivery)
		sb_addf(out, "<li>Days since trucks last got through: <strong>%lld</strong></li>\n",
			(long long)e->days_since_delivery);
	else
		sb_addstr(out, "<li>Days since trucks last got through: none reported yet</li>\n");
	if (w->has_last) {
		sb_addf(out, "<li>Waiting at the crossing: <strong>%lld truck%s</strong> (seen ",
			(long long)w->last_trucks, plural(w->last_trucks));
		add_date(out, w->last_date);
		sb_addstr(out, ")</li>\n");
	}
	split_line(out, "crossing", e->by_crossing, e->nby_crossing, e->data->crossing_names);
	split_line(out, "cargo", e->by_cargo, e->nby_cargo, report_cargos);
}

static void trucks_block(struct strbuf *out, const struct corridor_eval *e)
{
	const struct day *prev = e->n >= 2 ? &e->days[e->n - 2] : NULL;

	sb_addstr(out, "<h3>Inbound trucks</h3>\n<ul>\n");
	trucks_on(out, e, e->D, &e->days[e->n - 1]);
	trucks_on(out, e, e->D - 1, prev && prev->date == e->D - 1 ? prev : NULL);
	trucks_average(out, e);
	trucks_tonnes_deficit(out, e);
	trucks_stage_two(out, e);
	sb_addstr(out, "</ul>\n");
}

/* ---- the 90-day truck chart ---- */

struct chart {
	const struct corridor_eval *e;
	int64_t first;		/* date of the leftmost day */
	int64_t scale;		/* trucks at the top of the plot */
};

static bool shaded(const struct day *d)
{
	return d && d->in_blockade;
}

static bool unreported(const struct day *d)
{
	return !d || !d->reported;
}

/* One closed subpath per run of days matching pred: a handful of shapes, not 90. */
static void chart_runs(struct strbuf *out, const struct chart *ch,
		       bool (*pred)(const struct day *), const char *cls)
{
	int i = 0;

	sb_addf(out, "<path class=\"%s\" d=\"", cls);
	while (i < CHART_DAYS) {
		int j = i;

		while (j < CHART_DAYS && pred(day_at(ch->e, ch->first + j)))
			j++;
		if (j > i)
			sb_addf(out, "M%d %dh%dv%dh-%dz", i * DAY_W, PLOT_TOP, (j - i) * DAY_W,
				PLOT_H, (j - i) * DAY_W);
		i = j + 1;
	}
	sb_addstr(out, "\"/>");
}

static int chart_y(const struct chart *ch, int64_t v)
{
	return PLOT_BOT - (int)((double)v * PLOT_H / (double)ch->scale + 0.5);
}

/* Bars go up from the axis; a reported zero hangs below it, so it is never
 * mistaken for a gap (hatched) or a tiny count (a short bar). */
static void chart_bars(struct strbuf *out, const struct chart *ch)
{
	struct strbuf zeros = STRBUF_INIT;

	sb_addstr(out, "<path class=\"bar\" d=\"");
	for (int i = 0; i < CHART_DAYS; i++) {
		const struct day *d = day_at(ch->e, ch->first + i);
		int x = i * DAY_W + DAY_W / 2, y;

		if (!d || !d->reported)
			continue;
		if (d->trucks == 0) {
			sb_addf(&zeros, "M%d %dv8", x, PLOT_BOT);
			continue;
		}
		y = chart_y(ch, d->trucks);
		sb_addf(out, "M%d %dV%d", x, PLOT_BOT, y < PLOT_BOT - 2 ? y : PLOT_BOT - 2);
	}
	sb_addf(out, "\"/><path class=\"z\" d=\"%s\"/>", zeros.buf);
	sb_release(&zeros);
}

static void chart_baseline(struct strbuf *out, const struct chart *ch)
{
	int64_t base = ch->e->data->c->baseline_trucks_per_day;
	int y = chart_y(ch, base);

	sb_addf(out, "<line class=\"axl\" x1=\"0\" y1=\"%d.5\" x2=\"%d\" y2=\"%d.5\"/>",
		PLOT_BOT, CHART_DAYS * DAY_W, PLOT_BOT);
	sb_addf(out, "<path class=\"bl\" d=\"M0 %dH%d\"/>", y, CHART_DAYS * DAY_W);
	/* At the right, where a blockade's low bars leave it room. */
	sb_addf(out, "<text class=\"lbl\" x=\"%d\" y=\"%d\" text-anchor=\"end\">baseline "
		"%lld/day</text>", CHART_DAYS * DAY_W - 4, y - 5, (long long)base);
}

static void chart_counts(const struct chart *ch, int *reported, int *blockade, int64_t *top)
{
	*reported = *blockade = 0;
	*top = 0;
	for (int i = 0; i < CHART_DAYS; i++) {
		const struct day *d = day_at(ch->e, ch->first + i);

		*reported += !unreported(d);
		*blockade += shaded(d);
		if (d && d->reported && d->trucks > *top)
			*top = d->trucks;
	}
}

static void chart_open(struct strbuf *out, const struct chart *ch, int reported, int blockade)
{
	struct strbuf label = STRBUF_INIT;
	char from[11], to[11];

	fmt_date(ch->first, from);
	fmt_date(ch->e->D, to);
	sb_addf(&label, "Inbound trucks per day from %s to %s: %d of %d days reported, "
		"%d in a blockade; baseline %lld per day", from, to, reported, CHART_DAYS,
		blockade, (long long)ch->e->data->c->baseline_trucks_per_day);
	sb_addf(out, "<svg viewBox=\"0 0 %d %d\" role=\"img\" aria-label=\"%s\"><title>%s</title>",
		CHART_DAYS * DAY_W, PLOT_BOT + 10, label.buf, label.buf);
	sb_release(&label);
}

static void chart_legend(struct strbuf *out, const struct chart *ch)
{
	sb_addstr(out, "<div class=\"ax\"><span>");
	add_date(out, ch->first);
	sb_addstr(out, "</span><span>");
	add_date(out, ch->e->D);
	sb_addf(out, "</span></div>\n<ul class=\"lg\">"
		"<li><span class=\"k kr\"></span>Bar: inbound trucks that day</li>"
		"<li><span class=\"k kt\"></span>Black tick below the axis: 0 trucks reported</li>"
		"<li><span class=\"k kg\"></span>Hatched grey: no report (unknown, not zero)</li>"
		"<li><span class=\"k kb\"></span>Light red background: blockade in effect</li>"
		"<li><span class=\"k kl\"></span>Dashed line: pre-blockade baseline, "
		"%lld trucks/day</li></ul>\n",
		(long long)ch->e->data->c->baseline_trucks_per_day);
}

static void truck_chart(struct strbuf *out, const struct corridor_eval *e)
{
	struct chart ch = { e, e->D - (CHART_DAYS - 1), 1 };
	int64_t base = e->data->c->baseline_trucks_per_day, top;
	int reported, blockade;

	/* The baseline always fits, so a blockade's collapse shows against it. */
	chart_counts(&ch, &reported, &blockade, &top);
	ch.scale = top > base ? top : base;
	if (ch.scale < 1)
		ch.scale = 1;
	sb_addstr(out, "<figure>\n");
	chart_open(out, &ch, reported, blockade);
	chart_runs(out, &ch, shaded, "sh");
	chart_runs(out, &ch, unreported, "g");
	chart_bars(out, &ch);
	chart_baseline(out, &ch);
	sb_addstr(out, "</svg>\n");
	chart_legend(out, &ch);
	sb_addstr(out, "</figure>\n");
}

/* ---- services ---- */

static bool disrupted_on(const struct corridor_eval *e, int service, int64_t x)
{
	const struct corridor_data *d = e->data;

	for (size_t i = 0; i < d->ndis; i++)
		if (d->dis[i].service == service && d->dis[i].start_day <= x &&
		    (!d->dis[i].ended || d->dis[i].end_day >= x))
			return true;
	return false;
}

/*
 * Green under the whole bar, red over each disrupted run: a few segments
 * rather than 90 cells; the dash pattern splits them into day cells.
 */
static void service_runs(struct strbuf *out, const bool *down)
{
	int i = 0;

	sb_addf(out, "<path class=\"up\" d=\"M0 %dh%d\"/><path class=\"dn\" d=\"",
		BAR_H / 2, CHART_DAYS * DAY_W);
	while (i < CHART_DAYS) {
		int j = i;

		while (j < CHART_DAYS && down[j])
			j++;
		if (j > i)
			sb_addf(out, "M%d %dh%d", i * DAY_W, BAR_H / 2, (j - i) * DAY_W);
		i = j + 1;
	}
	sb_addstr(out, "\"/>");
}

static void service_bar(struct strbuf *out, const struct corridor_eval *e, int s,
			const bool *down, int n90)
{
	sb_addstr(out, "<div class=\"svc\"><p><strong>");
	add_capitalised(out, report_services[s]);
	sb_addf(out, "</strong>: %d of the last 30 days disrupted (%d of 90)</p>\n",
		e->service_days_30d[s], n90);
	sb_addf(out, "<svg viewBox=\"0 0 %d %d\" role=\"img\" aria-label=\"%s: disrupted on %d "
		"of the last 90 days\">", CHART_DAYS * DAY_W, BAR_H, report_services[s], n90);
	service_runs(out, down);
	sb_addstr(out, "</svg></div>\n");
}

static bool service_ongoing(const struct corridor_eval *e, int s)
{
	for (size_t i = 0; i < e->nongoing; i++)
		if (strcmp(e->ongoing[i].service_name, report_services[s]) == 0)
			return true;
	return false;
}

static int services_block(struct strbuf *out, const struct corridor_eval *e)
{
	int shown = 0;

	for (int s = 0; s < NSERVICES; s++) {
		bool down[CHART_DAYS];
		int n90 = 0;

		for (int i = 0; i < CHART_DAYS; i++)
			n90 += down[i] = disrupted_on(e, s, e->D - (CHART_DAYS - 1) + i);
		if (n90 == 0 && !service_ongoing(e, s))
			continue;
		if (shown++ == 0)
			sb_addstr(out, "<h3>Services, last 90 days</h3>\n");
		service_bar(out, e, s, down, n90);
	}
	if (shown)
		sb_addstr(out, "<ul class=\"lg\"><li><span class=\"k ok\"></span>Green: no disruption "
			  "reported</li><li><span class=\"k no\"></span>Red: disrupted</li></ul>\n");
	return shown;
}

/* ---- lists ---- */

static void list_more(struct strbuf *out, const struct corridor_eval *e, size_t total,
		      size_t shown, bool home)
{
	if (total <= shown)
		return;
	sb_addf(out, "<li>and %zu more: ", total - shown);
	if (home) {
		sb_addstr(out, "<a href=\"/corridors/");
		esc_html(out, e->data->c->id);
		sb_addstr(out, "\">see the corridor page</a></li>\n");
	} else {
		sb_addstr(out, "<a href=\"/api/v1/status\">see the status JSON</a></li>\n");
	}
}

/* 120000 -> "120,000": people counts read at a glance. */
static void add_thousands(struct strbuf *out, int64_t n)
{
	char digits[24];
	int len = snprintf(digits, sizeof(digits), "%lld", (long long)n);

	for (int i = 0; i < len; i++) {
		if (i && digits[i - 1] != '-' && (len - i) % 3 == 0)
			sb_addch(out, ',');
		sb_addch(out, digits[i]);
	}
}

static void ongoing_item(struct strbuf *out, const struct ongoing *o)
{
	char since[32];

	fmt_instant_local(o->since, o->since_offset, since);
	sb_addstr(out, "<li><strong>");
	add_capitalised(out, o->service_name);
	sb_addstr(out, "</strong>");
	if (o->location[0]) {
		sb_addstr(out, " in ");
		esc_html(out, o->location);
	}
	/* "2023-01-03T08:00:00+04:00" reads as "2023-01-03 08:00 (UTC+04:00)". */
	sb_addf(out, ", since %.10s %.5s (UTC%s): <strong>%lld day%s</strong>", since, since + 11,
		since + 19, (long long)o->days, plural(o->days));
	if (o->people >= 0) {
		sb_addstr(out, "; ");
		add_thousands(out, o->people);
		sb_addstr(out, " people affected");
	}
	sb_addstr(out, "</li>\n");
}

static void ongoing_block(struct strbuf *out, const struct corridor_eval *e, size_t max, bool home)
{
	size_t i;

	sb_addstr(out, "<h3>Ongoing disruptions</h3>\n");
	if (e->nongoing == 0) {
		sb_addstr(out, "<p>None reported.</p>\n");
		return;
	}
	sb_addstr(out, "<ul>\n");
	for (i = 0; i < e->nongoing && i < max; i++)
		ongoing_item(out, &e->ongoing[i]);
	list_more(out, e, e->nongoing, i, home);
	sb_addstr(out, "</ul>\n");
}

static void severity_badge(struct strbuf *out, int severity)
{
	sb_addf(out, "<span class=\"badge v%d\">", severity);
	add_upper(out, report_severities[severity]);
	sb_addstr(out, "</span> ");
}

static void shortage_item(struct strbuf *out, const struct shortage_state *s)
{
	sb_addstr(out, "<li>");
	severity_badge(out, s->severity);
	sb_addstr(out, "<strong>");
	esc_html(out, s->item);
	sb_addstr(out, "</strong>");
	if (s->location[0]) {
		sb_addstr(out, ", ");
		esc_html(out, s->location);
	}
	sb_addf(out, ": for %lld day%s since ", (long long)s->days, plural(s->days));
	add_date(out, s->since);
	sb_addstr(out, "</li>\n");
}

static void shortages_block(struct strbuf *out, const struct corridor_eval *e, size_t max,
			    bool home)
{
	const int *k = e->shortage_counts;
	size_t i;

	sb_addf(out, "<h3>Shortages</h3>\n<p>Critical: %d \xc2\xb7 Severe: %d \xc2\xb7 "
		"Moderate: %d \xc2\xb7 Low: %d</p>\n", k[4], k[3], k[2], k[1]);
	if (e->nshortages == 0)
		return;
	sb_addstr(out, "<ul class=\"it\">\n");
	for (i = 0; i < e->nshortages && i < max; i++)
		shortage_item(out, &e->shortages[i]);
	list_more(out, e, e->nshortages, i, home);
	sb_addstr(out, "</ul>\n");
}

/* ---- freshness and links ---- */

/* Publishing after review: what the figures leave out, so nobody mistakes it for all there is. */
static void review_block(struct strbuf *out, const struct corridor_data *d)
{
	if (d->c->publish != PUBLISH_AFTER_REVIEW)
		return;
	sb_addf(out, "<p>These figures count only reports a reviewer has published. "
		"<strong>%lld</strong> report%s await%s review", (long long)d->awaiting_review,
		plural(d->awaiting_review), d->awaiting_review == 1 ? "s" : "");
	if (d->has_issues > 0)
		sb_addf(out, "; %lld %s issues a reviewer raised", (long long)d->has_issues,
			d->has_issues == 1 ? "has" : "have");
	sb_addstr(out, ".</p>\n");
}

static void freshness_block(struct strbuf *out, const struct sw_config *cfg,
			    const struct corridor_eval *e)
{
	sb_addstr(out, "<h3>Data</h3>\n<p>");
	if (e->fresh.last_report_at > 0) {
		sb_addstr(out, "Last report received ");
		add_utc(out, e->fresh.last_report_at);
	} else {
		sb_addstr(out, "No reports yet");
	}
	if (e->stale)
		sb_addf(out, " <span class=\"badge s2\">STALE</span> nothing received for more "
			"than %lld hours", (long long)cfg->stale_after_hours);
	sb_addf(out, "</p>\n<p>%d reporting organisation%s in the last 30 days</p>\n",
		e->fresh.organisations_30d, plural(e->fresh.organisations_30d));
	review_block(out, e->data);
}

static void links_block(struct strbuf *out, const struct corridor_eval *e)
{
	const char *id = e->data->c->id;

	sb_addstr(out, "<p>Download: <a href=\"/api/v1/status\">status JSON</a> \xc2\xb7 "
		  "<a href=\"/api/v1/corridors/");
	esc_html(out, id);
	sb_addstr(out, "/daily\">daily series JSON</a> \xc2\xb7 <a href=\"/api/v1/corridors/");
	esc_html(out, id);
	sb_addstr(out, "/daily.csv\">daily series CSV</a> \xc2\xb7 "
		  "<a href=\"/feed.atom\">Atom feed</a></p>\n");
}

/* ---- stage two: counting points side by side, sources, crossings, movements ---- */

#define SIDE_DAYS 14

/* Flow stages with a report in the 14 days to D, the headline first; returns how many. */
static int side_stages(const struct corridor_eval *e, int *out)
{
	const struct corridor_data *d = e->data;
	int n = 0;

	out[n++] = d->c->headline_stage;
	for (int s = 0; s < STAGE_WAITING; s++) {
		const struct stage_summary *x = &e->by_stage[s];

		if (s != d->c->headline_stage && x->has_last && x->last_date > e->D - SIDE_DAYS)
			out[n++] = s;
	}
	return n;
}

static void side_cell(struct strbuf *out, const struct corridor_eval *e, int stage, int64_t date,
		      const struct stage_day *h)
{
	const struct stage_day *x = stage_find(e->data->stages[stage], e->data->nstages[stage], date);

	if (!x) {
		sb_addstr(out, "<td class=\"na\">not reported</td>");
		return;
	}
	sb_addf(out, "<td>%lld", (long long)x->trucks);
	if (h && x != h && h->trucks > 0)
		sb_addf(out, " <small>(%.2f)</small>", (double)x->trucks / (double)h->trucks);
	sb_addf(out, "<br><small>%s</small></td>", corroboration_names[
		stage_corroboration(x->sources, x->min, x->max, e->data->c->corroboration_pct)]);
}

/*
 * "Counted at the crossing 231, collected 190 (0.82)": each counting point's
 * own series for the last 14 days, the ratio to the headline beside it.
 */
static void side_by_side(struct strbuf *out, const struct corridor_eval *e)
{
	const struct corridor_data *d = e->data;
	int st[NSTAGES], n = side_stages(e, st);

	if (n < 2)
		return;
	sb_addf(out, "<h3>Counting points, last %d days</h3>\n<p>Each point is counted and "
		"reconciled on its own; in brackets, its ratio to the headline (%s).</p>\n"
		"<div class=\"tw\"><table>\n<thead><tr><th scope=\"col\">Date</th>",
		SIDE_DAYS, stage_labels[d->c->headline_stage]);
	for (int i = 0; i < n; i++) {
		sb_addstr(out, "<th scope=\"col\">");
		add_capitalised(out, stage_labels[st[i]]);
		sb_addstr(out, "</th>");
	}
	sb_addstr(out, "</tr></thead>\n<tbody>\n");
	for (int64_t x = e->D; x > e->D - SIDE_DAYS; x--) {
		const struct stage_day *h = stage_find(d->stages[st[0]], d->nstages[st[0]], x);

		sb_addstr(out, "<tr><th scope=\"row\" class=\"d\">");
		add_date(out, x);
		sb_addstr(out, "</th>");
		for (int i = 0; i < n; i++)
			side_cell(out, e, st[i], x, h);
		sb_addstr(out, "</tr>\n");
	}
	sb_addstr(out, "</tbody></table></div>\n");
}

/* The stages one organisation reported at by D, as "crossed, collected". */
static void org_stages(struct strbuf *out, const struct corridor_data *d, size_t from, size_t to,
		       int64_t D)
{
	int last = -1;
	bool first = true;

	for (size_t i = from; i < to; i++) {
		if (d->org_days[i].stage == last || d->org_days[i].date > D)
			continue;
		last = d->org_days[i].stage;
		sb_addstr(out, first ? "" : ", ");
		sb_addstr(out, stage_labels[last]);
		first = false;
	}
}

static bool any_source_by(const struct corridor_data *d, int64_t D)
{
	for (size_t i = 0; i < d->norg_days; i++)
		if (d->org_days[i].date <= D)
			return true;
	return false;
}

/* Who counted what, and how they say they count it. */
static void sources_block(struct strbuf *out, const struct corridor_eval *e)
{
	const struct corridor_data *d = e->data;

	if (!any_source_by(d, e->D))
		return;
	sb_addstr(out, "<h3>Sources and methods</h3>\n<ul class=\"it\">\n");
	for (size_t i = 0; i < d->norg_days;) {
		const struct source_org *o = eval_org(d, d->org_days[i].org);
		size_t j = i;

		bool by_d = false;

		for (; j < d->norg_days && d->org_days[j].org == d->org_days[i].org; j++)
			by_d = by_d || d->org_days[j].date <= e->D;
		/* As of D: an organisation that had not reported yet is not a source yet. */
		if (!by_d) {
			i = j;
			continue;
		}
		sb_addstr(out, "<li><strong>");
		esc_html(out, o ? o->name : "unknown organisation");
		sb_addstr(out, "</strong> (");
		org_stages(out, d, i, j, e->D);
		sb_addstr(out, ")");
		if (o && *o->method) {
			sb_addstr(out, ": ");
			esc_html(out, o->method);
		} else {
			sb_addstr(out, ": no method described yet");
		}
		if (o && *o->url) {
			sb_addstr(out, " <a href=\"");
			esc_html(out, o->url);
			sb_addstr(out, "\" rel=\"nofollow noopener\">method</a>");
		}
		sb_addstr(out, "</li>\n");
		i = j;
	}
	sb_addf(out, "</ul>\n<p><a href=\"/api/v1/corridors/");
	esc_html(out, d->c->id);
	sb_addstr(out, "/sources\">Each source's figures (JSON)</a></p>\n");
}

static void crossings_block(struct strbuf *out, const struct corridor_eval *e)
{
	bool any = false;

	for (size_t i = 0; i < e->ncrossings; i++) {
		const struct crossing_state *c = &e->crossings[i];
		char since[32];

		if (c->state == ST_UNKNOWN && i >= e->data->c->ncrossings)
			continue;
		if (!any)
			sb_addstr(out, "<h3>Crossings</h3>\n<div class=\"tw\"><table>\n<thead><tr>"
				  "<th scope=\"col\">Crossing</th><th scope=\"col\">State</th>"
				  "<th scope=\"col\">Open days, last 30</th>"
				  "<th scope=\"col\">Closures, last 30</th></tr></thead>\n<tbody>\n");
		any = true;
		sb_addstr(out, "<tr><th scope=\"row\">");
		esc_html(out, e->data->crossing_names[i]);
		sb_addf(out, "</th><td><span class=\"badge s%d\">", c->state);
		add_upper(out, status_name(c->state));
		sb_addstr(out, "</span><br><small>");
		if (c->since) {
			fmt_instant_local(c->since, c->since_offset, since);
			sb_addf(out, "since %.10s %.5s", since, since + 11);
		} else {
			sb_addstr(out, "no report");
		}
		sb_addf(out, "</small></td><td>%d</td><td>%d</td></tr>\n", c->open_days_30d, c->closures_30d);
	}
	if (any)
		sb_addstr(out, "</tbody></table></div>\n");
}

static const char *const outcome_labels[NOUTCOME] = {
	"facilitated", "partially facilitated", "impeded", "denied", "postponed"
};

static void movement_item(struct strbuf *out, const struct movement *m)
{
	sb_addstr(out, "<li>");
	add_date(out, m->planned);
	sb_addstr(out, ": <strong>");
	add_capitalised(out, outcome_labels[m->outcome]);
	sb_addstr(out, "</strong>");
	if (*m->purpose)
		sb_addf(out, ", %s", m->purpose);
	if (*m->from || *m->to) {
		sb_addstr(out, ", ");
		esc_html(out, *m->from ? m->from : "?");
		sb_addstr(out, " \xe2\x86\x92 ");
		esc_html(out, *m->to ? m->to : "?");
	}
	if (*m->crossing) {
		sb_addstr(out, " via ");
		esc_html(out, m->crossing);
	}
	if (m->has_delay)
		sb_addf(out, ", delayed %.1f h", fmt_round1(m->delay_hours));
	sb_addstr(out, "</li>\n");
}

/* Movements over 30 days: counted by outcome; those past the embargo listed. */
static void movements_block(struct strbuf *out, const struct sw_config *cfg,
			    const struct corridor_eval *e, bool home)
{
	const struct movement_summary *m = &e->movements;
	bool first = true;

	if (m->total_30d == 0)
		return;
	sb_addf(out, "<h3>Humanitarian movements, last 30 days</h3>\n<p>%d planned: ", m->total_30d);
	for (int o = 0; o < NOUTCOME; o++) {
		if (!m->by_outcome_30d[o])
			continue;
		sb_addf(out, "%s%s %d", first ? "" : " \xc2\xb7 ", outcome_labels[o], m->by_outcome_30d[o]);
		first = false;
	}
	sb_addf(out, ". <strong>%.1f%%</strong> denied or impeded.</p>\n", fmt_round1(m->denied_or_impeded_pct));
	if (m->embargoed_30d)
		sb_addf(out, "<p>%d recent movement%s counted but not listed: places and dates are "
			"published %lld hours after the planned day.</p>\n", m->embargoed_30d,
			plural(m->embargoed_30d), (long long)cfg->embargo_hours);
	if (home || m->nlisted == 0)
		return;
	sb_addstr(out, "<ul class=\"it\">\n");
	for (size_t i = 0; i < m->nlisted; i++)
		movement_item(out, m->listed[i]);
	sb_addstr(out, "</ul>\n");
}

static void corridor_section(struct strbuf *out, const struct sw_config *cfg,
			     const struct corridor_eval *e, bool home)
{
	size_t max = home ? LIST_MAX_HOME : LIST_MAX_PAGE;

	sb_addstr(out, "<section>\n");
	section_title(out, e, home);
	status_line(out, e);
	blockade_lines(out, e);
	trucks_block(out, e);
	truck_chart(out, e);
	if (!home)
		side_by_side(out, e);
	crossings_block(out, e);
	movements_block(out, cfg, e, home);
	ongoing_block(out, e, max, home);
	services_block(out, e);
	shortages_block(out, e, max, home);
	freshness_block(out, cfg, e);
	if (!home)
		sources_block(out, e);
	links_block(out, e);
	sb_addstr(out, "</section>\n");
}

void render_html(struct strbuf *out, const struct sw_config *cfg, const struct corridor_eval *e,
		 size_t n, bool home, int64_t generated_at, bool db_up)
{
	size_t count = home ? n : (n > 0);

	page_head(out, cfg, e, n, home);
	page_header(out, cfg, home, db_up);
	sb_addstr(out, "<main>\n");
	if (count == 0)
		sb_addstr(out, "<p>No corridors are configured.</p>\n");
	for (size_t i = 0; i < count; i++)
		corridor_section(out, cfg, &e[i], home);
	sb_addstr(out, "</main>\n");
	page_footer(out, generated_at);
}
