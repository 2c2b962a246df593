#include "core/rules.h"

#include <stdlib.h>
#include <string.h>

#include "util/i18n.h"

/* TRANSLATORS: a corridor's status on a day, as a sentence names it ("status changed from open to blocked"). */
const char *const status_names[] = { NP_("status", "unknown"), NP_("status", "open"),
				     NP_("status", "restricted"), NP_("status", "blocked"), NULL };
const char *const basis_names[] = { "none", "declared", "flows", NULL };

const char *status_name(int status)
{
	return status_names[status + 1];
}

int status_parse(const char *s)
{
	for (int i = 1; status_names[i]; i++)
		if (strcmp(s, status_names[i]) == 0)
			return i - 1;
	return ST_UNKNOWN;
}

int rules_flow_status(const struct sw_corridor *c, bool reported, int64_t trucks)
{
	/* trucks < pct% of baseline, in integers: no rounding at the thresholds. */
	if (!reported)
		return ST_UNKNOWN;
	if (trucks * 100 < c->blocked_below_pct * c->baseline_trucks_per_day)
		return ST_BLOCKED;
	if (trucks * 100 < c->restricted_below_pct * c->baseline_trucks_per_day)
		return ST_RESTRICTED;
	return ST_OPEN;
}

static void classify(const struct sw_corridor *c, struct day *d)
{
	d->flow = (int8_t)rules_flow_status(c, d->reported, d->trucks);
	if (d->declared != ST_UNKNOWN) {
		d->status = d->declared;
		d->basis = BASIS_DECLARED;
	} else {
		d->status = d->flow;
		d->basis = d->flow == ST_UNKNOWN ? BASIS_NONE : BASIS_FLOWS;
	}
	d->disagree = (d->declared == ST_BLOCKED && d->flow == ST_OPEN) ||
		      (d->declared == ST_OPEN && d->flow == ST_BLOCKED);
	d->in_blockade = false;
}

/*
 * The blockade state machine.  A period starts on a blocked day and goes on
 * through blocked and restricted days; it survives up to max_gap_days
 * unknown days in a row and fewer than reopen_after_days flow-open days in
 * a row (unknown days between them neither count nor break the row); a
 * declared open ends it at once.  Its last day is the last blocked
 * or restricted day before what ended it.
 */
size_t rules_apply(const struct sw_corridor *c, struct day *days, size_t n,
		   struct period *periods)
{
	size_t np = 0;
	bool in = false;
	int64_t unknown_run = 0, open_run = 0;
	struct period *cur = NULL;

	for (size_t i = 0; i < n; i++) {
		struct day *d = &days[i];
		bool ends = false;

		classify(c, d);
		if (!in) {
			if (d->status != ST_BLOCKED)
				continue;
			cur = &periods[np++];
			cur->first = cur->last = d->date;
			cur->ongoing = false;
			in = true;
			unknown_run = open_run = 0;
			continue;
		}
		if (d->status == ST_BLOCKED || d->status == ST_RESTRICTED) {
			cur->last = d->date;
			unknown_run = open_run = 0;
		} else if (d->status == ST_OPEN && d->basis == BASIS_DECLARED) {
			ends = true;
		} else if (d->status == ST_UNKNOWN) {
			/* A day nobody reported neither proves nor breaks a reopening. */
			ends = ++unknown_run > c->max_gap_days;
		} else {
			unknown_run = 0;
			ends = ++open_run >= c->reopen_after_days;
		}
		if (ends) {
			cur->days = cur->last - cur->first + 1;
			in = false;
		}
	}
	if (in) {
		cur->ongoing = true;
		cur->days = days[n - 1].date - cur->first + 1;
	}
	/* Mark the days each period covers (through D for the ongoing one). */
	for (size_t p = 0, i = 0; p < np; p++) {
		int64_t to = periods[p].ongoing ? days[n - 1].date : periods[p].last;

		while (i < n && days[i].date < periods[p].first)
			i++;
		for (; i < n && days[i].date <= to; i++)
			days[i].in_blockade = true;
	}
	return np;
}

void rules_blockade(const struct day *days, size_t n, const struct period *p, size_t np,
		    struct blockade_summary *out)
{
	int64_t D = days[n - 1].date;

	memset(out, 0, sizeof(*out));
	out->periods = np;
	for (size_t i = 0; i < np; i++)
		if (p[i].days > out->longest_days)
			out->longest_days = p[i].days;
	/* Only the last period can still be running at D. */
	if (np && p[np - 1].ongoing) {
		out->active = true;
		out->ongoing = p[np - 1].ongoing;
		out->since = p[np - 1].first;
		out->day_n = D - p[np - 1].first + 1;
	}
	for (size_t i = n; i-- > 0 && days[i].date > D - 90;) {
		if (days[i].status != ST_BLOCKED)
			continue;
		out->blocked_90d++;
		if (days[i].date > D - 30)
			out->blocked_30d++;
	}
}

void rules_trucks(const struct sw_corridor *c, const struct day *days, size_t n,
		  const struct blockade_summary *b, struct trucks_summary *out)
{
	const struct day *d = &days[n - 1];
	int64_t sum = 0;
	double tonnes = 0;
	int tonnes_days = 0;

	memset(out, 0, sizeof(*out));
	out->has_on_day = d->reported;
	out->on_day = d->trucks;
	out->sources_on_day = d->sources;
	out->has_tonnes_on_day = d->has_tonnes;
	out->tonnes_on_day = d->tonnes;
	if (n >= 2 && days[n - 2].reported) {
		out->has_previous = true;
		out->previous = days[n - 2].trucks;
	}
	/* The 7-day average is over the days reported, never counting a gap as 0. */
	for (size_t i = n; i-- > 0 && days[i].date > d->date - 7;) {
		if (days[i].reported) {
			sum += days[i].trucks;
			out->days_reported_7d++;
		}
		if (days[i].has_tonnes) {
			tonnes += days[i].tonnes;
			tonnes_days++;
		}
	}
	if (out->days_reported_7d) {
		out->has_avg = true;
		out->avg_7d = (double)sum / out->days_reported_7d;
		out->pct_of_baseline = 100.0 * out->avg_7d / (double)c->baseline_trucks_per_day;
	}
	if (tonnes_days && c->baseline_tonnes_per_day > 0) {
		out->has_tonnes_avg = true;
		out->tonnes_avg_7d = tonnes / tonnes_days;
		out->tonnes_pct = 100.0 * out->tonnes_avg_7d / c->baseline_tonnes_per_day;
	}
	if (b->active) {
		out->has_deficit = true;
		for (size_t i = n; i-- > 0 && days[i].date >= b->since;) {
			if (!days[i].reported)
				out->unreported_in_blockade++;
			else if (days[i].trucks < c->baseline_trucks_per_day)
				out->deficit += c->baseline_trucks_per_day - days[i].trucks;
		}
	}
}

static int cmp_ongoing(const void *a, const void *b)
{
	const struct ongoing *x = a, *y = b;
	int c;

	if (x->since != y->since)
		return x->since < y->since ? -1 : 1;
	c = strcmp(x->service_name, y->service_name);
	return c ? c : strcmp(x->location, y->location);
}

static bool ongoing_at(const struct disruption *d, int64_t D)
{
	return d->start_day <= D && (!d->ended || d->end_day > D);
}

size_t rules_ongoing(const struct disruption *d, size_t n, int64_t D, struct ongoing *out)
{
	size_t no = 0;

	for (size_t i = 0; i < n; i++) {
		struct ongoing *o = NULL;

		if (!ongoing_at(&d[i], D))
			continue;
		/* Organisations reporting the same cut are one cut. */
		for (size_t j = 0; j < no && !o; j++)
			if (strcmp(out[j].service_name, d[i].service_name) == 0 &&
			    strcmp(out[j].location, d[i].location) == 0)
				o = &out[j];
		if (!o) {
			o = &out[no++];
			o->service_name = d[i].service_name;
			o->location = d[i].location;
			o->since = d[i].started_at;
			o->since_offset = d[i].start_offset;
			o->since_day = d[i].start_day;
			o->people = -1;
			o->reports = 0;
		}
		if (d[i].started_at < o->since) {
			o->since = d[i].started_at;
			o->since_offset = d[i].start_offset;
			o->since_day = d[i].start_day;
		}
		if (d[i].people > o->people)
			o->people = d[i].people;
		o->reports++;
	}
	for (size_t j = 0; j < no; j++)
		out[j].days = D - out[j].since_day + 1;
	qsort(out, no, sizeof(*out), cmp_ongoing);
	return no;
}

int rules_days_disrupted(const struct disruption *d, size_t n, int service, int64_t D)
{
	bool hit[30] = { false };
	int count = 0;

	for (size_t i = 0; i < n; i++) {
		int64_t from, to;

		if (d[i].service != service)
			continue;
		from = d[i].start_day > D - 29 ? d[i].start_day : D - 29;
		to = d[i].ended && d[i].end_day < D ? d[i].end_day : D;
		for (int64_t x = from; x <= to; x++)
			hit[x - (D - 29)] = true;
	}
	for (int i = 0; i < 30; i++)
		count += hit[i];
	return count;
}

static int cmp_shortage(const void *a, const void *b)
{
	const struct shortage_state *x = a, *y = b;
	int c;

	if (x->severity != y->severity)
		return y->severity - x->severity;
	if (x->since != y->since)
		return x->since < y->since ? -1 : 1;
	c = strcmp(x->item, y->item);
	return c ? c : strcmp(x->location, y->location);
}

/*
 * One organisation's reports of one (item, location), s[from..to), by day:
 * its latest severity at D and since when it has held unbroken.
 */
static bool org_state(const struct shortage *s, size_t from, size_t to, int64_t D,
		      int *severity, int64_t *since, const char **item)
{
	size_t last = to;

	for (size_t i = from; i < to && s[i].day <= D; i++)
		last = i;
	if (last == to)
		return false;
	*severity = s[last].severity;
	*item = s[last].item;
	*since = s[last].day;
	for (size_t i = last; i-- > from && s[i].severity == *severity;)
		*since = s[i].day;
	return true;
}

size_t rules_shortages(const struct shortage *s, size_t n, int64_t D, struct shortage_state *out)
{
	size_t no = 0, i = 0;

	while (i < n) {
		size_t j = i;
		struct shortage_state st = { NULL, s[i].location, -1, 0, 0 };

		while (j < n && strcmp(s[j].item_key, s[i].item_key) == 0 &&
		       strcmp(s[j].location, s[i].location) == 0)
			j++;
		/* Per organisation, then the worst of them. */
		for (size_t k = i; k < j;) {
			size_t m = k;
			int sev;
			int64_t since;
			const char *item;

			while (m < j && s[m].org == s[k].org)
				m++;
			if (org_state(s, k, m, D, &sev, &since, &item) &&
			    (sev > st.severity || (sev == st.severity && since < st.since))) {
				st.severity = sev;
				st.since = since;
				st.item = item;
			}
			k = m;
		}
		if (st.severity > 0) {
			st.days = D - st.since + 1;
			out[no++] = st;
		}
		i = j;
	}
	qsort(out, no, sizeof(*out), cmp_shortage);
	return no;
}
