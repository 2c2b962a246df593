/*
 * http: the libmicrohttpd server, the route table, the request lifecycle
 * and the plain reply helpers.
 *
 * A request context is allocated on libmicrohttpd's first callback and
 * freed in its completion callback.  Checks that need no body (route,
 * method, Content-Length, Content-Type, token, rate) run on the first
 * callback, so a refused request is answered before its body is read.
 * Bodies are capped while they stream, chunked ones included.
 *
 * The layers below never answer in HTTP: handlers (http_<endpoint>.c) turn
 * domain outcomes into statuses and bodies at this edge.
 */
#ifndef SW_HTTP_H
#define SW_HTTP_H

#include <jansson.h>
#include <microhttpd.h>
#include <stdbool.h>
#include <stdint.h>

#include "core/config.h"
#include "core/org.h"
#include "util/token.h"
#include "util/strbuf.h"

struct request;
struct ingest_outcome;
typedef enum MHD_Result (*handler_fn)(struct request *rq);
/* Takes one chunk of a streamed body; false refuses the request (the hook replies). */
typedef bool (*upload_fn)(struct request *rq, const char *data, size_t size);

struct route {
	const char *method;		/* GET also answers HEAD */
	const char *pattern;		/* '*' matches one path segment */
	const char *name;		/* for logs and metrics */
	handler_fn handler;
	const char *content_type;	/* required for a body, or NULL */
	const char *content_type_alt;	/* a second accepted type, or NULL */
	bool auth;			/* token required (Bearer, or Basic with the slug) */
	int scope;			/* with auth: the scope the token needs (0: submit) */
	bool basic;			/* challenge with Basic (OpenRosa phones), not Bearer */
	bool surface;			/* a status surface: token only when !status.public */
	bool unmetered;			/* not rate limited (ODK Collect's HEAD probe) */
	/*
	 * Works the database for whoever asks: without a token, a client
	 * address may have only http.anonymous_db_per_ip of these at a time.
	 */
	bool db_backed;
	size_t max_body;		/* 0 = http.max_body_bytes */
	/*
	 * Streamed bodies: chunks go to upload instead of rq->body (which
	 * stays empty); max_body still bounds the total.  cleanup frees
	 * rq->ext when the request completes.
	 */
	upload_fn upload;
	void (*cleanup)(struct request *rq);
};

struct request {
	struct MHD_Connection *conn;
	const struct route *route;
	const char *method;
	bool head;			/* a HEAD: headers only */
	char path[256];			/* for the log line */
	char capture[128];		/* the '*' segments, joined by '/' */
	struct strbuf body;
	size_t max_body;
	size_t discarded;		/* body bytes dropped past max_body */
	bool replied;
	unsigned status;
	struct org org;
	bool authed;
	bool anon_slot;			/* holds a per-address slot (iplimit) */
	bool body_open;			/* a body was announced and is not all in yet */
	bool upload_slot;		/* holds one of its token's http.uploads_per_token */
	unsigned char token[TOKEN_HASH_LEN];	/* the token's keyed hash, once authed */
	struct sw_config *cfg;		/* reference held for the request */
	int64_t start_ns;
	void *ext;			/* a route's own per-request state */
	size_t streamed;		/* body bytes handed to route->upload */
};

/*
 * The route for method and path, with its '*' segment in capture; NULL when
 * none, and allowed (size n) then lists the methods the path takes, ""
 * for an unknown path.
 */
const struct route *http_route_find(const char *method, const char *path, char *capture,
				    size_t n, char *allowed, size_t allowed_len);
/* The routes' names in table order (metrics labels). */
const char *const *http_route_names(size_t *n);

/*
 * Starts serving the socket systemd passed (socket activation) or
 * listen.address/port; where gets "address:port" for the log.  NULL with a
 * logged error.
 */
struct MHD_Daemon *http_start(const struct sw_config *cfg, char *where, size_t where_len);
/* Stops accepting, lets requests in flight finish (up to grace_ms), stops. */
void http_stop(struct MHD_Daemon *d, int grace_ms);

/*
 * Reply helpers for answers that are not status surfaces (no-store); each
 * queues the response and records the status.
 */
enum MHD_Result reply_json(struct request *rq, unsigned status, json_t *body);	/* steals body */
/* The same with Retry-After: seconds (for 429 and 503). */
enum MHD_Result reply_json_retry(struct request *rq, unsigned status, json_t *body, int retry_after);
enum MHD_Result reply_error(struct request *rq, unsigned status, const char *msg);
enum MHD_Result reply_text(struct request *rq, unsigned status, const char *type, struct strbuf *body);
/* Queues resp (NULL: out of memory, the connection is closed) and records status. */
enum MHD_Result reply_queue(struct request *rq, unsigned status, struct MHD_Response *resp);
/* The same for a response the caller keeps (and destroys) itself. */
enum MHD_Result reply_queue_kept(struct request *rq, unsigned status, struct MHD_Response *resp);

/*
 * An ingest outcome's status (0 where the body differs by channel), and the
 * answer to UNAVAILABLE and FAILED: nothing (or, after a lost COMMIT,
 * perhaps something) was `what` (http_reports.c).
 */
unsigned http_outcome_status(const struct ingest_outcome *o);
enum MHD_Result http_reply_outcome_failure(struct request *rq, const struct ingest_outcome *o,
					   const char *what);

/*
 * Who sends the request, and may they (http_auth.c): fills rq->org,
 * rq->token and rq->authed, or queues the refusal (401, 403, 503, 500).  A
 * token comes as "Bearer TOKEN", or as HTTP Basic with the organisation's
 * slug and its token (ODK Collect).  Verified tokens are cached
 * (core/authcache.h), so most requests cost no database round trip.
 * http_meter() then takes one request from the token's bucket
 * (core/ratelimit.h), or queues the 429; every request but ODK Collect's
 * HEAD probe is metered.
 */
enum MHD_Result http_authenticate(struct request *rq);
enum MHD_Result http_meter(struct request *rq);

/* Handlers (http_<endpoint>.c). */
enum MHD_Result http_get_ledger_key(struct request *rq);
enum MHD_Result http_get_ledger_head(struct request *rq);
enum MHD_Result http_get_ledger_heads(struct request *rq);
enum MHD_Result http_get_ledger_entries(struct request *rq);
enum MHD_Result http_get_ledger_inclusion(struct request *rq);
enum MHD_Result http_get_ledger_consistency(struct request *rq);
enum MHD_Result http_get_receipt(struct request *rq);
enum MHD_Result http_get_status(struct request *rq);
enum MHD_Result http_get_daily(struct request *rq);
enum MHD_Result http_get_daily_csv(struct request *rq);
enum MHD_Result http_get_sources(struct request *rq);
enum MHD_Result http_get_events(struct request *rq);
enum MHD_Result http_get_home(struct request *rq);
enum MHD_Result http_get_corridor_page(struct request *rq);
enum MHD_Result http_get_feed(struct request *rq);
enum MHD_Result http_get_metrics(struct request *rq);
void http_metrics_cache_free(void);	/* at exit, once no request runs */
enum MHD_Result http_get_reports_csv(struct request *rq);
void http_export_cleanup(struct request *rq);
/* Ends the export thread; queued exports answer 503 (before MHD_stop_daemon). */
void http_export_stop(void);
enum MHD_Result http_post_reports(struct request *rq);
/* One JSON report waits for its group's commit (store/group_commit.h). */
void http_reports_cleanup(struct request *rq);
/* Stores the reports still waiting and answers them (before MHD_stop_daemon). */
void http_reports_stop(void);
enum MHD_Result http_post_retract(struct request *rq);
/* Reviews (http_review.c): reviewer organisations' tokens with the review scope. */
#define REVIEW_MAX_BODY 16384
enum MHD_Result http_post_review(struct request *rq);
enum MHD_Result http_get_review_queue(struct request *rq);
enum MHD_Result http_get_healthz(struct request *rq);
enum MHD_Result http_get_readyz(struct request *rq);
/* OpenRosa (http_openrosa.c): a multipart submission streams through the upload hook. */
#define OPENROSA_MAX_BODY ((size_t)10 * 1024 * 1024)
enum MHD_Result http_head_submission(struct request *rq);
enum MHD_Result http_post_submission(struct request *rq);
bool http_submission_upload(struct request *rq, const char *data, size_t size);
void http_submission_cleanup(struct request *rq);
enum MHD_Result http_get_form_list(struct request *rq);
enum MHD_Result http_get_form(struct request *rq);

#endif
