#include "core/csvsum.h"

#include <stdio.h>
#include <string.h>

#include "util/strbuf.h"

/*
 * The field each kind's export filters on (store/export.c): a date as
 * written, else an instant, whose day there is local to the corridor.
 */
static const char *const day_date[KIND_COUNT] = { "date", "date", NULL, NULL, "planned_for" };
static const char *const day_instant[KIND_COUNT] = { "observed_at", NULL, "started_at", "at", NULL };

/*
 * The days a report's export filter may put it on, [*lo, *hi]; false when
 * it has none.  An instant is in UTC here and its corridor's day is within
 * one of UTC's (time zones are less than a day from UTC): the range takes
 * a day either side rather than a time zone database.
 */
static bool report_days(const json_t *canon, enum report_kind k, int64_t *lo, int64_t *hi)
{
	const char *d = day_date[k] ? json_string_value(json_object_get(canon, day_date[k])) : NULL;
	const char *t = day_instant[k] ? json_string_value(json_object_get(canon, day_instant[k])) : NULL;
	struct sw_date date;
	struct sw_ts ts;

	if (d && valid_date(d, &date)) {
		*lo = *hi = date_to_days(&date);
		return true;
	}
	if (t && valid_timestamp(t, &ts)) {
		int64_t day = ts.epoch >= 0 ? ts.epoch / 86400 : -((-ts.epoch + 86399) / 86400);

		*lo = day - 1;
		*hi = day + 1;
		return true;
	}
	return false;
}

static void add_kind(struct csvsum_kind *sk, const json_t *canon, enum report_kind k)
{
	const char *corridor = json_string_value(json_object_get(canon, "corridor"));
	int64_t lo = 0, hi = 0;
	bool dated = report_days(canon, k, &lo, &hi);

	if (!corridor || !valid_slug(corridor))
		corridor = "";
	if (!sk->reports++) {
		snprintf(sk->corridor, sizeof(sk->corridor), "%s", corridor);
		sk->from = lo;
		sk->to = hi;
		sk->undated = !dated;
		return;
	}
	if (strcmp(sk->corridor, corridor) != 0)
		sk->corridor[0] = '\0';
	sk->undated = sk->undated || !dated;
	if (dated && lo < sk->from)
		sk->from = lo;
	if (dated && hi > sk->to)
		sk->to = hi;
}

void csvsum_add(struct csvsum *s, const json_t *canon)
{
	const char *id = json_string_value(json_object_get(canon, "report_id"));
	enum report_kind k = report_kind_of(canon);

	if (!id)
		id = "";
	if (!s->reports++)
		snprintf(s->first_id, sizeof(s->first_id), "%s", id);
	snprintf(s->last_id, sizeof(s->last_id), "%s", id);
	if ((unsigned)k < KIND_COUNT)
		add_kind(&s->kind[k], canon, k);
}

static json_t *export_url(const struct csvsum_kind *sk, enum report_kind k)
{
	struct strbuf sb = STRBUF_INIT;
	char day[SW_DATE_LEN];
	struct sw_date d;
	json_t *url;

	sb_addf(&sb, "/api/v1/reports.csv?kind=%s", report_kinds[k]);
	if (*sk->corridor)
		sb_addf(&sb, "&corridor=%s", sk->corridor);
	if (!sk->undated) {
		d = date_from_days(sk->from);
		date_format(&d, day);
		sb_addf(&sb, "&from=%s", day);
		d = date_from_days(sk->to);
		date_format(&d, day);
		sb_addf(&sb, "&to=%s", day);
	}
	url = json_string(sb.buf);
	sb_release(&sb);
	return url;
}

json_t *csvsum_json(const struct csvsum *s, const char *org_slug)
{
	json_t *exports = json_object();
	struct strbuf receipt = STRBUF_INIT;
	json_t *out;

	for (int k = 0; k < KIND_COUNT; k++)
		if (s->kind[k].reports)
			json_object_set_new(exports, report_kinds[k], export_url(&s->kind[k], (enum report_kind)k));
	sb_addf(&receipt, "/api/v1/reports/%s/{report_id}/receipt", org_slug);
	out = json_pack("{s:o, s:o, s:o, s:s}",
			"first_report_id", s->reports ? json_string(s->first_id) : json_null(),
			"last_report_id", s->reports ? json_string(s->last_id) : json_null(),
			"export", exports, "receipt", receipt.buf);
	sb_release(&receipt);
	return out;
}
