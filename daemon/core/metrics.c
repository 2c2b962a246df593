#include "core/metrics.h"

#include <math.h>
#include <stdlib.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "core/report.h"
#include "util/escape.h"
#include "util/version.h"

#define MAX_ROUTES 48

static const unsigned codes[] = { 200, 201, 202, 204, 304, 400, 401, 403, 404, 405, 409, 413,
				  414, 415, 422, 429, 431, 500, 503 };
#define NCODES (sizeof(codes) / sizeof(codes[0]))
/* Upper bounds in seconds; the last bucket is +Inf. */
static const double buckets[] = { 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5 };
#define NBUCKETS (sizeof(buckets) / sizeof(buckets[0]))

static const char *const *routes;
static int nroutes;
/* [route + 1][code index; NCODES = any other code] */
static atomic_uint_fast64_t requests[MAX_ROUTES + 1][NCODES + 1];
static atomic_uint_fast64_t hist[NBUCKETS + 1];
static atomic_uint_fast64_t hist_sum_us;
static atomic_uint_fast64_t reports[KIND_COUNT + 1][4][RESULT_COUNT];
static atomic_bool db_up;
static atomic_uint_fast64_t builds;
static atomic_uint_fast64_t slow_clients[3];	/* headers, body, answer */
static atomic_uint_fast64_t conns_shed, conns_refused, uploads_refused;
static atomic_uint conns_open[3];		/* headers, body, serving */
static atomic_bool conns_pressure;
static atomic_uint_fast64_t version;	/* bumped by every change but a scrape's own count */
static int metrics_route = -2;
static atomic_uint_fast64_t build_us;
static atomic_llong analytics_seq;	/* report_seq of the last snapshot written back */

static atomic_uint_fast64_t webhook_attempts[3];
static atomic_int_fast64_t webhook_oldest;
static atomic_uint_fast64_t groups, group_reports;
static atomic_uint group_waiting;
static atomic_int group_writing;

/* The ledger as last read from the database (any daemon reads it, not only the sequencer). */
static atomic_int_fast64_t ledger_size, ledger_backlog, ledger_head_size, ledger_head_at;
static atomic_bool ledger_known;

static const char *const result_names[] = { "stored", "replayed", "conflict", "invalid" };
static const char *const webhook_results[] = { "delivered", "failed", "refused" };

void metrics_init(const char *const *route_names, int n)
{
	routes = route_names;
	/* A route past the table would be counted as unmatched: a programming error. */
	if (n > MAX_ROUTES)
		abort();
	nroutes = n;
	for (int i = 0; i < nroutes; i++)
		if (strcmp(routes[i], "metrics") == 0)
			metrics_route = i;
}

uint64_t metrics_version(void)
{
	return atomic_load(&version);
}

void metrics_request(int route, unsigned code, double seconds)
{
	size_t ci = NCODES, b = 0;

	for (size_t i = 0; i < NCODES; i++)
		if (codes[i] == code)
			ci = i;
	if (route >= nroutes)
		route = -1;
	atomic_fetch_add(&requests[route + 1][ci], 1);
	while (b < NBUCKETS && seconds > buckets[b])
		b++;
	atomic_fetch_add(&hist[b], 1);
	atomic_fetch_add(&hist_sum_us, (uint_fast64_t)(seconds * 1e6));
	if (route != metrics_route)
		atomic_fetch_add(&version, 1);
}

void metrics_report(int kind, int channel, enum report_result result, unsigned n)
{
	if (kind < 0 || kind >= KIND_COUNT)
		kind = KIND_COUNT;
	if (channel < 0 || channel > 3)
		channel = 0;
	atomic_fetch_add(&reports[kind][channel][result], n);
	atomic_fetch_add(&version, 1);
}

void metrics_report_counts(int channel, const unsigned *count)
{
	for (int k = 0; k < KIND_COUNT; k++)
		for (int r = 0; r < RESULT_COUNT; r++)
			if (count[k * RESULT_COUNT + r])
				metrics_report(k, channel, (enum report_result)r, count[k * RESULT_COUNT + r]);
}

bool metrics_set_db_up(bool up)
{
	if (atomic_exchange(&db_up, up) == up)
		return false;
	atomic_fetch_add(&version, 1);
	return true;
}

bool metrics_db_up(void)
{
	return atomic_load(&db_up);
}

void metrics_slow_clients(unsigned headers, unsigned body, unsigned answer)
{
	if (!headers && !body && !answer)
		return;
	atomic_fetch_add(&slow_clients[0], headers);
	atomic_fetch_add(&slow_clients[1], body);
	atomic_fetch_add(&slow_clients[2], answer);
	atomic_fetch_add(&version, 1);
}

void metrics_connections_shed(unsigned shed, unsigned refused)
{
	if (!shed && !refused)
		return;
	atomic_fetch_add(&conns_shed, shed);
	atomic_fetch_add(&conns_refused, refused);
	atomic_fetch_add(&version, 1);
}

void metrics_connections(unsigned headers, unsigned body, unsigned serving, bool pressure)
{
	unsigned now[3] = { headers, body, serving };
	bool changed = atomic_exchange(&conns_pressure, pressure) != pressure;

	for (int i = 0; i < 3; i++)
		changed |= atomic_exchange(&conns_open[i], now[i]) != now[i];
	if (changed)
		atomic_fetch_add(&version, 1);
}

void metrics_upload_refused(void)
{
	atomic_fetch_add(&uploads_refused, 1);
	atomic_fetch_add(&version, 1);
}

void metrics_snapshot_built(double seconds)
{
	atomic_fetch_add(&builds, 1);
	atomic_store(&build_us, (uint_fast64_t)(seconds * 1e6));
	atomic_fetch_add(&version, 1);
}

void metrics_analytics_written(int64_t report_seq)
{
	atomic_store(&analytics_seq, (long long)report_seq);
	atomic_fetch_add(&version, 1);
}

void metrics_webhook_attempt(int result)
{
	if (result < 0 || result > 2)
		return;
	atomic_fetch_add(&webhook_attempts[result], 1);
	atomic_fetch_add(&version, 1);
}

void metrics_webhook_oldest(int64_t at)
{
	if (atomic_exchange(&webhook_oldest, at) != at)
		atomic_fetch_add(&version, 1);
}

void metrics_group(unsigned n)
{
	atomic_fetch_add(&groups, 1);
	atomic_fetch_add(&group_reports, n);
	atomic_fetch_add(&version, 1);
}

void metrics_group_waiting(unsigned n)
{
	if (atomic_exchange(&group_waiting, n) != n)
		atomic_fetch_add(&version, 1);
}

void metrics_group_writing(int n)
{
	atomic_fetch_add(&group_writing, n);
	atomic_fetch_add(&version, 1);
}

void metrics_ledger(int64_t size, int64_t backlog, int64_t head_size, int64_t head_at)
{
	bool changed = atomic_exchange(&ledger_size, size) != size;

	changed |= atomic_exchange(&ledger_backlog, backlog) != backlog;
	changed |= atomic_exchange(&ledger_head_size, head_size) != head_size;
	changed |= atomic_exchange(&ledger_head_at, head_at) != head_at;
	changed |= !atomic_exchange(&ledger_known, true);
	if (changed)
		atomic_fetch_add(&version, 1);
}

static void family(struct strbuf *out, const char *name, const char *type, const char *help)
{
	sb_addf(out, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

static void render_requests(struct strbuf *out)
{
	family(out, "supplywatch_http_requests_total", "counter", "HTTP requests answered, by route and status code.");
	for (int r = -1; r < nroutes; r++) {
		for (size_t c = 0; c <= NCODES; c++) {
			uint_fast64_t v = atomic_load(&requests[r + 1][c]);
			char code[8];

			if (!v)
				continue;
			snprintf(code, sizeof(code), "%u", c < NCODES ? codes[c] : 0);
			sb_addf(out, "supplywatch_http_requests_total{route=\"%s\",code=\"%s\"} %llu\n",
				r < 0 ? "unmatched" : routes[r], c < NCODES ? code : "other",
				(unsigned long long)v);
		}
	}
}

static void render_histogram(struct strbuf *out)
{
	uint_fast64_t cum = 0;

	family(out, "supplywatch_http_request_duration_seconds", "histogram",
	       "Time from a request's first byte to its response being queued.");
	for (size_t b = 0; b < NBUCKETS; b++) {
		cum += atomic_load(&hist[b]);
		sb_addf(out, "supplywatch_http_request_duration_seconds_bucket{le=\"%g\"} %llu\n",
			buckets[b], (unsigned long long)cum);
	}
	cum += atomic_load(&hist[NBUCKETS]);
	sb_addf(out, "supplywatch_http_request_duration_seconds_bucket{le=\"+Inf\"} %llu\n",
		(unsigned long long)cum);
	sb_addf(out, "supplywatch_http_request_duration_seconds_sum %.6f\n",
		(double)atomic_load(&hist_sum_us) / 1e6);
	sb_addf(out, "supplywatch_http_request_duration_seconds_count %llu\n", (unsigned long long)cum);
}

static void render_reports(struct strbuf *out)
{
	family(out, "supplywatch_reports_total", "counter",
	       "Reports received, by kind, channel and result (stored, replayed, conflict, invalid).");
	for (int k = 0; k <= KIND_COUNT; k++)
		for (int c = 0; c < 4; c++)
			for (int r = 0; r < RESULT_COUNT; r++) {
				uint_fast64_t v = atomic_load(&reports[k][c][r]);

				if (!v)
					continue;
				sb_addf(out, "supplywatch_reports_total{kind=\"%s\",channel=\"%s\",result=\"%s\"} %llu\n",
					k < KIND_COUNT ? report_kinds[k] : "unknown", report_channels[c],
					result_names[r], (unsigned long long)v);
			}
}

/* The oldest pending message's age grows by the clock: counted at each exposition. */
static void render_webhooks(struct strbuf *out)
{
	int64_t oldest = atomic_load(&webhook_oldest), now = (int64_t)time(NULL);

	family(out, "supplywatch_webhook_deliveries_total", "counter",
	       "Webhook delivery attempts by this process, by result (delivered, failed, refused: a private target).");
	for (int r = 0; r < 3; r++)
		sb_addf(out, "supplywatch_webhook_deliveries_total{result=\"%s\"} %llu\n", webhook_results[r],
			(unsigned long long)atomic_load(&webhook_attempts[r]));
	family(out, "supplywatch_webhook_oldest_pending_seconds", "gauge",
	       "Age of the oldest webhook message not yet delivered; 0 when none is pending.");
	sb_addf(out, "supplywatch_webhook_oldest_pending_seconds %lld\n",
		(long long)(oldest && now > oldest ? now - oldest : 0));
}

/* The latest head's age grows by the clock: counted at each exposition. */
static void render_ledger(struct strbuf *out)
{
	int64_t at = atomic_load(&ledger_head_at), now = (int64_t)time(NULL);

	if (!atomic_load(&ledger_known))
		return;
	family(out, "supplywatch_ledger_tree_size", "gauge",
	       "Entries in the public ledger's Merkle tree (sequenced report versions, retractions and reviews).");
	sb_addf(out, "supplywatch_ledger_tree_size %lld\n", (long long)atomic_load(&ledger_size));
	family(out, "supplywatch_ledger_unsequenced", "gauge",
	       "Committed entries the sequencer has not appended to the ledger yet.");
	sb_addf(out, "supplywatch_ledger_unsequenced %lld\n", (long long)atomic_load(&ledger_backlog));
	family(out, "supplywatch_ledger_head_size", "gauge",
	       "Entries covered by the latest signed tree head; 0 before the first.");
	sb_addf(out, "supplywatch_ledger_head_size %lld\n", (long long)atomic_load(&ledger_head_size));
	family(out, "supplywatch_ledger_head_age_seconds", "gauge",
	       "Age of the latest signed tree head; 0 before the first.");
	sb_addf(out, "supplywatch_ledger_head_age_seconds %lld\n", (long long)(at && now > at ? now - at : 0));
}

/* A counter without labels. */
static void counter(struct strbuf *out, const char *name, const char *help, uint_fast64_t value)
{
	family(out, name, "counter", help);
	sb_addf(out, "%s %llu\n", name, (unsigned long long)value);
}

static void render_connections(struct strbuf *out)
{
	static const char *const phases[] = { "headers", "body", "serving" };
	static const char *const dropped[] = { "headers", "body", "answer" };

	family(out, "supplywatch_http_slow_clients_dropped_total", "counter",
	       "Connections dropped for being slow: phase=\"headers\" sent no whole header block in time "
	       "(http.header_timeout), phase=\"body\" sent its body slower than http.min_body_rate, "
	       "phase=\"answer\" took its answer slower than that; those shed under pressure included.");
	for (int i = 0; i < 3; i++)
		sb_addf(out, "supplywatch_http_slow_clients_dropped_total{phase=\"%s\"} %llu\n", dropped[i],
			(unsigned long long)atomic_load(&slow_clients[i]));
	counter(out, "supplywatch_http_connections_shed_total",
		"Slow or idle connections closed early to make room: the table three quarters full or "
		"more, or their address at http.per_ip_connection_limit.", atomic_load(&conns_shed));
	counter(out, "supplywatch_http_connections_refused_total",
		"New connections refused: their address had http.per_ip_connection_limit connections, "
		"all making progress.", atomic_load(&conns_refused));
	counter(out, "supplywatch_http_uploads_refused_total",
		"Requests refused (429) because their token had http.uploads_per_token bodies arriving.",
		atomic_load(&uploads_refused));
	family(out, "supplywatch_http_connections", "gauge",
	       "Open client connections by phase: owing a header block, sending a body, being served.");
	for (int i = 0; i < 3; i++)
		sb_addf(out, "supplywatch_http_connections{phase=\"%s\"} %u\n", phases[i],
			atomic_load(&conns_open[i]));
	family(out, "supplywatch_http_connections_pressure", "gauge",
	       "1 while three quarters or more of http.connection_limit are open: slow connections are "
	       "shed and deadlines tighten.");
	sb_addf(out, "supplywatch_http_connections_pressure %d\n", atomic_load(&conns_pressure) ? 1 : 0);
}

void metrics_render(struct strbuf *out, int64_t generated_at, int64_t report_seq)
{
	render_reports(out);
	render_requests(out);
	render_histogram(out);
	family(out, "supplywatch_db_up", "gauge", "1 when the database answered the last attempt, else 0.");
	sb_addf(out, "supplywatch_db_up %d\n", metrics_db_up() ? 1 : 0);
	render_connections(out);
	family(out, "supplywatch_snapshot_build_seconds", "gauge",
	       "How long the last indicator snapshot took to load, evaluate and render.");
	sb_addf(out, "supplywatch_snapshot_build_seconds %.6f\n", (double)atomic_load(&build_us) / 1e6);
	family(out, "supplywatch_snapshot_builds_total", "counter",
	       "Indicator snapshots built since start.");
	sb_addf(out, "supplywatch_snapshot_builds_total %llu\n", (unsigned long long)atomic_load(&builds));
	family(out, "supplywatch_snapshot_timestamp_seconds", "gauge",
	       "When the indicators served were computed (Unix time).");
	sb_addf(out, "supplywatch_snapshot_timestamp_seconds %lld\n", (long long)generated_at);
	family(out, "supplywatch_snapshot_report_seq", "gauge",
	       "Highest report sequence number the indicators served include; it trails ingest by the rebuild delay.");
	sb_addf(out, "supplywatch_snapshot_report_seq %lld\n", (long long)report_seq);
	family(out, "supplywatch_analytics_report_seq", "gauge",
	       "Highest report sequence number the analysts' indicator tables (analytics.daily_status, analytics.blockade_periods) include; written after the snapshot is published.");
	sb_addf(out, "supplywatch_analytics_report_seq %lld\n", (long long)atomic_load(&analytics_seq));
	family(out, "supplywatch_ingest_groups_total", "counter",
	       "Transactions of group commit: single reports from concurrent requests stored together.");
	sb_addf(out, "supplywatch_ingest_groups_total %llu\n", (unsigned long long)atomic_load(&groups));
	family(out, "supplywatch_ingest_group_reports_total", "counter",
	       "Single reports stored (or answered) by group commit; divided by the groups, the mean group size.");
	sb_addf(out, "supplywatch_ingest_group_reports_total %llu\n",
		(unsigned long long)atomic_load(&group_reports));
	family(out, "supplywatch_ingest_group_waiting", "gauge",
	       "Single reports received and waiting for a group commit thread (their requests are suspended meanwhile).");
	sb_addf(out, "supplywatch_ingest_group_waiting %u\n", atomic_load(&group_waiting));
	family(out, "supplywatch_ingest_group_writing", "gauge",
	       "Single reports a group commit thread is writing (taken from the queue, not yet answered).");
	sb_addf(out, "supplywatch_ingest_group_writing %d\n", atomic_load(&group_writing));
	render_webhooks(out);
	render_ledger(out);
	family(out, "supplywatch_build_info", "gauge", "Always 1; the version is in the label.");
	sb_addstr(out, "supplywatch_build_info{version=\"");
	esc_prom_label(out, SW_VERSION);
	sb_addstr(out, "\"} 1\n");
}
