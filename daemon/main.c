/*
 * supplywatchd: wires the modules together and runs the signal loop.
 * All work happens in libmicrohttpd's worker threads; this thread only
 * starts, reloads on SIGHUP and stops on SIGTERM/SIGINT.
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

#include "config.h"
#include "db.h"
#include "http.h"
#include "ingest.h"
#include "log.h"
#include "metrics.h"
#include "snapshot.h"
#include "token.h"
#include "version.h"

#define SHUTDOWN_GRACE_MS 8000

static void usage(FILE *f)
{
	fprintf(f, "usage: supplywatchd [-c FILE] [--check-config]\n"
		"  -c, --config FILE   configuration file (default %s)\n"
		"      --check-config  validate the configuration and exit 0 (valid) or 1\n"
		"  -V, --version       print the version\n", SW_DEFAULT_CONFIG);
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
	    a->per_ip_connection_limit != b->per_ip_connection_limit ||
	    a->connection_memory_limit != b->connection_memory_limit ||
	    strcmp(a->conninfo, b->conninfo) || a->pool_size != b->pool_size ||
	    a->statement_timeout_ms != b->statement_timeout_ms ||
	    strcmp(a->pepper_file, b->pepper_file))
		log_warn("reload: listen, database, auth and http settings other than max_body_bytes change only on restart");
}

static void reload(const char *path)
{
	struct sw_config *next, *cur;
	enum db_status st = DB_HARD;
	struct timespec ts;
	char msg[64];
	PGconn *c;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	snprintf(msg, sizeof(msg), "RELOADING=1\nMONOTONIC_USEC=%llu",
		 (unsigned long long)ts.tv_sec * 1000000ULL + (unsigned long long)ts.tv_nsec / 1000);
	sd_notify(0, msg);
	next = load_or_report(path);
	if (!next) {
		log_err("reload: %s is invalid; keeping the running configuration", path);
		goto out;
	}
	cur = config_acquire();
	warn_restart_only(cur, next);
	config_release(cur);
	c = db_conn();
	if (c) {
		st = ingest_sync_corridors(c, next);
		/* This thread's session has been idle since start-up: it may be gone. */
		if (st != DB_OK && db_conn_lost(c) && (c = db_conn()))
			st = ingest_sync_corridors(c, next);
	}
	if (st != DB_OK) {
		log_err("reload: cannot mirror corridors into the database; keeping the running configuration");
		config_free(next);
		goto out;
	}
	log_threshold = (enum log_level)log_level_parse(next->log_level);
	config_publish(next);
	snapshot_request_rebuild();
	log_info("reload: configuration %s loaded", path);
out:
	sd_notify(0, "READY=1");
}

/*
 * WATCHDOG=1 only while the snapshot thread's loop, which turns at least
 * once a second and talks to the database, is making progress: a wedged
 * process gets restarted by systemd, a merely idle one does not.
 */
static void watchdog_ping(uint64_t interval_us)
{
	struct timespec ts;
	int64_t now_ms, beat = snapshot_thread_heartbeat();

	clock_gettime(CLOCK_MONOTONIC, &ts);
	now_ms = (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
	if (now_ms - beat < (int64_t)(interval_us / 1000))
		sd_notify(0, "WATCHDOG=1");
	else
		log_err("watchdog: the snapshot thread has not turned for %lld ms; not pinging systemd",
			(long long)(now_ms - beat));
}

static void check_schema(PGconn *c)
{
	int v = db_schema_current(c);

	if (v < 0)
		fatal("the database has no supplywatch schema: run supplywatch migrate");
	if (v < db_schema_version)
		fatal("the database schema is at version %d, this supplywatchd needs %d: "
		      "run supplywatch migrate", v, db_schema_version);
	if (v > db_schema_version)
		log_warn("the database schema (version %d) is newer than this supplywatchd (%d)",
			 v, db_schema_version);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "check-config", no_argument, NULL, 'C' },
		{ "version", no_argument, NULL, 'V' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	const char *path = SW_DEFAULT_CONFIG;
	bool check_only = false;
	struct sw_config *cfg;
	struct strbuf err = STRBUF_INIT;
	struct MHD_Daemon *d;
	char where[80];
	uint64_t watchdog_us = 0;
	sigset_t set;
	PGconn *c;
	int opt, sig;

	while ((opt = getopt_long(argc, argv, "c:Vh", opts, NULL)) != -1) {
		switch (opt) {
		case 'c': path = optarg; break;
		case 'C': check_only = true; break;
		case 'V': printf("supplywatchd %s\n", SW_VERSION); return 0;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (optind != argc) {
		usage(stderr);
		return 2;
	}
	cfg = load_or_report(path);
	if (!cfg)
		return 1;
	if (check_only) {
		printf("%s: configuration is valid\n", path);
		config_free(cfg);
		return 0;
	}
	log_threshold = (enum log_level)log_level_parse(cfg->log_level);
	/*
	 * glibc gives each thread that allocates its own 64 MB arena; with a
	 * pool of 16 workers their partly used pages alone passed 50 MB of RSS.
	 * Two arenas serve short, small allocations just as well.
	 */
	mallopt(M_ARENA_MAX, 2);
	if (sodium_init() < 0)
		fatal("libsodium failed to initialise");
	if (token_load_pepper(cfg->pepper_file, token_pepper, &err) != 0)
		fatal("%s", err.buf);

	/* Signals are taken synchronously by this thread; workers inherit the mask. */
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);

	/* The schema check comes first: statements cannot be prepared without it. */
	c = db_connect(cfg->conninfo, "supplywatchd");
	if (!c)
		fatal("cannot connect to the database (database.conninfo = \"%s\")", cfg->conninfo);
	check_schema(c);
	PQfinish(c);
	db_init(cfg->conninfo, cfg->statement_timeout_ms, "supplywatchd");
	db_quiet_notify();
	ingest_committed = snapshot_changed;
	ingest_register();
	snapshot_register();
	c = db_conn();
	if (!c)
		fatal("cannot prepare the daemon's statements (see above)");
	if (ingest_sync_corridors(c, cfg) != DB_OK)
		fatal("cannot mirror the configured corridors into the database");
	config_publish(cfg);
	/* The first snapshot is built before serving, so no request sees none. */
	{
		struct sw_config *cur = config_acquire();
		struct timespec t0, t1;
		struct snapshot *first;

		clock_gettime(CLOCK_MONOTONIC, &t0);
		first = snapshot_build(c, cur, NULL, NULL);
		if (!first)
			fatal("cannot compute the indicators (see above)");
		clock_gettime(CLOCK_MONOTONIC, &t1);
		metrics_snapshot_built((double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9);
		snapshot_publish(first);
		metrics_set_db_up(true);
	}
	if (snapshot_thread_start() != 0)
		fatal("cannot start the snapshot thread");

	cfg = config_acquire();
	d = http_start(cfg, where, sizeof(where));
	if (!d)
		return 1;
	log_info("supplywatchd %s ready: listening on http://%s/", SW_VERSION, where);
	config_release(cfg);
	sd_notify(0, "READY=1");
	if (sd_watchdog_enabled(0, &watchdog_us) <= 0)
		watchdog_us = 0;

	/*
	 * Once a second: drop slow clients and, with a watchdog, prove
	 * progress (an interval under 2 s is pinged more often).
	 */
	for (;;) {
		uint64_t tick_us = watchdog_us && watchdog_us / 2 < 1000000 ? watchdog_us / 2 : 1000000;
		struct timespec tick = { (time_t)(tick_us / 1000000), (long)(tick_us % 1000000) * 1000 };

		sig = sigtimedwait(&set, NULL, &tick);
		if (sig == SIGHUP)
			reload(path);
		else if (sig >= 0)
			break;
		cfg = config_acquire();
		http_reap(cfg);
		config_release(cfg);
		if (watchdog_us)
			watchdog_ping(watchdog_us);
	}
	log_info("shutting down (signal %d)", sig);
	sd_notify(0, "STOPPING=1");
	http_stop(d, SHUTDOWN_GRACE_MS);
	http_metrics_cache_free();
	snapshot_thread_stop();
	snapshot_publish(NULL);
	db_conn_close();
	config_publish(NULL);
	sb_release(&err);
	log_info("stopped");
	return 0;
}
