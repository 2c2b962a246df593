/*
 * render_html: the status page, from evaluations.
 *
 * One self-contained HTML document: a single inline <style>, inline SVG
 * charts, no script and nothing fetched, so it works under the page's
 * Content-Security-Policy (default-src 'none'; style-src 'unsafe-inline';
 * img-src data:) and on a phone over a poor link.  Every status is written
 * in words beside its colour.  Every text that came from a report or the
 * configuration goes through esc_html, inside <bdi> so a name in one
 * script reads right in a sentence of another.
 *
 * Each page is written in one language (util/i18n.h): every message is
 * one whole sentence of the catalogue with its numbers and dates written
 * the language's way; right-to-left languages get dir="rtl", and the
 * style uses logical properties (margin-inline-end, not margin-right) so
 * the layout mirrors.  The charts are drawn left to right in every
 * language, as time axes are in Arabic and Hebrew news graphics too.
 *
 * The page must stay well under 100 KB with ten corridors, so the charts
 * draw runs of days as one shape and bars as segments of one path rather
 * than an element per day, and long lists are cut on the home page.  Only
 * a corridor's own page says its chart in words (<desc>, a folded table of
 * the last 14 days) and, when flows are tiny against the baseline, draws
 * the same days again to their own scale.
 */
#include <stdio.h>
#include <string.h>

#include "render/event_text.h"
#include "render/labels.h"
#include "render/render.h"
#include "util/escape.h"
#include "util/fmt.h"
#include "util/valid.h"

#define CHART_DAYS 90
#define DAY_W 6			/* SVG units per day; integers keep the output short */
#define PLOT_TOP 20
#define PLOT_BOT 190		/* the zero axis */
#define PLOT_H (PLOT_BOT - PLOT_TOP)
#define BAR_H 16		/* height of a service availability bar */
#define LIST_MAX_HOME 5		/* items per list on the home page */
#define LIST_MAX_PAGE 200	/* and on a corridor's own page */

/* What every part of one page needs to know. */
struct page {
	const struct sw_config *cfg;
	const struct lang *L;
	const struct corridor_eval *e;
	size_t n;
	bool home;
	int64_t generated_at;
	bool db_up;
	const struct timeline *tl;		/* a corridor's page: its timeline */
	const struct tl_cursor *before;		/* and where its page of it begins (NULL: the newest) */
};

static const char style[] =
	"*{box-sizing:border-box}"
	"body{margin:0;font:1rem/1.5 system-ui,-apple-system,\"Segoe UI\",Roboto,sans-serif;"
	"color:#1a1a1a;background:#fff;overflow-wrap:anywhere}"
	"header,main,footer{max-width:48rem;margin:0 auto;padding:0 1rem}"
	"h1{font-size:1.5rem;margin:1rem 0 .25rem}"
	"h2{font-size:1.35rem;margin:0}h3{font-size:1.05rem;margin:1.25rem 0 .25rem}"
	"p,ul{margin:.25rem 0}ul{padding-inline-start:1.25rem}"
	"a{color:#0b57a4}"
	"section{border-top:3px solid #ddd;padding:1rem 0 1.5rem}"
	".asof{color:#555;margin:0 0 .5rem}"
	".badge{display:inline-block;padding:0 .5rem;border-radius:.25rem;color:#fff;"
	"font-weight:700;letter-spacing:.04em}"
	".st{font-size:1.25rem}.st .badge{font-size:1.4rem;margin-inline-end:.5rem}"
	".s-1{background:#5f6368}.s0{background:#1e7b34}.s1{background:#c2410c}.s2{background:#b3261e}"
	".v1{background:#5f6368}.v2{background:#8a6d00}.v3{background:#c2410c}.v4{background:#b3261e}"
	".big{font-size:1.2rem;font-weight:700}"
	".warn{background:#fff4ce;border-inline-start:4px solid #8a6d00;padding:.25rem .5rem}"
	".alert{background:#b3261e;color:#fff;font-weight:700;padding:.75rem 1rem;margin:0;"
	"text-align:center}"
	"svg{display:block;width:100%;height:auto;direction:ltr}"
	"figure{margin:.5rem 0}"
	".ax{display:flex;justify-content:space-between;font-size:.8rem;color:#555;direction:ltr}"
	".lg{list-style:none;padding:0;font-size:.875rem;color:#333}"
	".k{display:inline-block;width:1.1em;height:.9em;margin-inline-end:.4em;vertical-align:-.1em;"
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
	"footer{color:#555;font-size:.875rem;padding-bottom:2rem}"
	".langs ul{list-style:none;padding:0;margin:.5rem 0 0;display:flex;flex-wrap:wrap;gap:.25rem 1rem}"
	".langs a,.langs strong{display:inline-block;padding:.25rem 0}";

/* ---- small text helpers ---- */

/* A number in bold, as an argument of a message. */
#define BOLD(s) bold((s), (char[ESC_ARG_LEN + 20]){ 0 })

static const char *bold(const char *s, char *out)
{
	snprintf(out, ESC_ARG_LEN + 20, "<strong>%s</strong>", s);
	return out;
}

/* A message with our own text escaped and its arguments as built. */
#define T(...) tr_add(out, esc_html, __VA_ARGS__)
/* The same into another buffer. */
#define T2(sb, ...) tr_add((sb), esc_html, __VA_ARGS__)

/* Text that came from a report or the configuration, isolated for the bidi algorithm. */
static void add_bdi(struct strbuf *out, const char *s)
{
	sb_addstr(out, "<bdi>");
	esc_html(out, s);
	sb_addstr(out, "</bdi>");
}

/* The same as an argument of a message; t is the caller's, released by it. */
static const char *bdi(struct strbuf *t, const char *s)
{
	sb_reset(t);
	add_bdi(t, s);
	return t->buf;
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

static const char *basis_phrase(const struct lang *L, int basis)
{
	switch (basis) {
	case BASIS_DECLARED: return tr(L, "declared by access reports");
	case BASIS_FLOWS: return tr(L, "from truck flows");
	default: return tr(L, "no data");
	}
}

/* ---- document frame ---- */

/* The page's own address in language code: "/?lang=ar", "/corridors/lachin?lang=ar". */
static void page_url(struct strbuf *out, const struct page *pg, const char *code)
{
	if (pg->home) {
		sb_addstr(out, "/");
	} else {
		sb_addstr(out, "/corridors/");
		esc_html(out, pg->e[0].data->c->id);
	}
	if (code) {
		sb_addstr(out, "?lang=");
		esc_html(out, code);
	}
}

static void page_head(struct strbuf *out, const struct page *pg)
{
	const struct lang *L = pg->L;

	sb_addstr(out, "<!doctype html>\n<html lang=\"");
	esc_html(out, L->code);
	sb_addf(out, "\" dir=\"%s\">\n<head>\n<meta charset=\"utf-8\">\n"
		"<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>",
		L->rtl ? "rtl" : "ltr");
	if (!pg->home && pg->n > 0) {
		esc_html(out, corridor_name(pg->e[0].data->c, L));
		sb_addstr(out, " \xe2\x80\x94 ");
	}
	esc_html(out, pg->cfg->title);
	sb_addstr(out, "</title>\n<meta name=\"description\" content=\"");
	if (!pg->home && pg->n > 0)
		/* TRANSLATORS: a corridor page's summary, for search engines; %s is the corridor's name. */
		T(tr(L, "%s: status, days of blockade, trucks against the pre-blockade baseline, service cuts and shortages, from NGO reports."),
		  E(corridor_name(pg->e[0].data->c, L)));
	else
		/* TRANSLATORS: the front page's summary, for search engines. */
		T(tr(L, "The status of each monitored corridor: days of blockade, trucks against the pre-blockade baseline, service cuts and shortages, from NGO reports."));
	sb_addstr(out, "\">\n");
	/* Every language the page is served in, for search engines and readers that pick one. */
	for (size_t i = 0; pg->cfg->nlangs > 1 && i < pg->cfg->nlangs; i++) {
		sb_addstr(out, "<link rel=\"alternate\" hreflang=\"");
		esc_html(out, pg->cfg->langs[i]->code);
		sb_addstr(out, "\" href=\"");
		page_url(out, pg, pg->cfg->langs[i]->code);
		sb_addstr(out, "\">\n");
	}
	if (pg->cfg->nlangs > 1) {
		sb_addstr(out, "<link rel=\"alternate\" hreflang=\"x-default\" href=\"");
		page_url(out, pg, NULL);
		sb_addstr(out, "\">\n");
	}
	sb_addf(out, "<style>%s</style>\n</head>\n<body>\n", style);
	/* The hatching of unreported days, defined once for every chart on the page. */
	sb_addstr(out, "<svg class=\"defs\" aria-hidden=\"true\"><defs><pattern id=\"gap\" "
		  "width=\"4\" height=\"4\" patternUnits=\"userSpaceOnUse\" "
		  "patternTransform=\"rotate(45)\"><rect width=\"2\" height=\"4\" fill=\"#888\"/>"
		  "</pattern></defs></svg>\n");
}

/* Plain links to the page in every other language, each in its own name and script. */
static void language_switcher(struct strbuf *out, const struct page *pg)
{
	const struct lang *L = pg->L;

	if (pg->cfg->nlangs < 2)
		return;
	sb_addstr(out, "<nav class=\"langs\" aria-label=\"");
	T(tr(L, "Languages"));
	sb_addstr(out, "\"><ul>");
	for (size_t i = 0; i < pg->cfg->nlangs; i++) {
		const struct lang *x = pg->cfg->langs[i];

		if (x == L) {
			sb_addstr(out, "<li><strong aria-current=\"true\">");
			esc_html(out, x->name);
			sb_addstr(out, "</strong></li>");
			continue;
		}
		sb_addstr(out, "<li><a href=\"");
		page_url(out, pg, x->code);
		sb_addstr(out, "\" hreflang=\"");
		esc_html(out, x->code);
		sb_addstr(out, "\" lang=\"");
		esc_html(out, x->code);
		sb_addf(out, "\" dir=\"%s\">", x->rtl ? "rtl" : "ltr");
		esc_html(out, x->name);
		sb_addstr(out, "</a></li>");
	}
	sb_addstr(out, "</ul></nav>\n");
}

static void page_header(struct strbuf *out, const struct page *pg)
{
	const struct lang *L = pg->L;

	/* First in the document: a reader must not take old figures for new. */
	if (!pg->db_up) {
		sb_addstr(out, "<p class=\"alert\" role=\"alert\">");
		T(tr(L, "The database is unreachable: these figures are from the last successful update."));
		sb_addstr(out, "</p>\n");
	}
	sb_addstr(out, "<header>\n");
	language_switcher(out, pg);
	sb_addstr(out, "<h1>");
	add_bdi(out, pg->cfg->title);
	sb_addstr(out, "</h1>\n");
	if (!pg->home) {
		sb_addstr(out, "<p><a href=\"/");
		add_lang_query(out, pg->cfg, pg->L);
		sb_addstr(out, "\">");
		T(tr(L, "All corridors"));
		sb_addstr(out, "</a></p>\n");
	}
	sb_addstr(out, "</header>\n");
}

static void page_footer(struct strbuf *out, const struct page *pg)
{
	const struct lang *L = pg->L;
	char at[I18N_DATE_LEN];

	sb_addstr(out, "<footer>\n<p>");
	/* TRANSLATORS: when this page was made: a date and time in UTC. */
	T(tr(L, "Generated %s."), E(i18n_utc(L, pg->generated_at, at)));
	sb_addstr(out, " ");
	T(tr(L, "Data:"));
	sb_addstr(out, " <a href=\"/api/v1/status\">");
	T(tr(L, "status JSON"));
	sb_addstr(out, "</a> \xc2\xb7 <a href=\"/feed.atom");
	add_lang_query(out, pg->cfg, pg->L);
	sb_addstr(out, "\">");
	T(tr(L, "Atom feed of status changes"));
	sb_addstr(out, "</a></p>\n</footer>\n</body>\n</html>\n");
}

/* ---- status, blockade, trucks ---- */

static void section_title(struct strbuf *out, const struct page *pg, const struct corridor_eval *e)
{
	const struct lang *L = pg->L;
	const struct sw_corridor *c = e->data->c;

	sb_addstr(out, "<h2>");
	if (pg->home) {
		sb_addstr(out, "<a href=\"/corridors/");
		esc_html(out, c->id);
		add_lang_query(out, pg->cfg, pg->L);
		sb_addstr(out, "\">");
	}
	add_bdi(out, corridor_name(c, L));
	sb_addstr(out, pg->home ? "</a></h2>\n" : "</h2>\n");
	sb_addstr(out, "<p class=\"asof\">");
	T(tr(L, "as of %s"), DATE(e->D));
	sb_addstr(out, "</p>\n");
}

static void status_line(struct strbuf *out, const struct lang *L, const struct corridor_eval *e)
{
	const struct day *d = &e->days[e->n - 1];

	sb_addf(out, "<p class=\"st\"><span class=\"badge s%d\">", d->status);
	esc_html(out, label_status_badge(L, d->status));
	sb_addstr(out, "</span> ");
	esc_html(out, basis_phrase(L, d->basis));
	sb_addstr(out, "</p>\n");
	if (d->disagree) {
		sb_addstr(out, "<p class=\"warn\">");
		T(tr(L, "Declared status and truck flows disagree: declared %s, flows %s."),
		  E(label_status(L, d->declared)), E(label_status(L, d->flow)));
		sb_addstr(out, "</p>\n");
	}
}

static void blockade_lines(struct strbuf *out, const struct lang *L, const struct corridor_eval *e)
{
	const struct blockade_summary *b = &e->blockade;

	sb_addstr(out, "<p class=\"big\">");
	if (b->active)
		/* TRANSLATORS: the headline of a blockaded corridor: "Day 85 of the blockade, since 12 December 2022". */
		T(tr(L, "Day %s of the blockade, since %s"), NUM(b->day_n), DATE(b->since));
	else
		T(tr(L, "No blockade in effect"));
	sb_addstr(out, "</p>\n");
	if (b->active || b->blocked_90d > 0) {
		sb_addstr(out, "<p>");
		/* TRANSLATORS: days; "Blocked on 28 of the last 30 days and 85 of the last 90." */
	T(tr(L, "Blocked on %s of the last 30 days and %s of the last 90."),
		  NUM(b->blocked_30d), NUM(b->blocked_90d));
		sb_addstr(out, "</p>\n");
	}
	if (b->longest_days > 0) {
		sb_addstr(out, "<p>");
		T(trn(L, "Longest blockade: %s day.", "Longest blockade: %s days.",
		      (uint64_t)b->longest_days), NUM(b->longest_days));
		sb_addstr(out, "</p>\n");
	}
}

/* "(single source)", "(2 sources, corroborated)", "(3 sources disagree: 80 to 120)". */
static void corroboration_note(struct strbuf *out, const struct lang *L,
			       const struct corridor_eval *e, int sources, int64_t min, int64_t max)
{
	switch (stage_corroboration(sources, min, max, e->data->c->corroboration_pct)) {
	case CORR_SINGLE:
		sb_addch(out, ' ');
		T(tr(L, "(single source)"));
		break;
	case CORR_CORROBORATED:
		sb_addch(out, ' ');
		T(trn(L, "(%s source, corroborated)", "(%s sources, corroborated)", (uint64_t)sources),
		  NUM(sources));
		break;
	case CORR_DISAGREE:
		sb_addch(out, ' ');
		T(trn(L, "(%s source disagrees: %s to %s)", "(%s sources disagree: %s to %s)",
		      (uint64_t)sources), NUM(sources), NUM(min), NUM(max));
		break;
	default:
		break;
	}
}

/* The headline's count of d, or "not reported". */
static void trucks_on(struct strbuf *out, const struct lang *L, const struct corridor_eval *e,
		      int64_t date, const struct day *d)
{
	sb_addstr(out, "<li>");
	/* A day nobody reported is unknown: saying 0 would invent a fact. */
	if (!d || !d->reported) {
		T(tr(L, "Trucks on %s: not reported"), DATE(date));
		sb_addstr(out, "</li>\n");
		return;
	}
	/* TRANSLATORS: a date and how many trucks got through on it. */
	T(tr(L, "Trucks on %s: %s"), DATE(date), BOLD(NUM(d->trucks)));
	corroboration_note(out, L, e, d->sources, d->min, d->max);
	sb_addstr(out, "</li>\n");
}

static void trucks_average(struct strbuf *out, const struct lang *L, const struct corridor_eval *e)
{
	const struct trucks_summary *t = &e->trucks;
	int64_t base = e->data->c->baseline_trucks_per_day;

	sb_addstr(out, "<li>");
	if (!t->has_avg)
		T(tr(L, "7-day average: no day reported in the last 7 (pre-blockade baseline %s trucks/day)"),
		  NUM(base));
	else
		T(trn(L, "7-day average: %s (over %s reported day), %s of the pre-blockade baseline of %s trucks/day",
		      "7-day average: %s (over %s reported days), %s of the pre-blockade baseline of %s trucks/day",
		      (uint64_t)t->days_reported_7d),
		  BOLD(DEC1(t->avg_7d)), NUM(t->days_reported_7d), BOLD(PCT1(t->pct_of_baseline)), NUM(base));
	sb_addstr(out, "</li>\n");
}

static void trucks_tonnes_deficit(struct strbuf *out, const struct lang *L,
				  const struct corridor_eval *e)
{
	const struct trucks_summary *t = &e->trucks;

	if (t->has_tonnes_avg) {
		sb_addstr(out, "<li>");
		T(tr(L, "Tonnes, 7-day average: %s, %s of the baseline of %s t/day"),
		  DEC1(t->tonnes_avg_7d), PCT1(t->tonnes_pct), DEC1(e->data->c->baseline_tonnes_per_day));
		sb_addstr(out, "</li>\n");
	}
	if (t->has_deficit) {
		sb_addstr(out, "<li>");
		T(trn(L, "Deficit since the blockade began: %s truck", "Deficit since the blockade began: %s trucks",
		      (uint64_t)(t->deficit < 0 ? -t->deficit : t->deficit)), BOLD(NUM(t->deficit)));
		sb_addch(out, ' ');
		T(trn(L, "(%s day not reported)", "(%s days not reported)",
		      (uint64_t)t->unreported_in_blockade), NUM(t->unreported_in_blockade));
		sb_addstr(out, "</li>\n");
	}
}

/* One entry of a breakdown: "Hakari bridge 35 (5 days)". */
static void split_entry(struct strbuf *out, const struct lang *L, const char *what,
			const struct split_total *t)
{
	struct strbuf b = STRBUF_INIT;

	/* TRANSLATORS: one entry of a breakdown: a crossing or a cargo, its trucks over the last 7 days, and on how many days. "Hakari bridge 35 (5 days)". */
	T(trn(L, "%s %s (%s day)", "%s %s (%s days)", (uint64_t)t->days), bdi(&b, what),
	  BOLD(NUM(t->trucks)), NUM(t->days));
	sb_release(&b);
}

/* The breakdowns of the last 7 days, by crossing and by cargo. */
static void split_lines(struct strbuf *out, const struct lang *L, const struct corridor_eval *e)
{
	const struct corridor_data *d = e->data;

	if (e->nby_crossing) {
		sb_addstr(out, "<li>");
		T(tr(L, "Last 7 days by crossing:"));
		for (size_t i = 0; i < e->nby_crossing; i++) {
			size_t k = (size_t)e->by_crossing[i].key;

			sb_addstr(out, i ? " \xc2\xb7 " : " ");
			split_entry(out, L, k < d->c->ncrossings ? crossing_name(d->c, k, L)
				    : d->crossing_names[k], &e->by_crossing[i]);
		}
		sb_addstr(out, "</li>\n");
	}
	if (e->nby_cargo) {
		sb_addstr(out, "<li>");
		T(tr(L, "Last 7 days by cargo:"));
		for (size_t i = 0; i < e->nby_cargo; i++) {
			sb_addstr(out, i ? " \xc2\xb7 " : " ");
			split_entry(out, L, label_cargo(L, e->by_cargo[i].key), &e->by_cargo[i]);
		}
		sb_addstr(out, "</li>\n");
	}
}

/* Where the headline is counted, the last delivery, the stock waiting, the breakdowns. */
static void trucks_stage_two(struct strbuf *out, const struct lang *L, const struct corridor_eval *e)
{
	const struct stage_summary *w = &e->by_stage[STAGE_WAITING];

	sb_addstr(out, "<li>");
	/* TRANSLATORS: where on the way the headline figure is counted ("counted at the crossing"). */
	T(tr(L, "Counting point: %s"), E(label_stage(L, e->data->c->headline_stage)));
	sb_addstr(out, "</li>\n<li>");
	if (e->has_since_delivery)
		T(tr(L, "Days since trucks last got through: %s"), BOLD(NUM(e->days_since_delivery)));
	else
		T(tr(L, "Days since trucks last got through: none reported yet"));
	sb_addstr(out, "</li>\n");
	if (w->has_last) {
		sb_addstr(out, "<li>");
		T(trn(L, "Waiting at the crossing: %s truck (seen %s)",
		      "Waiting at the crossing: %s trucks (seen %s)", (uint64_t)w->last_trucks),
		  BOLD(NUM(w->last_trucks)), DATE(w->last_date));
		sb_addstr(out, "</li>\n");
	}
	split_lines(out, L, e);
}

static void trucks_block(struct strbuf *out, const struct lang *L, const struct corridor_eval *e)
{
	const struct day *prev = e->n >= 2 ? &e->days[e->n - 2] : NULL;

	sb_addstr(out, "<h3>");
	T(tr(L, "Inbound trucks"));
	sb_addstr(out, "</h3>\n<ul>\n");
	trucks_on(out, L, e, e->D, &e->days[e->n - 1]);
	trucks_on(out, L, e, e->D - 1, prev && prev->date == e->D - 1 ? prev : NULL);
	trucks_average(out, L, e);
	trucks_tonnes_deficit(out, L, e);
	trucks_stage_two(out, L, e);
	sb_addstr(out, "</ul>\n");
}

/* ---- the 90-day truck chart ---- */

struct chart {
	const struct corridor_eval *e;
	int64_t first;		/* date of the leftmost day */
	int64_t scale;		/* trucks at the top of the plot */
};

/* What the 90 days hold: for the scales and, on a corridor's page, for the words. */
struct chart_counts {
	int reported, blockade, zeros;	/* days reported, in a blockade, reported as 0 */
	int64_t top;			/* the most trucks of a reported day; 0 if none */
	int64_t top_date;		/* the latest day that had them */
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

/* The zero axis, a line of class cls at height y, and the opening of its
 * label: at the right, where a blockade's low bars leave it room (the
 * chart is drawn left to right in every language). */
static void chart_axis_label(struct strbuf *out, const char *cls, int y)
{
	sb_addf(out, "<line class=\"axl\" x1=\"0\" y1=\"%d.5\" x2=\"%d\" y2=\"%d.5\"/>",
		PLOT_BOT, CHART_DAYS * DAY_W, PLOT_BOT);
	sb_addf(out, "<path class=\"%s\" d=\"M0 %dH%d\"/>", cls, y, CHART_DAYS * DAY_W);
	sb_addf(out, "<text class=\"lbl\" x=\"%d\" y=\"%d\" text-anchor=\"end\">",
		CHART_DAYS * DAY_W - 4, y - 5);
}

static void chart_baseline(struct strbuf *out, const struct lang *L, const struct chart *ch)
{
	int64_t base = ch->e->data->c->baseline_trucks_per_day;

	chart_axis_label(out, "bl", chart_y(ch, base));
	/* TRANSLATORS: a short label on the chart's dashed line: trucks per day before the blockade. */
	T(tr(L, "baseline %s/day"), NUM(base));
	sb_addstr(out, "</text>");
}

static void chart_counts(const struct chart *ch, struct chart_counts *k)
{
	*k = (struct chart_counts){ 0 };
	for (int i = 0; i < CHART_DAYS; i++) {
		const struct day *d = day_at(ch->e, ch->first + i);

		k->blockade += shaded(d);
		if (unreported(d))
			continue;
		k->reported++;
		k->zeros += d->trucks == 0;
		if (d->trucks >= k->top) {
			k->top = d->trucks;
			k->top_date = d->date;
		}
	}
}

/* The front page's chart: its figures in its name. */
static void chart_open(struct strbuf *out, const struct lang *L, const struct chart *ch,
		       const struct chart_counts *k)
{
	struct strbuf label = STRBUF_INIT;

	tr_add(&label, esc_html, tr(L, "Inbound trucks per day from %s to %s: %s of %s days reported, "
				    "%s in a blockade; baseline %s per day"),
	       DATE(ch->first), DATE(ch->e->D), NUM(k->reported), NUM(CHART_DAYS), NUM(k->blockade),
	       NUM(ch->e->data->c->baseline_trucks_per_day));
	sb_addf(out, "<svg viewBox=\"0 0 %d %d\" role=\"img\" aria-label=\"%s\"><title>%s</title>",
		CHART_DAYS * DAY_W, PLOT_BOT + 10, label.buf, label.buf);
	sb_release(&label);
}

/* The observed scale's words: the figure's caption, and the end of its description. */
static void observed_scale(struct strbuf *out, const struct lang *L, const struct chart *ch)
{
	/* TRANSLATORS: the caption of a second chart of the same 90 days, drawn so that small counts show; the first %s is the top of its scale, the second the pre-blockade baseline (trucks a day). */
	T(tr(L, "The same days, drawn to the observed scale: 0 to %s trucks a day, not to the pre-blockade baseline of %s."),
	  NUM(ch->scale), NUM(ch->e->data->c->baseline_trucks_per_day));
}

/* A corridor page's chart in words: what a reader of the bars would take from them. */
static void chart_desc(struct strbuf *out, const struct lang *L, const struct chart *ch,
		       const struct chart_counts *k, bool observed)
{
	/* TRANSLATORS: the description of the 90-day chart, for screen readers: the first and last day, the days reported of the 90, the days of blockade among the 90. */
	T(trn(L, "From %s to %s: %s of %s days reported; %s day of blockade.",
	      "From %s to %s: %s of %s days reported; %s days of blockade.", (uint64_t)k->blockade),
	  DATE(ch->first), DATE(ch->e->D), NUM(k->reported), NUM(CHART_DAYS), NUM(k->blockade));
	if (k->reported > 0) {
		sb_addch(out, ' ');
		if (k->top > 0)
			/* TRANSLATORS: the highest bar of the chart: its trucks and its date. */
			T(tr(L, "Most trucks in one day: %s, on %s."), NUM(k->top), DATE(k->top_date));
		else
			/* TRANSLATORS: in the chart's description, when every day reported had 0 trucks. */
			T(tr(L, "Every reported day had 0 trucks."));
	}
	if (k->zeros > 0 && k->top > 0) {
		sb_addch(out, ' ');
		/* TRANSLATORS: how many days were reported with 0 trucks (drawn as black ticks); days nobody reported are not among them. */
		T(tr(L, "Days with 0 trucks reported: %s."), NUM(k->zeros));
	}
	sb_addch(out, ' ');
	if (observed)
		observed_scale(out, L, ch);
	else
		/* TRANSLATORS: the scale of the chart drawn to the baseline: its top, then the baseline (trucks a day). */
		T(tr(L, "Scale: 0 to %s trucks a day; the dashed line is the pre-blockade baseline, %s trucks a day."),
		  NUM(ch->scale), NUM(ch->e->data->c->baseline_trucks_per_day));
}

/* A corridor page's chart: a short name, its figures in words in <desc>. */
static void chart_open_desc(struct strbuf *out, const struct lang *L, const struct chart *ch,
			    const struct chart_counts *k, bool observed)
{
	struct strbuf title = STRBUF_INIT;

	if (observed)
		/* TRANSLATORS: the name of the corridor page's second chart of the same 90 days, for screen readers. */
		tr_add(&title, esc_html, tr(L, "Inbound trucks per day, drawn to the observed scale"));
	else
		/* TRANSLATORS: the name of the corridor page's first chart of the 90 days, for screen readers. */
		tr_add(&title, esc_html, tr(L, "Inbound trucks per day, drawn to the scale of the pre-blockade baseline"));
	sb_addf(out, "<svg viewBox=\"0 0 %d %d\" role=\"img\" aria-label=\"%s\"><title>%s</title><desc>",
		CHART_DAYS * DAY_W, PLOT_BOT + 10, title.buf, title.buf);
	chart_desc(out, L, ch, k, observed);
	sb_addstr(out, "</desc>");
	sb_release(&title);
}

static void legend_item(struct strbuf *out, const char *cls, const char *text)
{
	sb_addf(out, "<li><span class=\"k %s\"></span>", cls);
	sb_addstr(out, text);
	sb_addstr(out, "</li>");
}

/* The first and last day under the chart. */
static void chart_dates(struct strbuf *out, const struct lang *L, const struct chart *ch)
{
	sb_addf(out, "<div class=\"ax\"><span>%s</span><span>%s</span></div>\n",
		DATE(ch->first), DATE(ch->e->D));
}

static void chart_legend(struct strbuf *out, const struct lang *L, const struct chart *ch)
{
	struct strbuf t = STRBUF_INIT;

	chart_dates(out, L, ch);
	sb_addstr(out, "<ul class=\"lg\">");
#define ITEM(cls, ...) (sb_reset(&t), tr_add(&t, esc_html, __VA_ARGS__), legend_item(out, cls, t.buf))
	ITEM("kr", tr(L, "Bar: inbound trucks that day"));
	ITEM("kt", tr(L, "Black tick below the axis: 0 trucks reported"));
	ITEM("kg", tr(L, "Hatched grey: no report (unknown, not zero)"));
	ITEM("kb", tr(L, "Light red background: blockade in effect"));
	ITEM("kl", tr(L, "Dashed line: pre-blockade baseline, %s trucks/day"),
	     NUM(ch->e->data->c->baseline_trucks_per_day));
#undef ITEM
	sb_addstr(out, "</ul>\n");
	sb_release(&t);
}

/* The least of 1, 2, 5 x 10^k at or above n (n >= 1): a top a reader takes in at a glance. */
static int64_t nice_ceil(int64_t n)
{
	for (int64_t p = 1;; p *= 10) {
		if (n <= p)
			return p;
		if (n <= 2 * p)
			return 2 * p;
		if (n <= 5 * p)
			return 5 * p;
	}
}

/*
 * Under a blockade the baseline's scale leaves 7 trucks against 400 a few
 * pixels high, where 3 and 10 look alike: when the 90 days' highest is
 * under a fifth of the baseline, the same days again at their own scale,
 * its top labelled so nobody takes it for the baseline (docs/decisions.md).
 */
static void observed_chart(struct strbuf *out, const struct lang *L, const struct corridor_eval *e,
			   const struct chart_counts *k)
{
	int64_t base = e->data->c->baseline_trucks_per_day;
	struct chart ch = { e, e->D - (CHART_DAYS - 1), 1 };

	/* top * 5 < base, tested so that it cannot overflow. */
	if (k->top <= 0 || k->top > base / 5 || k->top * 5 >= base)
		return;
	ch.scale = nice_ceil(k->top);
	sb_addstr(out, "<figure>\n<figcaption><strong>");
	observed_scale(out, L, &ch);
	sb_addstr(out, "</strong></figcaption>\n");
	chart_open_desc(out, L, &ch, k, true);
	chart_runs(out, &ch, shaded, "sh");
	chart_runs(out, &ch, unreported, "g");
	chart_bars(out, &ch);
	/* A thin solid line, unlike the baseline's dashes. */
	chart_axis_label(out, "axl", PLOT_TOP);
	/* TRANSLATORS: a short label on the top line of the chart drawn to the observed scale: trucks per day there ("10/day"). */
	T(tr(L, "%s/day"), NUM(ch.scale));
	sb_addstr(out, "</text></svg>\n");
	chart_dates(out, L, &ch);
	sb_addstr(out, "</figure>\n");
}

#define TABLE_DAYS 14

/* The last 14 days in figures, folded away until opened: the charts' text alternative. */
static void days_table(struct strbuf *out, const struct lang *L, const struct corridor_eval *e)
{
	sb_addstr(out, "<details><summary>");
	/* TRANSLATORS: a folded table's heading, opened with a click: the chart's last 14 days in figures. */
	T(trn(L, "Inbound trucks, last %s day, as a table", "Inbound trucks, last %s days, as a table",
	      TABLE_DAYS), NUM(TABLE_DAYS));
	sb_addstr(out, "</summary>\n<div class=\"tw\"><table>\n<thead><tr><th scope=\"col\">");
	T(tr(L, "Date"));
	sb_addstr(out, "</th><th scope=\"col\">");
	/* TRANSLATORS: a column heading: inbound trucks that day. */
	T(tr(L, "Trucks"));
	sb_addstr(out, "</th><th scope=\"col\">");
	/* TRANSLATORS: a column heading: the day's status (open, restricted, blocked). */
	T(tr(L, "Status"));
	sb_addstr(out, "</th></tr></thead>\n<tbody>\n");
	for (int64_t x = e->D; x > e->D - TABLE_DAYS; x--) {
		const struct day *d = day_at(e, x);
		int st = d ? d->status : ST_UNKNOWN;

		sb_addf(out, "<tr><th scope=\"row\" class=\"d\">%s</th>", DATE(x));
		if (unreported(d)) {
			sb_addstr(out, "<td class=\"na\">");
			T(tr(L, "no report"));
			sb_addstr(out, "</td>");
		} else {
			sb_addf(out, "<td>%s</td>", NUM(d->trucks));
		}
		sb_addf(out, "<td><span class=\"badge s%d\">", st);
		esc_html(out, label_status_badge(L, st));
		sb_addstr(out, "</span></td></tr>\n");
	}
	sb_addstr(out, "</tbody></table></div>\n</details>\n");
}

static void truck_chart(struct strbuf *out, const struct page *pg, const struct corridor_eval *e)
{
	const struct lang *L = pg->L;
	struct chart ch = { e, e->D - (CHART_DAYS - 1), 1 };
	int64_t base = e->data->c->baseline_trucks_per_day;
	struct chart_counts k;

	/* The baseline always fits, so a blockade's collapse shows against it. */
	chart_counts(&ch, &k);
	ch.scale = k.top > base ? k.top : base;
	if (ch.scale < 1)
		ch.scale = 1;
	sb_addstr(out, "<figure>\n");
	if (pg->home)
		chart_open(out, L, &ch, &k);
	else
		chart_open_desc(out, L, &ch, &k, false);
	chart_runs(out, &ch, shaded, "sh");
	chart_runs(out, &ch, unreported, "g");
	chart_bars(out, &ch);
	chart_baseline(out, L, &ch);
	sb_addstr(out, "</svg>\n");
	chart_legend(out, L, &ch);
	sb_addstr(out, "</figure>\n");
	/* The front page keeps one chart a corridor: ten of them must stay under 100 KB. */
	if (pg->home)
		return;
	observed_chart(out, L, e, &k);
	days_table(out, L, e);
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

static void service_bar(struct strbuf *out, const struct lang *L, const struct corridor_eval *e,
			int s, const bool *down, int n90)
{
	struct strbuf label = STRBUF_INIT;

	sb_addstr(out, "<div class=\"svc\"><p>");
	/* TRANSLATORS: a service ("Gas"), the days it was disrupted of the last 30, and of the last 90. */
	T(tr(L, "%s: %s of the last 30 days disrupted (%s of 90)"),
	  BOLD(E(label_service(L, s))), NUM(e->service_days_30d[s]), NUM(n90));
	tr_add(&label, esc_html, tr(L, "%s: disrupted on %s of the last 90 days"),
	       E(label_service(L, s)), NUM(n90));
	sb_addf(out, "</p>\n<svg viewBox=\"0 0 %d %d\" role=\"img\" aria-label=\"%s\">",
		CHART_DAYS * DAY_W, BAR_H, label.buf);
	service_runs(out, down);
	sb_addstr(out, "</svg></div>\n");
	sb_release(&label);
}

static bool service_ongoing(const struct corridor_eval *e, int s)
{
	for (size_t i = 0; i < e->nongoing; i++)
		if (strcmp(e->ongoing[i].service_name, report_services[s]) == 0)
			return true;
	return false;
}

static int services_block(struct strbuf *out, const struct lang *L, const struct corridor_eval *e)
{
	int shown = 0;

	for (int s = 0; s < NSERVICES; s++) {
		bool down[CHART_DAYS];
		int n90 = 0;

		for (int i = 0; i < CHART_DAYS; i++)
			n90 += down[i] = disrupted_on(e, s, e->D - (CHART_DAYS - 1) + i);
		if (n90 == 0 && !service_ongoing(e, s))
			continue;
		if (shown++ == 0) {
			sb_addstr(out, "<h3>");
			T(tr(L, "Services, last 90 days"));
			sb_addstr(out, "</h3>\n");
		}
		service_bar(out, L, e, s, down, n90);
	}
	if (shown) {
		sb_addstr(out, "<ul class=\"lg\"><li><span class=\"k ok\"></span>");
		T(tr(L, "Green: no disruption reported"));
		sb_addstr(out, "</li><li><span class=\"k no\"></span>");
		T(tr(L, "Red: disrupted"));
		sb_addstr(out, "</li></ul>\n");
	}
	return shown;
}

/* ---- lists ---- */

static void list_more(struct strbuf *out, const struct page *pg, const struct corridor_eval *e,
		      size_t total, size_t shown)
{
	const struct lang *L = pg->L;

	if (total <= shown)
		return;
	sb_addstr(out, "<li>");
	/* TRANSLATORS: a list cut short; a link to the rest follows. */
	T(trn(L, "and %s more:", "and %s more:", (uint64_t)(total - shown)), NUM(total - shown));
	if (pg->home) {
		sb_addstr(out, " <a href=\"/corridors/");
		esc_html(out, e->data->c->id);
		add_lang_query(out, pg->cfg, pg->L);
		sb_addstr(out, "\">");
		T(tr(L, "see the corridor page"));
	} else {
		sb_addstr(out, " <a href=\"/api/v1/status\">");
		T(tr(L, "see the status JSON"));
	}
	sb_addstr(out, "</a></li>\n");
}

static void ongoing_item(struct strbuf *out, const struct lang *L, const struct ongoing *o)
{
	char since[I18N_DATE_LEN];
	struct strbuf b = STRBUF_INIT;
	const char *days = BOLD(NUM(o->days));
	const char *service = BOLD(E(label_service_name(L, o->service_name)));

	i18n_local(L, o->since, o->since_offset, since);
	sb_addstr(out, "<li>");
	if (o->location[0])
		/* TRANSLATORS: a service ("Gas") cut in a place, since a date and time, for a number of days. */
		T(trn(L, "%s in %s, since %s: %s day", "%s in %s, since %s: %s days", (uint64_t)o->days),
		  service, bdi(&b, o->location), E(since), days);
	else
		T(trn(L, "%s, since %s: %s day", "%s, since %s: %s days", (uint64_t)o->days),
		  service, E(since), days);
	if (o->people >= 0) {
		/* TRANSLATORS: between two parts of one line ("; "). */
		T(trp(L, "clause separator", "; "));
		T(trn(L, "%s person affected", "%s people affected", (uint64_t)o->people), NUM(o->people));
	}
	sb_addstr(out, "</li>\n");
	sb_release(&b);
}

static void ongoing_block(struct strbuf *out, const struct page *pg, const struct corridor_eval *e,
			  size_t max)
{
	const struct lang *L = pg->L;
	size_t i;

	sb_addstr(out, "<h3>");
	T(tr(L, "Ongoing disruptions"));
	sb_addstr(out, "</h3>\n");
	if (e->nongoing == 0) {
		sb_addstr(out, "<p>");
		T(tr(L, "None reported."));
		sb_addstr(out, "</p>\n");
		return;
	}
	sb_addstr(out, "<ul>\n");
	for (i = 0; i < e->nongoing && i < max; i++)
		ongoing_item(out, L, &e->ongoing[i]);
	list_more(out, pg, e, e->nongoing, i);
	sb_addstr(out, "</ul>\n");
}

static void shortage_item(struct strbuf *out, const struct lang *L, const struct shortage_state *s)
{
	struct strbuf item = STRBUF_INIT, where = STRBUF_INIT;

	sb_addf(out, "<li><span class=\"badge v%d\">", s->severity);
	esc_html(out, label_severity_badge(L, s->severity));
	sb_addstr(out, "</span> ");
	sb_addstr(&item, "<strong>");
	add_bdi(&item, s->item);
	sb_addstr(&item, "</strong>");
	if (s->location[0])
		/* TRANSLATORS: a shortage: the item, the place, for how many days, since which date. */
		T(trn(L, "%s, %s: for %s day since %s", "%s, %s: for %s days since %s", (uint64_t)s->days),
		  item.buf, bdi(&where, s->location), NUM(s->days), DATE(s->since));
	else
		T(trn(L, "%s: for %s day since %s", "%s: for %s days since %s", (uint64_t)s->days),
		  item.buf, NUM(s->days), DATE(s->since));
	sb_addstr(out, "</li>\n");
	sb_release(&item);
	sb_release(&where);
}

static void shortages_block(struct strbuf *out, const struct page *pg, const struct corridor_eval *e,
			    size_t max)
{
	const struct lang *L = pg->L;
	const int *k = e->shortage_counts;
	size_t i;

	sb_addstr(out, "<h3>");
	T(tr(L, "Shortages"));
	sb_addstr(out, "</h3>\n<p>");
	/* TRANSLATORS: how many shortages there are at each severity. */
	T(tr(L, "Critical: %s \xc2\xb7 Severe: %s \xc2\xb7 Moderate: %s \xc2\xb7 Low: %s"),
	  NUM(k[4]), NUM(k[3]), NUM(k[2]), NUM(k[1]));
	sb_addstr(out, "</p>\n");
	if (e->nshortages == 0)
		return;
	sb_addstr(out, "<ul class=\"it\">\n");
	for (i = 0; i < e->nshortages && i < max; i++)
		shortage_item(out, L, &e->shortages[i]);
	list_more(out, pg, e, e->nshortages, i);
	sb_addstr(out, "</ul>\n");
}

/* ---- freshness and links ---- */

/* Publishing after review: what the figures leave out, so nobody mistakes it for all there is. */
static void review_block(struct strbuf *out, const struct lang *L, const struct corridor_data *d)
{
	if (d->c->publish != PUBLISH_AFTER_REVIEW)
		return;
	sb_addstr(out, "<p>");
	T(tr(L, "These figures count only reports a reviewer has published."));
	sb_addch(out, ' ');
	T(trn(L, "%s report awaits review.", "%s reports await review.", (uint64_t)d->awaiting_review),
	  BOLD(NUM(d->awaiting_review)));
	if (d->has_issues > 0) {
		sb_addch(out, ' ');
		T(trn(L, "%s report has issues a reviewer raised.", "%s reports have issues a reviewer raised.",
		      (uint64_t)d->has_issues), NUM(d->has_issues));
	}
	sb_addstr(out, "</p>\n");
}

static void freshness_block(struct strbuf *out, const struct lang *L, const struct sw_config *cfg,
			    const struct corridor_eval *e)
{
	char at[I18N_DATE_LEN];

	sb_addstr(out, "<h3>");
	T(tr(L, "Data"));
	sb_addstr(out, "</h3>\n<p>");
	if (e->fresh.last_report_at > 0)
		T(tr(L, "Last report received %s"), E(i18n_utc(L, e->fresh.last_report_at, at)));
	else
		T(tr(L, "No reports yet"));
	if (e->stale) {
		sb_addstr(out, " <span class=\"badge s2\">");
		T(tr(L, "STALE"));
		sb_addstr(out, "</span> ");
		T(trn(L, "nothing received for more than %s hour", "nothing received for more than %s hours",
		      (uint64_t)cfg->stale_after_hours), NUM(cfg->stale_after_hours));
	}
	sb_addstr(out, "</p>\n<p>");
	T(trn(L, "%s reporting organisation in the last 30 days", "%s reporting organisations in the last 30 days",
	      (uint64_t)e->fresh.organisations_30d), NUM(e->fresh.organisations_30d));
	sb_addstr(out, "</p>\n");
	review_block(out, L, e->data);
}

static void links_block(struct strbuf *out, const struct page *pg, const struct corridor_eval *e)
{
	const struct lang *L = pg->L;
	const char *id = e->data->c->id;

	sb_addstr(out, "<p>");
	T(tr(L, "Download:"));
	sb_addstr(out, " <a href=\"/api/v1/status\">");
	T(tr(L, "status JSON"));
	sb_addstr(out, "</a> \xc2\xb7 <a href=\"/api/v1/corridors/");
	esc_html(out, id);
	sb_addstr(out, "/daily\">");
	T(tr(L, "daily series JSON"));
	sb_addstr(out, "</a> \xc2\xb7 <a href=\"/api/v1/corridors/");
	esc_html(out, id);
	sb_addstr(out, "/daily.csv\">");
	T(tr(L, "daily series CSV"));
	sb_addstr(out, "</a> \xc2\xb7 <a href=\"/feed.atom");
	add_lang_query(out, pg->cfg, pg->L);
	sb_addstr(out, "\">");
	T(tr(L, "Atom feed"));
	sb_addstr(out, "</a></p>\n");
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

static void side_cell(struct strbuf *out, const struct lang *L, const struct corridor_eval *e,
		      int stage, int64_t date, const struct stage_day *h)
{
	const struct stage_day *x = stage_find(e->data->stages[stage], e->data->nstages[stage], date);

	if (!x) {
		sb_addstr(out, "<td class=\"na\">");
		T(tr(L, "not reported"));
		sb_addstr(out, "</td>");
		return;
	}
	sb_addf(out, "<td>%s", NUM(x->trucks));
	if (h && x != h && h->trucks > 0)
		sb_addf(out, " <small>(%s)</small>", DEC2((double)x->trucks / (double)h->trucks));
	sb_addstr(out, "<br><small>");
	esc_html(out, label_corroboration(L, stage_corroboration(x->sources, x->min, x->max,
							    e->data->c->corroboration_pct)));
	sb_addstr(out, "</small></td>");
}

/*
 * "Counted at the crossing 231, collected 190 (0.82)": each counting point's
 * own series for the last 14 days, the ratio to the headline beside it.
 */
static void side_by_side(struct strbuf *out, const struct lang *L, const struct corridor_eval *e)
{
	const struct corridor_data *d = e->data;
	int st[NSTAGES], n = side_stages(e, st);

	if (n < 2)
		return;
	sb_addstr(out, "<h3>");
	T(trn(L, "Counting points, last %s day", "Counting points, last %s days", SIDE_DAYS), NUM(SIDE_DAYS));
	sb_addstr(out, "</h3>\n<p>");
	T(tr(L, "Each point is counted and reconciled on its own; in brackets, its ratio to the headline (%s)."),
	  E(label_stage(L, d->c->headline_stage)));
	sb_addstr(out, "</p>\n<div class=\"tw\"><table>\n<thead><tr><th scope=\"col\">");
	T(tr(L, "Date"));
	sb_addstr(out, "</th>");
	for (int i = 0; i < n; i++) {
		sb_addstr(out, "<th scope=\"col\">");
		esc_html(out, label_stage_heading(L, st[i]));
		sb_addstr(out, "</th>");
	}
	sb_addstr(out, "</tr></thead>\n<tbody>\n");
	for (int64_t x = e->D; x > e->D - SIDE_DAYS; x--) {
		const struct stage_day *h = stage_find(d->stages[st[0]], d->nstages[st[0]], x);

		sb_addf(out, "<tr><th scope=\"row\" class=\"d\">%s</th>", DATE(x));
		for (int i = 0; i < n; i++)
			side_cell(out, L, e, st[i], x, h);
		sb_addstr(out, "</tr>\n");
	}
	sb_addstr(out, "</tbody></table></div>\n");
}

/* The stages one organisation reported at by D, as "crossed, collected". */
static void org_stages(struct strbuf *out, const struct lang *L, const struct corridor_data *d,
		       size_t from, size_t to, int64_t D)
{
	int last = -1;
	bool first = true;

	for (size_t i = from; i < to; i++) {
		if (d->org_days[i].stage == last || d->org_days[i].date > D)
			continue;
		last = d->org_days[i].stage;
		/* TRANSLATORS: between the items of a list ("، " in Arabic). */
		if (!first)
			T(tr(L, ", "));
		esc_html(out, label_stage(L, last));
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

static void source_item(struct strbuf *out, const struct lang *L, const struct corridor_eval *e,
			size_t i, size_t j)
{
	const struct corridor_data *d = e->data;
	const struct source_org *o = eval_org(d, d->org_days[i].org);
	struct strbuf name = STRBUF_INIT, stages = STRBUF_INIT, method = STRBUF_INIT;

	sb_addstr(&name, "<strong>");
	if (o)
		add_bdi(&name, o->name);
	else
		tr_add(&name, esc_html, tr(L, "unknown organisation"));
	sb_addstr(&name, "</strong>");
	org_stages(&stages, L, d, i, j, e->D);
	if (o && *o->method)
		add_bdi(&method, o->method);
	else
		tr_add(&method, esc_html, tr(L, "no method described yet"));
	sb_addstr(out, "<li>");
	/* TRANSLATORS: a source: the organisation, where it counts ("counted at the crossing, collected"), its method in its own words. */
	T(tr(L, "%s (%s): %s"), name.buf, stages.buf, method.buf);
	if (o && *o->url) {
		sb_addstr(out, " <a href=\"");
		esc_html(out, o->url);
		sb_addstr(out, "\" rel=\"nofollow noopener\">");
		T(tr(L, "method"));
		sb_addstr(out, "</a>");
	}
	sb_addstr(out, "</li>\n");
	sb_release(&name);
	sb_release(&stages);
	sb_release(&method);
}

/* Who counted what, and how they say they count it. */
static void sources_block(struct strbuf *out, const struct lang *L, const struct corridor_eval *e)
{
	const struct corridor_data *d = e->data;

	if (!any_source_by(d, e->D))
		return;
	sb_addstr(out, "<h3>");
	T(tr(L, "Sources and methods"));
	sb_addstr(out, "</h3>\n<ul class=\"it\">\n");
	for (size_t i = 0; i < d->norg_days;) {
		size_t j = i;
		bool by_d = false;

		for (; j < d->norg_days && d->org_days[j].org == d->org_days[i].org; j++)
			by_d = by_d || d->org_days[j].date <= e->D;
		/* As of D: an organisation that had not reported yet is not a source yet. */
		if (by_d)
			source_item(out, L, e, i, j);
		i = j;
	}
	sb_addstr(out, "</ul>\n<p><a href=\"/api/v1/corridors/");
	esc_html(out, d->c->id);
	sb_addstr(out, "/sources\">");
	T(tr(L, "Each source's figures (JSON)"));
	sb_addstr(out, "</a></p>\n");
}

/* ---- the latest reports (a corridor's page) ---- */

/*
 * Report text in this list is cut to a number of characters and, as
 * escaped, to three bytes each (a quote escapes to six), so twenty
 * hostile reports keep the page well under 100 KB; a link's address is
 * used only up to LATEST_HREF_MAX bytes as escaped.
 */
#define LATEST_NOTE_CHARS 200
#define LATEST_TEXT_CHARS 100
#define LATEST_HREF_MAX 1024

/* The bytes s takes as esc_html writes it, up to its first n. */
static size_t escaped_len(const char *s, size_t n)
{
	size_t len = 0;

	for (size_t i = 0; i < n; i++)
		len += s[i] == '&' || s[i] == '\'' ? 5 : s[i] == '<' || s[i] == '>' ? 4 : s[i] == '"' ? 6 : 1;
	return len;
}

/* s escaped and cut as said above, in <bdi>, with an ellipsis where it was cut. */
static void add_cut(struct strbuf *out, const char *s, size_t max_chars)
{
	struct strbuf t = STRBUF_INIT;
	size_t lim = utf8_prefix_chars(s, max_chars), n = 0, bytes = 0, keep;

	while (n < lim) {
		size_t k = utf8_prefix_chars(s + n, 1), e = escaped_len(s + n, k);

		if (bytes + e > 3 * max_chars)
			break;
		bytes += e;
		n += k;
	}
	/* Cut: no blank before the ellipsis. */
	for (keep = n; s[n] && keep > 0 && strchr(" \t\r\n", s[keep - 1]); keep--)
		;
	sb_add(&t, s, keep);
	sb_addstr(out, "<bdi>");
	esc_html(out, t.buf);
	if (s[n])
		sb_addstr(out, "\xe2\x80\xa6");
	sb_addstr(out, "</bdi>");
	sb_release(&t);
}

/* As an argument of a message; t is the caller's, released by it. */
static const char *cut(struct strbuf *t, const char *s, size_t max_chars)
{
	sb_reset(t);
	add_cut(t, s, max_chars);
	return t->buf;
}

/* A crossing's name in L when it is a configured one. */
static const char *place_crossing(const struct sw_corridor *c, const char *name, const struct lang *L)
{
	for (size_t i = 0; i < c->ncrossings; i++)
		if (strcmp(c->crossings[i], name) == 0)
			return crossing_name(c, i, L);
	return name;
}

static void latest_trucks(struct strbuf *out, const struct lang *L, const struct sw_corridor *c,
			  const struct latest_report *x)
{
	struct strbuf b = STRBUF_INIT;

	if (*x->place)
		/* TRANSLATORS: a truck count among the latest reports: trucks, the day they were counted for, the crossing. */
		T(trn(L, "%s truck on %s at %s", "%s trucks on %s at %s", (uint64_t)x->trucks),
		  NUM(x->trucks), DATE(x->day), cut(&b, place_crossing(c, x->place, L), LATEST_TEXT_CHARS));
	else
		/* TRANSLATORS: a truck count among the latest reports: trucks, the day they were counted for. */
		T(trn(L, "%s truck on %s", "%s trucks on %s", (uint64_t)x->trucks), NUM(x->trucks), DATE(x->day));
	/* Where the count was taken, unless it is where the page's figures are. */
	if (x->code != c->headline_stage) {
		T(tr(L, ", "));
		esc_html(out, label_stage(L, x->code));
	}
	if (x->outbound) {
		T(tr(L, ", "));
		esc_html(out, label_outbound(L));
	}
	sb_release(&b);
}

static void latest_shortage(struct strbuf *out, const struct lang *L, const struct latest_report *x)
{
	struct strbuf item = STRBUF_INIT, b = STRBUF_INIT;

	/* "none" has no colour of its own: the grey of "low", its word beside it. */
	sb_addf(out, "<span class=\"badge v%d\">", x->code > 0 ? x->code : 1);
	esc_html(out, label_severity_badge(L, x->code));
	sb_addstr(out, "</span> ");
	cut(&item, x->item, LATEST_TEXT_CHARS);
	if (*x->place)
		/* TRANSLATORS: a shortage among the latest reports: the item, the place, the day it was seen. */
		T(tr(L, "%s in %s on %s"), item.buf, cut(&b, x->place, LATEST_TEXT_CHARS), DATE(x->day));
	else
		/* TRANSLATORS: a shortage among the latest reports: the item, the day it was seen. */
		T(tr(L, "%s on %s"), item.buf, DATE(x->day));
	sb_release(&item);
	sb_release(&b);
}

static void latest_disruption(struct strbuf *out, const struct lang *L, const struct latest_report *x)
{
	char from[I18N_DATE_LEN], to[I18N_DATE_LEN] = "";
	struct strbuf b = STRBUF_INIT;
	const char *svc = E(label_service(L, x->code));

	i18n_local(L, x->at, x->at_offset, from);
	if (x->ended)
		i18n_local(L, x->end, x->end_offset, to);
	if (*x->place && x->ended)
		/* TRANSLATORS: a service cut among the latest reports: the service ("Gas"), the place, when it began and ended (dates and times). */
		T(tr(L, "%s in %s, from %s to %s"), svc, cut(&b, x->place, LATEST_TEXT_CHARS), E(from), E(to));
	else if (*x->place)
		/* TRANSLATORS: a service cut among the latest reports, not over when reported: the service ("Gas"), the place, when it began. */
		T(tr(L, "%s in %s, since %s"), svc, cut(&b, x->place, LATEST_TEXT_CHARS), E(from));
	else if (x->ended)
		T(tr(L, "%s, from %s to %s"), svc, E(from), E(to));
	else
		T(tr(L, "%s, since %s"), svc, E(from));
	sb_release(&b);
}

static void latest_access(struct strbuf *out, const struct lang *L, const struct sw_corridor *c,
			  const struct latest_report *x)
{
	char at[I18N_DATE_LEN];
	struct strbuf b = STRBUF_INIT;

	sb_addf(out, "<span class=\"badge s%d\">", x->code);
	esc_html(out, label_status_badge(L, x->code));
	sb_addstr(out, "</span> ");
	i18n_local(L, x->at, x->at_offset, at);
	if (*x->place)
		/* TRANSLATORS: an access change among the latest reports, after its status: the crossing, since when (a date and time). */
		T(tr(L, "%s, since %s"), cut(&b, place_crossing(c, x->place, L), LATEST_TEXT_CHARS), E(at));
	else
		T(tr(L, "since %s"), E(at));
	sb_release(&b);
}

/*
 * " · evidence: host" linked to the whole address, for an http(s) address
 * with a plausible host; a longer one than LATEST_HREF_MAX shows its host
 * unlinked; anything else (javascript:, data:, ...) nothing at all.
 */
static bool evidence_link(struct strbuf *out, const char *url)
{
	struct strbuf href = STRBUF_INIT, name = STRBUF_INIT;
	const char *h;
	size_t n;

	if (!url_host(url, &h, &n))
		return false;
	sb_add(&name, h, n);
	esc_html(&href, url);
	if (href.len <= LATEST_HREF_MAX) {
		sb_addstr(out, "<a href=\"");
		sb_addstr(out, href.buf);
		sb_addstr(out, "\" rel=\"nofollow noopener\">");
	}
	add_bdi(out, name.buf);
	if (href.len <= LATEST_HREF_MAX)
		sb_addstr(out, "</a>");
	sb_release(&href);
	sb_release(&name);
	return true;
}

static void latest_evidence(struct strbuf *out, const struct lang *L, const char *url)
{
	struct strbuf host = STRBUF_INIT;

	if (evidence_link(&host, url)) {
		sb_addstr(out, " \xc2\xb7 ");
		/* TRANSLATORS: the evidence a report gives, after who sent it: the host name of its link ("reliefweb.int"). */
		T(tr(L, "evidence: %s"), host.buf);
	}
	sb_release(&host);
}

static void latest_item(struct strbuf *out, const struct lang *L, const struct corridor_data *d,
			const struct latest_report *x)
{
	const struct source_org *o = eval_org(d, x->org);
	struct strbuf kind = STRBUF_INIT, fig = STRBUF_INIT, b = STRBUF_INIT;
	char at[I18N_DATE_LEN];

	sb_addstr(&kind, "<strong>");
	esc_html(&kind, label_kind(L, x->kind));
	sb_addstr(&kind, "</strong>");
	switch (x->kind) {
	case KIND_TRUCKS: latest_trucks(&fig, L, d->c, x); break;
	case KIND_SHORTAGE: latest_shortage(&fig, L, x); break;
	case KIND_DISRUPTION: latest_disruption(&fig, L, x); break;
	default: latest_access(&fig, L, d->c, x); break;
	}
	sb_addstr(out, "<li>");
	/* TRANSLATORS: one of the latest reports: its kind ("Shortage"), then what it says ("CRITICAL baby formula in Stepanakert on 6 January 2023"). */
	T(trp(L, "report kind and figure", "%s: %s"), kind.buf, fig.buf);
	sb_addstr(out, "<br><small>");
	i18n_local(L, x->received_at, x->received_offset, at);
	/* TRANSLATORS: who sent one of the latest reports, and when it was received (a date and time). */
	T(tr(L, "%s, received %s"), o ? cut(&b, o->name, LATEST_TEXT_CHARS)
	  : E(tr(L, "unknown organisation")), E(at));
	if (*x->url)
		latest_evidence(out, L, x->url);
	sb_addstr(out, "</small>");
	if (*x->note) {
		sb_addstr(out, "<br><small>");
		/* TRANSLATORS: a report's own note (free text, perhaps cut short with "…"). */
		T(tr(L, "Note: %s"), cut(&b, x->note, LATEST_NOTE_CHARS));
		sb_addstr(out, "</small>");
	}
	sb_addstr(out, "</li>\n");
	sb_release(&kind);
	sb_release(&fig);
	sb_release(&b);
}

/* The CSV export of each kind, up to D: "Truck count · Shortage · ..." as links. */
static void latest_exports(struct strbuf *out, const struct lang *L, const struct corridor_eval *e)
{
	char to[FMT_DATE_LEN];

	fmt_date(e->D, to);
	for (int k = 0; k < KIND_MOVEMENT; k++) {
		sb_addstr(out, k ? " \xc2\xb7 <a href=\"/api/v1/reports.csv?kind=" : "<a href=\"/api/v1/reports.csv?kind=");
		esc_html(out, report_kinds[k]);
		sb_addstr(out, "&amp;corridor=");
		esc_html(out, e->data->c->id);
		sb_addstr(out, "&amp;to=");
		esc_html(out, to);
		sb_addstr(out, "\">");
		esc_html(out, label_kind(L, k));
		sb_addstr(out, "</a>");
	}
}

/* What the list is, or that nothing had come: one sentence under the heading. */
static void latest_caption(struct strbuf *out, const struct lang *L, const struct corridor_eval *e,
			   size_t n)
{
	bool today = e->D >= e->data->today;

	sb_addstr(out, "<p>");
	if (n == 0 && today)
		/* TRANSLATORS: under "Latest reports", when nobody has reported yet. */
		T(tr(L, "None yet."));
	else if (n == 0)
		/* TRANSLATORS: under "Latest reports" on a page as of a past date: none had come by then. */
		T(tr(L, "None received by the end of %s."), DATE(e->D));
	else if (today)
		T(tr(L, "Newest first. A corrected report is shown in its latest version; a retracted one is not shown."));
	else
		/* TRANSLATORS: under "Latest reports" on a page as of a past date. */
		T(tr(L, "Received by the end of %s, newest first. A corrected report is shown in its latest version; a retracted one is not shown."),
		  DATE(e->D));
	sb_addstr(out, "</p>\n");
}

/* As of a past D, when the snapshot's twenty may not reach back far enough. */
static void latest_cut(struct strbuf *out, const struct lang *L, const struct corridor_eval *e)
{
	struct strbuf links = STRBUF_INIT;

	latest_exports(&links, L, e);
	sb_addstr(out, "<p>");
	/* TRANSLATORS: on a page as of a past date: the number of reports the page keeps (20), the date twice, then links to the CSV export of each kind of report ("Truck count · Shortage · ..."). */
	T(trn(L, "This page keeps only the latest %s report, so some received by %s may be missing here. Every current report dated up to %s, as CSV: %s.",
	      "This page keeps only the latest %s reports, so some received by %s may be missing here. Every current report dated up to %s, as CSV: %s.",
	      LATEST_MAX), NUM(LATEST_MAX), DATE(e->D), DATE(e->D), links.buf);
	sb_addstr(out, "</p>\n");
	sb_release(&links);
}

/*
 * The newest current reports received by D's end, newest first.  As of a
 * past D the snapshot's twenty may not reach back far enough: the page
 * then says so and links to the exports, which hold them all.
 */
static void latest_block(struct strbuf *out, const struct lang *L, const struct corridor_eval *e)
{
	const struct corridor_data *d = e->data;
	size_t n = d->nlatest - e->latest_from;

	sb_addstr(out, "<h3>");
	T(tr(L, "Latest reports"));
	sb_addstr(out, "</h3>\n");
	/* With none to show and some perhaps missing, the last sentence says all. */
	if (n > 0 || !e->latest_cut)
		latest_caption(out, L, e, n);
	if (n > 0) {
		sb_addstr(out, "<ol class=\"it\">\n");
		for (size_t i = e->latest_from; i < d->nlatest; i++)
			latest_item(out, L, d, &d->latest[i]);
		sb_addstr(out, "</ol>\n");
	}
	if (e->latest_cut)
		latest_cut(out, L, e);
}

/* ---- the timeline (a corridor's page) ---- */

#define TIMELINE_PAGE 20	/* events a page shows */
#define TIMELINE_SOURCES 5	/* organisations named with an event; the rest are counted */

/* This page of the timeline, or another: "/corridors/lachin?before=...&amp;as_of=...#timeline". */
static void timeline_url(struct strbuf *out, const struct page *pg, const struct corridor_eval *e,
			 const struct tl_event *after)
{
	const char *sep = "?";

	sb_addstr(out, "/corridors/");
	esc_html(out, e->data->c->id);
	if (after) {
		char cur[TL_CURSOR_LEN];

		tl_cursor_of(after, cur);
		sb_addf(out, "%sbefore=%s", sep, cur);
		sep = "&amp;";
	}
	if (e->D < e->data->today) {
		char d[FMT_DATE_LEN];

		fmt_date(e->D, d);
		sb_addf(out, "%sas_of=%s", sep, d);
		sep = "&amp;";
	}
	if (lang_in_url(pg->cfg, pg->L))
		sb_addf(out, "%slang=%s", sep, pg->L->code);
	sb_addstr(out, "#timeline");
}

/*
 * "ICRC (evidence: icrc.org), UNHCR": each organisation once, with its
 * reports' links, at most TIMELINE_SOURCES of them.
 */
static void timeline_sources(struct strbuf *out, const struct lang *L, const struct corridor_eval *e,
			     const struct timeline *t, const struct tl_event *ev)
{
	const struct tl_source *src = &t->sources[ev->src];
	struct strbuf names = STRBUF_INIT, b = STRBUF_INIT, link = STRBUF_INIT;
	size_t named = 0, more = 0;

	for (size_t i = 0; i < ev->nsrc;) {
		const struct source_org *o = eval_org(e->data, src[i].org);
		size_t links = 0;

		if (named == TIMELINE_SOURCES) {
			more++;
			for (i++; i < ev->nsrc && src[i].org == src[i - 1].org; i++)
				;
			continue;
		}
		if (named++)
			T2(&names, "%s", E(tr(L, ", ")));
		sb_addstr(&names, o ? cut(&b, o->name, LATEST_TEXT_CHARS) : E(tr(L, "unknown organisation")));
		/* Sources come by organisation: its links follow, up to three. */
		do {
			sb_reset(&link);
			if (links < 3 && evidence_link(&link, src[i].url)) {
				sb_addstr(&names, links++ ? ", " : " (");
				T2(&names, tr(L, "evidence: %s"), link.buf);
			}
			i++;
		} while (i < ev->nsrc && src[i].org == src[i - 1].org);
		if (links)
			sb_addch(&names, ')');
	}
	if (named)
		event_reported_by(out, L, true, names.buf, more);
	sb_release(&names);
	sb_release(&b);
	sb_release(&link);
}

/* When an event happened: a date, or a date and time in the corridor's zone. */
static void timeline_when(struct strbuf *out, const struct lang *L, const struct tl_event *ev)
{
	char machine[FMT_INSTANT_LEN], shown[I18N_DATE_LEN];

	if (ev->dated) {
		fmt_date(ev->day, machine);
		i18n_date(L, ev->day, shown);
	} else {
		fmt_instant_local(ev->at, ev->offset, machine);
		i18n_local(L, ev->at, ev->offset, shown);
	}
	sb_addf(out, "<time datetime=\"%s\">", machine);
	esc_html(out, shown);
	sb_addstr(out, "</time>");
}

static void timeline_item(struct strbuf *out, const struct lang *L, const struct corridor_eval *e,
			  const struct timeline *t, const struct tl_event *ev)
{
	sb_addstr(out, "<li>");
	timeline_when(out, L, ev);
	sb_addstr(out, "<br><strong>");
	event_title(out, L, true, e, ev);
	sb_addstr(out, "</strong>");
	if (ev->nsrc || (ev->kind <= TL_STATUS && ev->basis != BASIS_NONE)) {
		sb_addstr(out, "<br><small>");
		timeline_sources(out, L, e, t, ev);
		if (ev->kind <= TL_STATUS && ev->basis != BASIS_NONE) {
			if (ev->nsrc)
				sb_addstr(out, " ");
			/* TRANSLATORS: how a blockade's or a status's day was decided: "declared by access reports", "from truck flows". */
			T(tr(L, "Status %s."), E(basis_phrase(L, ev->basis)));
		}
		sb_addstr(out, "</small>");
	}
	sb_addstr(out, "</li>\n");
}

/*
 * What happened, newest first, TIMELINE_PAGE events at a time, paged by
 * plain links (?before=): the page's timeline is built as of its D, so a
 * past as_of shows nothing after that day.
 */
static void timeline_block(struct strbuf *out, const struct page *pg, const struct corridor_eval *e)
{
	const struct lang *L = pg->L;
	const struct timeline *t = pg->tl;
	size_t from = pg->before ? timeline_seek(t, pg->before) : 0;
	size_t to = timeline_page_end(t, from, TIMELINE_PAGE);

	sb_addstr(out, "<h3 id=\"timeline\">");
	T(tr(L, "Timeline"));
	sb_addstr(out, "</h3>\n<p>");
	if (t->n == 0)
		/* TRANSLATORS: under "Timeline", when nothing has happened that reports tell of. */
		T(tr(L, "No events yet."));
	else if (from == to)
		/* TRANSLATORS: under "Timeline", on a page past its last event. */
		T(tr(L, "No earlier events."));
	else if (e->D >= e->data->today)
		/* TRANSLATORS: under "Timeline": what it lists. */
		T(tr(L, "Newest first: blockades, status changes, crossings, service disruptions and shortages, with the organisations that reported them. A retracted report is not counted; a corrected one counts in its latest version."));
	else
		/* TRANSLATORS: under "Timeline" on a page as of a past date. */
		T(tr(L, "Up to the end of %s, newest first: blockades, status changes, crossings, service disruptions and shortages, with the organisations that reported them. A retracted report is not counted; a corrected one counts in its latest version."),
		  DATE(e->D));
	sb_addstr(out, "</p>\n");
	if (from < to) {
		sb_addstr(out, "<ol class=\"it\">\n");
		for (size_t i = from; i < to; i++)
			timeline_item(out, L, e, t, &t->ev[i]);
		sb_addstr(out, "</ol>\n");
	}
	if (pg->before || to < t->n) {
		sb_addstr(out, "<p>");
		if (to < t->n) {
			sb_addstr(out, "<a href=\"");
			timeline_url(out, pg, e, &t->ev[to - 1]);
			sb_addstr(out, "\" rel=\"next\">");
			T(tr(L, "Earlier events"));
			sb_addstr(out, "</a>");
		}
		if (pg->before) {
			sb_addstr(out, to < t->n ? " \xc2\xb7 <a href=\"" : "<a href=\"");
			timeline_url(out, pg, e, NULL);
			sb_addstr(out, "\">");
			T(tr(L, "Latest events"));
			sb_addstr(out, "</a>");
		}
		sb_addstr(out, "</p>\n");
	}
}

static void crossings_head(struct strbuf *out, const struct lang *L)
{
	sb_addstr(out, "<h3>");
	T(tr(L, "Crossings"));
	sb_addstr(out, "</h3>\n<div class=\"tw\"><table>\n<thead><tr><th scope=\"col\">");
	T(tr(L, "Crossing"));
	sb_addstr(out, "</th><th scope=\"col\">");
	T(tr(L, "State"));
	sb_addstr(out, "</th><th scope=\"col\">");
	T(tr(L, "Open days, last 30"));
	sb_addstr(out, "</th><th scope=\"col\">");
	T(tr(L, "Closures, last 30"));
	sb_addstr(out, "</th></tr></thead>\n<tbody>\n");
}

static void crossings_block(struct strbuf *out, const struct lang *L, const struct corridor_eval *e)
{
	const struct corridor_data *d = e->data;
	bool any = false;

	for (size_t i = 0; i < e->ncrossings; i++) {
		const struct crossing_state *c = &e->crossings[i];
		char since[I18N_DATE_LEN];

		if (c->state == ST_UNKNOWN && i >= d->c->ncrossings)
			continue;
		if (!any)
			crossings_head(out, L);
		any = true;
		sb_addstr(out, "<tr><th scope=\"row\">");
		add_bdi(out, i < d->c->ncrossings ? crossing_name(d->c, i, L) : d->crossing_names[i]);
		sb_addf(out, "</th><td><span class=\"badge s%d\">", c->state);
		esc_html(out, label_status_badge(L, c->state));
		sb_addstr(out, "</span><br><small>");
		if (c->since)
			T(tr(L, "since %s"), E(i18n_local(L, c->since, c->since_offset, since)));
		else
			T(tr(L, "no report"));
		sb_addf(out, "</small></td><td>%s</td><td>%s</td></tr>\n", NUM(c->open_days_30d),
			NUM(c->closures_30d));
	}
	if (any)
		sb_addstr(out, "</tbody></table></div>\n");
}

static void movement_item(struct strbuf *out, const struct lang *L, const struct movement *m)
{
	struct strbuf what = STRBUF_INIT, b = STRBUF_INIT;

	/* The outcome, then what is known of it, each part after the list separator. */
	sb_addstr(&what, "<strong>");
	esc_html(&what, label_outcome(L, m->outcome));
	sb_addstr(&what, "</strong>");
	if (*m->purpose) {
		tr_add(&what, esc_html, tr(L, ", "));
		esc_html(&what, label_purpose(L, m->purpose));
	}
	if (*m->from || *m->to) {
		tr_add(&what, esc_html, tr(L, ", "));
		add_bdi(&what, *m->from ? m->from : "?");
		/* From one place to the other, as the line is read: leftwards in a right-to-left page. */
		sb_addstr(&what, L->rtl ? " \xe2\x86\x90 " : " \xe2\x86\x92 ");
		add_bdi(&what, *m->to ? m->to : "?");
	}
	if (*m->crossing) {
		sb_addch(&what, ' ');
		/* TRANSLATORS: the crossing a movement went through. */
		tr_add(&what, esc_html, tr(L, "via %s"), bdi(&b, m->crossing));
	}
	if (m->has_delay) {
		tr_add(&what, esc_html, tr(L, ", "));
		/* TRANSLATORS: a movement's delay in hours, short: "delayed 3.5 h". */
		tr_add(&what, esc_html, tr(L, "delayed %s h"), DEC1(m->delay_hours));
	}
	sb_addstr(out, "<li>");
	/* TRANSLATORS: a movement: the day it was planned for, then its outcome and details. */
	T(trp(L, "movement line", "%s: %s"), DATE(m->planned), what.buf);
	sb_addstr(out, "</li>\n");
	sb_release(&what);
	sb_release(&b);
}

/* Movements over 30 days: counted by outcome; those past the embargo listed. */
static void movements_block(struct strbuf *out, const struct page *pg, const struct corridor_eval *e)
{
	const struct lang *L = pg->L;
	const struct movement_summary *m = &e->movements;
	struct strbuf list = STRBUF_INIT;
	bool first = true;

	if (m->total_30d == 0)
		return;
	sb_addstr(out, "<h3>");
	T(tr(L, "Humanitarian movements, last 30 days"));
	sb_addstr(out, "</h3>\n<p>");
	for (int o = 0; o < NOUTCOME; o++) {
		if (!m->by_outcome_30d[o])
			continue;
		sb_addstr(&list, first ? "" : " \xc2\xb7 ");
		/* TRANSLATORS: a movement outcome and how many had it: "Denied 3". */
		tr_add(&list, esc_html, trp(L, "outcome and count", "%s %s"), E(label_outcome(L, o)),
		       NUM(m->by_outcome_30d[o]));
		first = false;
	}
	/* TRANSLATORS: how many humanitarian movements were planned in the last 30 days, then how many had each outcome ("Denied 3 · Postponed 1"). */
	T(trn(L, "%s planned: %s.", "%s planned: %s.", (uint64_t)m->total_30d), NUM(m->total_30d), list.buf);
	sb_release(&list);
	sb_addch(out, ' ');
	/* TRANSLATORS: the share of the movements planned in the last 30 days that were denied or impeded. */
	T(tr(L, "%s of them denied or impeded."), BOLD(PCT1(m->denied_or_impeded_pct)));
	sb_addstr(out, "</p>\n");
	if (m->embargoed_30d) {
		sb_addstr(out, "<p>");
		T(trn(L, "%s movement is counted but not listed yet.",
		      "%s movements are counted but not listed yet.", (uint64_t)m->embargoed_30d),
		  NUM(m->embargoed_30d));
		sb_addch(out, ' ');
		T(trn(L, "Places and dates are published %s hour after the planned day.",
		      "Places and dates are published %s hours after the planned day.",
		      (uint64_t)pg->cfg->embargo_hours), NUM(pg->cfg->embargo_hours));
		sb_addstr(out, "</p>\n");
	}
	if (pg->home || m->nlisted == 0)
		return;
	sb_addstr(out, "<ul class=\"it\">\n");
	for (size_t i = 0; i < m->nlisted; i++)
		movement_item(out, L, m->listed[i]);
	sb_addstr(out, "</ul>\n");
}

static void corridor_section(struct strbuf *out, const struct page *pg, const struct corridor_eval *e)
{
	const struct lang *L = pg->L;
	size_t max = pg->home ? LIST_MAX_HOME : LIST_MAX_PAGE;

	sb_addstr(out, "<section>\n");
	section_title(out, pg, e);
	status_line(out, L, e);
	blockade_lines(out, L, e);
	trucks_block(out, L, e);
	truck_chart(out, pg, e);
	if (!pg->home)
		side_by_side(out, L, e);
	crossings_block(out, L, e);
	movements_block(out, pg, e);
	ongoing_block(out, pg, e, max);
	services_block(out, L, e);
	shortages_block(out, pg, e, max);
	freshness_block(out, L, pg->cfg, e);
	if (!pg->home) {
		sources_block(out, L, e);
		timeline_block(out, pg, e);
		latest_block(out, L, e);
	}
	links_block(out, pg, e);
	sb_addstr(out, "</section>\n");
}

static void render_page(struct strbuf *out, const struct page *pg)
{
	const struct lang *L = pg->L;
	size_t count = pg->home ? pg->n : (pg->n > 0);

	page_head(out, pg);
	page_header(out, pg);
	sb_addstr(out, "<main>\n");
	if (count == 0) {
		sb_addstr(out, "<p>");
		T(tr(L, "No corridors are configured."));
		sb_addstr(out, "</p>\n");
	}
	for (size_t i = 0; i < count; i++)
		corridor_section(out, pg, &pg->e[i]);
	sb_addstr(out, "</main>\n");
	page_footer(out, pg);
}

void render_html(struct strbuf *out, const struct sw_config *cfg, const struct lang *L,
		 const struct corridor_eval *e, size_t n, int64_t generated_at, bool db_up)
{
	struct page pg = { cfg, L, e, n, true, generated_at, db_up, NULL, NULL };

	render_page(out, &pg);
}

void render_corridor_html(struct strbuf *out, const struct sw_config *cfg, const struct lang *L,
			  const struct corridor_eval *e, const struct timeline *t,
			  const struct tl_cursor *before, int64_t generated_at, bool db_up)
{
	struct page pg = { cfg, L, e, 1, false, generated_at, db_up, t, before };

	render_page(out, &pg);
}
