/*
 * POST /api/v1/reports/{organisation}/{report_id}/review and
 * GET /api/v1/review/queue: reviewer organisations review any
 * organisation's reports (design.md, stage two).  The route table lets
 * only tokens with the review scope in; this file lets only reviewer
 * organisations' through.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/review.h"
#include "http/http.h"
#include "store/db.h"
#include "store/ingest.h"
#include "store/review.h"
#include "util/valid.h"

#define QUEUE_DEFAULT 100
#define QUEUE_MAX 1000

static enum MHD_Result not_reviewer(struct request *rq)
{
	return reply_json(rq, 403, json_pack("{s:s, s:s}", "error",
		"this organisation is not a reviewer: an operator makes it one with "
		"`supplywatch org set SLUG --reviewer`", "organisation", rq->org.slug));
}

struct review_job {
	struct review_input in;
};

static struct ingest_outcome run_review(PGconn *c, void *arg)
{
	return review_store(c, &((struct review_job *)arg)->in);
}

/* The path's "organisation/report_id", checked; false when it names nothing that can exist. */
static bool split_path(const char *capture, char *org, size_t n, char *id)
{
	const char *slash = strchr(capture, '/');
	size_t len = slash ? (size_t)(slash - capture) : 0;

	if (!slash || len == 0 || len >= n)
		return false;
	memcpy(org, capture, len);
	org[len] = '\0';
	return valid_slug(org) && valid_uuid(slash + 1, id);
}

static enum MHD_Result invalid(struct request *rq, json_t *errs)
{
	return reply_json(rq, 422, json_pack("{s:s, s:o}", "error",
		"invalid review; nothing was changed", "details", errs));
}

enum MHD_Result http_post_review(struct request *rq)
{
	char org[64], id[SW_UUID_LEN + 1];
	struct review_job job = { { org, id, -1, NULL, rq->org.id, "json" } };
	json_t *root, *errs;
	json_error_t jerr;
	struct ingest_outcome o;
	enum MHD_Result ret;

	if (!rq->org.reviewer)
		return not_reviewer(rq);
	if (!split_path(rq->capture, org, sizeof(org), id))
		return reply_error(rq, 404, "no such report: the path must be "
				   "/api/v1/reports/{organisation slug}/{report_id (UUID)}/review");
	root = json_loadb(rq->body.buf, rq->body.len, JSON_REJECT_DUPLICATES, &jerr);
	if (!root || !json_is_object(root)) {
		char msg[256];

		snprintf(msg, sizeof(msg), "body must be a JSON object {\"state\": \"...\", \"comment\": \"...\"}%s%s",
			 root ? "" : ": ", root ? "" : jerr.text);
		json_decref(root);
		return reply_error(rq, 400, msg);
	}
	errs = json_array();
	if (review_parse(root, &job.in.state, &job.in.comment, errs) != 0) {
		json_decref(root);
		return invalid(rq, errs);
	}
	json_decref(errs);
	o = ingest_run(run_review, &job);
	json_decref(root);
	if (o.result == INGEST_STORED || o.result == INGEST_REPLAY)
		ret = reply_json(rq, http_outcome_status(&o), json_incref(o.items));
	else if (o.result == INGEST_CONFLICT || o.result == INGEST_NOT_FOUND)
		ret = reply_error(rq, http_outcome_status(&o), o.reason);
	else
		ret = http_reply_outcome_failure(rq, &o, "changed");
	ingest_outcome_free(&o);
	return ret;
}

static const char *arg(struct request *rq, const char *name)
{
	return MHD_lookup_connection_value(rq->conn, MHD_GET_ARGUMENT_KIND, name);
}

/* ?corridor= ?state= ?limit=: each bad one named in errs. */
static void queue_args(struct request *rq, const char **corridor, int *state, int *limit,
		       json_t *errs)
{
	const char *c = arg(rq, "corridor"), *s = arg(rq, "state"), *l = arg(rq, "limit");
	int64_t n;

	*corridor = NULL;
	*state = REVIEW_RECEIVED;
	*limit = QUEUE_DEFAULT;
	if (c && !config_corridor(rq->cfg, c))
		json_array_append_new(errs, json_pack("{s:s, s:s}", "field", "corridor",
			"reason", "is not a configured corridor"));
	else
		*corridor = c;
	if (s && (*state = review_state_parse(s)) < 0)
		json_array_append_new(errs, json_pack("{s:s, s:s}", "field", "state",
			"reason", "must be one of received, published, has_issues, rejected"));
	if (l && (!parse_int64(l, &n) || n < 1 || n > QUEUE_MAX))
		json_array_append_new(errs, json_pack("{s:s, s:s}", "field", "limit",
			"reason", "must be an integer from 1 to 1000"));
	else if (l)
		*limit = (int)n;
}

enum MHD_Result http_get_review_queue(struct request *rq)
{
	const char *corridor;
	int state, limit;
	json_t *errs = json_array(), *body;
	enum db_status s = DB_RETRY;
	PGconn *c;

	if (!rq->org.reviewer) {
		json_decref(errs);
		return not_reviewer(rq);
	}
	queue_args(rq, &corridor, &state, &limit, errs);
	if (json_array_size(errs))
		return reply_json(rq, 400, json_pack("{s:s, s:o}", "error", "invalid query", "details", errs));
	json_decref(errs);
	c = db_conn();
	body = c ? review_queue(c, corridor, state, limit, &s) : NULL;
	if (!body && s == DB_RETRY)
		return reply_json_retry(rq, 503, json_pack("{s:s}", "error",
			"database unavailable; retry later"), db_retry_after());
	if (!body)
		return reply_error(rq, 500, "internal error");
	return reply_json(rq, 200, body);
}
