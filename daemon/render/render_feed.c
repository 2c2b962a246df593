/*
 * render_feed: the Atom 1.0 feed (RFC 4287) of status changes.
 *
 * Its entries are the corridors' timeline events (core/timeline.h), the
 * newest FEED_MAX of all corridors: the same events, with the same ids,
 * as the corridor pages' timelines and GET /api/v1/corridors/{id}/events.
 * An entry's id is a tag: URI built only from what the change is
 * (corridor, kind, date or instant, subject), so a rebuild gives the same
 * change the same id and feed readers do not show it twice.  Each report's
 * evidence is a link rel="related".
 *
 * esc_xml's output (& < > " ' as entities, CR as &#13; so it is not read
 * as LF) is valid XML text and attribute content; the other control
 * characters and U+FFFE/U+FFFF were refused at input.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "render/event_text.h"
#include "render/labels.h"
#include "render/render.h"
#include "util/escape.h"
#include "util/fmt.h"
#include "util/valid.h"

#define FEED_MAX 100
#define TAG "tag:supplywatch,2022:"
#define SOURCES_MAX 10		/* organisations named in an entry; the rest are counted */
#define DAY_S 86400

/* One corridor's event, among all corridors'. */
struct entry {
	const struct corridor_eval *e;
	const struct timeline *t;
	const struct tl_event *ev;
	size_t ci;				/* corridor index: a stable tie-break */
};

/* Newest first; then by corridor, then in its timeline's order. */
static int cmp_entry(const void *a, const void *b)
{
	const struct entry *x = a, *y = b;

	if (x->ev->at != y->ev->at)
		return x->ev->at > y->ev->at ? -1 : 1;
	if (x->ci != y->ci)
		return x->ci < y->ci ? -1 : 1;
	return (x->ev > y->ev) - (x->ev < y->ev);
}

/* ---- writing entries ---- */

/* A message in the feed: our own text escaped for XML, arguments as built. */
#define T(...) tr_add(out, esc_xml, __VA_ARGS__)

/* Escaped text from a report or the configuration, as an argument of a message. */
static const char *x(struct strbuf *t, const char *s)
{
	sb_reset(t);
	esc_xml(t, s);
	return t->buf;
}

static void summary_blockade(struct strbuf *out, const struct lang *L, const struct entry *c)
{
	const struct period *p = c->ev->p;
	const char *first = DATE(p->first);
	const char *last = DATE(p->ongoing ? c->e->D : p->last);

	if (c->ev->kind == TL_BLOCKADE_ENDED)
		T(trn(L, "The blockade lasted %s day, from %s to %s.",
		      "The blockade lasted %s days, from %s to %s.", (uint64_t)p->days),
		  NUM(p->days), first, last);
	else if (p->ongoing)
		T(tr(L, "First blocked day: %s. Still in effect: day %s as of %s."), first,
		  NUM(p->days), last);
	else
		T(trn(L, "First blocked day: %s. It lasted %s day, until %s.",
		      "First blocked day: %s. It lasted %s days, until %s.", (uint64_t)p->days),
		  first, NUM(p->days), last);
}

static void summary_status(struct strbuf *out, const struct lang *L, const struct tl_event *ev)
{
	if (ev->basis == BASIS_DECLARED)
		T(tr(L, "On %s the status became %s (declared by an access report), after %s."),
		  DATE(ev->day), E(label_status(L, ev->to)), E(label_status(L, ev->from)));
	else
		T(tr(L, "On %s the status became %s (from truck flows), after %s."),
		  DATE(ev->day), E(label_status(L, ev->to)), E(label_status(L, ev->from)));
}

static void summary_disruption(struct strbuf *out, const struct lang *L, const struct tl_event *ev)
{
	const struct disruption *d = ev->d;
	char began[I18N_DATE_LEN], ended[I18N_DATE_LEN];
	int64_t days = d->end_day - d->start_day + 1;

	i18n_local(L, d->started_at, d->start_offset, began);
	if (ev->kind == TL_DISRUPTION_ENDED)
		T(trn(L, "Began %s, ended %s, %s day.", "Began %s, ended %s, %s days.", (uint64_t)days),
		  E(began), E(i18n_local(L, d->ended_at, d->end_offset, ended)), NUM(days));
	else
		T(tr(L, "Began %s."), E(began));
	if (ev->people >= 0) {
		sb_addch(out, ' ');
		T(tr(L, "People affected: %s."), NUM(ev->people));
	}
}

static void summary_crossing(struct strbuf *out, const struct lang *L, const struct tl_event *ev)
{
	char when[I18N_DATE_LEN];

	i18n_local(L, ev->at, ev->offset, when);
	if (ev->from != ST_UNKNOWN)
		T(tr(L, "From %s the crossing was %s (before: %s), by an access report."), E(when),
		  E(label_status(L, ev->to)), E(label_status(L, ev->from)));
	else
		T(tr(L, "From %s the crossing was %s, by an access report."), E(when), E(label_status(L, ev->to)));
}

static void summary_shortage(struct strbuf *out, const struct lang *L, const struct tl_event *ev)
{
	if (ev->to == 0)
		/* TRANSLATORS: a date; said of a shortage whose reporters now all report none. */
		T(tr(L, "On %s no organisation reporting it saw a shortage any more."), DATE(ev->day));
	else
		/* TRANSLATORS: a date, then a severity ("CRITICAL"): the worst of the organisations' latest reports. */
		T(tr(L, "On %s the worst severity reported became %s."), DATE(ev->day),
		  E(label_severity_badge(L, ev->to)));
}

/* "Reported by ICRC, UNHCR." with at most SOURCES_MAX names, each once. */
static void summary_sources(struct strbuf *out, const struct lang *L, const struct entry *c)
{
	const struct tl_source *src = &c->t->sources[c->ev->src];
	struct strbuf names = STRBUF_INIT, t = STRBUF_INIT;
	size_t named = 0, more = 0;

	for (size_t i = 0; i < c->ev->nsrc; i++) {
		const struct source_org *o = eval_org(c->e->data, src[i].org);

		if (i > 0 && src[i].org == src[i - 1].org)
			continue;
		if (named == SOURCES_MAX) {
			more++;
			continue;
		}
		if (named++)
			tr_add(&names, esc_xml, "%s", E(tr(L, ", ")));
		tr_add(&names, esc_xml, "%s", o ? x(&t, o->name) : E(tr(L, "unknown organisation")));
	}
	if (named) {
		sb_addch(out, ' ');
		event_reported_by(out, L, false, names.buf, more);
	}
	sb_release(&names);
	sb_release(&t);
}

static void entry_summary(struct strbuf *out, const struct lang *L, const struct entry *c)
{
	/* Our own words and numbers, and the names of the organisations that reported it. */
	sb_addstr(out, "<summary>");
	switch (c->ev->kind) {
	case TL_CROSSING: summary_crossing(out, L, c->ev); break;
	case TL_STATUS: summary_status(out, L, c->ev); break;
	case TL_DISRUPTION_BEGAN:
	case TL_DISRUPTION_ENDED: summary_disruption(out, L, c->ev); break;
	case TL_SHORTAGE: summary_shortage(out, L, c->ev); break;
	default: summary_blockade(out, L, c); break;
	}
	summary_sources(out, L, c);
	sb_addstr(out, "</summary>\n");
}

/* Each report's evidence, as a related link: http and https only, each address once. */
static void evidence_links(struct strbuf *out, const struct entry *c)
{
	const struct tl_source *src = &c->t->sources[c->ev->src];

	for (size_t i = 0; i < c->ev->nsrc; i++) {
		const char *h;
		size_t n;
		bool seen = false;

		for (size_t k = 0; k < i && !seen; k++)
			seen = strcmp(src[k].url, src[i].url) == 0;
		if (seen || !url_host(src[i].url, &h, &n))
			continue;
		sb_addstr(out, "<link rel=\"related\" href=\"");
		esc_xml(out, src[i].url);
		sb_addstr(out, "\"/>\n");
	}
}

static void entry(struct strbuf *out, const struct sw_config *cfg, const struct lang *L,
		  const struct entry *c)
{
	char at[32], id[TL_ID_LEN];

	fmt_instant_utc(c->ev->at, at);
	tl_event_id(c->e, c->ev, id);
	sb_addstr(out, "<entry>\n<id>");
	/* The same change is the same entry in every language: the id names only the change. */
	esc_xml(out, id);
	sb_addstr(out, "</id>\n<title>");
	event_title(out, L, false, c->e, c->ev);
	sb_addf(out, "</title>\n<updated>%s</updated>\n<link href=\"/corridors/", at);
	esc_xml(out, c->e->data->c->id);
	add_lang_query(out, cfg, L);
	sb_addstr(out, "\"/>\n");
	evidence_links(out, c);
	entry_summary(out, L, c);
	sb_addstr(out, "</entry>\n");
}

/*
 * A signed head of the public ledger (docs/ledger.md): the checkpoint
 * itself is the content, so whoever archives the feed keeps every head it
 * saw and can later hold the log to it (supplywatch verify --head).
 */
static void head_entry(struct strbuf *out, const struct lang *L, const struct ledger_signed *h)
{
	char at[32];

	fmt_instant_utc(h->signed_at, at);
	sb_addf(out, "<entry>\n<id>" TAG "ledger/head/%" PRIu64 "</id>\n<title>", h->size);
	T(trn(L, "Public ledger: %s entry signed", "Public ledger: %s entries signed", h->size), NUM(h->size));
	sb_addf(out, "</title>\n<updated>%s</updated>\n"
		"<link href=\"/api/v1/ledger/heads?before=%" PRIu64 "&amp;limit=1\"/>\n<content type=\"text\">",
		at, h->size + 1);
	esc_xml(out, h->checkpoint);
	sb_addstr(out, "</content>\n</entry>\n");
}

/*
 * The feed's one subtitle: that the database is unreachable, and for each
 * corridor that publishes after review, how many reports its entries leave
 * out for now.
 */
static void feed_subtitle(struct strbuf *out, const struct lang *L, const struct corridor_eval *e,
			  size_t n, bool db_up)
{
	struct strbuf t = STRBUF_INIT;
	bool any = !db_up, first = true;

	for (size_t i = 0; i < n; i++)
		any |= e[i].data->c->publish == PUBLISH_AFTER_REVIEW;
	if (!any)
		return;
	sb_addstr(out, "<subtitle>");
	if (!db_up) {
		T(tr(L, "The database is unreachable: these entries are the last computed and may be out of date."));
		first = false;
	}
	for (size_t i = 0; i < n; i++) {
		const struct corridor_data *d = e[i].data;

		if (d->c->publish != PUBLISH_AFTER_REVIEW)
			continue;
		sb_addstr(out, first ? "" : " ");
		T(trn(L, "%s counts only reports a reviewer has published: %s report awaits review.",
		      "%s counts only reports a reviewer has published: %s reports await review.",
		      (uint64_t)d->awaiting_review), x(&t, corridor_name(d->c, L)), NUM(d->awaiting_review));
		first = false;
	}
	sb_addstr(out, "</subtitle>\n");
	sb_release(&t);
}

static void feed_head(struct strbuf *out, const struct sw_config *cfg, const struct lang *L,
		      const struct corridor_eval *e, size_t n, int64_t generated_at, bool db_up)
{
	char at[32];

	fmt_instant_utc(generated_at, at);
	sb_addstr(out, "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n"
		  "<feed xmlns=\"http://www.w3.org/2005/Atom\" xml:lang=\"");
	esc_xml(out, L->code);
	/* Each language's feed is a feed of its own; its entries are the same entries. */
	sb_addstr(out, "\">\n<id>" TAG "feed");
	if (lang_in_url(cfg, L)) {
		sb_addch(out, '/');
		sb_addstr(out, L->code);
	}
	sb_addstr(out, "</id>\n<title>");
	esc_xml(out, cfg->title);
	sb_addf(out, "</title>\n<updated>%s</updated>\n<link rel=\"self\" href=\"/feed.atom", at);
	add_lang_query(out, cfg, L);
	sb_addstr(out, "\"/>\n<link href=\"/");
	add_lang_query(out, cfg, L);
	sb_addstr(out, "\"/>\n<author><name>supplywatch</name></author>\n");
	feed_subtitle(out, L, e, n, db_up);
}

void render_feed(struct strbuf *out, const struct sw_config *cfg, const struct lang *L,
		 const struct corridor_eval *e, const struct timeline *const *tl, size_t n,
		 const struct ledger_signed *heads, size_t nheads, int64_t generated_at, bool db_up)
{
	struct entry *all;
	size_t m = 0, total = 0, h = 0;

	/* The newest FEED_MAX overall are among each corridor's newest FEED_MAX. */
	for (size_t i = 0; i < n; i++)
		total += tl[i]->n < FEED_MAX ? tl[i]->n : FEED_MAX;
	all = xcalloc(total ? total : 1, sizeof(*all));
	for (size_t i = 0; i < n; i++)
		for (size_t k = 0; k < tl[i]->n && k < FEED_MAX; k++)
			all[m++] = (struct entry){ &e[i], tl[i], &tl[i]->ev[k], i };
	if (m)
		qsort(all, m, sizeof(*all), cmp_entry);
	feed_head(out, cfg, L, e, n, generated_at, db_up);
	for (size_t i = 0; i < m && i < FEED_MAX; i++) {
		/* Heads and changes, newest first. */
		for (; h < nheads && heads[h].signed_at > all[i].ev->at; h++)
			head_entry(out, L, &heads[h]);
		entry(out, cfg, L, &all[i]);
	}
	for (; h < nheads; h++)
		head_entry(out, L, &heads[h]);
	sb_addstr(out, "</feed>\n");
	free(all);
}
