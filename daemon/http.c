#include "http.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "db.h"
#include <sodium.h>
#include <systemd/sd-daemon.h>
#include "log.h"
#include "report.h"
#include "authcache.h"
#include "metrics.h"
#include "ratelimit.h"
#include "snapshot.h"
#include "token.h"

#define RETRACT_MAX_BODY 16384

static const struct route routes[] = {
	{ .method = "POST", .pattern = "/api/v1/reports", .name = "reports",
	  .handler = http_post_reports, .content_type = "application/json",
	  .content_type_alt = "text/csv", .auth = true },
	{ .method = "POST", .pattern = "/api/v1/reports/*/retract", .name = "retract",
	  .handler = http_post_retract, .content_type = "application/json", .auth = true,
	  .max_body = RETRACT_MAX_BODY },
	{ .method = "GET", .pattern = "/api/v1/reports.csv", .name = "export",
	  .handler = http_get_reports_csv, .surface = true },
	{ .method = "GET", .pattern = "/api/v1/status", .name = "status",
	  .handler = http_get_status, .surface = true },
	{ .method = "GET", .pattern = "/api/v1/corridors/*/daily", .name = "daily",
	  .handler = http_get_daily, .surface = true },
	{ .method = "GET", .pattern = "/api/v1/corridors/*/daily.csv", .name = "daily_csv",
	  .handler = http_get_daily_csv, .surface = true },
	{ .method = "GET", .pattern = "/", .name = "home", .handler = http_get_home, .surface = true },
	{ .method = "GET", .pattern = "/corridors/*", .name = "corridor",
	  .handler = http_get_corridor_page, .surface = true },
	{ .method = "GET", .pattern = "/feed.atom", .name = "feed", .handler = http_get_feed,
	  .surface = true },
	{ .method = "GET", .pattern = "/metrics", .name = "metrics", .handler = http_get_metrics,
	  .surface = true },
	{ .method = "GET", .pattern = "/healthz", .name = "healthz", .handler = http_get_healthz },
	{ .method = "GET", .pattern = "/readyz", .name = "readyz", .handler = http_get_readyz },
	/* OpenRosa (ODK Collect, KoboCollect, Enketo): HTTP Basic, see http_openrosa.c. */
	{ .method = "HEAD", .pattern = "/submission", .name = "openrosa_head",
	  .handler = http_head_submission, .auth = true, .basic = true },
	{ .method = "POST", .pattern = "/submission", .name = "openrosa_submission",
	  .handler = http_post_submission, .content_type = "multipart/form-data",
	  .auth = true, .basic = true, .max_body = OPENROSA_MAX_BODY,
	  .upload = http_submission_upload, .cleanup = http_submission_cleanup },
	{ .method = "GET", .pattern = "/formList", .name = "openrosa_formlist",
	  .handler = http_get_form_list, .auth = true, .basic = true },
	{ .method = "GET", .pattern = "/forms/*", .name = "openrosa_form",
	  .handler = http_get_form, .auth = true, .basic = true },
};

#define NROUTES (sizeof(routes) / sizeof(routes[0]))

/* Status surfaces may be cached briefly by browsers and proxies. */
#define SURFACE_CACHE "public, max-age=15"
#define SURFACE_CSP "default-src 'none'; style-src 'unsafe-inline'; img-src data:; " \
	"base-uri 'none'; form-action 'none'; frame-ancestors 'none'"

static atomic_int in_flight;

/*
 * Slow clients.  libmicrohttpd's connection_timeout is an idle timeout, so
 * a client trickling a byte a second would hold a connection for ever.
 * Every connection is tracked from open to close; while it owes us a
 * request's header block (from its opening, or since its last response)
 * it has http.header_timeout seconds to send it whole, after which
 * http_reap() shuts its socket down (libmicrohttpd then closes it as a
 * failed read).  An entry is unlinked before libmicrohttpd closes the fd,
 * under the same lock, so a shutdown never reaches a reused descriptor.
 */
struct conn_track {
	int fd;
	int64_t deadline_ns;		/* 0: a request is being served */
	struct conn_track *prev, *next;
};

static pthread_mutex_t track_lock = PTHREAD_MUTEX_INITIALIZER;
static struct conn_track tracked = { -1, 0, &tracked, &tracked };
static atomic_int header_timeout_s = 10;

static int64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* Matches path against pattern; a '*' segment is copied into capture. */
static bool match(const char *pattern, const char *path, char *capture, size_t n)
{
	while (*pattern && *path) {
		if (*pattern == '*') {
			size_t len = strcspn(path, "/");

			if (len == 0 || len >= n)
				return false;
			memcpy(capture, path, len);
			capture[len] = '\0';
			path += len;
			pattern++;
			continue;
		}
		if (*pattern++ != *path++)
			return false;
	}
	return *pattern == '\0' && *path == '\0';
}

static enum MHD_Result queue(struct request *rq, unsigned status, const char *type,
			     char *body, size_t len, int retry_after)
{
	struct MHD_Response *resp;
	enum MHD_Result ret;
	char ra[16];

	resp = MHD_create_response_from_buffer(len, body, MHD_RESPMEM_MUST_FREE);
	if (!resp) {
		free(body);
		return MHD_NO;
	}
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, type);
	MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
	if (status == 503 || status == 429) {
		snprintf(ra, sizeof(ra), "%d", retry_after > 0 ? retry_after : 1);
		MHD_add_response_header(resp, MHD_HTTP_HEADER_RETRY_AFTER, ra);
	}
	if (status == 401)
		MHD_add_response_header(resp, MHD_HTTP_HEADER_WWW_AUTHENTICATE,
					rq->route && rq->route->basic ? "Basic realm=\"supplywatch\", charset=\"UTF-8\""
								      : "Bearer realm=\"supplywatch\"");
	if (status == 405 && rq->allow)
		MHD_add_response_header(resp, MHD_HTTP_HEADER_ALLOW, rq->allow);
	ret = MHD_queue_response(rq->conn, status, resp);
	MHD_destroy_response(resp);
	rq->status = status;
	rq->replied = true;
	return ret;
}

static enum MHD_Result reply_json_ra(struct request *rq, unsigned status, json_t *body,
				     int retry_after)
{
	char *text = body ? json_dumps(body, SW_JSON) : NULL;
	size_t len;

	json_decref(body);
	/* json_pack refuses invalid UTF-8: a bug, never a reason to crash. */
	if (!text) {
		log_err("http: could not serialise a response for %s", rq->path);
		text = xstrdup("{\"error\":\"internal error\"}");
		status = 500;
	}
	len = strlen(text);
	/* A trailing newline keeps terminals tidy; it is part of the exact body. */
	text = xrealloc(text, len + 2);
	text[len++] = '\n';
	text[len] = '\0';
	return queue(rq, status, "application/json", text, len, retry_after);
}

enum MHD_Result reply_json(struct request *rq, unsigned status, json_t *body)
{
	return reply_json_ra(rq, status, body, 0);
}

enum MHD_Result reply_error(struct request *rq, unsigned status, const char *msg)
{
	return reply_json(rq, status, json_pack("{s:s}", "error", msg));
}

enum MHD_Result reply_outcome(struct request *rq, struct outcome o)
{
	return reply_json_ra(rq, o.status, o.body, o.retry_after);
}

static enum MHD_Result reply_unavailable(struct request *rq)
{
	return reply_json_ra(rq, 503, json_pack("{s:s}", "error",
		"database unavailable; nothing was stored, retry later"), db_retry_after());
}

/* The media type of a Content-Type value, without parameters, matches want? */
static bool content_type_is(const char *value, const char *want)
{
	size_t n = strlen(want);

	if (!value || strncasecmp(value, want, n) != 0)
		return false;
	value += n;
	while (*value == ' ')
		value++;
	return *value == '\0' || *value == ';';
}

/*
 * The token from "Bearer TOKEN", or from "Basic base64(slug:TOKEN)" as ODK
 * Collect sends it; *slug is set for Basic, so the token must be that
 * organisation's.  NULL when the header has neither.
 */
static const char *token_of(const char *h, char *buf, size_t n, const char **slug)
{
	size_t len;
	char *colon;

	*slug = NULL;
	if (!h)
		return NULL;
	if (strncasecmp(h, "Bearer ", 7) == 0) {
		for (h += 7; *h == ' '; h++)
			;
		return h;
	}
	if (strncasecmp(h, "Basic ", 6) != 0)
		return NULL;
	for (h += 6; *h == ' '; h++)
		;
	if (sodium_base642bin((unsigned char *)buf, n - 1, h, strlen(h), NULL, &len, NULL,
			      sodium_base64_VARIANT_ORIGINAL) != 0)
		return NULL;
	buf[len] = '\0';
	colon = memchr(buf, ':', len);
	if (!colon || strlen(buf) != len)
		return NULL;
	*colon = '\0';
	*slug = buf;
	return colon + 1;
}

static enum MHD_Result authenticate(struct request *rq)
{
	const char *h = MHD_lookup_connection_value(rq->conn, MHD_HEADER_KIND,
						    MHD_HTTP_HEADER_AUTHORIZATION);
	unsigned char hash[TOKEN_HASH_LEN];
	char basic[256];
	const char *slug, *token = token_of(h, basic, sizeof(basic), &slug);
	PGconn *c;
	int found, wait;

	if (!token)
		return reply_error(rq, 401, rq->route->basic
			? "missing credentials: use HTTP Basic with your organisation and its token"
			: "missing token: send Authorization: Bearer <token>");
	if (!token_well_formed(token, strlen(token)))
		return reply_error(rq, 401, "unknown or revoked token");
	token_hash(token_pepper, token, strlen(token), hash);
	/* Forget the password; the user name before it is checked below. */
	if (slug)
		sodium_memzero(basic + strlen(basic) + 1, sizeof(basic) - strlen(basic) - 1);
	if (authcache_get(hash, &rq->org, mono_ns())) {
		found = 1;
	} else {
		uint64_t gen = authcache_generation();

		c = db_conn();
		if (!c)
			return reply_unavailable(rq);
		found = ingest_auth(c, hash, &rq->org);
		if (found == -1 && db_conn_lost(c) && (c = db_conn()))
			found = ingest_auth(c, hash, &rq->org);	/* a read: safe to run again */
		if (found == -1)
			return reply_unavailable(rq);
		if (found < 0)
			return reply_error(rq, 500, "internal error");
		if (found)
			authcache_put(hash, &rq->org, gen, mono_ns());
	}
	/* With Basic the user name must be the token's organisation. */
	if (!found || (slug && strcmp(slug, rq->org.slug) != 0))
		return reply_error(rq, 401, "unknown or revoked token");
	rq->authed = true;
	/* HEAD /submission is ODK Collect's free probe before each form: not metered. */
	if (strcmp(rq->method, "HEAD") == 0)
		return MHD_YES;
	wait = ratelimit_take(hash, rq->cfg->rate_limit_per_minute, rq->cfg->rate_limit_burst,
			      mono_ns());
	if (wait)
		return reply_json_ra(rq, 429, json_pack("{s:s, s:i}", "error",
			"rate limit exceeded for this token; nothing was stored, retry after Retry-After seconds",
			"retry_after", wait), wait);
	return MHD_YES;
}

void http_surface_headers(struct MHD_Response *resp, const char *type)
{
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, type);
	MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CACHE_CONTROL, SURFACE_CACHE);
	if (strncmp(type, "text/html", 9) == 0) {
		MHD_add_response_header(resp, "Content-Security-Policy", SURFACE_CSP);
		MHD_add_response_header(resp, "Referrer-Policy", "no-referrer");
	}
}

static void http_date(int64_t t, char out[40])
{
	time_t tt = (time_t)t;
	struct tm tm;

	gmtime_r(&tt, &tm);
	strftime(out, 40, "%a, %d %b %Y %H:%M:%S GMT", &tm);
}

/* If-None-Match (an ETag list or *) wins over If-Modified-Since (RFC 9110 13.2.2). */
static bool not_modified(struct request *rq, const char *etag, int64_t last_modified)
{
	const char *inm = MHD_lookup_connection_value(rq->conn, MHD_HEADER_KIND,
						      MHD_HTTP_HEADER_IF_NONE_MATCH);
	const char *ims = MHD_lookup_connection_value(rq->conn, MHD_HEADER_KIND,
						      MHD_HTTP_HEADER_IF_MODIFIED_SINCE);

	struct tm tm;
	const char *end;

	if (inm)
		return strcmp(inm, "*") == 0 || strstr(inm, etag) != NULL;
	if (!ims)
		return false;
	/* IMF-fixdate; an unparsable date is ignored, as RFC 9110 says. */
	memset(&tm, 0, sizeof(tm));
	end = strptime(ims, "%a, %d %b %Y %H:%M:%S GMT", &tm);
	return end && *end == '\0' && (int64_t)timegm(&tm) >= last_modified;
}

static enum MHD_Result reply_304(struct request *rq, const char *etag, int64_t last_modified)
{
	struct MHD_Response *resp = MHD_create_response_from_buffer(0, NULL, MHD_RESPMEM_PERSISTENT);
	enum MHD_Result ret;
	char date[40];

	http_date(last_modified, date);
	MHD_add_response_header(resp, MHD_HTTP_HEADER_ETAG, etag);
	MHD_add_response_header(resp, MHD_HTTP_HEADER_LAST_MODIFIED, date);
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CACHE_CONTROL, SURFACE_CACHE);
	MHD_add_response_header(resp, MHD_HTTP_HEADER_VARY, MHD_HTTP_HEADER_ACCEPT_ENCODING);
	ret = MHD_queue_response(rq->conn, 304, resp);
	MHD_destroy_response(resp);
	rq->status = 304;
	rq->replied = true;
	return ret;
}

/*
 * Does an Accept-Encoding value take gzip?  "gzip" or "x-gzip" with q > 0,
 * or "*" with q > 0 when gzip is not named (RFC 9110 12.5.3).
 */
static bool accepts_gzip(const char *h)
{
	int star = 0;

	while (h && *h) {
		size_t n;
		double q = 1.0;
		const char *coding, *end;

		h += strspn(h, " \t,");
		coding = h;
		n = strcspn(h, " \t;,");
		end = h + strcspn(h, ",");
		for (const char *p = h + n; p < end; p++) {
			if (*p == ';') {
				p += 1 + strspn(p + 1, " \t");
				if ((*p == 'q' || *p == 'Q') && p[1] == '=')
					q = strtod(p + 2, NULL);
			}
		}
		if ((n == 4 && strncasecmp(coding, "gzip", 4) == 0) ||
		    (n == 6 && strncasecmp(coding, "x-gzip", 6) == 0))
			return q > 0;
		if (n == 1 && *coding == '*')
			star = q > 0 ? 1 : -1;
		h = end;
	}
	return star > 0;
}

enum MHD_Result reply_rendered(struct request *rq, const struct rendered *r)
{
	bool gz = r->gz && accepts_gzip(MHD_lookup_connection_value(rq->conn, MHD_HEADER_KIND,
								     MHD_HTTP_HEADER_ACCEPT_ENCODING));
	const char *etag = gz ? r->etag_gz : r->etag;

	if (not_modified(rq, etag, r->last_modified))
		return reply_304(rq, etag, r->last_modified);
	rq->status = 200;
	rq->replied = true;
	return MHD_queue_response(rq->conn, 200, gz ? r->gz : r->resp);
}

enum MHD_Result reply_surface(struct request *rq, const char *type, struct strbuf *body,
			      int64_t last_modified)
{
	struct rendered r;
	enum MHD_Result ret;

	rendered_make(&r, type, body->buf, body->len, last_modified, false);
	sb_release(body);
	ret = reply_rendered(rq, &r);
	rendered_free(&r);
	return ret;
}

enum MHD_Result reply_surface_json(struct request *rq, json_t *body, int64_t last_modified)
{
	struct strbuf b = STRBUF_INIT;
	char *text = body ? json_dumps(body, SW_JSON) : NULL;

	json_decref(body);
	if (!text)
		return reply_error(rq, 500, "internal error");
	sb_addstr(&b, text);
	sb_addch(&b, '\n');
	free(text);
	return reply_surface(rq, "application/json", &b, last_modified);
}

enum MHD_Result reply_text(struct request *rq, unsigned status, const char *type, struct strbuf *body)
{
	size_t len;
	char *text = sb_detach(body, &len);

	return queue(rq, status, type, text, len, 0);
}

/* First callback: everything that can be decided from the request line and headers. */
const struct route *http_route_find(const char *method, const char *path, char *capture,
				    size_t n, const char **allowed)
{
	*allowed = NULL;
	for (size_t i = 0; i < NROUTES; i++) {
		if (!match(routes[i].pattern, path, capture, n))
			continue;
		*allowed = strcmp(routes[i].method, "GET") == 0 ? "GET, HEAD" : routes[i].method;
		if (strcmp(routes[i].method, method) == 0 ||
		    (strcmp(routes[i].method, "GET") == 0 && strcmp(method, "HEAD") == 0))
			return &routes[i];
	}
	return NULL;
}

static enum MHD_Result begin(struct request *rq, const char *url)
{
	const char *len, *type, *allowed;

	rq->route = http_route_find(rq->method, url, rq->capture, sizeof(rq->capture), &allowed);
	if (!rq->route) {
		if (!allowed)
			return reply_error(rq, 404, "no such resource");
		rq->allow = allowed;
		return reply_error(rq, 405, "method not allowed on this path");
	}
	rq->max_body = rq->route->max_body ? rq->route->max_body : (size_t)rq->cfg->max_body_bytes;
	len = MHD_lookup_connection_value(rq->conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
	if (len && strtoull(len, NULL, 10) > rq->max_body)
		return reply_error(rq, 413, "request body is larger than this server accepts");
	if (rq->route->content_type) {
		type = MHD_lookup_connection_value(rq->conn, MHD_HEADER_KIND,
						   MHD_HTTP_HEADER_CONTENT_TYPE);
		if (!content_type_is(type, rq->route->content_type) &&
		    !(rq->route->content_type_alt && content_type_is(type, rq->route->content_type_alt))) {
			char msg[128];

			snprintf(msg, sizeof(msg), "Content-Type must be %s%s%s", rq->route->content_type,
				 rq->route->content_type_alt ? " or " : "",
				 rq->route->content_type_alt ? rq->route->content_type_alt : "");
			return reply_error(rq, 415, msg);
		}
	}
	if (rq->route->auth || (rq->route->surface && !rq->cfg->is_public))
		return authenticate(rq);
	return MHD_YES;
}

static void track_deadline(struct MHD_Connection *conn, int64_t deadline_ns)
{
	const union MHD_ConnectionInfo *ci =
		MHD_get_connection_info(conn, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
	struct conn_track *t = ci ? ci->socket_context : NULL;

	if (!t)
		return;
	pthread_mutex_lock(&track_lock);
	t->deadline_ns = deadline_ns;
	pthread_mutex_unlock(&track_lock);
}

static int64_t header_deadline(void)
{
	return mono_ns() + (int64_t)atomic_load(&header_timeout_s) * 1000000000;
}

static void on_connection(void *cls, struct MHD_Connection *conn, void **socket_context,
			  enum MHD_ConnectionNotificationCode code)
{
	struct conn_track *t = *socket_context;
	const union MHD_ConnectionInfo *ci;

	(void)cls;
	if (code == MHD_CONNECTION_NOTIFY_STARTED) {
		ci = MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CONNECTION_FD);
		t = xcalloc(1, sizeof(*t));
		t->fd = ci ? ci->connect_fd : -1;
		t->deadline_ns = header_deadline();
		pthread_mutex_lock(&track_lock);
		t->next = &tracked;
		t->prev = tracked.prev;
		tracked.prev->next = t;
		tracked.prev = t;
		pthread_mutex_unlock(&track_lock);
		*socket_context = t;
	} else if (t) {
		pthread_mutex_lock(&track_lock);
		t->prev->next = t->next;
		t->next->prev = t->prev;
		pthread_mutex_unlock(&track_lock);
		free(t);
		*socket_context = NULL;
	}
}

unsigned http_reap(const struct sw_config *cfg)
{
	int64_t now = mono_ns();
	unsigned n = 0;

	atomic_store(&header_timeout_s, (int)cfg->header_timeout);
	pthread_mutex_lock(&track_lock);
	for (struct conn_track *t = tracked.next; t != &tracked; t = t->next) {
		if (t->deadline_ns && now > t->deadline_ns && t->fd >= 0) {
			shutdown(t->fd, SHUT_RDWR);
			t->deadline_ns = 0;
			n++;
		}
	}
	pthread_mutex_unlock(&track_lock);
	if (n) {
		metrics_slow_clients(n);
		log_info("http: dropped %u connection%s that sent no complete request within %lld s",
			 n, n == 1 ? "" : "s", (long long)cfg->header_timeout);
	}
	return n;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
				  const char *method, const char *version,
				  const char *upload_data, size_t *upload_data_size, void **con_cls)
{
	struct request *rq = *con_cls;

	(void)cls;
	(void)version;
	if (!rq) {
		rq = xcalloc(1, sizeof(*rq));
		rq->conn = conn;
		rq->method = method;
		rq->start_ns = mono_ns();
		sb_init(&rq->body);
		snprintf(rq->path, sizeof(rq->path), "%s", url);
		rq->cfg = config_acquire();
		*con_cls = rq;
		atomic_fetch_add(&in_flight, 1);
		track_deadline(conn, 0);	/* the header block is in; the body may take its time */
		return begin(rq, url);
	}
	if (rq->replied) {
		/* Answered early: drop whatever body still arrives. */
		*upload_data_size = 0;
		return MHD_YES;
	}
	if (*upload_data_size) {
		size_t n = *upload_data_size;

		*upload_data_size = 0;
		if (!rq->route->content_type) {
			/* A body where none is expected: read, not kept, and bounded. */
			rq->ignored += n;
			return rq->ignored > rq->max_body ? MHD_NO : MHD_YES;
		}
		if (rq->route->upload) {
			if (rq->discarded || n > rq->max_body - rq->streamed) {
				rq->discarded += n;
				return rq->discarded > rq->max_body ? MHD_NO : MHD_YES;
			}
			rq->streamed += n;
			if (!rq->route->upload(rq, upload_data, n))
				return rq->replied ? MHD_YES : MHD_NO;
			return MHD_YES;
		}
		if (rq->discarded || n > rq->max_body - rq->body.len) {
			/*
			 * Over the limit (a chunked body has no Content-Length to
			 * refuse early): stop keeping it, read on so the 413 reaches
			 * a client still sending, and hang up if it keeps going.
			 */
			sb_release(&rq->body);
			rq->discarded += n;
			return rq->discarded > rq->max_body ? MHD_NO : MHD_YES;
		}
		sb_add(&rq->body, upload_data, n);
		return MHD_YES;
	}
	if (rq->discarded)
		return reply_error(rq, 413, "request body is larger than this server accepts");
	return rq->route->handler(rq);
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
			 enum MHD_RequestTerminationCode toe)
{
	struct request *rq = *con_cls;
	double ms;

	(void)cls;
	(void)conn;
	if (!rq)
		return;
	ms = (double)(mono_ns() - rq->start_ns) / 1e6;
	track_deadline(conn, header_deadline());	/* the next request's header is owed */
	metrics_request(rq->route ? (int)(rq->route - routes) : -1, rq->status, ms / 1e3);
	if (toe == MHD_REQUEST_TERMINATED_COMPLETED_OK || rq->status)
		log_info("http %s %s %u %.1fms org=%s", rq->method,
			 rq->route ? rq->route->pattern : rq->path, rq->status, ms,
			 rq->authed ? rq->org.slug : "-");
	else
		log_info("http %s %s aborted (%d) %.1fms", rq->method,
			 rq->route ? rq->route->pattern : rq->path, (int)toe, ms);
	if (rq->route && rq->route->cleanup)
		rq->route->cleanup(rq);
	sb_release(&rq->body);
	config_release(rq->cfg);
	free(rq);
	*con_cls = NULL;
	atomic_fetch_sub(&in_flight, 1);
}

/* libmicrohttpd hands us its own format strings. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
static void mhd_log(void *cls, const char *fmt, va_list ap)
{
	char msg[512];

	(void)cls;
	vsnprintf(msg, sizeof(msg), fmt, ap);
	log_debug("libmicrohttpd: %s", msg);
}
#pragma GCC diagnostic pop

/*
 * Socket activation: one stream socket from systemd (supplywatchd.socket)
 * replaces listen.address/port.  Returns the fd, -1 when none was passed,
 * -2 on a misconfiguration (logged).
 */
static int activated_socket(void)
{
	int n = sd_listen_fds(1);

	if (n == 0)
		return -1;
	if (n < 0) {
		log_err("socket activation: %s", strerror(-n));
		return -2;
	}
	if (n > 1 || sd_is_socket(SD_LISTEN_FDS_START, AF_UNSPEC, SOCK_STREAM, 1) <= 0) {
		log_err("socket activation: expected one listening stream socket, got %d fds", n);
		return -2;
	}
	return SD_LISTEN_FDS_START;
}

/* Writes "127.0.0.1:8080" or "[::1]:8080" of a bound socket; returns its family. */
static int socket_name(int fd, char *out, size_t n)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	char host[INET6_ADDRSTRLEN] = "?";
	unsigned port = 0;

	if (getsockname(fd, (struct sockaddr *)&ss, &len) != 0)
		ss.ss_family = AF_UNSPEC;
	if (ss.ss_family == AF_INET6) {
		struct sockaddr_in6 *a = (struct sockaddr_in6 *)&ss;

		inet_ntop(AF_INET6, &a->sin6_addr, host, sizeof(host));
		snprintf(out, n, "[%s]:%u", host, (unsigned)ntohs(a->sin6_port));
		return AF_INET6;
	}
	if (ss.ss_family == AF_INET) {
		struct sockaddr_in *a = (struct sockaddr_in *)&ss;

		inet_ntop(AF_INET, &a->sin_addr, host, sizeof(host));
		port = ntohs(a->sin_port);
	}
	snprintf(out, n, "%s:%u", host, port);
	return ss.ss_family;
}

/* The daemon on the listening socket (or address) given by listen. */
static struct MHD_Daemon *start(const struct sw_config *cfg, unsigned flags, uint16_t port,
				struct MHD_OptionItem listen)
{
	struct MHD_OptionItem where[] = { listen, { MHD_OPTION_END, 0, NULL } };

	return MHD_start_daemon(flags, port, NULL, NULL, on_request, NULL,
		MHD_OPTION_ARRAY, where,
		MHD_OPTION_THREAD_POOL_SIZE, (unsigned)cfg->pool_size,
		MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)cfg->connection_timeout,
		MHD_OPTION_CONNECTION_LIMIT, (unsigned)cfg->connection_limit,
		MHD_OPTION_PER_IP_CONNECTION_LIMIT, (unsigned)cfg->per_ip_connection_limit,
		MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)cfg->connection_memory_limit,
		MHD_OPTION_NOTIFY_COMPLETED, on_completed, NULL,
		MHD_OPTION_NOTIFY_CONNECTION, on_connection, NULL,
		MHD_OPTION_EXTERNAL_LOGGER, mhd_log, NULL,
		MHD_OPTION_END);
}

struct MHD_Daemon *http_start(const struct sw_config *cfg, char *where, size_t where_len)
{
	struct addrinfo hints = { .ai_flags = AI_NUMERICHOST | AI_PASSIVE, .ai_socktype = SOCK_STREAM };
	struct addrinfo *ai;
	char port[8];
	/* AUTO: epoll on Linux, so connection_limit is not bound by FD_SETSIZE. */
	unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_AUTO | MHD_USE_ITC | MHD_USE_ERROR_LOG;
	struct MHD_Daemon *d;
	const union MHD_DaemonInfo *info;
	int rc, fd = activated_socket();
	static const char *names[NROUTES];

	atomic_store(&header_timeout_s, (int)cfg->header_timeout);
	for (size_t i = 0; i < NROUTES; i++)
		names[i] = routes[i].name;
	metrics_init(names, (int)NROUTES);
	if (fd == -2)
		return NULL;
	if (fd >= 0) {
		if (socket_name(fd, where, where_len) == AF_INET6)
			flags |= MHD_USE_IPv6;
		d = start(cfg, flags, 0, (struct MHD_OptionItem){ MHD_OPTION_LISTEN_SOCKET, fd, NULL });
		if (!d)
			log_err("cannot serve the socket systemd passed");
		return d;
	}
	snprintf(port, sizeof(port), "%u", (unsigned)cfg->listen_port);
	rc = getaddrinfo(cfg->listen_address, port, &hints, &ai);
	if (rc != 0) {
		log_err("listen.address \"%s\": %s (give a numeric IPv4 or IPv6 address)",
			cfg->listen_address, gai_strerror(rc));
		return NULL;
	}
	if (ai->ai_family == AF_INET6)
		flags |= MHD_USE_IPv6;
	d = start(cfg, flags, (uint16_t)cfg->listen_port,
		  (struct MHD_OptionItem){ MHD_OPTION_SOCK_ADDR, 0, ai->ai_addr });
	freeaddrinfo(ai);
	if (!d) {
		log_err("cannot listen on %s port %s (address in use, or not permitted?)",
			cfg->listen_address, port);
		return NULL;
	}
	info = MHD_get_daemon_info(d, MHD_DAEMON_INFO_LISTEN_FD);
	socket_name(info ? info->listen_fd : -1, where, where_len);
	return d;
}

void http_stop(struct MHD_Daemon *d, int grace_ms)
{
	MHD_quiesce_daemon(d);
	for (int waited = 0; atomic_load(&in_flight) > 0 && waited < grace_ms; waited += 10)
		usleep(10000);
	MHD_stop_daemon(d);
}
