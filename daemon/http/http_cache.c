#include "http/http_cache.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "core/report.h"
#include "util/fmt.h"

/* Short caching: public status surfaces, or, where they need a token, the browser's only. */
#define CACHE_PUBLIC "public, max-age=15"
#define CACHE_PRIVATE "private, max-age=15"
#define SURFACE_CSP "default-src 'none'; style-src 'unsafe-inline'; img-src data:; " \
	"base-uri 'none'; form-action 'none'; frame-ancestors 'none'"

static const char *cache_control(const struct request *rq)
{
	return rq->cfg->is_public ? CACHE_PUBLIC : CACHE_PRIVATE;
}

/*
 * The Last-Modified a client is told.  Pages say while the database is
 * unreachable: their bytes change with that state as well as with the
 * snapshot, so the later of the two changes counts.
 */
static int64_t last_modified(const struct blob *b)
{
	int64_t db = snapshot_db_changed_at();

	return db > b->last_modified ? db : b->last_modified;
}

/* If-None-Match (an ETag list or *) wins over If-Modified-Since (RFC 9110 13.2.2). */
static bool not_modified(struct request *rq, const char *etag, int64_t lm, unsigned flags)
{
	const char *inm = MHD_lookup_connection_value(rq->conn, MHD_HEADER_KIND,
						      MHD_HTTP_HEADER_IF_NONE_MATCH);
	const char *ims = MHD_lookup_connection_value(rq->conn, MHD_HEADER_KIND,
						      MHD_HTTP_HEADER_IF_MODIFIED_SINCE);
	struct tm tm;
	const char *end;

	if (inm)
		return strcmp(inm, "*") == 0 || strstr(inm, etag) != NULL;
	if (!ims || (flags & CACHE_ETAG_ONLY))
		return false;
	/* IMF-fixdate; an unparsable date is ignored, as RFC 9110 says. */
	memset(&tm, 0, sizeof(tm));
	end = strptime(ims, "%a, %d %b %Y %H:%M:%S GMT", &tm);
	return end && *end == '\0' && (int64_t)timegm(&tm) >= lm;
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

/* The validators and caching headers every surface answer carries, 304s included. */
static void validators(struct request *rq, struct MHD_Response *r, const struct blob *b,
		       const char *etag, int64_t lm, unsigned flags)
{
	char date[FMT_HTTP_DATE_LEN];

	MHD_add_response_header(r, MHD_HTTP_HEADER_ETAG, etag);
	if (!(flags & CACHE_ETAG_ONLY)) {
		fmt_http_date(lm, date);
		MHD_add_response_header(r, MHD_HTTP_HEADER_LAST_MODIFIED, date);
	}
	MHD_add_response_header(r, MHD_HTTP_HEADER_CACHE_CONTROL, cache_control(rq));
	/* A page chosen among languages by Accept-Language is cached apart per language. */
	MHD_add_response_header(r, MHD_HTTP_HEADER_VARY, b->vary_lang ? "Accept-Encoding, Accept-Language"
				: MHD_HTTP_HEADER_ACCEPT_ENCODING);
	if (b->lang)
		MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_LANGUAGE, b->lang);
}

static void surface_headers(struct MHD_Response *r, const char *type, bool gz)
{
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, type);
	MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
	if (gz)
		MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_ENCODING, "gzip");
	if (strncmp(type, "text/html", 9) == 0) {
		MHD_add_response_header(r, "Content-Security-Policy", SURFACE_CSP);
		MHD_add_response_header(r, "Referrer-Policy", "no-referrer");
	}
}

static bool wants_gzip(struct request *rq, const struct blob *b)
{
	return accepts_gzip(MHD_lookup_connection_value(rq->conn, MHD_HEADER_KIND,
							 MHD_HTTP_HEADER_ACCEPT_ENCODING)) && blob_gz(b);
}

static enum MHD_Result reply_304(struct request *rq, const struct blob *b, const char *etag,
				 int64_t lm, unsigned flags)
{
	struct MHD_Response *r = MHD_create_response_from_buffer(0, NULL, MHD_RESPMEM_PERSISTENT);

	if (r)
		validators(rq, r, b, etag, lm, flags);
	return reply_queue(rq, 304, r);
}

/* A 200 response of b's bytes (not copied); release(arg) when libmicrohttpd is done. */
static struct MHD_Response *response_of(struct request *rq, const struct blob *b, bool gz,
					int64_t lm, unsigned flags, void (*release)(void *), void *arg)
{
	struct MHD_Response *r = MHD_create_response_from_buffer_with_free_callback_cls(
		gz ? b->gz_len : b->len, gz ? (void *)b->gz : (void *)b->body, release, arg);

	if (!r) {
		release(arg);
		return NULL;
	}
	surface_headers(r, b->type, gz);
	validators(rq, r, b, gz ? b->etag_gz : b->etag, lm, flags);
	return r;
}

enum MHD_Result cache_reply_blob(struct request *rq, const struct blob *b, unsigned flags,
				 void (*release)(void *), void *arg)
{
	bool gz = wants_gzip(rq, b);
	int64_t lm = last_modified(b);

	if (not_modified(rq, gz ? b->etag_gz : b->etag, lm, flags)) {
		enum MHD_Result ret = reply_304(rq, b, gz ? b->etag_gz : b->etag, lm, flags);

		release(arg);	/* after: b may go with it */
		return ret;
	}
	return reply_queue(rq, 200, response_of(rq, b, gz, lm, flags, release, arg));
}

/* ---- responses made once ---------------------------------------------------------- */

/* A slot's responses (identity, gzip) and what each was made with. */
struct slot {
	struct MHD_Response *resp[2];
	int64_t lm[2];
	bool public[2];
};

/* The responses of the current owner of each table; guarded by reuse_lock. */
static struct table {
	uint64_t generation;
	struct slot *slots;
	size_t n;
} tables[2];
static pthread_mutex_t reuse_lock = PTHREAD_MUTEX_INITIALIZER;

/*
 * Responses let go of under reuse_lock are destroyed after it is released:
 * destroying the last reference frees a snapshot, which should not stall
 * every other request meanwhile.
 */
struct dropped {
	struct MHD_Response **v;
	size_t n;
};

static void drop(struct dropped *d, struct MHD_Response *r)
{
	if (!r)
		return;
	d->v = xrealloc(d->v, (d->n + 1) * sizeof(*d->v));
	d->v[d->n++] = r;
}

static void destroy_dropped(struct dropped *d)
{
	for (size_t i = 0; i < d->n; i++)
		MHD_destroy_response(d->v[i]);
	free(d->v);
	d->v = NULL;
	d->n = 0;
}

/* Lets go of t's responses (into d): those being sent finish, then release their owner. */
static void retire(struct table *t, struct dropped *d)
{
	uint64_t generation = t->generation;

	for (size_t i = 0; i < t->n; i++)
		for (int gz = 0; gz < 2; gz++)
			drop(d, t->slots[i].resp[gz]);
	free(t->slots);
	memset(t, 0, sizeof(*t));
	t->generation = generation;
}

/* The slot of u's blob b in the current table, or NULL when u's owner is not the latest. */
static struct slot *slot_of(const struct reuse *u, const struct blob *b, struct dropped *d)
{
	struct table *t = &tables[u->table];

	if (u->generation > t->generation) {
		retire(t, d);
		t->generation = u->generation;
		t->n = u->nslots;
		t->slots = xcalloc(t->n ? t->n : 1, sizeof(*t->slots));
	}
	if (u->generation != t->generation || b->slot >= t->n)
		return NULL;
	return &t->slots[b->slot];
}

/*
 * Queues the slot's response, made anew when it is missing or out of date.
 * Under reuse_lock: a response is never queued after its table retired it.
 */
static enum MHD_Result queue_reused(struct request *rq, const struct reuse *u, struct slot *sl,
				    const struct blob *b, bool gz, int64_t lm, unsigned flags,
				    struct dropped *d)
{
	struct MHD_Response **r = &sl->resp[gz];

	if (!*r || sl->lm[gz] != lm || sl->public[gz] != rq->cfg->is_public) {
		drop(d, *r);
		u->hold(u->arg);
		*r = response_of(rq, b, gz, lm, flags, u->release, u->arg);
		sl->lm[gz] = lm;
		sl->public[gz] = rq->cfg->is_public;
	}
	return reply_queue_kept(rq, 200, *r);
}

enum MHD_Result cache_reply_reused(struct request *rq, const struct reuse *u, const struct blob *b,
				   unsigned flags)
{
	bool gz = wants_gzip(rq, b);
	int64_t lm = last_modified(b);
	struct dropped d = { NULL, 0 };
	enum MHD_Result ret;
	struct slot *sl;

	if (not_modified(rq, gz ? b->etag_gz : b->etag, lm, flags)) {
		ret = reply_304(rq, b, gz ? b->etag_gz : b->etag, lm, flags);
		u->release(u->arg);	/* after: b may go with it */
		return ret;
	}
	pthread_mutex_lock(&reuse_lock);
	sl = slot_of(u, b, &d);
	if (!sl) {
		pthread_mutex_unlock(&reuse_lock);
		destroy_dropped(&d);
		return cache_reply_blob(rq, b, flags, u->release, u->arg);
	}
	ret = queue_reused(rq, u, sl, b, gz, lm, flags, &d);
	pthread_mutex_unlock(&reuse_lock);
	destroy_dropped(&d);
	u->release(u->arg);	/* the responses hold their own */
	return ret;
}

void cache_retire_surfaces(uint64_t generation)
{
	struct table *t = &tables[CACHE_SURFACES];
	struct dropped d = { NULL, 0 };

	pthread_mutex_lock(&reuse_lock);
	/*
	 * Only a table older than the snapshot just published: one a request
	 * already made for it stays.  Requests still holding an older snapshot
	 * get responses of their own, and make no table for it.
	 */
	if (t->generation < generation) {
		retire(t, &d);
		t->generation = generation - 1;
	}
	pthread_mutex_unlock(&reuse_lock);
	destroy_dropped(&d);
}

void cache_free(void)
{
	struct dropped d = { NULL, 0 };

	pthread_mutex_lock(&reuse_lock);
	retire(&tables[CACHE_SURFACES], &d);
	retire(&tables[CACHE_METRICS], &d);
	pthread_mutex_unlock(&reuse_lock);
	destroy_dropped(&d);
}

static void hold_snapshot(void *arg)
{
	snapshot_ref(arg);
}

static void release_snapshot(void *arg)
{
	snapshot_release(arg);
}

enum MHD_Result cache_reply_snapshot(struct request *rq, struct snapshot *s, const struct blob *b)
{
	struct reuse u = { CACHE_SURFACES, s->seq, s->nblobs, hold_snapshot, release_snapshot,
			   snapshot_ref(s) };

	return cache_reply_reused(rq, &u, b, 0);
}

static void release_blob(void *arg)
{
	blob_free(arg);
	free(arg);
}

enum MHD_Result cache_reply_page(struct request *rq, const char *type, struct strbuf *body,
				 int64_t last_modified, const char *lang, bool vary_lang)
{
	struct blob *b = xmalloc(sizeof(*b));

	/* Computed for one request: not worth compressing. */
	blob_make(b, type, body->buf, body->len, last_modified, false);
	b->lang = lang;
	b->vary_lang = vary_lang;
	sb_release(body);
	return cache_reply_blob(rq, b, 0, release_blob, b);
}

enum MHD_Result cache_reply_body(struct request *rq, const char *type, struct strbuf *body,
				 int64_t last_modified)
{
	return cache_reply_page(rq, type, body, last_modified, NULL, false);
}

enum MHD_Result cache_reply_json(struct request *rq, json_t *body, int64_t last_modified)
{
	struct strbuf b = STRBUF_INIT;
	char *text = body ? json_dumps(body, SW_JSON) : NULL;

	json_decref(body);
	if (!text)
		return reply_error(rq, 500, "internal error");
	sb_addstr(&b, text);
	sb_addch(&b, '\n');
	free(text);
	return cache_reply_body(rq, "application/json", &b, last_modified);
}
