#include "core/timeline.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/fmt.h"
#include "util/strbuf.h"

#define DAY_S 86400

const char *const tl_kind_names[NTL_KINDS] = {
	"blockade-began", "blockade-ended", "status", "disruption-ended", "disruption-began",
	"crossing", "shortage"
};

/* Events and their sources as they are found, before sorting and merging. */
struct build {
	const struct corridor_eval *e;
	struct tl_event *ev;
	size_t n, alloc;
	struct tl_source *src;
	size_t nsrc, srcalloc;
	/* The headline stage's (date, organisation) pairs, by date: who counted a day's trucks. */
	struct org_date { int64_t date; int org; } *counted;
	size_t ncounted;
};

static void add_source(struct build *b, int org, const char *url)
{
	if (b->nsrc == b->srcalloc) {
		b->srcalloc = b->srcalloc ? b->srcalloc * 2 : 64;
		b->src = xrealloc(b->src, b->srcalloc * sizeof(*b->src));
	}
	b->src[b->nsrc++] = (struct tl_source){ org, url ? url : "" };
}

/* Adds ev; the sources added since it began (from src) are its own. */
static void add_event(struct build *b, struct tl_event ev, size_t src)
{
	if (b->n == b->alloc) {
		b->alloc = b->alloc ? b->alloc * 2 : 64;
		b->ev = xrealloc(b->ev, b->alloc * sizeof(*b->ev));
	}
	ev.src = src;
	ev.nsrc = b->nsrc - src;
	b->ev[b->n++] = ev;
}

/* FNV-1a, 64 bits, over strings each followed by a NUL. */
static uint64_t fnv64(uint64_t h, const char *s)
{
	do
		h = (h ^ (unsigned char)*s) * 1099511628211u;
	while (*s++);
	return h;
}
#define FNV64_INIT 14695981039346656037u

/* The feed's ids since stage one: 32 bits of FNV-1a over a free-text name. */
static uint32_t fnv32(const char *s)
{
	uint32_t h = 2166136261u;

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 16777619u;
	return h;
}

static const struct day *day_of(const struct corridor_eval *e, int64_t date)
{
	if (e->n == 0 || date < e->days[0].date || date > e->days[e->n - 1].date)
		return NULL;
	return &e->days[date - e->days[0].date];
}

/* ---- who said so, for what the rules derive ---- */

static int cmp_org_date(const void *a, const void *b)
{
	const struct org_date *x = a, *y = b;

	if (x->date != y->date)
		return x->date < y->date ? -1 : 1;
	return (x->org > y->org) - (x->org < y->org);
}

static void index_counted(struct build *b)
{
	const struct corridor_data *d = b->e->data;

	b->counted = xcalloc(d->norg_days ? d->norg_days : 1, sizeof(*b->counted));
	for (size_t i = 0; i < d->norg_days; i++)
		if (d->org_days[i].stage == d->c->headline_stage)
			b->counted[b->ncounted++] = (struct org_date){ d->org_days[i].date, d->org_days[i].org };
	if (b->ncounted)
		qsort(b->counted, b->ncounted, sizeof(*b->counted), cmp_org_date);
}

/*
 * The reports behind a day's status: the access report that declared it
 * (with any others declaring the same at the same instant), or the
 * organisations whose truck counts decided it (their counts carry no link
 * here; the export has them).
 */
static void day_sources(struct build *b, const struct day *x)
{
	const struct corridor_data *d = b->e->data;

	if (!x)
		return;
	if (x->basis == BASIS_DECLARED) {
		size_t i = 0, hi = d->ncev;

		/* Past the last access event on or before the day (their days only grow). */
		while (i < hi) {
			size_t mid = i + (hi - i) / 2;

			if (d->cev[mid].day <= x->date)
				i = mid + 1;
			else
				hi = mid;
		}
		for (size_t k = i; k-- > 0 && d->cev[k].at == d->cev[i - 1].at;)
			if (d->cev[k].status == d->cev[i - 1].status)
				add_source(b, d->cev[k].org, d->cev[k].url);
	} else if (x->basis == BASIS_FLOWS) {
		struct org_date key = { x->date, -1 };
		size_t lo = 0, hi = b->ncounted;

		while (lo < hi) {
			size_t mid = lo + (hi - lo) / 2;

			if (cmp_org_date(&b->counted[mid], &key) < 0)
				lo = mid + 1;
			else
				hi = mid;
		}
		for (; lo < b->ncounted && b->counted[lo].date == x->date; lo++)
			add_source(b, b->counted[lo].org, "");
	}
}

/* ---- the events ---- */

static void blockades(struct build *b)
{
	const struct corridor_eval *e = b->e;

	for (size_t i = 0; i < e->np; i++) {
		const struct period *p = &e->periods[i];
		const struct day *first = day_of(e, p->first);
		struct tl_event ev = { .kind = TL_BLOCKADE_BEGAN, .dated = true, .at = p->first * DAY_S,
				       .day = p->first, .p = p, .from = ST_UNKNOWN, .to = ST_UNKNOWN,
				       .basis = first ? first->basis : BASIS_NONE };
		size_t s = b->nsrc;

		day_sources(b, first);
		add_event(b, ev, s);
		if (p->ongoing)
			continue;
		/*
		 * The rules only know a blockade ended once the stretch that broke
		 * it has run its course, days later; the reader wants the day it
		 * actually stopped, so the event is dated the day after its last
		 * blocked or restricted day.
		 */
		const struct day *after = day_of(e, p->last + 1);

		ev.kind = TL_BLOCKADE_ENDED;
		ev.day = p->last + 1;
		ev.at = ev.day * DAY_S;
		ev.basis = after ? after->basis : BASIS_NONE;
		s = b->nsrc;
		day_sources(b, after);
		add_event(b, ev, s);
	}
}

/* Unknown days carry no status: a gap between two blocked days is no change. */
static void status_changes(struct build *b)
{
	const struct corridor_eval *e = b->e;
	int last = ST_UNKNOWN;

	for (size_t i = 0; i < e->n; i++) {
		const struct day *x = &e->days[i];

		if (x->status == ST_UNKNOWN)
			continue;
		if (last != ST_UNKNOWN && x->status != last) {
			struct tl_event ev = { .kind = TL_STATUS, .dated = true, .at = x->date * DAY_S,
					       .day = x->date, .from = last, .to = x->status,
					       .basis = x->basis };
			size_t s = b->nsrc;

			day_sources(b, x);
			add_event(b, ev, s);
		}
		last = x->status;
	}
}

static void disruptions(struct build *b)
{
	const struct corridor_data *d = b->e->data;

	for (size_t i = 0; i < d->ndis; i++) {
		const struct disruption *x = &d->dis[i];
		struct tl_event ev = { .kind = TL_DISRUPTION_BEGAN, .at = x->started_at,
				       .day = x->start_day, .offset = x->start_offset, .d = x,
				       .people = x->people, .from = ST_UNKNOWN, .to = ST_UNKNOWN,
				       .key = fnv64(fnv64(FNV64_INIT, x->service_name), x->location) };
		size_t s;

		if (x->start_day > b->e->D)
			continue;
		s = b->nsrc;
		add_source(b, x->org, x->url);
		add_event(b, ev, s);
		/* Ended by the end of D (local dates: exact whatever the zone's rules). */
		if (x->ended && x->end_day <= b->e->D) {
			ev.kind = TL_DISRUPTION_ENDED;
			ev.at = x->ended_at;
			ev.day = x->end_day;
			ev.offset = x->end_offset;
			s = b->nsrc;
			add_source(b, x->org, x->url);
			add_event(b, ev, s);
		}
	}
}

/*
 * A crossing's state changing, from the access events that name it, up
 * to D's end.  A second report of the same change at the same instant is
 * an event of its own here, merged with the first later; one that
 * disagrees with it is another change at that instant, and overrules it.
 */
static void crossings(struct build *b)
{
	const struct corridor_data *d = b->e->data;
	size_t nc = d->ncrossing_names ? d->ncrossing_names : 1;
	int *last = xcalloc(nc, sizeof(*last)), *from = xcalloc(nc, sizeof(*from));
	int *rank = xcalloc(nc, sizeof(*rank));
	int64_t *since = xcalloc(nc, sizeof(*since));

	for (size_t i = 0; i < d->ncrossing_names; i++)
		last[i] = from[i] = ST_UNKNOWN;
	for (size_t i = 0; i < d->ncev && d->cev[i].day <= b->e->D; i++) {
		const struct crossing_event *x = &d->cev[i];
		size_t c = (size_t)x->crossing, s = b->nsrc;
		struct tl_event ev = { .kind = TL_CROSSING, .at = x->at, .day = x->day,
				       .offset = x->offset, .crossing = x->crossing, .to = x->status };

		if (x->crossing < 0)
			continue;
		if (x->status != last[c]) {
			/* Disagreeing at the instant of the last change: that one is overruled. */
			rank[c] = last[c] != ST_UNKNOWN && x->at == since[c] ? rank[c] + 1 : 0;
			for (size_t k = b->n; rank[c] > 0 && k-- > 0 && b->ev[k].kind == TL_CROSSING &&
			     b->ev[k].at == x->at;)
				if (b->ev[k].crossing == x->crossing)
					b->ev[k].overruled = true;
			from[c] = last[c];
			since[c] = x->at;
		} else if (x->at != since[c]) {
			continue;
		}
		ev.from = from[c];
		ev.rank = rank[c];
		ev.crossing_name = d->crossing_names[c];
		ev.key = fnv64(FNV64_INIT, ev.crossing_name);
		add_source(b, x->org, x->url);
		add_event(b, ev, s);
		last[c] = x->status;
	}
	free(last);
	free(from);
	free(rank);
	free(since);
}

/* A (item, location) group's rows in the order they take effect. */
static int cmp_row(const void *a, const void *b)
{
	const struct shortage *x = *(const struct shortage *const *)a, *y = *(const struct shortage *const *)b;

	if (x->day != y->day)
		return x->day < y->day ? -1 : 1;
	/* Their original order: organisation, then receipt. */
	return (x > y) - (x < y);
}

/*
 * One (item, location): its worst severity across organisations (each at
 * its latest report) changing from one day to another, as
 * rules_shortages computes it for any D.  The first report of "none"
 * changes nothing anyone saw.
 */
static void shortage_group(struct build *b, const struct shortage *g, size_t n)
{
	const struct shortage **rows = xcalloc(n, sizeof(*rows));
	int *sev = xcalloc(n, sizeof(*sev));	/* by organisation slot */
	size_t *slot = xcalloc(n, sizeof(*slot)), nslots = 0, m = 0;
	int worst = -1;

	for (size_t i = 0; i < n; i++) {
		if (i > 0 && g[i].org != g[i - 1].org)
			nslots++;
		slot[i] = nslots;
		sev[i] = -1;
		if (g[i].day <= b->e->D)
			rows[m++] = &g[i];
	}
	if (m)
		qsort(rows, m, sizeof(*rows), cmp_row);
	for (size_t i = 0; i < m;) {
		size_t j = i, s = b->nsrc;
		int now = -1;

		for (; j < m && rows[j]->day == rows[i]->day; j++)
			sev[slot[rows[j] - g]] = rows[j]->severity;
		for (size_t k = 0; k <= nslots; k++)
			if (sev[k] > now)
				now = sev[k];
		if (now != worst && !(worst < 0 && now == 0)) {
			const struct shortage *t = rows[j - 1];
			struct tl_event ev = { .kind = TL_SHORTAGE, .dated = true, .at = t->day * DAY_S,
					       .day = t->day, .from = worst, .to = now, .item = t->item,
					       .item_key = t->item_key, .location = t->location,
					       .key = fnv64(fnv64(FNV64_INIT, t->item_key), t->location) };

			for (size_t k = i; k < j; k++)
				add_source(b, rows[k]->org, rows[k]->url);
			add_event(b, ev, s);
		}
		worst = now;
		i = j;
	}
	free(rows);
	free(sev);
	free(slot);
}

static void shortages(struct build *b)
{
	const struct corridor_data *d = b->e->data;

	for (size_t i = 0; i < d->nsh;) {
		size_t j = i + 1;

		while (j < d->nsh && strcmp(d->sh[j].item_key, d->sh[i].item_key) == 0 &&
		       strcmp(d->sh[j].location, d->sh[i].location) == 0)
			j++;
		shortage_group(b, &d->sh[i], j - i);
		i = j;
	}
}

/* ---- order, merging ---- */

/* What an event is about, when at, kind and key are equal: only a colliding key gets here. */
static int cmp_subject(const struct tl_event *a, const struct tl_event *b)
{
	int c = 0;

	switch (a->kind) {
	case TL_DISRUPTION_BEGAN:
	case TL_DISRUPTION_ENDED:
		c = strcmp(a->d->service_name, b->d->service_name);
		return c ? c : strcmp(a->d->location, b->d->location);
	case TL_CROSSING:
		c = strcmp(a->crossing_name, b->crossing_name);
		/* Reports at one instant that disagree: the last (the crossing's state) first. */
		return c ? c : (a->rank < b->rank) - (a->rank > b->rank);
	case TL_SHORTAGE:
		c = strcmp(a->item_key, b->item_key);
		return c ? c : strcmp(a->location, b->location);
	default:
		return 0;
	}
}

/* The order of events: newest first, then kind, key and what they name. */
static int tl_event_cmp(const struct tl_event *a, const struct tl_event *b)
{
	if (a->at != b->at)
		return a->at > b->at ? -1 : 1;
	if (a->kind != b->kind)
		return a->kind < b->kind ? -1 : 1;
	if (a->key != b->key)
		return a->key < b->key ? -1 : 1;
	return cmp_subject(a, b);
}

static int cmp_event(const void *a, const void *b)
{
	const struct tl_event *x = a, *y = b;
	int c = tl_event_cmp(x, y);

	/* The same change reported twice stays in report order: stable. */
	if (c == 0)
		c = (x->src > y->src) - (x->src < y->src);
	return c;
}

static int cmp_source(const void *a, const void *b)
{
	const struct tl_source *x = a, *y = b;

	if (x->org != y->org)
		return x->org < y->org ? -1 : 1;
	return strcmp(x->url, y->url);
}

/*
 * Several organisations reporting the same change are one event with
 * their sources together: by organisation, each (organisation, link) once.
 */
static void merge(struct build *b, struct timeline *out)
{
	size_t n = 0;

	out->ev = xcalloc(b->n ? b->n : 1, sizeof(*out->ev));
	out->sources = xcalloc(b->nsrc ? b->nsrc : 1, sizeof(*out->sources));
	for (size_t i = 0; i < b->n;) {
		struct tl_event ev = b->ev[i];
		size_t j = i, first = out->nsources;

		for (; j < b->n && tl_event_cmp(&b->ev[i], &b->ev[j]) == 0; j++) {
			memcpy(&out->sources[out->nsources], &b->src[b->ev[j].src],
			       b->ev[j].nsrc * sizeof(*b->src));
			out->nsources += b->ev[j].nsrc;
			if (b->ev[j].people > ev.people)
				ev.people = b->ev[j].people;
		}
		qsort(&out->sources[first], out->nsources - first, sizeof(*out->sources), cmp_source);
		size_t k = first;

		for (size_t s = first; s < out->nsources; s++)
			if (s == first || cmp_source(&out->sources[s], &out->sources[k - 1]) != 0)
				out->sources[k++] = out->sources[s];
		out->nsources = k;
		ev.src = first;
		ev.nsrc = k - first;
		out->ev[n++] = ev;
		i = j;
	}
	out->n = n;
}

void timeline_build(const struct corridor_eval *e, struct timeline *out)
{
	struct build b = { .e = e };

	memset(out, 0, sizeof(*out));
	index_counted(&b);
	blockades(&b);
	status_changes(&b);
	disruptions(&b);
	crossings(&b);
	shortages(&b);
	if (b.n)
		qsort(b.ev, b.n, sizeof(*b.ev), cmp_event);
	merge(&b, out);
	free(b.ev);
	free(b.src);
	free(b.counted);
}

void timeline_free(struct timeline *t)
{
	free(t->ev);
	free(t->sources);
	memset(t, 0, sizeof(*t));
}

/* ---- ids and cursors ---- */

void tl_event_id(const struct corridor_eval *e, const struct tl_event *ev, char out[TL_ID_LEN])
{
	char when[FMT_INSTANT_LEN > FMT_DATE_LEN ? FMT_INSTANT_LEN : FMT_DATE_LEN];
	int n;

	if (ev->dated)
		fmt_date(ev->day, when);
	else
		fmt_instant_utc(ev->at, when);
	n = snprintf(out, TL_ID_LEN, "tag:supplywatch,2022:%s/%s/%s", e->data->c->id,
		     tl_kind_names[ev->kind], when);
	if (n < 0 || n >= TL_ID_LEN)
		return;
	/* Stage one's ids, kept so feed readers do not see old changes again. */
	switch (ev->kind) {
	case TL_DISRUPTION_BEGAN:
	case TL_DISRUPTION_ENDED:
		if (ev->d->location[0])
			snprintf(out + n, TL_ID_LEN - (size_t)n, "/%s/%08" PRIx32, ev->d->service_name,
				 fnv32(ev->d->location));
		else
			snprintf(out + n, TL_ID_LEN - (size_t)n, "/%s", ev->d->service_name);
		break;
	case TL_CROSSING:
		if (ev->overruled)
			snprintf(out + n, TL_ID_LEN - (size_t)n, "/%08" PRIx32 "/%d", fnv32(ev->crossing_name),
				 ev->rank);
		else
			snprintf(out + n, TL_ID_LEN - (size_t)n, "/%08" PRIx32, fnv32(ev->crossing_name));
		break;
	case TL_SHORTAGE:
		snprintf(out + n, TL_ID_LEN - (size_t)n, "/%016" PRIx64, ev->key);
		break;
	default:
		break;
	}
}

static void cursor_format(int64_t at, int kind, uint64_t key, char out[TL_CURSOR_LEN])
{
	snprintf(out, TL_CURSOR_LEN, "%" PRId64 ".%d.%016" PRIx64, at, kind, key);
}

void tl_cursor_of(const struct tl_event *ev, char out[TL_CURSOR_LEN])
{
	cursor_format(ev->at, (int)ev->kind, ev->key, out);
}

/*
 * The converters are lenient (blanks, signs, "0x", leading zeros); reading
 * the result back as tl_cursor_of writes it and comparing makes the parse
 * exact.  Out-of-range numbers set errno.
 */
bool tl_cursor_parse(const char *s, struct tl_cursor *out)
{
	char again[TL_CURSOR_LEN], *end;
	long long at;
	unsigned long long key;
	long kind;

	errno = 0;
	at = strtoll(s, &end, 10);
	if (errno || *end != '.')
		return false;
	kind = strtol(end + 1, &end, 10);
	if (errno || *end != '.' || kind < 0 || kind >= NTL_KINDS)
		return false;
	key = strtoull(end + 1, &end, 16);
	if (errno || *end)
		return false;
	cursor_format(at, (int)kind, key, again);
	if (strcmp(again, s) != 0)
		return false;
	*out = (struct tl_cursor){ at, (int)kind, key };
	return true;
}

/* Whether ev comes after c in the timeline's order. */
static bool after(const struct tl_event *ev, const struct tl_cursor *c)
{
	if (ev->at != c->at)
		return ev->at < c->at;
	if ((int)ev->kind != c->kind)
		return (int)ev->kind > c->kind;
	return ev->key > c->key;
}

size_t timeline_seek(const struct timeline *t, const struct tl_cursor *c)
{
	size_t lo = 0, hi = t->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (after(&t->ev[mid], c))
			hi = mid;
		else
			lo = mid + 1;
	}
	return lo;
}

size_t timeline_page_end(const struct timeline *t, size_t first, size_t limit)
{
	size_t end = first + limit < t->n ? first + limit : t->n;

	while (end > first && end < t->n && t->ev[end].at == t->ev[end - 1].at &&
	       t->ev[end].kind == t->ev[end - 1].kind && t->ev[end].key == t->ev[end - 1].key)
		end++;
	return end;
}
