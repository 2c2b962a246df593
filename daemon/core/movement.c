#include "core/movement.h"

#include <stdlib.h>
#include <string.h>

#include "core/rules.h"
#include "util/strbuf.h"

void movement_summarise(const struct movement *m, size_t n, int64_t D, int64_t today, int64_t now,
			struct movement_summary *out)
{
	memset(out, 0, sizeof(*out));
	for (size_t i = n; i-- > 0;) {
		bool embargoed = now < m[i].public_at;

		if (m[i].planned > D || m[i].planned <= D - 30)
			continue;
		if (embargoed && D < today)
			continue;
		out->by_outcome_30d[m[i].outcome]++;
		out->total_30d++;
		if (embargoed)
			out->embargoed_30d++;
		else if (out->nlisted < MOVEMENTS_LISTED)
			out->listed[out->nlisted++] = &m[i];
	}
	if (out->total_30d) {
		out->has_pct = true;
		out->denied_or_impeded_pct = 100.0 *
			(out->by_outcome_30d[OUT_DENIED] + out->by_outcome_30d[OUT_IMPEDED]) / out->total_30d;
	}
}

int64_t movement_next_release(const struct movement *m, size_t n, int64_t now)
{
	int64_t t = 0;

	for (size_t i = 0; i < n; i++)
		if (m[i].public_at > now && (!t || m[i].public_at < t))
			t = m[i].public_at;
	return t;
}

/* One crossing's events ev[0..n) (its own, by instant) as of the end of D. */
static void one_crossing(const struct crossing_event *const *ev, size_t n, int64_t D,
			 struct crossing_state *out)
{
	int state = ST_UNKNOWN;
	size_t i = 0;

	/* Walk the days D-29 .. D; events before the window set the state it starts in. */
	for (; i < n && ev[i]->day < D - 29; i++) {
		if (ev[i]->status != state) {
			out->since = ev[i]->at;
			out->since_offset = ev[i]->offset;
		}
		state = ev[i]->status;
	}
	for (int64_t day = D - 29; day <= D; day++) {
		for (; i < n && ev[i]->day == day; i++) {
			if (ev[i]->status == ST_BLOCKED && state != ST_BLOCKED)
				out->closures_30d++;
			if (ev[i]->status != state) {
				out->since = ev[i]->at;
				out->since_offset = ev[i]->offset;
			}
			state = ev[i]->status;
		}
		if (state == ST_OPEN)
			out->open_days_30d++;
	}
	out->state = state;
	if (state == ST_UNKNOWN)
		out->since = 0;
}

void movement_crossings(const struct crossing_event *ev, size_t n, size_t ncrossings, int64_t D,
			struct crossing_state *out)
{
	const struct crossing_event **mine = xcalloc(n ? n : 1, sizeof(*mine));

	for (size_t c = 0; c < ncrossings; c++) {
		size_t k = 0;

		memset(&out[c], 0, sizeof(out[c]));
		out[c].crossing = (int)c;
		for (size_t i = 0; i < n; i++)
			if (ev[i].crossing == (int)c && ev[i].day <= D)
				mine[k++] = &ev[i];
		one_crossing(mine, k, D, &out[c]);
	}
	free(mine);
}
