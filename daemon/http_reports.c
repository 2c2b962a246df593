/* POST /api/v1/reports and POST /api/v1/reports/{report_id}/retract */
#include <string.h>
#include <strings.h>
#include <time.h>

#include "db.h"
#include "http.h"
#include "csv_import.h"
#include "ingest.h"
#include "metrics.h"
#include "report.h"
#include "valid.h"

/* text/csv: one file, all or nothing, rows reported by spreadsheet number. */
static enum MHD_Result post_csv(struct request *rq)
{
	const char *kind = MHD_lookup_connection_value(rq->conn, MHD_GET_ARGUMENT_KIND, "kind");

	if (kind && enum_index(kind, report_kinds) < 0)
		return reply_error(rq, 400, "kind must be one of: trucks, shortage, disruption, access");
	for (int attempt = 0;; attempt++) {
		PGconn *c = db_conn();
		struct csv_import *imp;
		struct outcome o;

		if (!c) {
			o = outcome_error(503, "database unavailable; nothing was stored, retry later");
			o.retry_after = db_retry_after();
			return reply_outcome(rq, o);
		}
		imp = csv_import_begin(c, &rq->org, "csv", kind, rq->cfg, true);
		csv_import_feed(imp, rq->body.buf, rq->body.len);
		o = csv_import_finish(imp);
		if (o.reconnect && attempt == 0) {
			json_decref(o.body);
			continue;
		}
		return reply_outcome(rq, o);
	}
}

enum MHD_Result http_post_reports(struct request *rq)
{
	const char *type = MHD_lookup_connection_value(rq->conn, MHD_HEADER_KIND,
						       MHD_HTTP_HEADER_CONTENT_TYPE);
	json_t *errs, *canon, *raw;
	char msg[256];
	PGconn *c;
	int rc;

	if (type && strncasecmp(type, "text/csv", 8) == 0)
		return post_csv(rq);
	errs = json_array();
	rc = report_parse_body(rq->body.buf, rq->body.len, rq->cfg, (int64_t)time(NULL),
			       &canon, &raw, errs, msg, sizeof(msg));
	if (rc == -1) {
		json_decref(errs);
		return reply_error(rq, 400, msg);
	}
	if (rc == -2) {
		metrics_report(-1, 0, RESULT_INVALID, report_errors_reports(errs));
		return reply_json(rq, 422, json_pack("{s:s, s:o}", "error",
			"invalid report; nothing was stored", "details", errs));
	}
	json_decref(errs);
	/* A connection found dead is replaced once, as nothing was stored on it. */
	for (int attempt = 0;; attempt++) {
		struct outcome o;

		c = db_conn();
		if (!c) {
			o = outcome_error(503, "database unavailable; nothing was stored, retry later");
			o.retry_after = db_retry_after();
		} else {
			o = ingest_reports(c, &rq->org, "json", canon, raw, rq->cfg);
		}
		if (o.reconnect && attempt == 0) {
			json_decref(o.body);
			continue;
		}
		json_decref(canon);
		json_decref(raw);
		return reply_outcome(rq, o);
	}
}

/* Body: {"reason": "..."} and nothing else. */
static const char *retract_reason(struct request *rq, json_t **root, json_t *errs, char *msg,
				  size_t n)
{
	json_error_t jerr;
	json_t *v;
	const char *why;

	*root = json_loadb(rq->body.buf, rq->body.len, JSON_REJECT_DUPLICATES, &jerr);
	if (!*root || !json_is_object(*root)) {
		snprintf(msg, n, "body must be a JSON object {\"reason\": \"...\"}%s%s",
			 *root ? "" : ": ", *root ? "" : jerr.text);
		return NULL;
	}
	v = json_object_get(*root, "reason");
	if (json_object_size(*root) != (v ? 1u : 0u)) {
		const char *key;
		json_t *val;

		json_object_foreach(*root, key, val)
			if (strcmp(key, "reason") != 0)
				report_error(errs, 0, key, "is not a field of a retraction");
	}
	if (!v)
		report_error(errs, 0, "reason", "is required");
	else if (!json_is_string(v))
		report_error(errs, 0, "reason", "must be a string");
	else if ((why = valid_text(json_string_value(v), 2000)))
		report_error(errs, 0, "reason", why);
	return json_array_size(errs) ? NULL : json_string_value(v);
}

enum MHD_Result http_post_retract(struct request *rq)
{
	char id[SW_UUID_LEN + 1], msg[256] = "";
	json_t *errs = json_array(), *root = NULL;
	const char *reason;
	struct outcome o;
	PGconn *c;

	if (!valid_uuid(rq->capture, id)) {
		json_decref(errs);
		return reply_error(rq, 404, "no such report: the path must hold a report_id (UUID)");
	}
	reason = retract_reason(rq, &root, errs, msg, sizeof(msg));
	if (!reason) {
		json_decref(root);
		if (*msg) {
			json_decref(errs);
			return reply_error(rq, 400, msg);
		}
		return reply_json(rq, 422, json_pack("{s:s, s:o}", "error",
			"invalid retraction; nothing was changed", "details", errs));
	}
	json_decref(errs);
	for (int attempt = 0;; attempt++) {
		c = db_conn();
		if (!c) {
			o = outcome_error(503, "database unavailable; nothing was changed, retry later");
			o.retry_after = db_retry_after();
		} else {
			o = ingest_retract(c, &rq->org, id, reason);
		}
		if (!o.reconnect || attempt > 0)
			break;
		json_decref(o.body);
	}
	json_decref(root);
	return reply_outcome(rq, o);
}
