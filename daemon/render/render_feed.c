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
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "render/labels.h"
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

/* A message in the feed: our own text escaped for XML, arguments as built. */
#define T(...) tr_add(out, esc_xml, __VA_ARGS__)

/* Escaped text from a report or the configuration, as an argument of a message. */
static const char *x(struct strbuf *t, const char *s)
{
	sb_reset(t);
	esc_xml(t, s);
	return t->buf;
}

static const char *crossing_of(const struct change *c, const struct lang *L)
{
	const struct corridor_data *d = c->e->data;
	size_t k = (size_t)c->x->crossing;

	return k < d->c->ncrossings ? crossing_name(d->c, k, L) : d->crossing_names[k];
}

static void entry_title(struct strbuf *out, const struct lang *L, const struct change *c)
{
	struct strbuf a = STRBUF_INIT, b = STRBUF_INIT;
	const char *name = x(&a, corridor_name(c->e->data->c, L));

	sb_addstr(out, "<title>");
	switch (c->kind) {
	case CH_BLOCKADE_BEGAN:
		T(tr(L, "Blockade of %s began"), name);
		break;
	case CH_BLOCKADE_ENDED:
		T(trn(L, "Blockade of %s ended after %s day", "Blockade of %s ended after %s days",
		      (uint64_t)c->p->days), name, NUM(c->p->days));
		break;
	case CH_STATUS:
		/* TRANSLATORS: a corridor's name, then its old and new status ("open", "blocked"...). */
		T(tr(L, "%s: status changed from %s to %s"), name, E(label_status(L, c->from)),
		  E(label_status(L, c->to)));
		break;
	case CH_DIS_BEGAN:
	case CH_DIS_ENDED: {
		const struct disruption *d = c->d;
		const char *svc = E(label_service_name(L, d->service_name));

		if (d->location[0] && c->kind == CH_DIS_BEGAN)
			/* TRANSLATORS: a service ("Gas") and a place (in a report's words). */
			T(tr(L, "%s disruption in %s began"), svc, x(&b, d->location));
		else if (d->location[0])
			T(tr(L, "%s disruption in %s ended"), svc, x(&b, d->location));
		else if (c->kind == CH_DIS_BEGAN)
			/* TRANSLATORS: a service ("Gas") and a corridor's name. */
			T(tr(L, "%s disruption on %s began"), svc, name);
		else
			T(tr(L, "%s disruption on %s ended"), svc, name);
		break;
	}
	case CH_CROSSING: {
		const char *crossing = x(&b, crossing_of(c, L));

		if (c->to == ST_BLOCKED)
			/* TRANSLATORS: a crossing's name, then its corridor's. */
			T(tr(L, "%s (%s): crossing closed"), crossing, name);
		else if (c->to == ST_OPEN && c->from == ST_UNKNOWN)
			T(tr(L, "%s (%s): crossing open"), crossing, name);
		else if (c->to == ST_OPEN)
			T(tr(L, "%s (%s): crossing reopened"), crossing, name);
		else
			T(tr(L, "%s (%s): crossing restricted"), crossing, name);
		break;
	}
	}
	sb_addstr(out, "</title>\n");
	sb_release(&a);
	sb_release(&b);
}

static void summary_blockade(struct strbuf *out, const struct lang *L, const struct change *c)
{
	const char *first = DATE(c->p->first);
	const char *last = DATE(c->p->ongoing ? c->e->D : c->p->last);

	if (c->kind == CH_BLOCKADE_ENDED)
		T(trn(L, "The blockade lasted %s day, from %s to %s.",
		      "The blockade lasted %s days, from %s to %s.", (uint64_t)c->p->days),
		  NUM(c->p->days), first, last);
	else if (c->p->ongoing)
		T(tr(L, "First blocked day: %s. Still in effect: day %s as of %s."), first,
		  NUM(c->p->days), last);
	else
		T(trn(L, "First blocked day: %s. It lasted %s day, until %s.",
		      "First blocked day: %s. It lasted %s days, until %s.", (uint64_t)c->p->days),
		  first, NUM(c->p->days), last);
}

static void summary_status(struct strbuf *out, const struct lang *L, const struct change *c)
{
	const struct day *d = &c->e->days[c->date - c->e->days[0].date];

	if (d->basis == BASIS_DECLARED)
		T(tr(L, "On %s the status became %s (declared by an access report), after %s."),
		  DATE(c->date), E(label_status(L, c->to)), E(label_status(L, c->from)));
	else
		T(tr(L, "On %s the status became %s (from truck flows), after %s."),
		  DATE(c->date), E(label_status(L, c->to)), E(label_status(L, c->from)));
}

static void summary_disruption(struct strbuf *out, const struct lang *L, const struct change *c)
{
	const struct disruption *d = c->d;
	char began[I18N_DATE_LEN], ended[I18N_DATE_LEN];
	int64_t days = d->end_day - d->start_day + 1;

	i18n_local(L, d->started_at, d->start_offset, began);
	if (c->kind == CH_DIS_ENDED)
		T(trn(L, "Began %s, ended %s, %s day.", "Began %s, ended %s, %s days.", (uint64_t)days),
		  E(began), E(i18n_utc(L, d->ended_at, ended)), NUM(days));
	else
		T(tr(L, "Began %s."), E(began));
	if (d->people >= 0) {
		sb_addch(out, ' ');
		T(tr(L, "People affected: %s."), NUM(d->people));
	}
}

static void summary_crossing(struct strbuf *out, const struct lang *L, const struct change *c)
{
	char when[I18N_DATE_LEN];

	i18n_local(L, c->x->at, c->x->offset, when);
	if (c->from != ST_UNKNOWN)
		T(tr(L, "From %s the crossing was %s (before: %s), by an access report."), E(when),
		  E(label_status(L, c->to)), E(label_status(L, c->from)));
	else
		T(tr(L, "From %s the crossing was %s, by an access report."), E(when), E(label_status(L, c->to)));
}

static void entry_summary(struct strbuf *out, const struct lang *L, const struct change *c)
{
	/* The summaries hold no report text, only our own words and numbers. */
	sb_addstr(out, "<summary>");
	if (c->kind == CH_CROSSING)
		summary_crossing(out, L, c);
	else if (c->kind == CH_STATUS)
		summary_status(out, L, c);
	else if (c->d)
		summary_disruption(out, L, c);
	else
		summary_blockade(out, L, c);
	sb_addstr(out, "</summary>\n");
}

static void entry(struct strbuf *out, const struct sw_config *cfg, const struct lang *L,
		  const struct change *c)
{
	char at[32];

	fmt_instant_utc(c->at, at);
	sb_addstr(out, "<entry>\n");
	/* The same change is the same entry in every language: the id names only the change. */
	entry_id(out, c);
	entry_title(out, L, c);
	sb_addf(out, "<updated>%s</updated>\n<link href=\"/corridors/", at);
	esc_xml(out, c->e->data->c->id);
	add_lang_query(out, cfg, L);
	sb_addstr(out, "\"/>\n");
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
		 const struct corridor_eval *e, size_t n, const struct ledger_signed *heads,
		 size_t nheads, int64_t generated_at, bool db_up)
{
	struct changes cs = { NULL, 0, 0 };
	size_t written = 0, h = 0;

	for (size_t i = 0; i < n; i++) {
		blockade_changes(&cs, &e[i], i);
		status_changes(&cs, &e[i], i);
		disruption_changes(&cs, &e[i], i);
		crossing_changes(&cs, &e[i], i);
	}
	if (cs.n)
		qsort(cs.v, cs.n, sizeof(*cs.v), cmp_change);
	feed_head(out, cfg, L, e, n, generated_at, db_up);
	for (size_t i = 0; i < cs.n && written < FEED_MAX; i++) {
		if (i > 0 && same_change(&cs.v[i - 1], &cs.v[i]))
			continue;
		/* Heads and changes, newest first. */
		for (; h < nheads && heads[h].signed_at > cs.v[i].at; h++)
			head_entry(out, L, &heads[h]);
		entry(out, cfg, L, &cs.v[i]);
		written++;
	}
	for (; h < nheads; h++)
		head_entry(out, L, &heads[h]);
	sb_addstr(out, "</feed>\n");
	free(cs.v);
}
