#include "http/http.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <systemd/sd-daemon.h>
#include <time.h>
#include <unistd.h>

#include "core/inflight.h"
#include "core/iplimit.h"
#include "core/metrics.h"
#include "http/http_conn.h"
#include "util/clock.h"
#include "util/log.h"

#define RETRACT_MAX_BODY 16384
#define UPLOADS_RETRY_S 5	/* Retry-After when a token has its bodies arriving already */

static const struct route routes[] = {
	{ .method = "POST", .pattern = "/api/v1/reports", .name = "reports",
	  .handler = http_post_reports, .content_type = "application/json",
	  .content_type_alt = "text/csv", .auth = true, .cleanup = http_reports_cleanup },
	{ .method = "POST", .pattern = "/api/v1/reports/*/retract", .name = "retract",
	  .handler = http_post_retract, .content_type = "application/json", .auth = true,
	  .max_body = RETRACT_MAX_BODY },
	{ .method = "POST", .pattern = "/api/v1/reports/*/*/review", .name = "review",
	  .handler = http_post_review, .content_type = "application/json", .auth = true,
	  .scope = SCOPE_REVIEW, .max_body = REVIEW_MAX_BODY },
	{ .method = "GET", .pattern = "/api/v1/review/queue", .name = "review_queue",
	  .handler = http_get_review_queue, .auth = true, .scope = SCOPE_REVIEW },
	{ .method = "GET", .pattern = "/api/v1/reports.csv", .name = "export",
	  .handler = http_get_reports_csv, .surface = true, .db_backed = true,
	  .cleanup = http_export_cleanup },
	{ .method = "GET", .pattern = "/api/v1/status", .name = "status",
	  .handler = http_get_status, .surface = true },
	{ .method = "GET", .pattern = "/api/v1/corridors/*/daily", .name = "daily",
	  .handler = http_get_daily, .surface = true },
	{ .method = "GET", .pattern = "/api/v1/corridors/*/daily.csv", .name = "daily_csv",
	  .handler = http_get_daily_csv, .surface = true },
	{ .method = "GET", .pattern = "/api/v1/corridors/*/sources", .name = "sources",
	  .handler = http_get_sources, .surface = true },
	{ .method = "GET", .pattern = "/api/v1/corridors/*/events", .name = "events",
	  .handler = http_get_events, .surface = true },
	{ .method = "GET", .pattern = "/api/v1/ledger/key", .name = "ledger_key",
	  .handler = http_get_ledger_key, .surface = true },
	{ .method = "GET", .pattern = "/api/v1/ledger/head", .name = "ledger_head",
	  .handler = http_get_ledger_head, .surface = true },
	{ .method = "GET", .pattern = "/api/v1/ledger/heads", .name = "ledger_heads",
	  .handler = http_get_ledger_heads, .surface = true, .db_backed = true },
	{ .method = "GET", .pattern = "/api/v1/ledger/entries", .name = "ledger_entries",
	  .handler = http_get_ledger_entries, .surface = true, .db_backed = true },
	{ .method = "GET", .pattern = "/api/v1/ledger/proof/inclusion", .name = "ledger_inclusion",
	  .handler = http_get_ledger_inclusion, .surface = true, .db_backed = true },
	{ .method = "GET", .pattern = "/api/v1/ledger/proof/consistency", .name = "ledger_consistency",
	  .handler = http_get_ledger_consistency, .surface = true, .db_backed = true },
	{ .method = "GET", .pattern = "/api/v1/reports/*/*/receipt", .name = "receipt",
	  .handler = http_get_receipt, .surface = true, .db_backed = true },
	{ .method = "GET", .pattern = "/", .name = "home", .handler = http_get_home, .surface = true },
	{ .method = "GET", .pattern = "/corridors/*", .name = "corridor",
	  .handler = http_get_corridor_page, .surface = true },
	{ .method = "GET", .pattern = "/feed.atom", .name = "feed", .handler = http_get_feed,
	  .surface = true },
	{ .method = "GET", .pattern = "/metrics", .name = "metrics", .handler = http_get_metrics,
	  .surface = true },
	{ .method = "GET", .pattern = "/healthz", .name = "healthz", .handler = http_get_healthz },
	{ .method = "GET", .pattern = "/readyz", .name = "readyz", .handler = http_get_readyz,
	  .db_backed = true },
	/* OpenRosa (ODK Collect, KoboCollect, Enketo): HTTP Basic, see http_openrosa.c. */
	{ .method = "HEAD", .pattern = "/submission", .name = "openrosa_head",
	  .handler = http_head_submission, .auth = true, .basic = true, .unmetered = true },
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

static atomic_int in_flight;
/* Bodies arriving under each token (http.uploads_per_token). */
static struct inflight uploads = INFLIGHT_INIT;

/* ---- routes ---------------------------------------------------------------------- */

/* Matches path against pattern; the '*' segments are copied into capture, joined by '/'. */
static bool match(const char *pattern, const char *path, char *capture, size_t n)
{
	size_t used = 0;

	while (*pattern && *path) {
		if (*pattern == '*') {
			size_t len = strcspn(path, "/"), sep = used ? 1 : 0;

			if (len == 0 || used + sep + len >= n)
				return false;
			if (sep)
				capture[used++] = '/';
			memcpy(capture + used, path, len);
			used += len;
			capture[used] = '\0';
			path += len;
			pattern++;
			continue;
		}
		if (*pattern++ != *path++)
			return false;
	}
	return *pattern == '\0' && *path == '\0';
}

static bool takes(const struct route *r, const char *method)
{
	return strcmp(r->method, method) == 0 ||
	       (strcmp(r->method, "GET") == 0 && strcmp(method, "HEAD") == 0);
}

/* Adds a route's methods to the Allow list, each once. */
static void allow_add(char *allowed, size_t n, const struct route *r)
{
	const char *m[2] = { r->method, strcmp(r->method, "GET") == 0 ? "HEAD" : NULL };

	for (int i = 0; i < 2 && m[i]; i++) {
		size_t len = strlen(allowed);

		if (strstr(allowed, m[i]))
			continue;
		snprintf(allowed + len, n - len, "%s%s", len ? ", " : "", m[i]);
	}
}

const struct route *http_route_find(const char *method, const char *path, char *capture,
				    size_t n, char *allowed, size_t allowed_len)
{
	const struct route *found = NULL;

	*allowed = '\0';
	for (size_t i = 0; i < NROUTES; i++) {
		if (!match(routes[i].pattern, path, capture, n))
			continue;
		allow_add(allowed, allowed_len, &routes[i]);
		if (!found && takes(&routes[i], method))
			found = &routes[i];
	}
	/* The capture of the route found, not of the last that matched. */
	if (found)
		match(found->pattern, path, capture, n);
	return found;
}

const char *const *http_route_names(size_t *n)
{
	static const char *names[NROUTES];

	for (size_t i = 0; i < NROUTES; i++)
		names[i] = routes[i].name;
	*n = NROUTES;
	return names;
}

/* ---- replies ------------------------------------------------------------------------ */

enum MHD_Result reply_queue_kept(struct request *rq, unsigned status, struct MHD_Response *resp)
{
	rq->status = status;
	rq->replied = true;
	if (!resp) {
		log_err("http: out of memory for a %u response to %s", status, rq->path);
		return MHD_NO;
	}
	return MHD_queue_response(rq->conn, status, resp);
}

enum MHD_Result reply_queue(struct request *rq, unsigned status, struct MHD_Response *resp)
{
	enum MHD_Result ret = reply_queue_kept(rq, status, resp);

	if (resp)
		MHD_destroy_response(resp);
	return ret;
}

/* allow: the methods a 405 names, or NULL. */
static enum MHD_Result queue(struct request *rq, unsigned status, const char *type,
			     char *body, size_t len, int retry_after, const char *allow)
{
	struct MHD_Response *resp = MHD_create_response_from_buffer(len, body, MHD_RESPMEM_MUST_FREE);
	char ra[16];

	if (!resp) {
		free(body);
		return reply_queue(rq, status, NULL);
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
	if (allow)
		MHD_add_response_header(resp, MHD_HTTP_HEADER_ALLOW, allow);
	return reply_queue(rq, status, resp);
}

static enum MHD_Result reply_json_with(struct request *rq, unsigned status, json_t *body,
				       int retry_after, const char *allow)
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
	return queue(rq, status, "application/json", text, len, retry_after, allow);
}

enum MHD_Result reply_json_retry(struct request *rq, unsigned status, json_t *body, int retry_after)
{
	return reply_json_with(rq, status, body, retry_after, NULL);
}

/* 405, with every method the path takes in Allow. */
static enum MHD_Result reply_allow(struct request *rq, const char *allowed)
{
	return reply_json_with(rq, 405, json_pack("{s:s}", "error", "method not allowed on this path"),
			       0, allowed);
}

enum MHD_Result reply_json(struct request *rq, unsigned status, json_t *body)
{
	return reply_json_retry(rq, status, body, 0);
}

enum MHD_Result reply_error(struct request *rq, unsigned status, const char *msg)
{
	return reply_json(rq, status, json_pack("{s:s}", "error", msg));
}

enum MHD_Result reply_text(struct request *rq, unsigned status, const char *type, struct strbuf *body)
{
	size_t len;
	char *text = sb_detach(body, &len);

	return queue(rq, status, type, text, len, 0, NULL);
}

/* ---- the request lifecycle ---------------------------------------------------------- */

static const char *header(struct request *rq, const char *name)
{
	return MHD_lookup_connection_value(rq->conn, MHD_HEADER_KIND, name);
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

static enum MHD_Result check_content_type(struct request *rq)
{
	const struct route *r = rq->route;
	const char *type = header(rq, MHD_HTTP_HEADER_CONTENT_TYPE);
	char msg[128];

	if (!r->content_type || content_type_is(type, r->content_type) ||
	    (r->content_type_alt && content_type_is(type, r->content_type_alt)))
		return MHD_YES;
	snprintf(msg, sizeof(msg), "Content-Type must be %s%s%s", r->content_type,
		 r->content_type_alt ? " or " : "", r->content_type_alt ? r->content_type_alt : "");
	return reply_error(rq, 415, msg);
}

static bool body_announced(struct request *rq);

static const struct sockaddr *client_address(struct request *rq)
{
	const union MHD_ConnectionInfo *ci =
		MHD_get_connection_info(rq->conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);

	return ci ? ci->client_addr : NULL;
}

/*
 * Database work for requests without a token is bounded per address, so
 * one client cannot keep every database session busy.
 */
static enum MHD_Result check_anonymous(struct request *rq)
{
	if (!rq->route->db_backed || rq->authed)
		return MHD_YES;
	if (!iplimit_enter(client_address(rq), (int)rq->cfg->anonymous_db_per_ip))
		return reply_json_retry(rq, 429, json_pack("{s:s, s:i}", "error",
			"too many requests from your address at once; retry after Retry-After seconds",
			"retry_after", 1), 1);
	rq->anon_slot = true;
	return MHD_YES;
}

/*
 * A token may have only http.uploads_per_token bodies arriving at once, so
 * one organisation's scripts, or one stolen token, cannot hold every
 * connection with slow bodies.  The slot is held until the body is in.
 */
static enum MHD_Result check_uploads(struct request *rq)
{
	if (!rq->body_open || !rq->authed)
		return MHD_YES;
	if (!inflight_enter(&uploads, rq->token, sizeof(rq->token), (int)rq->cfg->uploads_per_token)) {
		metrics_upload_refused();
		return reply_json_retry(rq, 429, json_pack("{s:s, s:i, s:i}", "error",
			"this token has http.uploads_per_token request bodies arriving already; "
			"nothing was stored, retry after Retry-After seconds",
			"uploads_per_token", (int)rq->cfg->uploads_per_token,
			"retry_after", UPLOADS_RETRY_S), UPLOADS_RETRY_S);
	}
	rq->upload_slot = true;
	return MHD_YES;
}

/* The body is all in (or the request ends): its token's upload slot is free again. */
static void body_in(struct request *rq)
{
	if (!rq->body_open)
		return;
	rq->body_open = false;
	http_conn_body_done(rq->conn);
	if (rq->upload_slot)
		inflight_leave(&uploads, rq->token, sizeof(rq->token));
	rq->upload_slot = false;
}

/* First callback: everything that can be decided from the request line and headers. */
static enum MHD_Result begin(struct request *rq, const char *url)
{
	char allowed[64];
	const char *len;
	enum MHD_Result ret;

	rq->route = http_route_find(rq->method, url, rq->capture, sizeof(rq->capture), allowed,
				    sizeof(allowed));
	if (!rq->route) {
		if (!*allowed)
			return reply_error(rq, 404, "no such resource");
		return reply_allow(rq, allowed);
	}
	/*
	 * A body where none is taken is refused before it is read: read and
	 * dropped, it would let a client without a token hold a connection as
	 * long as it kept up the minimum rate.
	 */
	if (!rq->route->content_type && rq->body_open)
		return reply_error(rq, 400, "this resource takes no request body");
	rq->max_body = rq->route->max_body ? rq->route->max_body : (size_t)rq->cfg->max_body_bytes;
	len = header(rq, MHD_HTTP_HEADER_CONTENT_LENGTH);
	if (len && strtoull(len, NULL, 10) > rq->max_body)
		return reply_error(rq, 413, "request body is larger than this server accepts");
	if ((ret = check_content_type(rq)) != MHD_YES || rq->replied)
		return ret;
	if (rq->route->auth || (rq->route->surface && !rq->cfg->is_public)) {
		ret = http_authenticate(rq);
		if (ret != MHD_YES || rq->replied)
			return ret;
	}
	/* A body refused for its token's uploads does not count against its rate. */
	if ((ret = check_uploads(rq)) != MHD_YES || rq->replied)
		return ret;
	if ((ret = http_meter(rq)) != MHD_YES || rq->replied)
		return ret;
	return check_anonymous(rq);
}

/* Did the client announce a body that nobody has read? */
static bool body_announced(struct request *rq)
{
	const char *len = header(rq, MHD_HTTP_HEADER_CONTENT_LENGTH);

	return (len && strtoull(len, NULL, 10) > 0) || header(rq, MHD_HTTP_HEADER_TRANSFER_ENCODING);
}

static enum MHD_Result first_call(struct MHD_Connection *conn, const char *url, const char *method,
				  void **con_cls)
{
	struct request *rq = xcalloc(1, sizeof(*rq));
	enum MHD_Result ret;

	rq->conn = conn;
	rq->method = method;
	rq->head = strcmp(method, "HEAD") == 0;
	rq->start_ns = clock_ns();
	sb_init(&rq->body);
	snprintf(rq->path, sizeof(rq->path), "%s", url);
	rq->cfg = config_acquire();
	*con_cls = rq;
	atomic_fetch_add(&in_flight, 1);
	/* The header block is in; a body must now keep up http.min_body_rate. */
	rq->body_open = body_announced(rq);
	if (!http_conn_busy(conn, rq->body_open))
		return MHD_NO;	/* refused or shed: its socket is shut, nothing is answered */
	ret = begin(rq, url);
	/*
	 * Answered before its body was read: libmicrohttpd closes the
	 * connection without reading on, so the body still in flight is
	 * drained after the close (nginx's lingering close), lest a client
	 * still sending gets a reset instead of the answer.
	 */
	if (rq->replied && body_announced(rq))
		http_conn_linger(conn);
	return ret;
}

/*
 * Over the limit (a chunked body has no Content-Length to refuse early):
 * stop keeping it, read on for a bounded time and size so the 413
 * reaches a client still sending, and hang up if it keeps going.
 */
static enum MHD_Result discard(struct request *rq, size_t n)
{
	if (!rq->discarded)
		http_conn_drain(rq->conn);
	sb_release(&rq->body);
	rq->discarded += n;
	return rq->discarded > HTTP_LINGER_BYTES ? MHD_NO : MHD_YES;
}

static enum MHD_Result upload(struct request *rq, const char *data, size_t n)
{
	if (rq->route->upload) {
		if (rq->discarded || n > rq->max_body - rq->streamed)
			return discard(rq, n);
		rq->streamed += n;
		if (!rq->route->upload(rq, data, n))
			return rq->replied ? MHD_YES : MHD_NO;
		return MHD_YES;
	}
	if (rq->discarded || n > rq->max_body - rq->body.len)
		return discard(rq, n);
	sb_add(&rq->body, data, n);
	return MHD_YES;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
				  const char *method, const char *version,
				  const char *upload_data, size_t *upload_data_size, void **con_cls)
{
	struct request *rq = *con_cls;

	(void)cls;
	(void)version;
	if (!rq)
		return first_call(conn, url, method, con_cls);
	if (*upload_data_size) {
		http_conn_body(conn, *upload_data_size);
	} else if (rq->body_open) {
		body_in(rq);	/* libmicrohttpd calls with no data once the body is in */
		/* A body dropped as too slow may still be completed from what was read: drop it. */
		if (http_conn_dropped(conn))
			return MHD_NO;
	}
	if (rq->replied) {
		/* Answered already: whatever body still arrives is dropped. */
		*upload_data_size = 0;
		return MHD_YES;
	}
	if (*upload_data_size) {
		size_t n = *upload_data_size;

		*upload_data_size = 0;
		return upload(rq, upload_data, n);
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
	if (!rq)
		return;
	ms = (double)(clock_ns() - rq->start_ns) / 1e6;
	http_conn_idle(conn);	/* the next request's header is owed */
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
	if (rq->upload_slot)
		inflight_leave(&uploads, rq->token, sizeof(rq->token));
	if (rq->anon_slot)
		iplimit_leave(client_address(rq));
	sb_release(&rq->body);
	config_release(rq->cfg);
	free(rq);
	*con_cls = NULL;
	atomic_fetch_sub(&in_flight, 1);
}

/* ---- the daemon -------------------------------------------------------------------- */

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
		MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)cfg->connection_memory_limit,
		MHD_OPTION_NOTIFY_COMPLETED, on_completed, NULL,
		MHD_OPTION_NOTIFY_CONNECTION, http_conn_notify, NULL,
		MHD_OPTION_EXTERNAL_LOGGER, mhd_log, NULL,
		MHD_OPTION_END);
}

static struct MHD_Daemon *start_activated(const struct sw_config *cfg, unsigned flags, int fd,
					  char *where, size_t where_len)
{
	struct MHD_Daemon *d;

	if (socket_name(fd, where, where_len) == AF_INET6)
		flags |= MHD_USE_IPv6;
	d = start(cfg, flags, 0, (struct MHD_OptionItem){ MHD_OPTION_LISTEN_SOCKET, fd, NULL });
	if (!d)
		log_err("cannot serve the socket systemd passed");
	return d;
}

struct MHD_Daemon *http_start(const struct sw_config *cfg, char *where, size_t where_len)
{
	struct addrinfo hints = { .ai_flags = AI_NUMERICHOST | AI_PASSIVE, .ai_socktype = SOCK_STREAM };
	struct addrinfo *ai;
	char port[8];
	/*
	 * AUTO: epoll on Linux, so connection_limit is not bound by FD_SETSIZE.
	 * Suspend/resume: a streamed export waits for its rows off the thread.
	 */
	unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_AUTO | MHD_USE_ITC |
			 MHD_USE_ERROR_LOG | MHD_ALLOW_SUSPEND_RESUME;
	struct MHD_Daemon *d;
	const union MHD_DaemonInfo *info;
	int rc, fd = activated_socket();

	http_conn_configure(cfg);
	if (fd == -2)
		return NULL;
	if (fd >= 0)
		return start_activated(cfg, flags, fd, where, where_len);
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
	MHD_socket listening = MHD_quiesce_daemon(d);

	/*
	 * Quiesced, libmicrohttpd accepts no more connections but leaves the
	 * socket to us: closed, new clients are refused at once instead of
	 * waiting in its backlog for a process about to exit.  (Under socket
	 * activation systemd keeps its own copy for the next start.)
	 */
	if (listening != MHD_INVALID_SOCKET)
		close(listening);
	for (int waited = 0; atomic_load(&in_flight) > 0 && waited < grace_ms; waited += 10)
		usleep(10000);
	/* No connection may stay suspended when libmicrohttpd stops. */
	http_reports_stop();
	http_export_stop();
	for (int waited = 0; atomic_load(&in_flight) > 0 && waited < 1000; waited += 10)
		usleep(10000);
	MHD_stop_daemon(d);
}
