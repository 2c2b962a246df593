/*
 * GET /api/v1/reports.csv?kind=&corridor=&from=&to=: current reports of one
 * kind as CSV with a header row and an HXL hashtag row, as HXL tools and HDX
 * take it.  Values are those submitted (so the file imports back as an
 * identical replay); organisations are left out, to protect reporters.
 */
#include <stdio.h>
#include <string.h>

#include "core/report.h"
#include "http/http.h"
#include "store/db.h"
#include "util/escape.h"
#include "util/log.h"
#include "util/valid.h"

#define EXPORT_MAX_ROWS 100000

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
	{ "tonnes", "#indicator+tonnes+num" }, { "turned_back", "#indicator+turned_back+num" }, { NULL, NULL },
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
static const struct col *const kind_cols[KIND_COUNT] = {
	trucks_cols, shortage_cols, disruption_cols, access_cols
};

/* The local date each kind is filtered on. */
static const char *const kind_day[KIND_COUNT] = {
	"(SELECT t.day FROM supplywatch.truck_reports t WHERE t.report = r.id)",
	"(SELECT s.day FROM supplywatch.shortage_reports s WHERE s.report = r.id)",
	"(SELECT (d.started_at AT TIME ZONE c.timezone)::date FROM supplywatch.disruption_reports d WHERE d.report = r.id)",
	"(SELECT (a.at AT TIME ZONE c.timezone)::date FROM supplywatch.access_events a WHERE a.report = r.id)",
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

/* Runs the query row by row, so only the CSV itself is held in memory. */
static int stream(PGconn *c, const char *sql, const char *const *params, int n,
		  const struct col *cols, struct strbuf *out)
{
	PGresult *r;
	long rows = 0;
	int rc = 0;

	if (!PQsendQueryParams(c, sql, n, NULL, params, NULL, NULL, 0) || !PQsetSingleRowMode(c))
		return -1;
	while ((r = PQgetResult(c))) {
		if (PQresultStatus(r) == PGRES_SINGLE_TUPLE) {
			if (++rows > EXPORT_MAX_ROWS)
				rc = -2;
			else
				row(out, cols, PQgetvalue(r, 0, 0), PQgetvalue(r, 0, 1));
		} else if (PQresultStatus(r) != PGRES_TUPLES_OK) {
			log_warn("export: %s %s", db_sqlstate(r), PQresultErrorMessage(r));
			rc = rc ? rc : -1;
		}
		PQclear(r);
	}
	return rc;
}

static bool date_param(struct request *rq, const char *name, char *out, size_t n, bool *bad)
{
	const char *v = MHD_lookup_connection_value(rq->conn, MHD_GET_ARGUMENT_KIND, name);

	if (!v)
		return false;
	if (!valid_date(v, NULL))
		*bad = true;
	else
		snprintf(out, n, "%s", v);
	return true;
}

enum MHD_Result http_get_reports_csv(struct request *rq)
{
	const char *kind = MHD_lookup_connection_value(rq->conn, MHD_GET_ARGUMENT_KIND, "kind");
	const char *corridor = MHD_lookup_connection_value(rq->conn, MHD_GET_ARGUMENT_KIND, "corridor");
	char from[11] = "", to[11] = "", sql[1024];
	const char *params[4];
	struct strbuf out = STRBUF_INIT;
	bool bad = false, has_from, has_to;
	int k, rc;
	PGconn *c;

	k = kind ? enum_index(kind, report_kinds) : -1;
	if (k < 0)
		return reply_error(rq, 400, "kind is required: trucks, shortage, disruption or access");
	if (corridor && !config_corridor(rq->cfg, corridor))
		return reply_error(rq, 404, "no such corridor is configured");
	has_from = date_param(rq, "from", from, sizeof(from), &bad);
	has_to = date_param(rq, "to", to, sizeof(to), &bad);
	if (bad)
		return reply_error(rq, 400, "from and to must be dates as YYYY-MM-DD");
	snprintf(sql, sizeof(sql),
		 "SELECT r.payload::text, to_char(r.received_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')"
		 " FROM supplywatch.current_reports r JOIN supplywatch.corridors c ON c.id = r.corridor_id"
		 " WHERE r.kind = $1 AND ($2::text IS NULL OR r.corridor_id = $2)"
		 " AND ($3::date IS NULL OR %s >= $3::date) AND ($4::date IS NULL OR %s <= $4::date)"
		 " ORDER BY r.id", kind_day[k], kind_day[k]);
	params[0] = report_kinds[k];
	params[1] = corridor;
	params[2] = has_from ? from : NULL;
	params[3] = has_to ? to : NULL;
	c = db_conn();
	if (!c)
		return reply_error(rq, 503, "database unavailable; retry later");
	header(&out, kind_cols[k], false);
	header(&out, kind_cols[k], true);
	rc = stream(c, sql, params, 4, kind_cols[k], &out);
	if (rc != 0) {
		sb_release(&out);
		return rc == -2 ? reply_error(rq, 413, "more than 100000 reports: narrow the export with corridor, from and to")
				: reply_error(rq, 503, "database unavailable; retry later");
	}
	return reply_text(rq, 200, "text/csv; charset=utf-8", &out);
}

void http_export_cleanup(struct request *rq)
{
	(void)rq;
}
