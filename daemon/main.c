/*
 * supplywatchd: wires the modules together and runs the signal loop.
 * All work happens in libmicrohttpd's worker threads, the snapshot
 * thread and the webhook thread; this thread only starts, reloads on SIGHUP, drops slow clients,
 * pings the watchdog and stops on SIGTERM/SIGINT.  It is the only place
 * that connects one module to another.
 */
#include <getopt.h>
#include <malloc.h>
#include <pthread.h>
#include <signal.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <systemd/sd-daemon.h>
#include <time.h>
#include <unistd.h>

#include "core/config.h"
#include "core/forms.h"
#include "core/metrics.h"
#include "http/http.h"
#include "http/http_cache.h"
#include "http/http_conn.h"
#include "core/ledger.h"
#include "publish/refresh.h"
#include "publish/sequencer.h"
#include "publish/snapshot.h"
#include "publish/webhook_client.h"
#include "publish/webhook_deliver.h"
#include "store/db.h"
#include "store/events.h"
#include "store/ingest.h"
#include "store/ledger.h"
#include "store/load.h"
#include "store/review.h"
#include "store/webhooks.h"
#include "util/clock.h"
#include "util/log.h"
#include "util/token.h"
#include "util/version.h"

#define SHUTDOWN_GRACE_MS 8000

static void usage(FILE *f)
{
	fprintf(f, "usage: supplywatchd [-c FILE] [--check-config]\n"
		"  -c, --config FILE   configuration file (default %s)\n"
		"      --check-config  validate the configuration and exit 0 (valid) or 1\n"
		"  -V, --version       print the version\n", SW_DEFAULT_CONFIG);
}

/* The options: -1 to go on, else the exit code. */
static int parse_args(int argc, char **argv, const char **path, bool *check_only)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "check-config", no_argument, NULL, 'C' },
		{ "version", no_argument, NULL, 'V' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	int opt;

	while ((opt = getopt_long(argc, argv, "c:Vh", opts, NULL)) != -1) {
		switch (opt) {
		case 'c': *path = optarg; break;
		case 'C': *check_only = true; break;
		case 'V': printf("supplywatchd %s\n", SW_VERSION); return 0;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (optind != argc) {
		usage(stderr);
		return 2;
	}
	return -1;
}

static struct sw_config *load_or_report(const char *path)
{
	struct strbuf err = STRBUF_INIT;
	struct sw_config *cfg = config_load(path, &err);

	if (!cfg)
		fputs(err.buf, stderr);
	sb_release(&err);
	return cfg;
}

/* Settings that need a restart: warn when a reload tries to change them. */
static void warn_restart_only(const struct sw_config *a, const struct sw_config *b)
{
	if (strcmp(a->listen_address, b->listen_address) || a->listen_port != b->listen_port ||
	    a->connection_timeout != b->connection_timeout ||
	    a->connection_limit != b->connection_limit ||
	    a->connection_memory_limit != b->connection_memory_limit ||
	    strcmp(a->conninfo, b->conninfo) || a->pool_size != b->pool_size ||
	    a->statement_timeout_ms != b->statement_timeout_ms ||
	    strcmp(a->pepper_file, b->pepper_file))
		log_warn("reload: listen, database, auth and http settings other than those marked "
			 "reload in docs/configuration.md change only on restart");
}

/* Mirrors next's corridors; this thread's session has been idle since start-up and may be gone. */
static enum db_status sync_corridors(const struct sw_config *next)
{
	PGconn *c = db_conn();
	enum db_status st = DB_RETRY;

	if (c) {
		st = ingest_sync_corridors(c, next);
		if (st != DB_OK && db_conn_lost(c) && (c = db_conn()))
			st = ingest_sync_corridors(c, next);
	}
	return st;
}

/* The forms cfg names (openrosa.forms_dir), or NULL after logging why not. */
static struct formset *load_forms(const struct sw_config *cfg)
{
	struct strbuf err = STRBUF_INIT;
	struct formset *fs = forms_load(cfg, &err);

	if (!fs)
		log_err("%s", err.buf);
	sb_release(&err);
	return fs;
}

static void start_forms(const struct sw_config *cfg)
{
	struct formset *fs = load_forms(cfg);

	if (!fs)
		fatal("cannot serve the forms of openrosa.forms_dir (see above)");
	forms_publish(fs);
}

static void reload(const char *path)
{
	struct sw_config *next, *cur;
	struct formset *forms = NULL;
	char msg[64];

	snprintf(msg, sizeof(msg), "RELOADING=1\nMONOTONIC_USEC=%llu",
		 (unsigned long long)(clock_ns() / 1000));
	sd_notify(0, msg);
	next = load_or_report(path);
	if (!next || !(forms = load_forms(next))) {
		log_err("reload: %s is invalid; keeping the running configuration", path);
		config_free(next);
	} else if (sync_corridors(next) != DB_OK) {
		log_err("reload: cannot mirror corridors into the database; keeping the running configuration");
		forms_release(forms);
		config_free(next);
	} else {
		cur = config_acquire();
		warn_restart_only(cur, next);
		config_release(cur);
		log_set_level((enum log_level)log_level_parse(next->log_level));
		config_publish(next);
		forms_publish(forms);
		refresh_request();
		log_info("reload: configuration %s loaded", path);
	}
	sd_notify(0, "READY=1");
}

/*
 * WATCHDOG=1 only while the snapshot thread's loop, which turns at least
 * once a second and talks to the database, is making progress: a wedged
 * process gets restarted by systemd, a merely idle one does not.
 */
static void watchdog_ping(uint64_t interval_us)
{
	int64_t now_ms = clock_ms(), beat = refresh_heartbeat();

	if (now_ms - beat < (int64_t)(interval_us / 1000))
		sd_notify(0, "WATCHDOG=1");
	else
		log_err("watchdog: the snapshot thread has not turned for %lld ms; not pinging systemd",
			(long long)(now_ms - beat));
}

static void check_schema(const struct sw_config *cfg)
{
	PGconn *c = db_connect(cfg->conninfo, "supplywatchd");
	int v;

	if (!c)
		fatal("cannot connect to the database (database.conninfo = \"%s\")", cfg->conninfo);
	v = db_schema_current(c);
	PQfinish(c);
	if (v < 0)
		fatal("the database has no supplywatch schema: run supplywatch migrate");
	if (v < db_schema_version)
		fatal("the database schema is at version %d, this supplywatchd needs %d: "
		      "run supplywatch migrate", v, db_schema_version);
	if (v > db_schema_version)
		log_warn("the database schema (version %d) is newer than this supplywatchd (%d)",
			 v, db_schema_version);
}

static struct note_signer ledger_key;

/* A commit of this daemon's: the snapshot and the ledger's sequencer hear of it. */
static void committed(const char *corridor)
{
	refresh_changed(corridor);
	sequencer_poke();
}

/* The schema checked first (statements cannot be prepared without it), then the wiring. */
static void start_database(const struct sw_config *cfg)
{
	PGconn *c;

	check_schema(cfg);
	db_init(cfg->conninfo, cfg->statement_timeout_ms, "supplywatchd");
	db_quiet_notify();
	ingest_committed = committed;
	snapshot_published = cache_retire_surfaces;
	ingest_register();
	review_register();
	load_register();
	events_register();
	webhooks_register();
	ledger_register();
	c = db_conn();
	if (!c)
		fatal("cannot prepare the daemon's statements (see above)");
	if (ingest_sync_corridors(c, cfg) != DB_OK)
		fatal("cannot mirror the configured corridors into the database");
}

/* The first snapshot is built before serving, so no request sees none. */
static void first_snapshot(void)
{
	int64_t t0 = clock_ns();
	struct snapshot *s = refresh_build(db_conn(), config_acquire(), NULL, NULL);

	if (!s)
		fatal("cannot compute the indicators (see above)");
	metrics_snapshot_built((double)(clock_ns() - t0) / 1e9);
	snapshot_publish(s);
	if (metrics_set_db_up(true))
		snapshot_db_changed((int64_t)time(NULL));
	if (refresh_start() != 0)
		fatal("cannot start the snapshot thread");
}

/* Webhooks: decided from the snapshots, delivered on a thread of their own. */
static void start_webhooks(const struct sw_config *cfg)
{
	if (!cfg->webhooks_enabled) {
		log_info("webhooks: disabled (webhooks.enabled = false)");
		return;
	}
	if (webhook_deliver_start() != 0)
		fatal("cannot start the webhook thread");
}

/* The ledger's sequencer: every daemon watches, one with the key at a time sequences. */
static void start_ledger(const struct sw_config *cfg)
{
	char origin[256], host[200] = "localhost";

	if (*cfg->ledger_origin) {
		snprintf(origin, sizeof(origin), "%s", cfg->ledger_origin);
	} else {
		gethostname(host, sizeof(host) - 1);
		snprintf(origin, sizeof(origin), "%s/supplywatch", host);
	}
	if (!cfg->ledger_enabled)
		log_info("ledger: this daemon neither sequences nor signs (ledger.enabled = false)");
	if (sequencer_start(cfg->ledger_enabled ? &ledger_key : NULL, origin) != 0)
		fatal("cannot start the ledger's thread");
}

static struct MHD_Daemon *serve(void)
{
	struct sw_config *cfg = config_acquire();
	struct MHD_Daemon *d;
	size_t nroutes;
	const char *const *names = http_route_names(&nroutes);
	char where[80];

	metrics_init(names, (int)nroutes);
	d = http_start(cfg, where, sizeof(where));
	config_release(cfg);
	if (!d)
		exit(1);
	log_info("supplywatchd %s ready: listening on http://%s/", SW_VERSION, where);
	sd_notify(0, "READY=1");
	return d;
}

/*
 * Four times a second: drop slow clients (under pressure a second is long);
 * with a watchdog, prove progress every second (or at half an interval
 * under 2 s).  Returns the signal that ends it.
 */
#define REAP_TICK_US 250000

static int loop(const char *path, const sigset_t *set)
{
	uint64_t watchdog_us = 0, beat_us;
	int64_t last_ping_ms = 0;

	if (sd_watchdog_enabled(0, &watchdog_us) <= 0)
		watchdog_us = 0;
	beat_us = watchdog_us / 2 < 1000000 ? watchdog_us / 2 : 1000000;
	for (;;) {
		uint64_t tick_us = watchdog_us && beat_us < REAP_TICK_US ? beat_us : REAP_TICK_US;
		struct timespec tick = { (time_t)(tick_us / 1000000), (long)(tick_us % 1000000) * 1000 };
		int sig = sigtimedwait(set, NULL, &tick);
		struct sw_config *cfg;

		if (sig == SIGHUP)
			reload(path);
		else if (sig >= 0)
			return sig;
		cfg = config_acquire();
		http_reap(cfg);
		config_release(cfg);
		if (watchdog_us && (clock_ms() - last_ping_ms) * 1000 + (int64_t)tick_us / 2 >= (int64_t)beat_us) {
			watchdog_ping(watchdog_us);
			last_ping_ms = clock_ms();
		}
	}
}

static void shut_down(struct MHD_Daemon *d, int sig)
{
	log_info("shutting down (signal %d)", sig);
	sd_notify(0, "STOPPING=1");
	http_stop(d, SHUTDOWN_GRACE_MS);
	http_conn_shutdown();
	cache_free();
	http_metrics_cache_free();
	webhook_deliver_stop();
	sequencer_stop();
	refresh_stop();
	snapshot_publish(NULL);
	db_conn_close();
	config_publish(NULL);
	forms_publish(NULL);
	log_info("stopped");
}

int main(int argc, char **argv)
{
	const char *path = SW_DEFAULT_CONFIG;
	bool check_only = false;
	struct sw_config *cfg;
	struct strbuf err = STRBUF_INIT;
	sigset_t set;
	int rc = parse_args(argc, argv, &path, &check_only);

	if (rc >= 0)
		return rc;
	if (!(cfg = load_or_report(path)))
		return 1;
	if (check_only) {
		printf("%s: configuration is valid\n", path);
		config_free(cfg);
		return 0;
	}
	log_set_level((enum log_level)log_level_parse(cfg->log_level));
	/*
	 * glibc gives each thread that allocates its own 64 MB arena; with a
	 * pool of 16 workers their partly used pages alone passed 50 MB of RSS.
	 * Two arenas serve short, small allocations just as well.
	 */
	mallopt(M_ARENA_MAX, 2);
	if (sodium_init() < 0)
		fatal("libsodium failed to initialise");
	if (webhook_client_init() != 0)
		fatal("libcurl failed to initialise");
	if (token_load_pepper(cfg->pepper_file, token_pepper, &err) != 0)
		fatal("%s", err.buf);
	if (cfg->ledger_enabled && ledger_key_load(cfg->ledger_key_file, &ledger_key, &err) != 0)
		fatal("%s", err.buf);
	sb_release(&err);
	/* Signals are taken synchronously by this thread; workers inherit the mask. */
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);
	start_forms(cfg);
	start_database(cfg);
	config_publish(cfg);
	first_snapshot();
	start_webhooks(cfg);
	start_ledger(cfg);
	{
		struct MHD_Daemon *d = serve();

		shut_down(d, loop(path, &set));
	}
	return 0;
}
