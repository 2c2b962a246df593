#include "store/export.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "store/db.h"
#include "util/escape.h"
#include "util/log.h"
#include "util/strbuf.h"

#define FLUSH_AT 65536

struct col {
	const char *field;
	const char *hxl;
};

static const struct col common_head[] = {
	{ "report_id", "#meta+id" }, { "kind", "#meta+kind" }, { "corridor", "#loc+corridor" },
};
static const struct col common_tail[] = {
	{ "supersedes", "#meta+supersedes" }, { "source_url", "#meta+url" },
	{ "note", "#description" }, { "received_at", "#meta+received" },
};
static const struct col trucks_cols[] = {
	{ "date", "#date" }, { "observed_at", "#date+observed" }, { "trucks", "#indicator+trucks+num" },
	{ "direction", "#meta+direction" }, { "crossing", "#loc+crossing" }, { "cargo", "#item+cargo" },
	{ "tonnes", "#indicator+tonnes+num" }, { "turned_back", "#indicator+turned_back+num" },
	{ "stage", "#meta+stage" }, { "consignor", "#org+type" }, { NULL, NULL },
};
static const struct col shortage_cols[] = {
	{ "date", "#date" }, { "item", "#item+name" }, { "severity", "#severity" },
	{ "category", "#item+category" }, { "location", "#loc+name" }, { NULL, NULL },
};
static const struct col disruption_cols[] = {
	{ "service", "#service+name" }, { "started_at", "#date+start" }, { "ended_at", "#date+end" },
	{ "disruption_id", "#meta+disruption" }, { "location", "#loc+name" },
	{ "people_affected", "#affected+num" }, { NULL, NULL },
};
static const struct col access_cols[] = {
	{ "status", "#status+access" }, { "at", "#date" }, { "crossing", "#loc+crossing" }, { NULL, NULL },
};
static const struct col movement_cols[] = {
	{ "planned_for", "#date+planned" }, { "outcome", "#status+outcome" },
	{ "purpose", "#activity+purpose" }, { "from", "#loc+origin" }, { "to", "#loc+dest" },
	{ "delay_hours", "#indicator+delay_hours+num" }, { "crossing", "#loc+crossing" }, { NULL, NULL },
};
static const struct col *const kind_cols[KIND_COUNT] = {
	trucks_cols, shortage_cols, disruption_cols, access_cols, movement_cols
};

/* The local date each kind is filtered on. */
static const char *const kind_day[KIND_COUNT] = {
	"(SELECT t.day FROM supplywatch.truck_reports t WHERE t.report = r.id)",
	"(SELECT s.day FROM supplywatch.shortage_reports s WHERE s.report = r.id)",
	"(SELECT (d.started_at AT TIME ZONE c.timezone)::date FROM supplywatch.disruption_reports d WHERE d.report = r.id)",
	"(SELECT (a.at AT TIME ZONE c.timezone)::date FROM supplywatch.access_events a WHERE a.report = r.id)",
	"(SELECT m.planned_for FROM supplywatch.movement_reports m WHERE m.report = r.id)",
};

/*
 * What else a kind's rows must satisfy, $6 being movements.embargo_hours
 * and $7 the daemon's clock (one clock decides, as for the snapshot): a
 * movement is counted, not listed, until that long after its planned day.
 */
static const char *const kind_public[KIND_COUNT] = {
	"$6::integer >= 0 AND $7::bigint > 0", "$6::integer >= 0 AND $7::bigint > 0",
	"$6::integer >= 0 AND $7::bigint > 0", "$6::integer >= 0 AND $7::bigint > 0",
	("(SELECT m.planned_for + 1 FROM supplywatch.movement_reports m WHERE m.report = r.id)::timestamp"
	 " AT TIME ZONE c.timezone + make_interval(hours => $6::integer) <= to_timestamp($7::bigint)"),
};

static void header(struct strbuf *out, const struct col *cols, bool hxl)
{
	const struct col *sets[] = { common_head, cols, common_tail };
	size_t lens[] = { 3, 0, 4 };
	bool first = true;

	while (cols[lens[1]].field)
		lens[1]++;
	for (int s = 0; s < 3; s++)
		for (size_t i = 0; i < lens[s]; i++) {
			sb_addstr(out, first ? "" : ",");
			sb_addstr(out, hxl ? sets[s][i].hxl : sets[s][i].field);
			first = false;
		}
	sb_addstr(out, "\r\n");
}

static void cell(struct strbuf *out, const json_t *payload, const char *field, bool first)
{
	const json_t *v = json_object_get(payload, field);
	char num[64];

	if (!first)
		sb_addch(out, ',');
	if (json_is_string(v)) {
		esc_csv(out, json_string_value(v), 1);
	} else if (json_is_integer(v)) {
		sb_addf(out, "%lld", (long long)json_integer_value(v));
	} else if (json_is_real(v)) {
		format_decimal(json_real_value(v), num, sizeof(num));
		sb_addstr(out, num);
	}
}

static void row(struct strbuf *out, const struct col *cols, const char *payload_text,
		const char *received)
{
	json_t *p = json_loads(payload_text, 0, NULL);

	if (!p)
		return;
	for (size_t i = 0; i < 3; i++)
		cell(out, p, common_head[i].field, i == 0);
	for (size_t i = 0; cols[i].field; i++)
		cell(out, p, cols[i].field, false);
	for (size_t i = 0; i < 3; i++)
		cell(out, p, common_tail[i].field, false);
	sb_addf(out, ",%s\r\n", received);
	json_decref(p);
}

/* Writes out's bytes to fd and empties it; false on a write error. */
static bool flush(struct strbuf *out, int fd, int64_t *bytes)
{
	size_t done = 0;

	while (done < out->len) {
		ssize_t n = write(fd, out->buf + done, out->len - done);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			log_err("export: cannot write the export: %s", strerror(errno));
			return false;
		}
		done += (size_t)n;
	}
	*bytes += (int64_t)out->len;
	sb_reset(out);
	return true;
}

static enum export_status status_of(const PGresult *r)
{
	log_warn("export: %s %s", db_sqlstate(r), PQresultErrorMessage(r));
	return strncmp(db_sqlstate(r), "08", 2) == 0 || strcmp(db_sqlstate(r), "57014") == 0 ||
	       !*db_sqlstate(r) ? EXPORT_UNAVAILABLE : EXPORT_FAILED;
}

/*
 * Runs the query row by row (libpq's single-row mode): each row is written
 * as it arrives, and the LIMIT in the query stops the reading one row past
 * the cap.  Results are drained to the end, so the session stays usable.
 */
static enum export_status stream(PGconn *c, const char *sql, const char *const *params, int n,
				 const struct col *cols, long max_rows, int fd, struct strbuf *out,
				 int64_t *bytes)
{
	enum export_status st = EXPORT_OK;
	PGresult *r;
	long rows = 0;

	if (!PQsendQueryParams(c, sql, n, NULL, params, NULL, NULL, 0) || !PQsetSingleRowMode(c)) {
		log_warn("export: %s", PQerrorMessage(c));
		return EXPORT_UNAVAILABLE;
	}
	while ((r = PQgetResult(c))) {
		if (PQresultStatus(r) == PGRES_SINGLE_TUPLE && st == EXPORT_OK) {
			if (++rows > max_rows)
				st = EXPORT_TOO_MANY;
			else
				row(out, cols, PQgetvalue(r, 0, 0), PQgetvalue(r, 0, 1));
			if (st == EXPORT_OK && out->len >= FLUSH_AT && !flush(out, fd, bytes))
				st = EXPORT_FAILED;
		} else if (PQresultStatus(r) != PGRES_SINGLE_TUPLE && PQresultStatus(r) != PGRES_TUPLES_OK &&
			   st == EXPORT_OK) {
			st = status_of(r);
		}
		PQclear(r);
	}
	if (st == EXPORT_OK && !flush(out, fd, bytes))
		st = EXPORT_FAILED;
	return st;
}

enum export_status export_run(PGconn *c, const struct export_query *q, long max_rows, int fd,
			      int64_t *bytes)
{
	char sql[2048], limit[24], embargo[24], now[24];
	const char *params[7];
	struct strbuf out = STRBUF_INIT;
	enum export_status st;
	int k = (int)q->kind;

	snprintf(sql, sizeof(sql),
		 "SELECT r.payload::text, to_char(r.received_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')"
		 " FROM supplywatch.current_reports r JOIN supplywatch.corridors c ON c.id = r.corridor_id"
		 " WHERE r.kind = $1 AND ($2::text IS NULL OR r.corridor_id = $2)"
		 " AND ($3::date IS NULL OR %s >= $3::date) AND ($4::date IS NULL OR %s <= $4::date)"
		 " AND %s"
		 /* A corridor that publishes after review exports what its page counts. */
		 " AND (c.publish = 'on_receipt' OR EXISTS (SELECT 1 FROM supplywatch.review_state v"
		 " WHERE v.report = r.id AND v.state = 'published'))"
		 " ORDER BY r.id LIMIT $5", kind_day[k], kind_day[k], kind_public[k]);
	snprintf(limit, sizeof(limit), "%ld", max_rows + 1);
	params[0] = report_kinds[k];
	params[1] = *q->corridor ? q->corridor : NULL;
	params[2] = *q->from ? q->from : NULL;
	params[3] = *q->to ? q->to : NULL;
	params[4] = limit;
	snprintf(embargo, sizeof(embargo), "%lld", (long long)q->embargo_hours);
	params[5] = embargo;
	snprintf(now, sizeof(now), "%lld", (long long)q->now);
	params[6] = now;
	*bytes = 0;
	header(&out, kind_cols[k], false);
	header(&out, kind_cols[k], true);
	st = stream(c, sql, params, 7, kind_cols[k], max_rows, fd, &out, bytes);
	sb_release(&out);
	return st;
}
