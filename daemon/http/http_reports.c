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

/* ---- deferred: written by the group commit or bulk threads (store/group_commit.h) ---- */

struct csv_job {
	struct request *rq;
	const char *kind, *corridor;
	struct csv_outcome co;		/* of the last run; co.o goes to ingest_run */
};

/* A submission handed to the writing threads while its connection is suspended. */
struct deferred {
	struct group_item it;		/* first: done() gets it */
	struct json_job json;		/* JSON: the parsed arrays (one report, or a batch) */
	struct csv_job csv;		/* CSV: the file's job */
	enum MHD_Result (*reply)(struct request *rq, struct deferred *d);
	struct MHD_Connection *conn;
	bool suspended;			/* its connection waits for the threads */
	int refs;			/* the request's and the threads' */
};

/* Guards every deferred's suspended and refs. */
static pthread_mutex_t deferred_lock = PTHREAD_MUTEX_INITIALIZER;

/* Called under deferred_lock. */
static void deferred_release(struct deferred *d)
{
	if (--d->refs > 0)
		return;
	json_decref(d->json.canon);
	json_decref(d->json.raw);
	/* A file's outcome is in both it.s.outcome and csv.co.o (the same references): freed once. */
	if (d->csv.rq) {
		memset(&d->csv.co.o, 0, sizeof(d->csv.co.o));
		csv_outcome_free(&d->csv.co);
	}
	ingest_outcome_free(&d->it.s.outcome);
	free(d);
}

/* Stored (or failed): the connection goes on to d->reply. */
static void deferred_done(struct group_item *it)
{
	struct deferred *d = (struct deferred *)it;

	pthread_mutex_lock(&deferred_lock);
	if (d->suspended) {
		d->suspended = false;
		MHD_resume_connection(d->conn);
	}
	deferred_release(d);
	pthread_mutex_unlock(&deferred_lock);
}

/* Queues d and suspends the connection until d->reply can answer; busy: the 503's message. */
static enum MHD_Result defer(struct request *rq, struct deferred *d, const char *busy)
{
	d->it.done = deferred_done;
	d->conn = rq->conn;
	d->refs = 2;
	/* Under the lock: the thread cannot resume the connection before it is suspended. */
	pthread_mutex_lock(&deferred_lock);
	if (!group_commit_submit(&d->it)) {
		d->refs = 1;
		deferred_release(d);
		pthread_mutex_unlock(&deferred_lock);
		return reply_json_retry(rq, 503, json_pack("{s:s}", "error", busy), 1);
	}
	rq->ext = d;
	MHD_suspend_connection(rq->conn);
	d->suspended = true;
	pthread_mutex_unlock(&deferred_lock);
	return MHD_YES;
}

/* The JSON channel's answer to a deferred report or batch. */
static enum MHD_Result reply_deferred_json(struct request *rq, struct deferred *d)
{
	struct ingest_outcome o = d->it.s.outcome;

	memset(&d->it.s.outcome, 0, sizeof(d->it.s.outcome));
	return reply_reports(rq, &o);
}

/*
 * One report (canon, raw taken): for the next group.  A batch, or a report
 * that supersedes another (it takes a lock, so it goes alone): a bulk job.
 */
static enum MHD_Result defer_json(struct request *rq, json_t *canon, json_t *raw)
{
	struct deferred *d = xcalloc(1, sizeof(*d));
	bool single = json_array_size(canon) == 1 &&
		      !json_object_get(json_array_get(canon, 0), "supersedes");

	d->json = (struct json_job){ rq, canon, raw };
	d->reply = reply_deferred_json;
	if (!single) {
		d->it.job = run_json;
		d->it.arg = &d->json;
		return defer(rq, d, "too many batches waiting to be stored; nothing was stored, retry later");
	}
	d->it.s.org = &rq->org;
	d->it.s.channel = "json";
	d->it.s.cfg = rq->cfg;
	d->it.s.canon = json_array_get(canon, 0);
	d->it.s.raw = json_array_get(raw, 0);
	return defer(rq, d, "too many reports waiting to be stored; nothing was stored, retry later");
}

void http_reports_cleanup(struct request *rq)
{
	if (!rq->ext)
		return;
	pthread_mutex_lock(&deferred_lock);
	deferred_release(rq->ext);
	pthread_mutex_unlock(&deferred_lock);
	rq->ext = NULL;
}

void http_reports_stop(void)
{
	group_commit_stop();
}

static enum MHD_Result post_json(struct request *rq)
{
	struct json_job job = { rq, NULL, NULL };
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
	return defer_json(rq, job.canon, job.raw);
}

/* ---- CSV -------------------------------------------------------------------------- */

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

static enum MHD_Result reply_deferred_csv(struct request *rq, struct deferred *d)
{
	d->csv.co.o = d->it.s.outcome;
	memset(&d->it.s.outcome, 0, sizeof(d->it.s.outcome));
	return reply_csv(rq, &d->csv.co);
}

/* text/csv: one file, all or nothing, rows reported by spreadsheet number; a bulk job. */
static enum MHD_Result post_csv(struct request *rq)
{
	const char *kind = MHD_lookup_connection_value(rq->conn, MHD_GET_ARGUMENT_KIND, "kind");
	const char *corridor = MHD_lookup_connection_value(rq->conn, MHD_GET_ARGUMENT_KIND, "corridor");
	struct deferred *d;

	if (kind && enum_index(kind, report_kinds) < 0)
		return reply_error(rq, 400, "kind must be one of: trucks, shortage, disruption, access, movement");
	if (corridor && !config_corridor(rq->cfg, corridor))
		return reply_error(rq, 400, "corridor must be a corridor configured on this server");
	d = xcalloc(1, sizeof(*d));
	d->csv = (struct csv_job){ .rq = rq, .kind = kind, .corridor = corridor };
	d->reply = reply_deferred_csv;
	d->it.job = run_csv;
	d->it.arg = &d->csv;
	return defer(rq, d, "too many files waiting to be stored; nothing was stored, retry later");
}

enum MHD_Result http_post_reports(struct request *rq)
{
	const char *type = MHD_lookup_connection_value(rq->conn, MHD_HEADER_KIND,
						       MHD_HTTP_HEADER_CONTENT_TYPE);

	if (rq->ext) {
		struct deferred *d = rq->ext;

		return d->reply(rq, d);
	}
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
