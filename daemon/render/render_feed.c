/*
 * render_feed: the Atom 1.0 feed (RFC 4287) of status changes.
 *
 * Changes are derived, not stored: every render walks each corridor's
 * evaluated days, blockade periods and disruptions and turns each change
 * into an entry.  An entry's id is a tag: URI built only from what the
 * change is (corridor, kind, date or instant, service), so a rebuild gives
 * the same change the same id and feed readers do not show it twice.
 *
 * esc_xml's output (& < > " ' as entities, CR as &#13; so it is not read
 * as LF) is valid XML text and attribute content; the other control
 * characters and U+FFFE/U+FFFF were refused at input.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "render/render.h"
#include "util/escape.h"
#include "util/fmt.h"

#define FEED_MAX 100
#define TAG "tag:supplywatch,2022:"
#define DAY_S 86400

/* In order of display for changes at the same instant. */
enum change_kind { CH_BLOCKADE_BEGAN, CH_BLOCKADE_ENDED, CH_STATUS, CH_DIS_ENDED, CH_DIS_BEGAN,
		   CH_CROSSING };

struct change {
	int64_t at;				/* instant, for ordering and <updated> */
	enum change_kind kind;
	const struct corridor_eval *e;
	size_t ci;				/* corridor index: a stable tie-break */
	const struct period *p;			/* blockade kinds */
	int64_t date;				/* status change: the day */
	int from, to;				/* status change */
	const struct disruption *d;		/* disruption kinds */
	const struct crossing_event *x;		/* a crossing's state changed (from, to) */
};

struct changes {
	struct change *v;
	size_t n, alloc;
};

static void add_change(struct changes *cs, const struct change *c)
{
	if (cs->n == cs->alloc) {
		cs->alloc = cs->alloc ? cs->alloc * 2 : 64;
		cs->v = xrealloc(cs->v, cs->alloc * sizeof(*cs->v));
	}
	cs->v[cs->n++] = *c;
}

/* ---- deriving changes ---- */

static void blockade_changes(struct changes *cs, const struct corridor_eval *e, size_t ci)
{
	for (size_t i = 0; i < e->np; i++) {
		const struct period *p = &e->periods[i];
		struct change c = { .at = p->first * DAY_S, .kind = CH_BLOCKADE_BEGAN,
				    .e = e, .ci = ci, .p = p };

		add_change(cs, &c);
		if (p->ongoing)
			continue;
		/*
		 * The rules only know a blockade ended once the stretch that broke
		 * it has run its course, days later; the reader wants the day it
		 * actually stopped, so the entry is dated the day after its last
		 * blocked or restricted day.
		 */
		c.kind = CH_BLOCKADE_ENDED;
		c.at = (p->last + 1) * DAY_S;
		add_change(cs, &c);
	}
}

/* Unknown days carry no status: a gap between two blocked days is no change. */
static void status_changes(struct changes *cs, const struct corridor_eval *e, size_t ci)
{
	int last = ST_UNKNOWN;

	for (size_t i = 0; i < e->n; i++) {
		const struct day *d = &e->days[i];
		struct change c = { .at = d->date * DAY_S, .kind = CH_STATUS, .e = e, .ci = ci,
				    .date = d->date, .from = last, .to = d->status };

		if (d->status == ST_UNKNOWN)
			continue;
		if (last != ST_UNKNOWN && d->status != last)
			add_change(cs, &c);
		last = d->status;
	}
}

/* The end of D as an instant: events after it are not known as of D. */
static int64_t end_of_d(const struct corridor_eval *e)
{
	if (e->fresh.end_of_day > 0)
		return e->fresh.end_of_day;
	return e->data->next_midnight;
}

static void disruption_changes(struct changes *cs, const struct corridor_eval *e, size_t ci)
{
	int64_t end = end_of_d(e);

	for (size_t i = 0; i < e->data->ndis; i++) {
		const struct disruption *d = &e->data->dis[i];
		struct change c = { .at = d->started_at, .kind = CH_DIS_BEGAN, .e = e, .ci = ci,
				    .d = d };

		if (d->start_day > e->D)
			continue;
		add_change(cs, &c);
		if (d->ended && d->ended_at <= end) {
			c.kind = CH_DIS_ENDED;
			c.at = d->ended_at;
			add_change(cs, &c);
		}
	}
}

/* A crossing's state changing, from the access events that name it, up to D's end. */
static void crossing_changes(struct changes *cs, const struct corridor_eval *e, size_t ci)
{
	const struct corridor_data *d = e->data;
	int *last = xcalloc(d->ncrossing_names ? d->ncrossing_names : 1, sizeof(*last));

	for (size_t i = 0; i < d->ncrossing_names; i++)
		last[i] = ST_UNKNOWN;
	for (size_t i = 0; i < d->ncev && d->cev[i].day <= e->D; i++) {
		const struct crossing_event *x = &d->cev[i];
		struct change c = { .at = x->at, .kind = CH_CROSSING, .e = e, .ci = ci, .x = x,
				    .from = last[x->crossing], .to = x->status };

		if (x->status != last[x->crossing])
			add_change(cs, &c);
		last[x->crossing] = x->status;
	}
	free(last);
}

/* Newest first; the rest only makes the order total, hence stable. */
static int cmp_change(const void *a, const void *b)
{
	const struct change *x = a, *y = b;

	if (x->at != y->at)
		return x->at > y->at ? -1 : 1;
	if (x->ci != y->ci)
		return x->ci < y->ci ? -1 : 1;
	if (x->kind != y->kind)
		return x->kind < y->kind ? -1 : 1;
	if (x->d && y->d && x->d->service != y->d->service)
		return x->d->service < y->d->service ? -1 : 1;
	if (x->d && y->d)
		return strcmp(x->d->location, y->d->location);
	if (x->x && y->x && x->x->crossing != y->x->crossing)
		return x->x->crossing < y->x->crossing ? -1 : 1;
	return 0;
}

/* Several organisations reporting the same cut at the same instant are one change. */
static bool same_change(const struct change *x, const struct change *y)
{
	return x->d && y->d && cmp_change(x, y) == 0;
}

/* ---- writing entries ---- */

/*
 * Locations are free text, unfit for a URI as they are; a stable hash of
 * one tells apart two cuts of one service that began at the same instant.
 */
static uint32_t fnv1a(const char *s)
{
	uint32_t h = 2166136261u;

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 16777619u;
	return h;
}

static void entry_id(struct strbuf *out, const struct change *c)
{
	static const char *const kinds[] = { "blockade-began", "blockade-ended", "status",
					      "disruption-ended", "disruption-began", "crossing" };
	char when[32];

	if (c->d || c->x)
		fmt_instant_utc(c->at, when);
	else
		fmt_date(c->at / DAY_S, when);
	sb_addstr(out, "<id>" TAG);
	esc_xml(out, c->e->data->c->id);
	sb_addf(out, "/%s/%s", kinds[c->kind], when);
	if (c->d)
		sb_addf(out, "/%s", c->d->service_name);
	if (c->d && c->d->location[0])
		sb_addf(out, "/%08x", (unsigned)fnv1a(c->d->location));
	if (c->x)
		sb_addf(out, "/%08x", (unsigned)fnv1a(c->e->data->crossing_names[c->x->crossing]));
	sb_addstr(out, "</id>\n");
}

static void dis_subject(struct strbuf *out, const struct change *c)
{
	const struct disruption *d = c->d;

	sb_addch(out, (char)toupper((unsigned char)d->service_name[0]));
	sb_addf(out, "%s disruption ", d->service_name + 1);
	if (d->location[0]) {
		sb_addstr(out, "in ");
		esc_xml(out, d->location);
	} else {
		sb_addstr(out, "on ");
		esc_xml(out, c->e->data->c->name);
	}
}

static void entry_title(struct strbuf *out, const struct change *c)
{
	const char *name = c->e->data->c->name;

	sb_addstr(out, "<title>");
	switch (c->kind) {
	case CH_BLOCKADE_BEGAN:
	case CH_BLOCKADE_ENDED:
		sb_addstr(out, "Blockade of ");
		esc_xml(out, name);
		if (c->kind == CH_BLOCKADE_BEGAN)
			sb_addstr(out, " began");
		else
			sb_addf(out, " ended after %lld days", (long long)c->p->days);
		break;
	case CH_STATUS:
		esc_xml(out, name);
		sb_addf(out, ": status changed from %s to %s", status_name(c->from),
			status_name(c->to));
		break;
	case CH_DIS_BEGAN:
	case CH_DIS_ENDED:
		dis_subject(out, c);
		sb_addstr(out, c->kind == CH_DIS_BEGAN ? " began" : " ended");
		break;
	case CH_CROSSING:
		esc_xml(out, c->e->data->crossing_names[c->x->crossing]);
		sb_addstr(out, " (");
		esc_xml(out, name);
		sb_addf(out, "): crossing %s", c->to == ST_BLOCKED ? "closed" :
			c->to == ST_OPEN ? (c->from == ST_UNKNOWN ? "open" : "reopened") : "restricted");
		break;
	}
	sb_addstr(out, "</title>\n");
}

static void summary_blockade(struct strbuf *out, const struct change *c)
{
	char first[11], last[11];

	fmt_date(c->p->first, first);
	fmt_date(c->p->ongoing ? c->e->D : c->p->last, last);
	if (c->kind == CH_BLOCKADE_ENDED)
		sb_addf(out, "The blockade lasted %lld days, from %s to %s.",
			(long long)c->p->days, first, last);
	else if (c->p->ongoing)
		sb_addf(out, "First blocked day: %s. Still in effect: day %lld as of %s.",
			first, (long long)c->p->days, last);
	else
		sb_addf(out, "First blocked day: %s. It lasted %lld days, until %s.",
			first, (long long)c->p->days, last);
}

static void summary_status(struct strbuf *out, const struct change *c)
{
	const struct day *d = &c->e->days[c->date - c->e->days[0].date];
	char date[11];

	fmt_date(c->date, date);
	sb_addf(out, "On %s the status became %s (", date, status_name(c->to));
	sb_addstr(out, d->basis == BASIS_DECLARED ? "declared by an access report" :
		  "from truck flows");
	sb_addf(out, "), after %s.", status_name(c->from));
}

static void summary_disruption(struct strbuf *out, const struct change *c)
{
	const struct disruption *d = c->d;
	char when[32];

	fmt_instant_local(d->started_at, d->start_offset, when);
	sb_addf(out, "Began %s", when);
	if (c->kind == CH_DIS_ENDED) {
		fmt_instant_utc(d->ended_at, when);
		sb_addf(out, ", ended %s, %lld day%s", when,
			(long long)(d->end_day - d->start_day + 1),
			d->end_day == d->start_day ? "" : "s");
	}
	sb_addch(out, '.');
	if (d->people >= 0)
		sb_addf(out, " People affected: %lld.", (long long)d->people);
}

static void summary_crossing(struct strbuf *out, const struct change *c)
{
	char when[32];

	fmt_instant_local(c->x->at, c->x->offset, when);
	sb_addf(out, "From %s the crossing was %s", when, status_name(c->to));
	if (c->from != ST_UNKNOWN)
		sb_addf(out, " (before: %s)", status_name(c->from));
	sb_addstr(out, ", by an access report.");
}

static void entry_summary(struct strbuf *out, const struct change *c)
{
	struct strbuf text = STRBUF_INIT;

	if (c->kind == CH_CROSSING)
		summary_crossing(&text, c);
	else if (c->kind == CH_STATUS)
		summary_status(&text, c);
	else if (c->d)
		summary_disruption(&text, c);
	else
		summary_blockade(&text, c);
	/* The summaries hold no report text, only our own words and numbers. */
	sb_addf(out, "<summary>%s</summary>\n", text.buf);
	sb_release(&text);
}

static void entry(struct strbuf *out, const struct change *c)
{
	char at[32];

	fmt_instant_utc(c->at, at);
	sb_addstr(out, "<entry>\n");
	entry_id(out, c);
	entry_title(out, c);
	sb_addf(out, "<updated>%s</updated>\n<link href=\"/corridors/", at);
	esc_xml(out, c->e->data->c->id);
	sb_addstr(out, "\"/>\n");
	entry_summary(out, c);
	sb_addstr(out, "</entry>\n");
}

/*
 * The feed's one subtitle: that the database is unreachable, and for each
 * corridor that publishes after review, how many reports its entries leave
 * out for now.
 */
static void feed_subtitle(struct strbuf *out, const struct corridor_eval *e, size_t n, bool db_up)
{
	bool any = !db_up;

	for (size_t i = 0; i < n; i++)
		any |= e[i].data->c->publish == PUBLISH_AFTER_REVIEW;
	if (!any)
		return;
	sb_addstr(out, "<subtitle>");
	if (!db_up)
		sb_addstr(out, "The database is unreachable: these entries are the last "
			  "computed and may be out of date.");
	for (size_t i = 0; i < n; i++) {
		const struct corridor_data *d = e[i].data;

		if (d->c->publish != PUBLISH_AFTER_REVIEW)
			continue;
		sb_addstr(out, out->buf[out->len - 1] == '>' ? "" : " ");
		esc_xml(out, d->c->name);
		sb_addf(out, " counts only reports a reviewer has published: %lld await%s review.",
			(long long)d->awaiting_review, d->awaiting_review == 1 ? "s" : "");
	}
	sb_addstr(out, "</subtitle>\n");
}

static void feed_head(struct strbuf *out, const struct sw_config *cfg, const struct corridor_eval *e,
		      size_t n, int64_t generated_at, bool db_up)
{
	char at[32];

	fmt_instant_utc(generated_at, at);
	sb_addstr(out, "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n"
		  "<feed xmlns=\"http://www.w3.org/2005/Atom\">\n<id>" TAG "feed</id>\n<title>");
	esc_xml(out, cfg->title);
	sb_addf(out, "</title>\n<updated>%s</updated>\n"
		"<link rel=\"self\" href=\"/feed.atom\"/>\n<link href=\"/\"/>\n"
		"<author><name>supplywatch</name></author>\n", at);
	feed_subtitle(out, e, n, db_up);
}

void render_feed(struct strbuf *out, const struct sw_config *cfg, const struct corridor_eval *e,
		 size_t n, int64_t generated_at, bool db_up)
{
	struct changes cs = { NULL, 0, 0 };
	size_t written = 0;

	for (size_t i = 0; i < n; i++) {
		blockade_changes(&cs, &e[i], i);
		status_changes(&cs, &e[i], i);
		disruption_changes(&cs, &e[i], i);
		crossing_changes(&cs, &e[i], i);
	}
	if (cs.n)
		qsort(cs.v, cs.n, sizeof(*cs.v), cmp_change);
	feed_head(out, cfg, e, n, generated_at, db_up);
	for (size_t i = 0; i < cs.n && written < FEED_MAX; i++) {
		if (i > 0 && same_change(&cs.v[i - 1], &cs.v[i]))
			continue;
		entry(out, &cs.v[i]);
		written++;
	}
	sb_addstr(out, "</feed>\n");
	free(cs.v);
}
