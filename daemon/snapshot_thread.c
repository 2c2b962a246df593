/*
 * The snapshot thread: rebuilds the snapshot at most once a second after a
 * change of reports, when a corridor's local day rolls over, and when asked
 * (reload).  Only the corridors that changed are reloaded.
 *
 * Changes arrive two ways.  This daemon's own commits are reported in
 * process (snapshot_changed, after COMMIT): its sessions set
 * supplywatch.notify = off, so their commits take no NOTIFY, whose
 * commit-time lock would serialise every commit and defeat group commit.
 * Other writers (the CLI, other daemons, a restore) are heard by LISTEN
 * supplywatch_changed, with the corridor as payload; this thread announces
 * its own daemon's changes the same way, once per rebuild, for the others.
 */
#include <errno.h>
#include <fcntl.h>
#include <malloc.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "authcache.h"
#include "db.h"
#include "log.h"
#include "metrics.h"
#include "snapshot.h"
#include "strbuf.h"

#define DEBOUNCE_MS 1000

static pthread_t thread;
static int wake[2] = { -1, -1 };
static atomic_bool stopping, rebuild_asked;
static atomic_llong heartbeat_ms;

static pthread_mutex_t changed_lock = PTHREAD_MUTEX_INITIALIZER;
static struct changed local_changes;	/* committed here, not yet announced */
static struct changed heard_changes;	/* announced by other sessions */

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void poke(void)
{
	ssize_t r = write(wake[1], "x", 1);

	(void)r;	/* a full pipe already means "wake up" */
}

int64_t snapshot_thread_heartbeat(void)
{
	return atomic_load(&heartbeat_ms);
}

void snapshot_changed(const char *corridor)
{
	pthread_mutex_lock(&changed_lock);
	changed_add(&local_changes, corridor);
	pthread_mutex_unlock(&changed_lock);
	poke();
}

void snapshot_request_rebuild(void)
{
	atomic_store(&rebuild_asked, true);
	poke();
}

/*
 * The earliest instant at which the snapshot goes out of date by the clock
 * alone: a corridor's local day ends, or its latest report turns stale.
 */
static int64_t next_rollover(const struct snapshot *s)
{
	int64_t t = INT64_MAX;

	for (size_t i = 0; s && i < s->n; i++) {
		const struct corridor_eval *e = &s->evals[i];
		int64_t stale_at = e->fresh.last_report_at + s->cfg->stale_after_hours * 3600 + 1;

		if (s->data[i]->next_midnight < t)
			t = s->data[i]->next_midnight;
		if (!e->stale && stale_at < t)
			t = stale_at;
	}
	return t;
}

/* Collects heard report changes; a token change empties the token cache at once. */
static void drain_notifications(PGconn *c)
{
	int self = PQbackendPID(c);
	PGnotify *n;

	if (!PQconsumeInput(c))
		return;
	while ((n = PQnotifies(c))) {
		if (strcmp(n->relname, "supplywatch_tokens") == 0) {
			authcache_clear();
		} else if (n->be_pid != self) {	/* our own announcement: already known */
			pthread_mutex_lock(&changed_lock);
			changed_add(&heard_changes, n->extra);
			pthread_mutex_unlock(&changed_lock);
		}
		PQfreemem(n);
	}
}

static bool any_changes(void)
{
	bool any;

	pthread_mutex_lock(&changed_lock);
	any = local_changes.all || local_changes.n || heard_changes.all || heard_changes.n;
	pthread_mutex_unlock(&changed_lock);
	return any;
}

/* Tells the other daemons which corridors this one changed (best effort). */
static void announce(PGconn *c, const struct changed *local)
{
	struct strbuf q = STRBUF_INIT;

	if (!local->all && !local->n)
		return;
	sb_addstr(&q, "SELECT pg_notify('supplywatch_changed', c) FROM unnest(ARRAY[''");
	/* Corridor ids are slugs (a-z, 0-9, '-', '_'): safe inside quotes. */
	for (size_t i = 0; i < local->n && !local->all; i++)
		sb_addf(&q, ",'%s'", local->id[i]);
	sb_addstr(&q, local->all ? "]) c" : "]) c WHERE c <> ''");
	if (db_simple(c, q.buf) != DB_OK)
		log_warn("snapshot: could not announce changes to other daemons");
	sb_release(&q);
}

static bool rebuild(PGconn *c, bool everything)
{
	struct snapshot *prev = snapshot_acquire(), *next;
	struct sw_config *cfg = config_acquire();
	struct changed local, all;
	int64_t t0 = now_ms();

	pthread_mutex_lock(&changed_lock);
	local = local_changes;
	all = heard_changes;
	memset(&local_changes, 0, sizeof(local_changes));
	memset(&heard_changes, 0, sizeof(heard_changes));
	pthread_mutex_unlock(&changed_lock);
	changed_merge(&all, &local);
	all.all = all.all || everything;
	announce(c, &local);
	next = snapshot_build(c, cfg, prev, &all);
	snapshot_release(prev);
	if (!next) {
		/* Not lost: the next attempt reloads them. */
		pthread_mutex_lock(&changed_lock);
		changed_merge(&heard_changes, &all);
		pthread_mutex_unlock(&changed_lock);
		log_warn("snapshot: rebuild failed; still serving the previous one");
		return false;
	}
	snapshot_publish(next);
	/* The previous snapshot's pages go back to the system, not to the arena. */
	malloc_trim(0);
	metrics_snapshot_built((double)(now_ms() - t0) / 1e3);
	log_debug("snapshot: rebuilt in %lld ms", (long long)(now_ms() - t0));
	return true;
}

static void wait_for(PGconn *c, int timeout_ms)
{
	struct pollfd fds[2] = { { wake[0], POLLIN, 0 }, { c ? PQsocket(c) : -1, POLLIN, 0 } };
	char buf[64];

	if (poll(fds, c ? 2 : 1, timeout_ms) > 0 && (fds[0].revents & POLLIN))
		while (read(wake[0], buf, sizeof(buf)) > 0)
			;
}

static void *run(void *arg)
{
	PGconn *listening = NULL;
	unsigned session = 0;
	bool everything = false;	/* reload every corridor: changes may have gone unheard */
	int64_t last_build = now_ms();
	int64_t gap = DEBOUNCE_MS;	/* between rebuilds caused by changes */

	(void)arg;
	while (!atomic_load(&stopping)) {
		PGconn *c;
		struct snapshot *cur;
		int64_t rollover;

		atomic_store(&heartbeat_ms, now_ms());
		c = db_conn();

		metrics_set_db_up(c != NULL);
		if (c && db_conn_generation() != session) {
			/* A new session (a pointer may repeat): LISTEN again and catch up. */
			listening = NULL;
			if (db_simple(c, "LISTEN supplywatch_changed; LISTEN supplywatch_tokens") == DB_OK) {
				listening = c;
				session = db_conn_generation();
			}
			/* Changes made while nobody listened went unheard. */
			authcache_clear();
			everything = true;
		} else if (!c) {
			if (listening)
				authcache_clear();	/* revocations would go unheard */
			listening = NULL;
		}
		wait_for(listening, everything || any_changes() ? DEBOUNCE_MS / 4 : DEBOUNCE_MS);
		if (atomic_load(&stopping))
			break;
		if (listening)
			drain_notifications(listening);
		cur = snapshot_acquire();
		rollover = next_rollover(cur);
		snapshot_release(cur);
		if (!listening)
			continue;
		if (atomic_exchange(&rebuild_asked, false) || (int64_t)time(NULL) >= rollover ||
		    ((everything || any_changes()) && now_ms() - last_build >= gap)) {
			int64_t t0 = now_ms();

			drain_notifications(listening);
			if (rebuild(listening, everything))
				everything = false;
			last_build = now_ms();
			/*
			 * Under a steady stream of reports a rebuild follows every
			 * gap: keep rebuilding to at most a fifth of the time, so
			 * the ingest it reports on keeps the machine.
			 */
			gap = 4 * (last_build - t0);
			if (gap < DEBOUNCE_MS)
				gap = DEBOUNCE_MS;
			else if (gap > 30 * DEBOUNCE_MS)
				gap = 30 * DEBOUNCE_MS;
		}
	}
	db_conn_close();
	return NULL;
}

int snapshot_thread_start(void)
{
	atomic_store(&heartbeat_ms, now_ms());
	if (pipe2(wake, O_NONBLOCK | O_CLOEXEC) != 0)
		return -1;
	return pthread_create(&thread, NULL, run, NULL) == 0 ? 0 : -1;
}

void snapshot_thread_stop(void)
{
	atomic_store(&stopping, true);
	poke();
	pthread_join(thread, NULL);
	close(wake[0]);
	close(wake[1]);
}
