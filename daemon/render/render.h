/*
 * render: the status surfaces as bytes, from evaluated corridors.
 *
 * Renderers see only the configuration, evaluations (core/eval.h) and the
 * formatting helpers; they never touch the database, the network or the
 * snapshot that holds what they render, so they are tested and fuzzed
 * alone.  Every text that came from a report or the configuration goes
 * through an escaper (util/escape.h) or jansson.
 */
#ifndef SW_RENDER_H
#define SW_RENDER_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/config.h"
#include "core/eval.h"
#include "core/ledger.h"
#include "core/timeline.h"
#include "util/i18n.h"
#include "util/strbuf.h"

/* The status JSON of n corridors; as_of -1 = each one's today. */
json_t *render_status_json(const struct sw_config *cfg, const struct corridor_eval *e, size_t n,
			   int64_t as_of, int64_t generated_at, bool db_up);
json_t *render_corridor_json(const struct corridor_eval *e);
/* The daily series over [from, to]: JSON, and CSV with an HXL hashtag row. */
/* The daily series over [from, to] at stage (the headline's, or another's counts). */
json_t *render_daily_json(const struct corridor_eval *e, int64_t from, int64_t to, int stage);
void render_daily_csv(struct strbuf *out, const struct corridor_eval *e, int64_t from, int64_t to,
		      int stage);
/* GET /api/v1/corridors/{id}/sources: each organisation's series against the headline. */
json_t *render_sources_json(const struct corridor_eval *e, int64_t from, int64_t to);
/* The status page of every corridor. */
void render_html(struct strbuf *out, const struct sw_config *cfg, const struct lang *L,
		 const struct corridor_eval *e, size_t n, int64_t generated_at, bool db_up);
/*
 * A corridor's own page, its timeline t (of e) from the event after
 * before (NULL: the newest).
 */
void render_corridor_html(struct strbuf *out, const struct sw_config *cfg, const struct lang *L,
			  const struct corridor_eval *e, const struct timeline *t,
			  const struct tl_cursor *before, int64_t generated_at, bool db_up);
/*
 * GET /api/v1/corridors/{id}/events: events [from, to) of e's timeline t;
 * more: events follow, and "next" is the cursor of the last.
 */
json_t *render_events_json(const struct corridor_eval *e, const struct timeline *t, size_t from,
			   size_t to, bool more);
/*
 * The Atom feed: the newest events of every corridor's timeline (*tl[i]
 * of e[i]) and the public ledger's signed heads, newest first.
 */
void render_feed(struct strbuf *out, const struct sw_config *cfg, const struct lang *L,
		 const struct corridor_eval *e, const struct timeline *const *tl, size_t n,
		 const struct ledger_signed *heads, size_t nheads, int64_t generated_at, bool db_up);
/* The corridor gauges of /metrics. */
void render_metric_gauges(struct strbuf *out, const struct corridor_eval *e, size_t n);

#endif
