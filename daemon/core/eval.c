#include "core/eval.h"

#include <stdlib.h>
#include <string.h>

struct corridor_data *corridor_data_new(const struct sw_corridor *c)
{
	struct corridor_data *d = xcalloc(1, sizeof(*d));

	atomic_init(&d->refs, 1);
	d->c = c;
	sb_init(&d->strings);
	return d;
}

struct corridor_data *corridor_data_ref(struct corridor_data *d)
{
	atomic_fetch_add(&d->refs, 1);
	return d;
}

void corridor_data_release(struct corridor_data *d)
{
	if (!d || atomic_fetch_sub(&d->refs, 1) != 1)
		return;
	free(d->days);
	free(d->periods);
	free(d->dis);
	free(d->sh);
	for (int s = 0; s < NSTAGES; s++)
		free(d->stages[s]);
	free(d->org_days);
	free(d->by_crossing);
	free(d->by_cargo);
	free(d->crossing_names);
	free(d->orgs);
	free(d->mov);
	free(d->cev);
	free(d->latest);
	sb_release(&d->strings);
	free(d);
}

void eval_today(struct corridor_data *d)
{
	if (d->evaluated)
		return;
	d->evaluated = true;
	if (!d->ndays)
		return;
	d->periods = xcalloc(d->ndays, sizeof(*d->periods));
	d->np = rules_apply(d->c, d->days, d->ndays, d->periods);
	/* One slot per day was room enough; a corridor has a handful of periods. */
	d->periods = xrealloc(d->periods, (d->np ? d->np : 1) * sizeof(*d->periods));
}

/*
 * Days up to D; before the first reported day there is one unknown day.
 * As of today, with the rules already applied, the data's own days serve
 * (no copy: at ten years a series is 3,650 days a corridor); a past D
 * needs a private copy, the rules applied as of D.
 */
static void eval_days(const struct corridor_data *d, int64_t D, struct corridor_eval *e)
{
	size_t n = 0;

	while (n < d->ndays && d->days[n].date <= D)
		n++;
	if (n && n == d->ndays && d->evaluated) {
		e->shared = true;
		e->n = n;
		e->days = d->days;
		e->periods = d->periods;
		e->np = d->np;
	} else {
		e->n = n ? n : 1;
		e->days = xcalloc(e->n, sizeof(*e->days));
		if (n) {
			memcpy(e->days, d->days, n * sizeof(*e->days));
		} else {
			e->days[0].date = D;
			e->days[0].declared = ST_UNKNOWN;
		}
		e->periods = xcalloc(e->n, sizeof(*e->periods));
		e->np = rules_apply(d->c, e->days, e->n, e->periods);
		e->periods = xrealloc(e->periods, (e->np ? e->np : 1) * sizeof(*e->periods));
	}
	rules_blockade(e->days, e->n, e->periods, e->np, &e->blockade);
	rules_trucks(d->c, e->days, e->n, &e->blockade, &e->trucks);
}

static void eval_services(const struct corridor_data *d, int64_t D, struct corridor_eval *e)
{
	e->ongoing = xcalloc(d->ndis ? d->ndis : 1, sizeof(*e->ongoing));
	e->nongoing = rules_ongoing(d->dis, d->ndis, D, e->ongoing);
	for (int s = 0; s < NSERVICES; s++)
		e->service_days_30d[s] = rules_days_disrupted(d->dis, d->ndis, s, D);
	e->shortages = xcalloc(d->nsh ? d->nsh : 1, sizeof(*e->shortages));
	e->nshortages = rules_shortages(d->sh, d->nsh, D, e->shortages);
	for (size_t i = 0; i < e->nshortages; i++)
		e->shortage_counts[e->shortages[i].severity]++;
}

/* The stages side by side, the headline's breakdowns, movements and crossings. */
static void eval_stages(const struct corridor_data *d, int64_t D, int64_t now, struct corridor_eval *e)
{
	int hs = d->c->headline_stage;
	const struct stage_day *h = d->stages[hs];

	for (int s = 0; s < NSTAGES; s++)
		stage_summarise(d->stages[s], d->nstages[s], D, &e->by_stage[s]);
	e->by_crossing = xcalloc(d->ncrossing_names + 1, sizeof(*e->by_crossing));
	e->nby_crossing = stage_split_7d(d->by_crossing, d->nby_crossing, d->ncrossing_names, D,
					 e->by_crossing);
	e->by_cargo = xcalloc(NCARGOS, sizeof(*e->by_cargo));
	e->nby_cargo = stage_split_7d(d->by_cargo, d->nby_cargo, NCARGOS, D, e->by_cargo);
	/* Back from the headline's last day on or before D. */
	for (size_t i = e->by_stage[hs].has_last ?
			(size_t)(stage_find(h, d->nstages[hs], e->by_stage[hs].last_date) - h) + 1 : 0;
	     i-- > 0;)
		if (h[i].trucks > 0) {
			e->has_since_delivery = true;
			e->days_since_delivery = D - h[i].date;
			break;
		}
	movement_summarise(d->mov, d->nmov, D, d->today, now, &e->movements);
	e->ncrossings = d->ncrossing_names;
	e->crossings = xcalloc(e->ncrossings ? e->ncrossings : 1, sizeof(*e->crossings));
	movement_crossings(d->cev, d->ncev, e->ncrossings, D, e->crossings);
}

/*
 * The latest reports as of D: those received by D's end, a suffix of the
 * list (newest first, and a later instant never has an earlier local date).
 */
static void eval_latest(const struct corridor_data *d, int64_t D, struct corridor_eval *e)
{
	size_t i = 0;

	while (i < d->nlatest && d->latest[i].received_day > D)
		i++;
	e->latest_from = i;
	e->latest_cut = d->latest_more && d->nlatest - i < LATEST_MAX;
}

const struct source_org *eval_org(const struct corridor_data *d, int id)
{
	size_t lo = 0, hi = d->norgs;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (d->orgs[mid].id < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < d->norgs && d->orgs[lo].id == id ? &d->orgs[lo] : NULL;
}

void eval_corridor(const struct corridor_data *d, int64_t D, const struct freshness *fresh,
		   int64_t now, int64_t stale_after_s, struct corridor_eval *e)
{
	int64_t until;

	memset(e, 0, sizeof(*e));
	e->data = d;
	e->D = D;
	eval_days(d, D, e);
	eval_services(d, D, e);
	eval_stages(d, D, now, e);
	eval_latest(d, D, e);
	e->fresh = *fresh;
	until = fresh->end_of_day && fresh->end_of_day < now ? fresh->end_of_day : now;
	e->stale = !fresh->last_report_at || until - fresh->last_report_at > stale_after_s;
}

void eval_free(struct corridor_eval *e)
{
	if (!e->shared) {
		free(e->days);
		free(e->periods);
	}
	free(e->ongoing);
	free(e->shortages);
	free(e->by_crossing);
	free(e->by_cargo);
	free(e->crossings);
	memset(e, 0, sizeof(*e));
}
