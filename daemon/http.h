/*
 * http: the libmicrohttpd server, the route table and the reply helpers.
 *
 * A request context is allocated on libmicrohttpd's first callback and
 * freed in its completion callback.  Checks that need no body (route,
 * method, Content-Length, Content-Type, token) run on the first callback,
 * so a refused request is answered before its body is read.  Bodies are
 * capped while they stream, chunked ones included.
 */
#ifndef SW_HTTP_H
#define SW_HTTP_H

#include <jansson.h>
#include <microhttpd.h>
#include <stdbool.h>
#include <stdint.h>

#include "config.h"
#include "ingest.h"
#include "strbuf.h"

struct request;
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
	bool basic;			/* challenge with Basic (OpenRosa phones), not Bearer */
	bool surface;			/* a status surface: token only when !status.public */
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
	char path[256];			/* for the log line */
	char capture[64];		/* the '*' segment */
	struct strbuf body;
	size_t max_body;
	size_t discarded;		/* body bytes dropped past max_body */
	size_t ignored;			/* body bytes of a request that takes none */
	bool replied;
	unsigned status;
	const char *allow;		/* methods for a 405 */
	struct org org;
	bool authed;
	struct sw_config *cfg;		/* reference held for the request */
	int64_t start_ns;
	void *ext;			/* a route's own per-request state */
	size_t streamed;		/* body bytes handed to route->upload */
};

/*
 * The route for method and path, with its '*' segment in capture; NULL when
 * none, *allowed then names the methods the path takes (NULL: unknown path).
 */
const struct route *http_route_find(const char *method, const char *path, char *capture,
				    size_t n, const char **allowed);

/*
 * Starts serving the socket systemd passed (socket activation) or
 * listen.address/port; where gets "address:port" for the log.  NULL with a
 * logged error.
 */
struct MHD_Daemon *http_start(const struct sw_config *cfg, char *where, size_t where_len);
/*
 * Drops connections that owe a request's header block for longer than
 * http.header_timeout (slow clients); call about once a second.  Returns
 * how many it dropped.
 */
unsigned http_reap(const struct sw_config *cfg);
/* Stops accepting, lets requests in flight finish (up to grace_ms), stops. */
void http_stop(struct MHD_Daemon *d, int grace_ms);

/* Reply helpers; each queues the response and records the status. */
enum MHD_Result reply_json(struct request *rq, unsigned status, json_t *body);	/* steals body */
enum MHD_Result reply_error(struct request *rq, unsigned status, const char *msg);
enum MHD_Result reply_outcome(struct request *rq, struct outcome o);	/* steals o.body */

struct rendered;
/*
 * Status surfaces: ETag / Last-Modified revalidation (304), short public
 * caching, and the security headers.  reply_rendered queues a snapshot's
 * shared response; reply_surface takes a body (released) and makes one.
 */
enum MHD_Result reply_rendered(struct request *rq, const struct rendered *r);
enum MHD_Result reply_surface(struct request *rq, const char *type, struct strbuf *body,
			      int64_t last_modified);
enum MHD_Result reply_surface_json(struct request *rq, json_t *body, int64_t last_modified);
enum MHD_Result reply_text(struct request *rq, unsigned status, const char *type, struct strbuf *body);
/* Headers every status-surface response carries (also used by the snapshot). */
void http_surface_headers(struct MHD_Response *resp, const char *type);

/* Handlers (http_<endpoint>.c). */
enum MHD_Result http_get_status(struct request *rq);
enum MHD_Result http_get_daily(struct request *rq);
enum MHD_Result http_get_daily_csv(struct request *rq);
enum MHD_Result http_get_home(struct request *rq);
enum MHD_Result http_get_corridor_page(struct request *rq);
enum MHD_Result http_get_feed(struct request *rq);
enum MHD_Result http_get_metrics(struct request *rq);
void http_metrics_cache_free(void);	/* at exit, once no request runs */
enum MHD_Result http_get_reports_csv(struct request *rq);
enum MHD_Result http_post_reports(struct request *rq);
enum MHD_Result http_post_retract(struct request *rq);
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
