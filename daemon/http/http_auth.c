#include "http/http.h"

#include <sodium.h>
#include <string.h>
#include <strings.h>

#include "core/authcache.h"
#include "core/ratelimit.h"
#include "store/db.h"
#include "store/ingest.h"
#include "util/clock.h"
#include "util/token.h"

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

static enum MHD_Result unavailable(struct request *rq)
{
	return reply_json_retry(rq, 503, json_pack("{s:s}", "error",
		"database unavailable; nothing was stored, retry later"), db_retry_after());
}

/* The organisation of a well-formed token's hash: from the cache, else the database. */
static enum ingest_auth lookup(struct request *rq, const unsigned char hash[TOKEN_HASH_LEN])
{
	uint64_t gen;
	enum ingest_auth found;
	PGconn *c;

	if (authcache_get(hash, &rq->org, clock_ns()))
		return AUTH_FOUND;
	gen = authcache_generation();
	if (!(c = db_conn()))
		return AUTH_UNAVAILABLE;
	found = ingest_auth(c, hash, &rq->org);
	/* A session found dead: ask again on a new one (a read is safe to repeat). */
	if (found == AUTH_UNAVAILABLE && db_conn_lost(c) && (c = db_conn()))
		found = ingest_auth(c, hash, &rq->org);
	if (found == AUTH_FOUND)
		authcache_put(hash, &rq->org, gen, clock_ns());
	return found;
}

enum MHD_Result http_meter(struct request *rq)
{
	int wait;

	if (!rq->authed || rq->route->unmetered)
		return MHD_YES;
	wait = ratelimit_take(rq->token, rq->cfg->rate_limit_per_minute, rq->cfg->rate_limit_burst,
			      clock_ns());
	if (!wait)
		return MHD_YES;
	return reply_json_retry(rq, 429, json_pack("{s:s, s:i}", "error",
		"rate limit exceeded for this token; nothing was stored, retry after Retry-After seconds",
		"retry_after", wait), wait);
}

enum MHD_Result http_authenticate(struct request *rq)
{
	const char *h = MHD_lookup_connection_value(rq->conn, MHD_HEADER_KIND,
						    MHD_HTTP_HEADER_AUTHORIZATION);
	unsigned char hash[TOKEN_HASH_LEN];
	char basic[256];
	const char *slug, *token = token_of(h, basic, sizeof(basic), &slug);
	enum ingest_auth found;

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
	found = lookup(rq, hash);
	if (found == AUTH_UNAVAILABLE)
		return unavailable(rq);
	if (found == AUTH_FAILED)
		return reply_error(rq, 500, "internal error");
	/* With Basic the user name must be the token's organisation. */
	if (found == AUTH_UNKNOWN || (slug && strcmp(slug, rq->org.slug) != 0))
		return reply_error(rq, 401, "unknown or revoked token");
	rq->authed = true;
	memcpy(rq->token, hash, sizeof(rq->token));
	/* A private installation's surfaces open to any token; the rest want their scope. */
	if (rq->route->auth && rq->org.scope != rq->route->scope)
		return reply_json(rq, 403, json_pack("{s:s, s:s, s:s}", "error",
			rq->route->scope == SCOPE_SUBMIT ? "this token may not submit: issue one with --scope submit" :
			rq->route->scope == SCOPE_REVIEW ? "this token may not review: issue one with --scope review" :
			"this token may not read: issue one with --scope read",
			"scope_needed", scope_names[rq->route->scope],
			"token_scope", scope_names[rq->org.scope]));
	return MHD_YES;
}
