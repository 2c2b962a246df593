/*
 * POST /api/v1/reports (the JSON and CSV channels) and
 * POST /api/v1/reports/{report_id}/retract: ingest's outcomes as HTTP
 * statuses and JSON bodies.
 */
#include <pthread.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "core/metrics.h"
#include "core/report.h"
#include "http/http.h"
#include "store/csv_import.h"
#include "store/db.h"
#include "store/group_commit.h"
#include "store/ingest.h"
#include "util/valid.h"

static void count(const struct ingest_outcome *o, const char *channel)
{
	int ch = enum_index(channel, report_channels);

	metrics_report_counts(ch, &o->count[0][0]);
	if (o->invalid_reports)
		metrics_report(-1, ch, RESULT_INVALID, o->invalid_reports);
}

/* The status of an outcome; 0 for the ones whose body differs by channel. */
unsigned http_outcome_status(const struct ingest_outcome *o)
{
	switch (o->result) {
	case INGEST_STORED: return 201;
	case INGEST_REPLAY: return 200;
	case INGEST_CONFLICT: return 409;
	case INGEST_INVALID: return 422;
	case INGEST_NOT_FOUND: return 404;
	case INGEST_UNAVAILABLE: return 503;
	default: return 500;
	}
}

/* 503 and 500: nothing (or, after a lost COMMIT, perhaps something) was stored. */
enum MHD_Result http_reply_outcome_failure(struct request *rq, const struct ingest_outcome *o,
					   const char *what)
{
	char msg[160];

	if (o->result != INGEST_UNAVAILABLE) {
		snprintf(msg, sizeof(msg), "internal error; nothing was %s", what);
		return reply_error(rq, 500, msg);
	}
	if (o->commit_unknown)
		snprintf(msg, sizeof(msg), "database connection lost during commit; send the same "
			 "request again: if it was stored you get 200 and the same answer");
	else
		snprintf(msg, sizeof(msg), "database unavailable; nothing was %s, retry later", what);
	return reply_json_retry(rq, 503, json_pack("{s:s}", "error", msg), o->retry_after);
}

/* The body of a stored, replayed, invalid or conflicting submission; else NULL. */
static json_t *body_of(const struct ingest_outcome *o, const char *invalid)
{
	if (o->result == INGEST_STORED || o->result == INGEST_REPLAY)
		return json_pack("{s:O}", "reports", o->items);
	if (o->result == INGEST_INVALID)
		return json_pack("{s:s, s:O}", "error", invalid, "details", o->details);
	if (o->result == INGEST_CONFLICT)
		return json_pack("{s:s, s:O}", "error",
				 "report_id already used for different content; nothing was stored",
				 "details", o->details);
	return NULL;
}

/* The JSON channel's answer (o is released). */
static enum MHD_Result reply_reports(struct request *rq, struct ingest_outcome *o)
{
	unsigned status = http_outcome_status(o);
	json_t *body = NULL;
	enum MHD_Result ret;

	count(o, "json");
	body = body_of(o, "invalid report; nothing was stored");
	ret = body ? reply_json(rq, status, body) : http_reply_outcome_failure(rq, o, "stored");
	ingest_outcome_free(o);
	return ret;
}

/* ---- JSON ------------------------------------------------------------------------- */

struct json_job {
	struct request *rq;
	json_t *canon, *raw;
};

static struct ingest_outcome run_json(PGconn *c, void *arg)
{
	struct json_job *j = arg;

	return ingest_reports(c, &j->rq->org, "json", j->canon, j->raw, j->rq->cfg);
}

/* ---- one report: group commit (store/group_commit.h) ------------------------------ */

struct single {
	struct group_item it;		/* first: done() gets it */
	json_t *canon, *raw;		/* the parsed arrays, of one report */
	struct MHD_Connection *conn;
	bool suspended;			/* its connection waits for the group */
	int refs;			/* the request's and the group's */
};

/* Guards every single's suspended and refs. */
static pthread_mutex_t single_lock = PTHREAD_MUTEX_INITIALIZER;

/* Called under single_lock. */
static void single_release(struct single *j)
{
	if (--j->refs > 0)
		return;
	json_decref(j->canon);
	json_decref(j->raw);
	ingest_outcome_free(&j->it.s.outcome);
	free(j);
}

/* The group committed (or failed): the connection goes on to reply_single. */
static void single_done(struct group_item *it)
{
	struct single *j = (struct single *)it;

	pthread_mutex_lock(&single_lock);
	if (j->suspended) {
		j->suspended = false;
		MHD_resume_connection(j->conn);
	}
	single_release(j);
	pthread_mutex_unlock(&single_lock);
}

/* Queues the report for the next group and suspends the connection (canon, raw taken). */
static enum MHD_Result submit_single(struct request *rq, json_t *canon, json_t *raw)
{
	struct single *j = xcalloc(1, sizeof(*j));

	j->it.s.org = &rq->org;
	j->it.s.channel = "json";
	j->it.s.cfg = rq->cfg;
	j->it.s.canon = json_array_get(canon, 0);
	j->it.s.raw = json_array_get(raw, 0);
	j->it.done = single_done;
	j->canon = canon;
	j->raw = raw;
	j->conn = rq->conn;
	j->refs = 2;
	/* Under the lock: the group cannot resume the connection before it is suspended. */
	pthread_mutex_lock(&single_lock);
	if (!group_commit_submit(&j->it)) {
		j->refs = 1;
		single_release(j);
		pthread_mutex_unlock(&single_lock);
		return reply_json_retry(rq, 503, json_pack("{s:s}", "error",
			"too many reports waiting to be stored; nothing was stored, retry later"), 1);
	}
	rq->ext = j;
	MHD_suspend_connection(rq->conn);
	j->suspended = true;
	pthread_mutex_unlock(&single_lock);
	return MHD_YES;
}

/* Back from the group: its outcome as the JSON channel answers it. */
static enum MHD_Result reply_single(struct request *rq, struct single *j)
{
	struct ingest_outcome o = j->it.s.outcome;

	memset(&j->it.s.outcome, 0, sizeof(j->it.s.outcome));
	return reply_reports(rq, &o);
}

void http_reports_cleanup(struct request *rq)
{
	if (!rq->ext)
		return;
	pthread_mutex_lock(&single_lock);
	single_release(rq->ext);
	pthread_mutex_unlock(&single_lock);
	rq->ext = NULL;
}

void http_reports_stop(void)
{
	group_commit_stop();
}

static enum MHD_Result post_json(struct request *rq)
{
	struct json_job job = { rq, NULL, NULL };
	struct ingest_outcome o;
	json_t *errs = json_array();
	char msg[256];
	int rc;

	rc = report_parse_body(rq->body.buf, rq->body.len, rq->cfg, (int64_t)time(NULL),
			       &job.canon, &job.raw, errs, msg, sizeof(msg));
	if (rc == -1) {
		json_decref(errs);
		return reply_error(rq, 400, msg);
	}
	if (rc == -2) {
		metrics_report(-1, enum_index("json", report_channels), RESULT_INVALID,
			       report_errors_reports(errs));
		return reply_json(rq, 422, json_pack("{s:s, s:o}", "error",
			"invalid report; nothing was stored", "details", errs));
	}
	json_decref(errs);
	if (json_array_size(job.canon) == 1 && !json_object_get(json_array_get(job.canon, 0), "supersedes"))
		return submit_single(rq, job.canon, job.raw);
	o = ingest_run(run_json, &job);
	json_decref(job.canon);
	json_decref(job.raw);
	return reply_reports(rq, &o);
}

/* ---- CSV -------------------------------------------------------------------------- */

struct csv_job {
	struct request *rq;
	const char *kind, *corridor;
	struct csv_outcome co;		/* of the last run; co.o goes to ingest_run */
};

static struct ingest_outcome run_csv(PGconn *c, void *arg)
{
	struct csv_job *j = arg;
	struct csv_import *imp = csv_import_begin(c, &j->rq->org, "csv", j->kind, j->corridor,
						   j->rq->cfg);

	json_decref(j->co.ignored_columns);
	csv_import_feed(imp, j->rq->body.buf, j->rq->body.len);
	j->co = csv_import_finish(imp);
	return j->co.o;
}

/*
 * A stored or replayed file's answer: counts, the first and last report
 * ids, the export that lists the file's reports and where receipts are;
 * never one object per row, so it is as small for 100,000 rows as for one.
 */
static json_t *csv_summary(const struct request *rq, const struct csv_outcome *co)
{
	json_t *body = json_pack("{s:I, s:i, s:i, s:O}", "rows", (json_int_t)co->rows,
				 "stored", co->o.stored, "replayed", co->o.replayed,
				 "ignored_columns", co->ignored_columns);
	json_t *sum = csvsum_json(&co->sum, rq->org.slug);

	json_object_update(body, sum);
	json_decref(sum);
	return body;
}

/* The CSV channel's answer: a summary, or the JSON channel's errors with rows and columns. */
static enum MHD_Result reply_csv(struct request *rq, struct csv_outcome *co)
{
	struct ingest_outcome *o = &co->o;
	json_t *body;
	enum MHD_Result ret;

	count(o, "csv");
	if (o->result == INGEST_STORED || o->result == INGEST_REPLAY) {
		body = csv_summary(rq, co);
	} else if ((body = body_of(o, "invalid rows; nothing was stored"))) {
		if (co->more_errors)
			json_object_set_new(body, "more_errors", json_integer(co->more_errors));
		json_object_set_new(body, "rows", json_integer(co->rows));
		json_object_set(body, "ignored_columns", co->ignored_columns);
	}
	ret = body ? reply_json(rq, http_outcome_status(o), body) : http_reply_outcome_failure(rq, o, "stored");
	csv_outcome_free(co);
	return ret;
}

/* text/csv: one file, all or nothing, rows reported by spreadsheet number. */
static enum MHD_Result post_csv(struct request *rq)
{
	struct csv_job job = { .rq = rq };

	job.kind = MHD_lookup_connection_value(rq->conn, MHD_GET_ARGUMENT_KIND, "kind");
	job.corridor = MHD_lookup_connection_value(rq->conn, MHD_GET_ARGUMENT_KIND, "corridor");
	if (job.kind && enum_index(job.kind, report_kinds) < 0)
		return reply_error(rq, 400, "kind must be one of: trucks, shortage, disruption, access, movement");
	if (job.corridor && !config_corridor(rq->cfg, job.corridor))
		return reply_error(rq, 400, "corridor must be a corridor configured on this server");
	job.co.o = ingest_run(run_csv, &job);
	return reply_csv(rq, &job.co);
}

enum MHD_Result http_post_reports(struct request *rq)
{
	const char *type = MHD_lookup_connection_value(rq->conn, MHD_HEADER_KIND,
						       MHD_HTTP_HEADER_CONTENT_TYPE);

	if (rq->ext)
		return reply_single(rq, rq->ext);
	if (type && strncasecmp(type, "text/csv", 8) == 0)
		return post_csv(rq);
	return post_json(rq);
}

/* ---- retractions ---------------------------------------------------------------- */

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

struct retract_job {
	struct request *rq;
	const char *id, *reason;
};

static struct ingest_outcome run_retract(PGconn *c, void *arg)
{
	struct retract_job *j = arg;

	return ingest_retract(c, &j->rq->org, j->id, j->reason);
}

static enum MHD_Result reply_retraction(struct request *rq, struct ingest_outcome *o)
{
	enum MHD_Result ret;

	if (o->result == INGEST_STORED || o->result == INGEST_REPLAY)
		ret = reply_json(rq, http_outcome_status(o), json_incref(o->items));
	else if (o->result == INGEST_CONFLICT || o->result == INGEST_NOT_FOUND)
		ret = reply_error(rq, http_outcome_status(o), o->reason);
	else
		ret = http_reply_outcome_failure(rq, o, "changed");
	ingest_outcome_free(o);
	return ret;
}

enum MHD_Result http_post_retract(struct request *rq)
{
	char id[SW_UUID_LEN + 1], msg[256] = "";
	json_t *errs = json_array(), *root = NULL;
	struct retract_job job = { rq, id, NULL };
	struct ingest_outcome o;

	if (!valid_uuid(rq->capture, id)) {
		json_decref(errs);
		return reply_error(rq, 404, "no such report: the path must hold a report_id (UUID)");
	}
	job.reason = retract_reason(rq, &root, errs, msg, sizeof(msg));
	if (!job.reason) {
		json_decref(root);
		if (*msg) {
			json_decref(errs);
			return reply_error(rq, 400, msg);
		}
		return reply_json(rq, 422, json_pack("{s:s, s:o}", "error",
			"invalid retraction; nothing was changed", "details", errs));
	}
	json_decref(errs);
	o = ingest_run(run_retract, &job);
	json_decref(root);
	return reply_retraction(rq, &o);
}
