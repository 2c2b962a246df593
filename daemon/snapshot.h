/*
 * snapshot: the current indicators of every corridor, in memory.
 *
 * A snapshot holds each corridor's inputs (its daily series from the first
 * reported day to its local today, disruptions, shortages, freshness),
 * their evaluation as of today, and the responses of the status surfaces
 * rendered once (status JSON, pages, feed).  The snapshot thread rebuilds
 * it when reports change (LISTEN/NOTIFY, at most once a second), when a
 * corridor's local day rolls over and on reload; requests only read it.
 * A past as_of is evaluated from the same inputs on demand: a day's inputs
 * never depend on later days.
 *
 * Snapshots are shared by reference (snapshot_acquire/release).
 */
#ifndef SW_SNAPSHOT_H
#define SW_SNAPSHOT_H

#include <jansson.h>
#include <libpq-fe.h>
#include <microhttpd.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "config.h"
#include "report.h"
#include "rules.h"
#include "strbuf.h"

struct freshness {
	int64_t last_report_at;			/* instant; 0 = never */
	int64_t last_by_kind[KIND_COUNT];
	int organisations_30d;			/* reporting in the 30 days to D */
	int64_t end_of_day;			/* instant D ends, for "stale" */
};

struct corridor_data {
	atomic_int refs;			/* shared by successive snapshots */
	const struct sw_corridor *c;
	int64_t today;				/* local date */
	int64_t next_midnight;			/* instant today ends */
	struct day *days;			/* first reported day .. today; may be empty */
	size_t ndays;
	struct disruption *dis;
	size_t ndis;
	struct shortage *sh;
	size_t nsh;
	struct freshness fresh;			/* as of today */
	struct strbuf strings;			/* backing store of dis/sh strings */
};

/* A corridor evaluated as of D. */
struct corridor_eval {
	const struct corridor_data *data;
	int64_t D;
	struct day *days;			/* inputs ..D with results; n >= 1, days[n-1] is D */
	size_t n;
	struct period *periods;
	size_t np;
	struct blockade_summary blockade;
	struct trucks_summary trucks;
	struct ongoing *ongoing;
	size_t nongoing;
	struct shortage_state *shortages;
	size_t nshortages;
	int shortage_counts[NSEVERITIES];
	int service_days_30d[NSERVICES];
	struct freshness fresh;
	bool stale;
	bool written;				/* the write-back for analysts succeeded */
};

struct rendered {
	struct MHD_Response *resp;		/* shared by every request; owns its copy */
	struct MHD_Response *gz;		/* the same gzipped, or NULL */
	char etag[40];
	char etag_gz[44];			/* a representation's own ETag */
	int64_t last_modified;
};

/*
 * Makes a shareable response of body (copied) with its ETag and headers,
 * and with gzip a compressed twin for clients that accept it (when it is
 * smaller).  rendered_free releases both.
 */
void rendered_make(struct rendered *out, const char *type, const char *body, size_t len,
		   int64_t last_modified, bool gzip);
void rendered_free(struct rendered *r);

struct snapshot {
	int refs;
	struct sw_config *cfg;			/* reference held */
	int64_t generated_at;			/* seconds (HTTP dates, JSON) */
	int64_t report_seq;			/* highest supplywatch.reports.id included */
	uint64_t seq;				/* 1, 2, ... in order of publication */
	int64_t *org_last;			/* last report of each active organisation */
	size_t norgs;
	struct corridor_data **data;		/* unchanged corridors are shared with the previous one */
	struct corridor_eval *evals;		/* as of each corridor's today */
	size_t n;
	/*
	 * Pre-rendered surfaces.  Pages come twice: [0] as built, [1] with a
	 * banner saying the database is unreachable, served while it is
	 * (metrics_db_up), so a monitor knows the figures are getting old.
	 */
	struct rendered status_json[2];		/* [1]: "database_reachable": false */
	struct rendered home_html[2];
	struct rendered feed[2];		/* [1]: a subtitle says so */
	struct rendered *corridor_html[2];	/* per corridor */
	char *metrics_gauges;			/* text block of the indicator gauges */
};

/*
 * Corridors whose reports changed since the last snapshot: named ones, or
 * all (too many to list, or not known which).
 */
#define CHANGED_MAX 64
struct changed {
	bool all;
	size_t n;
	char id[CHANGED_MAX][64];
};
void changed_add(struct changed *ch, const char *corridor);	/* NULL or "": all */
bool changed_has(const struct changed *ch, const char *corridor);
void changed_merge(struct changed *into, const struct changed *from);

void snapshot_register(void);
/*
 * Loads and evaluates everything; NULL on a database failure.  A corridor
 * not in changed, on the same local day and under the same configuration
 * as in prev, is taken from prev as it is, and its write-back skipped.
 */
struct snapshot *snapshot_build(PGconn *c, struct sw_config *cfg, const struct snapshot *prev,
				const struct changed *changed);
struct snapshot *snapshot_acquire(void);
void snapshot_release(struct snapshot *s);
void snapshot_publish(struct snapshot *s);

/* Evaluation as of D (D <= data->today), with the corridor's freshness. */
void eval_corridor(const struct corridor_data *d, int64_t D, const struct freshness *fresh,
		   int64_t now, int64_t stale_after_s, struct corridor_eval *out);
void eval_free(struct corridor_eval *e);

/* Renderers (render_*.c), from evaluations. */
json_t *render_status_json(const struct sw_config *cfg, const struct corridor_eval *e, size_t n,
			   int64_t as_of, int64_t generated_at, bool db_up);
json_t *render_corridor_json(const struct corridor_eval *e);
json_t *render_daily_json(const struct corridor_eval *e, int64_t from, int64_t to);
void render_daily_csv(struct strbuf *out, const struct corridor_eval *e, int64_t from, int64_t to);
/* The status page: every corridor (n > 1 or home) or one. */
void render_html(struct strbuf *out, const struct sw_config *cfg, const struct corridor_eval *e,
		 size_t n, bool home, int64_t generated_at, bool db_up);
void render_feed(struct strbuf *out, const struct sw_config *cfg, const struct corridor_eval *e,
		 size_t n, int64_t generated_at, bool db_up);
void render_metric_gauges(struct strbuf *out, const struct corridor_eval *e, size_t n);

/* Formatting helpers shared by the renderers. */
void fmt_date(int64_t days, char out[11]);
void fmt_instant_utc(int64_t t, char out[32]);		/* 2023-03-01T09:00:00Z */
void fmt_instant_local(int64_t t, int offset, char out[32]);	/* ...+04:00 */
double round1(double x);

/* The snapshot thread. */
int snapshot_thread_start(void);
void snapshot_request_rebuild(void);	/* e.g. after a reload */
/* This daemon committed a change of corridor's reports ("" or NULL: any). */
void snapshot_changed(const char *corridor);
void snapshot_thread_stop(void);
/* CLOCK_MONOTONIC ms when the thread's loop last turned (the watchdog's proof). */
int64_t snapshot_thread_heartbeat(void);

#endif
