#include "publish/refresh.h"

#include <fcntl.h>
#include <malloc.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core/authcache.h"
#include "core/metrics.h"
#include "store/db.h"
#include "store/events.h"
#include "store/load.h"
#include "util/clock.h"
#include "util/log.h"

#define DEBOUNCE_MS 1000

/* ---- building a snapshot ------------------------------------------------------ */

/* prev's data of corridor k, when it can serve unchanged; else NULL. */
static struct corridor_data *reusable(const struct snapshot *prev, const struct sw_config *cfg,
				      const struct changed *ch, const struct sw_corridor *k,
				      int64_t now)
{
	if (!prev || prev->cfg != cfg || !ch || changed_has(ch, k->id))
		return NULL;
	for (size_t j = 0; j < prev->n; j++) {
		struct corridor_data *d = prev->data[j];

		/* Same configuration, so the same corridor object; same local day. */
		if (d->c == k && now < d->next_midnight)
			return d;
	}
	return NULL;
}

/* The previous evaluation of the same corridor, to send only the days that changed. */
static const struct corridor_eval *previous(const struct snapshot *prev, const char *id)
{
	int i = prev ? snapshot_corridor(prev, id) : -1;

	return i >= 0 && prev->evals[i].written ? &prev->evals[i] : NULL;
}

static void evaluate(struct snapshot *s, int64_t now)
{
	for (size_t i = 0; i < s->n; i++) {
		struct corridor_data *d = s->data[i];

		/* Before anyone else sees it: a reused corridor's data was done by its first build. */
		eval_today(d);
		eval_corridor(d, d->today, &d->fresh, now, s->cfg->stale_after_hours * 3600, &s->evals[i]);
	}
}

/*
 * Writes s's indicators back for analysts, after s is published: the
 * surfaces do not wait for it.  Only this thread reads or sets the evals'
 * written flags.  A corridor whose data s shares with prev, evaluated as
 * of the same day, is already written when prev's was.  A failed
 * write-back must not hold the status surfaces hostage: the next build
 * sends that corridor's whole series.
 */
static void write_back(PGconn *c, struct snapshot *s, const struct snapshot *prev)
{
	bool all = true;

	for (size_t i = 0; i < s->n; i++) {
		struct corridor_eval *e = &s->evals[i];
		const struct corridor_eval *old = previous(prev, s->data[i]->c->id);

		if (old && old->data == e->data && old->D == e->D) {
			e->written = true;
			continue;
		}
		e->written = load_write_back(c, e, old) == DB_OK;
		if (!e->written) {
			all = false;
			log_err("snapshot: cannot write the indicators of %s for analysts; will retry",
				s->data[i]->c->id);
		}
	}
	if (all)
		metrics_analytics_written(s->report_seq);
}

struct snapshot *refresh_build(PGconn *c, struct sw_config *cfg, const struct snapshot *prev,
			       const struct changed *changed)
{
	size_t n = cfg->ncorridors;
	int64_t now = (int64_t)time(NULL), t0 = clock_ms(), t1;
	struct load in = { 0 };
	struct snapshot *s;

	in.data = xcalloc(n ? n : 1, sizeof(*in.data));
	for (size_t i = 0; i < n; i++) {
		struct corridor_data *d = reusable(prev, cfg, changed, &cfg->corridors[i], now);

		in.data[i] = d ? corridor_data_ref(d) : NULL;
	}
	in.n = n;
	if (load_inputs(c, cfg, now, &in) != 0) {
		load_free(&in);
		config_release(cfg);
		return NULL;
	}
	s = snapshot_new(cfg, now, in.data, n);
	s->report_seq = in.report_seq;
	s->org_last = in.org_last;
	s->heads = in.heads;
	s->nheads = in.nheads;
	s->norgs = in.norgs;
	t1 = clock_ms();
	s->load_ms = t1 - t0;
	evaluate(s, now);
	s->eval_ms = clock_ms() - t1;
	snapshot_render(s, prev);
	return s;
}

/* ---- the thread ----------------------------------------------------------------- */

static pthread_t thread;
static int wake[2] = { -1, -1 };
static atomic_bool stopping, rebuild_asked;
static atomic_llong heartbeat_ms;

static pthread_mutex_t changed_lock = PTHREAD_MUTEX_INITIALIZER;
static struct changed to_build;		/* corridors to load again */
static struct changed to_announce;	/* committed here, not yet announced */

static void poke(void)
{
	ssize_t r = write(wake[1], "x", 1);

	(void)r;	/* a full pipe already means "wake up" */
}

int64_t refresh_heartbeat(void)
{
	return atomic_load(&heartbeat_ms);
}

void refresh_changed(const char *corridor)
{
	pthread_mutex_lock(&changed_lock);
	changed_add(&to_build, corridor);
	changed_add(&to_announce, corridor);
	pthread_mutex_unlock(&changed_lock);
	poke();
}

void refresh_heads(void)
{
	pthread_mutex_lock(&changed_lock);
	to_build.heads = true;
	pthread_mutex_unlock(&changed_lock);
	poke();
}

void refresh_request(void)
{
	atomic_store(&rebuild_asked, true);
	poke();
}

/* Takes the set guarded by changed_lock (leaving it empty), or puts one back. */
static void take(struct changed *set, struct changed *out)
{
	pthread_mutex_lock(&changed_lock);
	*out = *set;
	memset(set, 0, sizeof(*set));
	pthread_mutex_unlock(&changed_lock);
}

static void put_back(struct changed *set, const struct changed *in)
{
	pthread_mutex_lock(&changed_lock);
	changed_merge(set, in);
	pthread_mutex_unlock(&changed_lock);
}

static bool pending(const struct changed *set)
{
	bool any;

	pthread_mutex_lock(&changed_lock);
	any = changed_any(set);
	pthread_mutex_unlock(&changed_lock);
	return any;
}

/*
 * The earliest instant at which the snapshot goes out of date by the clock
 * alone: a corridor's local day ends, its latest report turns stale, or a
 * movement's embargo ends (its places may then be listed).
 */
static int64_t next_rollover(const struct snapshot *s)
{
	int64_t t = INT64_MAX;

	for (size_t i = 0; s && i < s->n; i++) {
		const struct corridor_eval *e = &s->evals[i];
		int64_t stale_at = e->fresh.last_report_at + s->cfg->stale_after_hours * 3600 + 1;

		if (s->data[i]->next_midnight < t)
			t = s->data[i]->next_midnight;
		int64_t release = movement_next_release(s->data[i]->mov, s->data[i]->nmov, s->generated_at);

		if (!e->stale && stale_at < t)
			t = stale_at;
		if (release && release < t)
			t = release;
	}
	return t;
}

/* What the listening session heard; false when it is gone. */
static bool drain(PGconn *c)
{
	struct changed heard = { 0 };
	bool tokens = false, ok = events_drain(c, &heard, &tokens);

	/* Organisations changed too, perhaps their methods: every page shows those. */
	if (tokens) {
		authcache_clear();
		heard.all = true;
	}
	put_back(&to_build, &heard);
	return ok;
}

/* Tells the other daemons what this one committed; kept for the next turn on failure. */
static void announce(PGconn *c)
{
	struct changed local;

	take(&to_announce, &local);
	if (!changed_any(&local))
		return;
	if (events_announce(c, &local) != DB_OK) {
		put_back(&to_announce, &local);
		log_warn("snapshot: could not announce changes to other daemons; will retry");
	}
}

/* Builds and publishes a snapshot, then writes it back; *build_ms: the build alone. */
static bool rebuild(PGconn *c, bool everything, int64_t *build_ms)
{
	struct snapshot *prev = snapshot_acquire(), *next;
	struct changed all;
	int64_t t0 = clock_ms(), built;

	take(&to_build, &all);
	all.all = all.all || everything;
	next = refresh_build(c, config_acquire(), prev, &all);
	*build_ms = clock_ms() - t0;
	if (!next) {
		snapshot_release(prev);
		/* Not lost: the next attempt reloads them. */
		put_back(&to_build, &all);
		log_warn("snapshot: rebuild failed; still serving the previous one");
		return false;
	}
	snapshot_publish(snapshot_ref(next));
	built = clock_ms() - t0;
	metrics_snapshot_built((double)built / 1e3);
	log_debug("snapshot: rebuilt in %lld ms (loading %lld ms, evaluating %lld ms, rendering %lld ms, %zu languages)",
		  (long long)built, (long long)next->load_ms, (long long)next->eval_ms,
		  (long long)next->render_ms, next->nlangs);
	t0 = clock_ms();
	write_back(c, next, prev);
	snapshot_release(prev);
	snapshot_release(next);
	/* The previous snapshot's pages go back to the system, not to the arena. */
	malloc_trim(0);
	log_debug("snapshot: indicators written for analysts in %lld ms", (long long)(clock_ms() - t0));
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

/* The loop's state between turns. */
struct loop {
	PGconn *listening;	/* the session that LISTENs, or NULL */
	unsigned session;	/* its db_conn_generation() */
	bool everything;	/* reload every corridor: changes may have gone unheard */
	int64_t last_build;
	int64_t gap;		/* between rebuilds caused by changes */
};

/*
 * This thread's session, listening.  A new session (a pointer may repeat)
 * LISTENs again and reloads everything: changes made while nobody
 * listened went unheard, and so may revocations, so the token cache is
 * emptied too.  So it is when the session is lost.
 */
static void keep_listening(struct loop *l)
{
	PGconn *c = db_conn();

	if (metrics_set_db_up(c != NULL))
		snapshot_db_changed((int64_t)time(NULL));
	if (!c) {
		if (l->listening)
			authcache_clear();
		l->listening = NULL;
		return;
	}
	if (l->listening && db_conn_generation() == l->session)
		return;
	l->listening = NULL;
	if (events_listen(c) == DB_OK) {
		l->listening = c;
		l->session = db_conn_generation();
	}
	authcache_clear();
	l->everything = true;
}

static bool due(struct loop *l)
{
	struct snapshot *cur = snapshot_acquire();
	int64_t rollover = next_rollover(cur);

	snapshot_release(cur);
	return atomic_exchange(&rebuild_asked, false) || (int64_t)time(NULL) >= rollover ||
	       ((l->everything || pending(&to_build)) && clock_ms() - l->last_build >= l->gap);
}

/*
 * Under a steady stream of reports a rebuild follows every gap: keep
 * rebuilding to at most a fifth of the time, so the ingest it reports on
 * keeps the machine.  The write-back does not count: it is large only
 * after a change of many days (a bulk load, a restart's first reload),
 * when four times its seconds would keep the next report off the surfaces
 * for half a minute; under a stream of reports it writes a few days.
 */
static void build_now(struct loop *l)
{
	int64_t build_ms = 0;

	if (rebuild(l->listening, l->everything, &build_ms))
		l->everything = false;
	l->last_build = clock_ms();
	l->gap = 4 * build_ms;
	if (l->gap < DEBOUNCE_MS)
		l->gap = DEBOUNCE_MS;
	else if (l->gap > 30 * DEBOUNCE_MS)
		l->gap = 30 * DEBOUNCE_MS;
}

static void *run(void *arg)
{
	struct loop l = { NULL, 0, false, clock_ms(), DEBOUNCE_MS };

	(void)arg;
	while (!atomic_load(&stopping)) {
		bool busy;

		atomic_store(&heartbeat_ms, clock_ms());
		keep_listening(&l);
		busy = l.everything || pending(&to_build) || pending(&to_announce);
		wait_for(l.listening, busy ? DEBOUNCE_MS / 4 : DEBOUNCE_MS);
		if (atomic_load(&stopping) || !l.listening)
			continue;
		if (!drain(l.listening)) {
			authcache_clear();	/* revocations would go unheard */
			continue;
		}
		announce(l.listening);
		if (due(&l)) {
			drain(l.listening);
			build_now(&l);
		}
	}
	db_conn_close();
	return NULL;
}

int refresh_start(void)
{
	atomic_store(&heartbeat_ms, clock_ms());
	if (pipe2(wake, O_NONBLOCK | O_CLOEXEC) != 0)
		return -1;
	return pthread_create(&thread, NULL, run, NULL) == 0 ? 0 : -1;
}

void refresh_stop(void)
{
	atomic_store(&stopping, true);
	poke();
	pthread_join(thread, NULL);
	close(wake[0]);
	close(wake[1]);
}
