/*
 * snapshot: the indicators every status surface serves, published as one
 * immutable object.
 *
 * A snapshot holds each corridor's inputs (shared with the previous
 * snapshot when unchanged), their evaluation as of the corridor's today,
 * and every surface rendered once, as blobs (status JSON, pages, feed,
 * the corridor gauges of /metrics).  publish/refresh.c builds one when
 * reports change; requests only read the current one, by reference: a
 * response that sends a blob holds the snapshot until it is sent.  A past
 * as_of is evaluated from the same inputs on demand.
 */
#ifndef SW_SNAPSHOT_H
#define SW_SNAPSHOT_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/config.h"
#include "core/eval.h"
#include "core/ledger.h"
#include "core/timeline.h"
#include "publish/blob.h"

/*
 * A corridor's timeline as of today (core/timeline.h).  It points into the
 * corridor's data alone when the evaluation's days are the data's own
 * (corridor_eval.shared), so successive snapshots that share the data
 * share it too, by reference, instead of building it again.
 */
struct shared_timeline {
	atomic_int refs;
	const struct corridor_data *data;	/* NULL: not shareable (points into its evaluation) */
	struct timeline t;
};

struct snapshot {
	atomic_int refs;
	struct sw_config *cfg;			/* reference held */
	int64_t generated_at;			/* seconds (HTTP dates, JSON) */
	int64_t report_seq;			/* highest supplywatch.reports.id included */
	uint64_t seq;				/* 1, 2, ... in order of publication */
	int64_t *org_last;			/* last report of each active organisation */
	struct ledger_signed *heads;		/* the latest signed ledger heads, for the feed */
	size_t nheads;
	size_t norgs;
	struct corridor_data **data;		/* one per configured corridor */
	struct corridor_eval *evals;		/* as of each corridor's today */
	struct shared_timeline **timelines;	/* of each evaluation: its page, events and feed */
	size_t n;
	/*
	 * Pre-rendered surfaces.  Each comes twice: [0] as built, [1] saying
	 * the database is unreachable, served while it is (metrics_db_up), so
	 * a monitor knows the figures are getting old.  Pages and feeds come
	 * once per language of cfg->langs (status.languages), in its order.
	 */
	struct blob status_json[2];		/* [1]: "database_reachable": false */
	struct blob *home_html[2];		/* per language */
	struct blob *feed[2];			/* per language; [1]: a subtitle says so */
	struct blob *corridor_html[2];		/* per language and corridor: [lang * n + corridor] */
	size_t nlangs;
	size_t nblobs;				/* the blobs' slots are 0 .. nblobs - 1 */
	size_t *lang_bytes;			/* per language: what its pages and feeds hold */
	int64_t load_ms, eval_ms;		/* how long the build's loading and evaluation took */
	int64_t render_ms;			/* how long snapshot_render took */
	char *metrics_gauges;			/* text block of the indicator gauges */
};

/* The pre-rendered page or feed in language l (an index of cfg->langs). */
const struct blob *snapshot_home(const struct snapshot *s, int down, size_t l);
const struct blob *snapshot_page(const struct snapshot *s, int down, size_t l, size_t corridor);
const struct blob *snapshot_feed(const struct snapshot *s, int down, size_t l);

/*
 * A snapshot of cfg (a reference is taken over) with n corridors' data
 * (references taken over) and what else the load read; evals are filled
 * by the caller, then snapshot_render makes it complete.
 */
struct snapshot *snapshot_new(struct sw_config *cfg, int64_t generated_at,
			      struct corridor_data **data, size_t n);
/*
 * Renders every surface.  A blob whose bytes equal prev's keeps prev's
 * Last-Modified; one that changed gets a later one than prev's, so
 * If-Modified-Since never hides a change.
 */
void snapshot_render(struct snapshot *s, const struct snapshot *prev);
/* The corridor index of id, or -1. */
int snapshot_corridor(const struct snapshot *s, const char *id);

/*
 * The surfaces say whether the database is reachable, so their bytes
 * change when that does, snapshot or not.  snapshot_db_changed records
 * such a change (now: seconds since the epoch) at a time later than any
 * Last-Modified the current snapshot has given out, and
 * snapshot_db_changed_at says when the last one was: a surface's
 * Last-Modified is never earlier, so If-Modified-Since never hides it.
 */
void snapshot_db_changed(int64_t now);
int64_t snapshot_db_changed_at(void);

/* The current snapshot (a reference), or NULL before the first. */
struct snapshot *snapshot_acquire(void);
struct snapshot *snapshot_ref(struct snapshot *s);
void snapshot_release(struct snapshot *s);
/* Makes s current (taking its reference); NULL at shutdown. */
void snapshot_publish(struct snapshot *s);
/*
 * Called after each publication with the new snapshot's seq (main.c sets
 * it): whoever keeps things that hold older snapshots lets go of them, so
 * each is freed as soon as the requests using it are done.
 */
extern void (*snapshot_published)(uint64_t seq);

#endif
