/*
 * metrics: the process's counters, and the Prometheus text exposition
 * (format 0.0.4).  Counters are lock-free atomics bumped by the request
 * threads; the corridor gauges come pre-rendered from the snapshot.
 * No organisation names or ids ever appear in labels.
 */
#ifndef SW_METRICS_H
#define SW_METRICS_H

#include <stdbool.h>
#include <stdint.h>

#include "core/report.h"
#include "util/strbuf.h"

enum report_result { RESULT_STORED, RESULT_REPLAYED, RESULT_CONFLICT, RESULT_INVALID, RESULT_COUNT };

/* route: index of the route (or -1 for unmatched), as given to metrics_init. */
void metrics_init(const char *const *route_names, int nroutes);
void metrics_request(int route, unsigned code, double seconds);
/* kind/channel: indexes into report_kinds/report_channels; kind -1 = unknown. */
void metrics_report(int kind, int channel, enum report_result result, unsigned n);
/* Every count of a submission's outcome: count[kind * RESULT_COUNT + result]. */
void metrics_report_counts(int channel, const unsigned *count);
/* Records whether the database answered; true when that changed. */
bool metrics_set_db_up(bool up);
bool metrics_db_up(void);
/* Connections dropped for being slow, by phase: sending the header block or the body, taking the answer. */
void metrics_slow_clients(unsigned headers, unsigned body, unsigned answer);
/* Of those, shed early to make room; and new connections refused (their address full). */
void metrics_connections_shed(unsigned shed, unsigned refused);
/* The connection table (from the reaper): by phase, and whether it is under pressure. */
void metrics_connections(unsigned headers, unsigned body, unsigned serving, bool pressure);
/* A body refused: its token has http.uploads_per_token bodies arriving already. */
void metrics_upload_refused(void);
/*
 * Changes with every counter and gauge here except the scrapes' own
 * request count, so an exposition can be reused while it is unchanged.
 */
uint64_t metrics_version(void);
/* A snapshot was built in this many seconds (counted, and its time kept). */
void metrics_snapshot_built(double seconds);
/* The indicators of the snapshot including reports up to report_seq are written for analysts. */
void metrics_analytics_written(int64_t report_seq);
/* Webhooks: one delivery attempt's result (0 delivered, 1 failed, 2 refused, as enum webhook_result). */
void metrics_webhook_attempt(int result);
/* Group commit: one transaction stored n single reports (store/group_commit.h). */
void metrics_group(unsigned n);
/* Single reports waiting for a group commit thread. */
void metrics_group_waiting(unsigned n);
/* Single reports taken by a group commit thread (+n) and answered (-n). */
void metrics_group_writing(int n);
/* The ledger: leaves, queued entries, the latest head's size and time (0, 0: none). */
void metrics_ledger(int64_t size, int64_t backlog, int64_t head_size, int64_t head_at);
/* When the oldest pending webhook message was created (seconds since the epoch); 0: none. */
void metrics_webhook_oldest(int64_t at);
/* Appends the counters and process gauges (everything but the corridor gauges). */
void metrics_render(struct strbuf *out, int64_t generated_at, int64_t report_seq);

#endif
