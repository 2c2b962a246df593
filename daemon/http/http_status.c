/*
 * The status surfaces: status JSON, daily series, pages, feed, metrics.
 * Today's answers are the snapshot's pre-rendered responses; a past as_of
 * or a chosen date range is computed from the snapshot's inputs on demand.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/metrics.h"
#include "http/http.h"
#include "http/http_cache.h"
#include "publish/snapshot.h"
#include "render/render.h"
#include "util/clock.h"
#include "util/valid.h"

#define MAX_RANGE_DAYS 3660	/* ten years of daily series in one response */
#define EVENTS_DEFAULT 50	/* events in one response, unless ?limit= says */
#define EVENTS_MAX 500

enum arg { ARG_ABSENT, ARG_BAD, ARG_OK };

/* An optional date argument, as days since 1970 (negative before). */
static enum arg date_arg(struct request *rq, const char *name, int64_t *days)
{
	const char *v = MHD_lookup_connection_value(rq->conn, MHD_GET_ARGUMENT_KIND, name);
	struct sw_date d;

	if (!v)
		return ARG_ABSENT;
	if (!valid_date(v, &d))
		return ARG_BAD;
	*days = date_to_days(&d);
	return ARG_OK;
}

static enum MHD_Result no_snapshot(struct request *rq)
{
	return reply_error(rq, 503, "indicators not computed yet: the database has not answered since start-up");
}

static enum MHD_Result unknown_corridor(struct request *rq)
{
	char msg[192];

	/* Echo the id only when it is a well-formed one: the path is the client's. */
	if (!valid_slug(rq->capture))
		return reply_error(rq, 404, "no such corridor: ids are a-z, 0-9, '-' and '_'");
	snprintf(msg, sizeof(msg), "no corridor \"%s\" is configured", rq->capture);
	return reply_error(rq, 404, msg);
}

/*
 * Evaluates corridors [from, to) of s as of D (clamped to each one's today),
 * from the snapshot's inputs alone.  Freshness describes the data as it
 * was when the snapshot was built, whatever D: it says how current the
 * figures shown are, and the answer changes only with the snapshot.
 */
static void eval_past(const struct snapshot *s, size_t from, size_t to, int64_t D,
		      struct corridor_eval *out)
{
	for (size_t i = from; i < to; i++) {
		const struct corridor_data *d = s->data[i];

		eval_corridor(d, D < d->today ? D : d->today, &d->fresh, s->generated_at,
			      s->cfg->stale_after_hours * 3600, &out[i - from]);
	}
}

static int64_t latest_today(const struct snapshot *s)
{
	int64_t t = 0;

	for (size_t i = 0; i < s->n; i++)
		if (s->data[i]->today > t)
			t = s->data[i]->today;
	return t;
}

/* as_of: ARG_ABSENT (serve the snapshot), ARG_OK with *D, or ARG_BAD after a 400. */
static enum arg as_of_arg(struct request *rq, const struct snapshot *s, int64_t *D,
			  enum MHD_Result *ret)
{
	enum arg a = date_arg(rq, "as_of", D);

	if (a == ARG_BAD) {
		*ret = reply_error(rq, 400, "as_of must be a date as YYYY-MM-DD");
	} else if (a == ARG_OK && *D > latest_today(s)) {
		*ret = reply_error(rq, 400, "as_of is in the future");
		a = ARG_BAD;
	}
	return a;
}

static enum MHD_Result past_json(struct request *rq, struct snapshot *s, int64_t D)
{
	struct corridor_eval *e = xcalloc(s->n ? s->n : 1, sizeof(*e));
	json_t *j;
	enum MHD_Result ret;

	eval_past(s, 0, s->n, D, e);
	j = render_status_json(s->cfg, e, s->n, D, s->generated_at, metrics_db_up());
	for (size_t i = 0; i < s->n; i++)
		eval_free(&e[i]);
	free(e);
	ret = cache_reply_json(rq, j, s->generated_at);
	return ret;
}

enum MHD_Result http_get_status(struct request *rq)
{
	struct snapshot *s = snapshot_acquire();
	enum MHD_Result ret = MHD_NO;
	int64_t D = 0;
	enum arg a;

	if (!s)
		return no_snapshot(rq);
	a = as_of_arg(rq, s, &D, &ret);
	if (a == ARG_ABSENT)
		ret = cache_reply_snapshot(rq, s, &s->status_json[!metrics_db_up()]);
	else if (a == ARG_OK)
		ret = past_json(rq, s, D);
	snapshot_release(s);
	return ret;
}

/* from/to of a daily series: by default the whole series, at most ten years. */
static bool range_args(struct request *rq, const struct corridor_eval *e, int64_t *from,
		       int64_t *to, enum MHD_Result *ret)
{
	enum arg f = date_arg(rq, "from", from), t = date_arg(rq, "to", to);

	if (f == ARG_BAD || t == ARG_BAD) {
		*ret = reply_error(rq, 400, "from and to must be dates as YYYY-MM-DD");
		return false;
	}
	if (t == ARG_ABSENT)
		*to = e->D;
	if (f == ARG_ABSENT) {
		*from = e->days[0].date < *to ? e->days[0].date : *to;
		if (*to - *from >= MAX_RANGE_DAYS)
			*from = *to - MAX_RANGE_DAYS + 1;
	}
	if (*to > e->D) {
		*ret = reply_error(rq, 400, "to is after the corridor's today");
		return false;
	}
	if (*from > *to) {
		*ret = reply_error(rq, 400, "from is after to");
		return false;
	}
	if (*to - *from >= MAX_RANGE_DAYS) {
		*ret = reply_error(rq, 400, "the range is longer than ten years; ask in pieces");
		return false;
	}
	return true;
}

/* ?stage=: a counting point's series; by default the corridor's headline stage. */
static bool stage_arg(struct request *rq, const struct sw_corridor *c, int *stage,
		      enum MHD_Result *ret)
{
	const char *v = MHD_lookup_connection_value(rq->conn, MHD_GET_ARGUMENT_KIND, "stage");

	*stage = v ? stage_parse(v) : c->headline_stage;
	if (*stage < 0)
		*ret = reply_error(rq, 400, "stage must be one of: dispatched, inspected, crossed, "
				   "collected, delivered, intercepted, waiting");
	return *stage >= 0;
}

static enum MHD_Result daily(struct request *rq, bool csv)
{
	struct snapshot *s = snapshot_acquire();
	enum MHD_Result ret = MHD_NO;
	int64_t from, to;
	int i, stage;

	if (!s)
		return no_snapshot(rq);
	i = snapshot_corridor(s, rq->capture);
	if (i < 0) {
		ret = unknown_corridor(rq);
	} else if (stage_arg(rq, s->data[i]->c, &stage, &ret) &&
		   range_args(rq, &s->evals[i], &from, &to, &ret)) {
		if (csv) {
			struct strbuf b = STRBUF_INIT;

			render_daily_csv(&b, &s->evals[i], from, to, stage);
			ret = cache_reply_body(rq, "text/csv; charset=utf-8", &b, s->generated_at);
		} else {
			ret = cache_reply_json(rq, render_daily_json(&s->evals[i], from, to, stage),
					       s->generated_at);
		}
	}
	snapshot_release(s);
	return ret;
}

/* GET /api/v1/corridors/{id}/sources[?from=&to=]: the organisations' series side by side. */
enum MHD_Result http_get_sources(struct request *rq)
{
	struct snapshot *s = snapshot_acquire();
	enum MHD_Result ret = MHD_NO;
	int64_t from, to;
	int i;

	if (!s)
		return no_snapshot(rq);
	i = snapshot_corridor(s, rq->capture);
	if (i < 0)
		ret = unknown_corridor(rq);
	else if (range_args(rq, &s->evals[i], &from, &to, &ret))
		ret = cache_reply_json(rq, render_sources_json(&s->evals[i], from, to), s->generated_at);
	snapshot_release(s);
	return ret;
}

enum MHD_Result http_get_daily(struct request *rq)
{
	return daily(rq, false);
}

enum MHD_Result http_get_daily_csv(struct request *rq)
{
	return daily(rq, true);
}

/* ?before=: where a page of a timeline begins (core/timeline.h). */
static enum arg before_arg(struct request *rq, struct tl_cursor *c, enum MHD_Result *ret)
{
	const char *v = MHD_lookup_connection_value(rq->conn, MHD_GET_ARGUMENT_KIND, "before");

	if (!v)
		return ARG_ABSENT;
	if (tl_cursor_parse(v, c))
		return ARG_OK;
	*ret = reply_error(rq, 400, "before must be a cursor as an earlier page's \"next\" gives it");
	return ARG_BAD;
}

/* ?limit= of the events: 1 to EVENTS_MAX. */
static bool limit_arg(struct request *rq, size_t *limit, enum MHD_Result *ret)
{
	const char *v = MHD_lookup_connection_value(rq->conn, MHD_GET_ARGUMENT_KIND, "limit");
	int64_t n = EVENTS_DEFAULT;

	if (v && (!parse_int64(v, &n) || n < 1 || n > EVENTS_MAX)) {
		*ret = reply_error(rq, 400, "limit must be a whole number from 1 to 500");
		return false;
	}
	*limit = (size_t)n;
	return true;
}

/*
 * A corridor as of a day, with its timeline: the snapshot's own as of
 * today, or made for the request as of a past day (own; view_close frees it).
 */
struct view {
	const struct corridor_eval *e;
	const struct timeline *t;
	bool own;
	struct corridor_eval own_e;
	struct timeline own_t;
};

static void view_open(struct view *v, const struct snapshot *s, size_t i, enum arg as_of, int64_t D)
{
	memset(v, 0, sizeof(*v));
	v->own = as_of == ARG_OK;
	if (!v->own) {
		v->e = &s->evals[i];
		v->t = &s->timelines[i]->t;
		return;
	}
	eval_past(s, i, i + 1, D, &v->own_e);
	timeline_build(&v->own_e, &v->own_t);
	v->e = &v->own_e;
	v->t = &v->own_t;
}

static void view_close(struct view *v)
{
	if (v->own) {
		timeline_free(&v->own_t);
		eval_free(&v->own_e);
	}
}

/* GET /api/v1/corridors/{id}/events[?before=&limit=&as_of=]: the timeline, newest first. */
enum MHD_Result http_get_events(struct request *rq)
{
	struct snapshot *s = snapshot_acquire();
	enum MHD_Result ret = MHD_NO;
	struct view v;
	struct tl_cursor c;
	size_t limit, from, to;
	int64_t D = 0;
	enum arg a, b;
	int i;

	if (!s)
		return no_snapshot(rq);
	i = snapshot_corridor(s, rq->capture);
	if (i < 0) {
		ret = unknown_corridor(rq);
		goto out;
	}
	a = as_of_arg(rq, s, &D, &ret);
	if (a == ARG_BAD || (b = before_arg(rq, &c, &ret)) == ARG_BAD || !limit_arg(rq, &limit, &ret))
		goto out;
	view_open(&v, s, (size_t)i, a, D);
	from = b == ARG_OK ? timeline_seek(v.t, &c) : 0;
	to = timeline_page_end(v.t, from, limit);
	ret = cache_reply_json(rq, render_events_json(v.e, v.t, from, to, to < v.t->n), s->generated_at);
	view_close(&v);
out:
	snapshot_release(s);
	return ret;
}

/* The language to answer in among those the snapshot was rendered in (i18n_choose). */
static size_t language(struct request *rq, const struct snapshot *s)
{
	const char *q = MHD_lookup_connection_value(rq->conn, MHD_GET_ARGUMENT_KIND, "lang");
	const char *accept = MHD_lookup_connection_value(rq->conn, MHD_HEADER_KIND,
							 MHD_HTTP_HEADER_ACCEPT_LANGUAGE);

	return i18n_choose(s->cfg->langs, s->nlangs, q, accept);
}

enum MHD_Result http_get_home(struct request *rq)
{
	struct snapshot *s = snapshot_acquire();
	enum MHD_Result ret = MHD_NO;
	int64_t D = 0;
	enum arg a;

	if (!s)
		return no_snapshot(rq);
	a = as_of_arg(rq, s, &D, &ret);
	if (a == ARG_ABSENT) {
		ret = cache_reply_snapshot(rq, s, snapshot_home(s, !metrics_db_up(), language(rq, s)));
	} else if (a == ARG_OK) {
		struct corridor_eval *e = xcalloc(s->n ? s->n : 1, sizeof(*e));
		struct strbuf b = STRBUF_INIT;
		const struct lang *L = s->cfg->langs[language(rq, s)];

		eval_past(s, 0, s->n, D, e);
		render_html(&b, s->cfg, L, e, s->n, s->generated_at, metrics_db_up());
		for (size_t k = 0; k < s->n; k++)
			eval_free(&e[k]);
		/* L->code lives as long as s's configuration, which the reply holds no longer than s. */
		ret = cache_reply_page(rq, "text/html; charset=utf-8", &b, s->generated_at, L->code,
				       s->cfg->nlangs > 1);
		free(e);
	}
	snapshot_release(s);
	return ret;
}

/* A corridor's page: the snapshot's, or made for a past as_of or an earlier page of its timeline. */
enum MHD_Result http_get_corridor_page(struct request *rq)
{
	struct snapshot *s = snapshot_acquire();
	enum MHD_Result ret = MHD_NO;
	struct view v;
	struct tl_cursor c;
	struct strbuf b = STRBUF_INIT;
	const struct lang *L;
	int64_t D = 0;
	enum arg a, before;
	int i;

	if (!s)
		return no_snapshot(rq);
	if ((i = snapshot_corridor(s, rq->capture)) < 0) {
		ret = unknown_corridor(rq);
		goto out;
	}
	a = as_of_arg(rq, s, &D, &ret);
	if (a == ARG_BAD || (before = before_arg(rq, &c, &ret)) == ARG_BAD)
		goto out;
	if (a == ARG_ABSENT && before == ARG_ABSENT) {
		ret = cache_reply_snapshot(rq, s, snapshot_page(s, !metrics_db_up(), language(rq, s),
								(size_t)i));
		goto out;
	}
	L = s->cfg->langs[language(rq, s)];
	view_open(&v, s, (size_t)i, a, D);
	render_corridor_html(&b, s->cfg, L, v.e, v.t, before == ARG_OK ? &c : NULL, s->generated_at,
			     metrics_db_up());
	view_close(&v);
	/* L->code lives as long as s's configuration, which the reply holds no longer than s. */
	ret = cache_reply_page(rq, "text/html; charset=utf-8", &b, s->generated_at, L->code,
			       s->cfg->nlangs > 1);
out:
	snapshot_release(s);
	return ret;
}

enum MHD_Result http_get_feed(struct request *rq)
{
	struct snapshot *s = snapshot_acquire();
	enum MHD_Result ret;

	if (!s)
		return no_snapshot(rq);
	ret = cache_reply_snapshot(rq, s, snapshot_feed(s, !metrics_db_up(), language(rq, s)));
	snapshot_release(s);
	return ret;
}

/*
 * The exposition is rendered (and gzipped) once and reused while nothing
 * in it has changed (same snapshot, same metrics_version) and it is under
 * a second old: a scraper or a dashboard hammering /metrics costs a
 * header block, not a rendering, and sees its own request counts at most
 * a second late.  Its counters change without a new snapshot, so it is
 * validated by ETag alone, never by date.
 */
struct shared {
	atomic_int refs;
	uint64_t generation;		/* 1, 2, ... as renderings replace each other */
	struct blob b;
};

static struct {
	pthread_mutex_t lock;
	struct shared *cur;
	uint64_t seq, version;		/* of the snapshot and the counters rendered */
	int64_t at_ns;
	uint64_t renderings;
} mcache = { PTHREAD_MUTEX_INITIALIZER, NULL, 0, 0, 0, 0 };

static void shared_hold(void *arg)
{
	struct shared *sh = arg;

	atomic_fetch_add_explicit(&sh->refs, 1, memory_order_relaxed);
}

static void shared_release(void *arg)
{
	struct shared *sh = arg;

	if (atomic_fetch_sub_explicit(&sh->refs, 1, memory_order_acq_rel) == 1) {
		blob_free(&sh->b);
		free(sh);
	}
}

static void render_metrics_text(struct snapshot *s, struct strbuf *b);

void http_metrics_cache_free(void)
{
	struct shared *old;

	pthread_mutex_lock(&mcache.lock);
	old = mcache.cur;
	mcache.cur = NULL;
	pthread_mutex_unlock(&mcache.lock);
	if (old)
		shared_release(old);
}

/* The current exposition, rendered anew when it is out of date; a reference. */
static struct shared *exposition(struct snapshot *s)
{
	uint64_t v = metrics_version(), seq = s ? s->seq : 0;
	int64_t now = clock_ns();
	struct shared *fresh = NULL, *old = NULL, *cur;

	pthread_mutex_lock(&mcache.lock);
	if (!mcache.cur || mcache.seq != seq || mcache.version != v ||
	    now - mcache.at_ns >= 1000000000) {
		struct strbuf b = STRBUF_INIT;

		render_metrics_text(s, &b);
		fresh = xcalloc(1, sizeof(*fresh));
		atomic_init(&fresh->refs, 1);
		fresh->generation = ++mcache.renderings;
		blob_make(&fresh->b, "text/plain; version=0.0.4; charset=utf-8", b.buf, b.len,
			  s ? s->generated_at : 0, true);
		sb_release(&b);
		old = mcache.cur;
		mcache.cur = fresh;
		mcache.seq = seq;
		mcache.version = v;
		mcache.at_ns = now;
	}
	cur = mcache.cur;
	atomic_fetch_add_explicit(&cur->refs, 1, memory_order_relaxed);
	pthread_mutex_unlock(&mcache.lock);
	if (old)
		shared_release(old);
	return cur;
}

enum MHD_Result http_get_metrics(struct request *rq)
{
	struct snapshot *s = snapshot_acquire();
	struct shared *sh = exposition(s);
	struct reuse u = { CACHE_METRICS, sh->generation, 1, shared_hold, shared_release, sh };

	snapshot_release(s);
	return cache_reply_reused(rq, &u, &sh->b, CACHE_ETAG_ONLY);
}

static void render_metrics_text(struct snapshot *s, struct strbuf *b)
{
	if (s) {
		int64_t quiet_since = (int64_t)time(NULL) - s->cfg->silent_after_hours * 3600;
		size_t silent = 0;

		sb_addstr(b, s->metrics_gauges);
		/* Counted now, not at the last rebuild: silence grows without any new report. */
		for (size_t i = 0; i < s->norgs; i++)
			silent += s->org_last[i] < quiet_since;
		sb_addf(b, "# HELP supplywatch_organisations Organisations with an unrevoked token that have reported, "
			"by whether they reported within status.silent_after_hours (see analytics.organisation_activity).\n"
			"# TYPE supplywatch_organisations gauge\n"
			"supplywatch_organisations{state=\"reporting\"} %zu\n"
			"supplywatch_organisations{state=\"silent\"} %zu\n", s->norgs - silent, silent);
	}
	metrics_render(b, s ? s->generated_at : 0, s ? s->report_seq : 0);
}
