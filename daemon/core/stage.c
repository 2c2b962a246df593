#include "core/stage.h"

#include <stdlib.h>
#include <string.h>

const char *const stage_names[] = { "dispatched", "inspected", "crossed", "collected",
				    "delivered", "intercepted", "waiting", NULL };

const char *const stage_labels[] = { "dispatched", "cleared inspection", "counted at the crossing",
				     "collected", "delivered", "intercepted", "waiting at the crossing",
				     NULL };

int stage_parse(const char *s)
{
	for (int i = 0; s && stage_names[i]; i++)
		if (strcmp(s, stage_names[i]) == 0)
			return i;
	return -1;
}

size_t stage_reconcile(const struct org_day *rows, size_t n, bool sum, struct stage_day *out)
{
	size_t no = 0;

	for (size_t i = 0; i < n;) {
		struct stage_day *d = &out[no++];
		size_t j = i;

		memset(d, 0, sizeof(*d));
		d->date = rows[i].date;
		d->min = d->max = rows[i].trucks;
		for (; j < n && rows[j].date == d->date; j++) {
			int64_t t = rows[j].trucks;

			d->sources++;
			d->trucks += t;
			if (t < d->min)
				d->min = t;
			if (t > d->max)
				d->max = t;
		}
		if (!sum)
			d->trucks = d->max;
		i = j;
	}
	return no;
}

/* The first index of s (sorted by date) whose date is after D. */
static size_t after(const struct stage_day *s, size_t n, int64_t D)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (s[mid].date <= D)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

void stage_summarise(const struct stage_day *s, size_t n, int64_t D, struct stage_summary *out)
{
	int64_t sum = 0;
	size_t last = after(s, n, D);

	memset(out, 0, sizeof(*out));
	if (last-- == 0)
		return;
	out->present = out->has_last = true;
	out->last_date = s[last].date;
	out->last_trucks = s[last].trucks;
	if (s[last].date == D) {
		out->has_on_day = true;
		out->on_day = s[last].trucks;
		out->sources_on_day = s[last].sources;
	}
	/* Like the headline's: over the days reported, a gap is never a 0. */
	for (size_t i = last + 1; i-- > 0 && s[i].date > D - 7;) {
		sum += s[i].trucks;
		out->days_reported_7d++;
	}
	if (out->days_reported_7d) {
		out->has_avg = true;
		out->avg_7d = (double)sum / out->days_reported_7d;
	}
}

const struct stage_day *stage_find(const struct stage_day *s, size_t n, int64_t date)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (s[mid].date < date)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < n && s[lo].date == date ? &s[lo] : NULL;
}

size_t stage_split_7d(const struct split_row *rows, size_t n, size_t nkeys, int64_t D,
		      struct split_total *out)
{
	size_t lo = 0, hi = n, no = 0;

	/* The first row of the window D-6 .. D. */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (rows[mid].date <= D - 7)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (size_t k = 0; k < nkeys; k++)
		out[k] = (struct split_total){ (int)k, 0, 0 };
	for (size_t i = lo; i < n && rows[i].date <= D; i++) {
		out[rows[i].key].trucks += rows[i].trucks;
		out[rows[i].key].days++;
	}
	for (size_t k = 0; k < nkeys; k++)
		if (out[k].days)
			out[no++] = out[k];
	return no;
}

size_t stage_sources(const struct org_day *rows, size_t n, const struct stage_day *headline,
		     size_t nh, int64_t from, int64_t to, struct source_figures *out)
{
	size_t no = 0;

	for (size_t i = 0; i < n;) {
		struct source_figures f;
		size_t j = i;

		memset(&f, 0, sizeof(f));
		f.org = rows[i].org;
		f.stage = rows[i].stage;
		for (; j < n && rows[j].org == f.org && rows[j].stage == f.stage; j++) {
			const struct stage_day *h;

			if (rows[j].date < from || rows[j].date > to)
				continue;
			f.days_reported++;
			f.total += rows[j].trucks;
			/* A stock is compared with nothing: it is not a flow. */
			h = f.stage == STAGE_WAITING ? NULL : stage_find(headline, nh, rows[j].date);
			if (h) {
				f.days_compared++;
				f.total_compared += rows[j].trucks;
				f.headline_compared += h->trucks;
			}
		}
		if (f.days_reported) {
			f.mean = (double)f.total / f.days_reported;
			f.has_ratio = f.headline_compared > 0;
			if (f.has_ratio)
				f.ratio = (double)f.total_compared / (double)f.headline_compared;
			out[no++] = f;
		}
		i = j;
	}
	return no;
}

const char *const corroboration_names[] = { "single source", "corroborated", "sources disagree", NULL };

int stage_corroboration(int sources, int64_t min, int64_t max, int64_t pct)
{
	if (sources < 1)
		return CORR_NONE;
	if (sources == 1)
		return CORR_SINGLE;
	return (max - min) * 100 <= pct * max ? CORR_CORROBORATED : CORR_DISAGREE;
}
