#include "publish/webhook_deliver.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/config.h"
#include "core/metrics.h"
#include "core/webhook.h"
#include "publish/snapshot.h"
#include "publish/webhook_client.h"
#include "store/db.h"
#include "store/webhooks.h"
#include "util/clock.h"
#include "util/log.h"

#define MAX_FLIGHT 32		/* transfers at once: one per subscription at most */
#define LOCK_RETRY_MS 2000	/* how often a waiting daemon tries to take over */
#define DECIDE_EVERY_MS 60000	/* silence grows without any new snapshot */
#define CLAIM_EVERY_MS 1000	/* retries come due by the clock */
#define OLDEST_EVERY_MS 1000
/*
 * Who reported on each corridor in the last 30 days, for source.silent, is
 * read at most this often: it reads the month's reports, and silence is
 * counted in hours, while snapshots come up to once a second under ingest.
 */
#define ACTIVITY_EVERY_MS 60000
#define PRUNE_EVERY_MS 3600000	/* webhooks.keep_days is counted in days */

struct flight {
	struct webhook_pending p;
	struct webhook_request rq;
};

struct loop {
	unsigned session;	/* db_conn_generation() the lock was taken on */
	bool held;
	bool claim_now;		/* something was queued or finished: look at once */
	uint64_t seq;		/* the snapshot last decided from */
	int64_t last_lock_try, last_decide, last_claim, last_oldest, last_prune;
	struct webhook_activity act;	/* read at last_activity */
	bool has_act;
	int64_t last_activity;		/* clock_ms() of the read */
	int64_t act_at;			/* the same instant, in seconds since the epoch */
	struct flight *fl[MAX_FLIGHT];
	size_t nfl;
};

static pthread_t thread;
static atomic_bool stopping;
static CURLM *multi;

static void land(struct loop *l, size_t i)
{
	struct flight *f = l->fl[i];

	curl_multi_remove_handle(multi, f->rq.easy);
	webhook_request_cleanup(&f->rq);
	webhooks_pending_free(&f->p);
	free(f);
	l->fl[i] = l->fl[--l->nfl];
}

/* Transfers in flight are dropped: their messages stay pending and go again. */
static void abandon_all(struct loop *l)
{
	while (l->nfl)
		land(l, l->nfl - 1);
}

/* The lock belongs to a session: a new session must take it again first. */
static void keep_lock(struct loop *l, PGconn *c)
{
	int64_t now = clock_ms();

	if (l->held && db_conn_generation() != l->session) {
		log_warn("webhooks: the database session was lost; taking the deliverer's lock again");
		l->held = false;
		abandon_all(l);
	}
	if (l->held || now - l->last_lock_try < LOCK_RETRY_MS)
		return;
	l->last_lock_try = now;
	l->session = db_conn_generation();
	if (webhooks_try_lock(c, &l->held) == DB_OK && l->held) {
		log_info("webhooks: this daemon decides and delivers webhook events");
		l->seq = 0;
		l->last_prune = 0;	/* a new deliverer prunes at once */
		l->claim_now = true;
	}
}

/* facts[i]'s organisations: act's rows of its corridor (act is ordered by corridor). */
static void orgs_of(const struct webhook_activity *act, struct wh_facts *f)
{
	size_t i = 0;

	while (i < act->n && strcmp(act->corridor[i], f->corridor->id) != 0)
		i++;
	f->orgs = act->orgs + i;
	while (i < act->n && strcmp(act->corridor[i], f->corridor->id) == 0) {
		f->norgs++;
		i++;
	}
}

/* The organisations' activity, read again when it is older than ACTIVITY_EVERY_MS. */
static bool activity(struct loop *l, PGconn *c)
{
	struct webhook_activity act;

	if (l->has_act && clock_ms() - l->last_activity < ACTIVITY_EVERY_MS)
		return true;
	if (webhooks_activity(c, &act) != DB_OK)
		return false;
	if (l->has_act)
		webhooks_activity_free(&l->act);
	l->act = act;
	l->has_act = true;
	l->last_activity = clock_ms();
	l->act_at = (int64_t)time(NULL);
	return true;
}

static void decide(struct loop *l, PGconn *c)
{
	struct snapshot *s = snapshot_acquire();
	struct wh_facts *f;
	int64_t now = (int64_t)time(NULL);
	size_t queued = 0;

	if (!s || (s->seq == l->seq && clock_ms() - l->last_decide < DECIDE_EVERY_MS)) {
		snapshot_release(s);
		return;
	}
	if (!activity(l, c)) {
		snapshot_release(s);
		return;
	}
	f = xcalloc(s->n ? s->n : 1, sizeof(*f));
	for (size_t i = 0; i < s->n; i++) {
		webhook_facts(&s->evals[i], &f[i]);
		/* Silence as of the read: a report since then must not look overdue. */
		f[i].now = l->act_at;
		f[i].silent_after_s = s->cfg->silent_after_hours * 3600;
		orgs_of(&l->act, &f[i]);
	}
	/* The snapshot's configuration: its languages and the corridors' names agree. */
	if (webhooks_decide(c, f, s->n, s->cfg->langs, s->cfg->nlangs, now, &queued) == DB_OK) {
		l->seq = s->seq;
		l->last_decide = clock_ms();
		if (queued) {
			log_info("webhooks: %zu messages queued", queued);
			l->claim_now = true;
		}
	} else {
		log_warn("webhooks: could not decide events; will retry");
	}
	free(f);
	snapshot_release(s);
}

static void record(PGconn *c, const struct flight *f, enum webhook_result r, long status, const char *error,
		   int64_t retry_initial_s)
{
	enum db_status st;

	metrics_webhook_attempt((int)r);
	if (r == WH_DELIVERED) {
		st = webhooks_delivered(c, f->p.row, status);
		log_info("webhooks: %s delivered to subscription %lld (HTTP %ld)", f->p.msg_id,
			 (long long)f->p.webhook, status);
	} else {
		st = webhooks_failed(c, f->p.row, status, error, retry_initial_s);
		log_warn("webhooks: %s to subscription %lld failed (attempt %d): %s", f->p.msg_id,
			 (long long)f->p.webhook, f->p.attempts + 1, error);
	}
	/* Not recorded: it stays pending and goes again, which receivers deduplicate. */
	if (st != DB_OK)
		log_warn("webhooks: could not record the attempt of %s; it will be sent again", f->p.msg_id);
}

static void launch(struct loop *l, PGconn *c, struct webhook_pending *p, const struct sw_config *cfg)
{
	struct flight *f = xcalloc(1, sizeof(*f));

	f->p = *p;
	if (webhook_request_init(&f->rq, &p->target, p->msg_id, p->body, (int64_t)time(NULL),
				 (long)cfg->webhooks_timeout_s, cfg->webhooks_allow_private) != 0) {
		record(c, f, WH_FAILED, 0, "malformed secret or URL", cfg->webhooks_retry_initial_s);
		webhook_request_cleanup(&f->rq);
		webhooks_pending_free(&f->p);
		free(f);
		return;
	}
	f->rq.owner = f;
	curl_multi_add_handle(multi, f->rq.easy);
	l->fl[l->nfl++] = f;
}

static void claim(struct loop *l, PGconn *c)
{
	struct webhook_pending p[MAX_FLIGHT];
	int64_t busy[MAX_FLIGHT];
	size_t n = 0;
	struct sw_config *cfg;

	if (l->nfl == MAX_FLIGHT || (!l->claim_now && clock_ms() - l->last_claim < CLAIM_EVERY_MS))
		return;
	for (size_t i = 0; i < l->nfl; i++)
		busy[i] = l->fl[i]->p.webhook;
	l->last_claim = clock_ms();
	l->claim_now = false;
	if (webhooks_claim(c, busy, l->nfl, p, MAX_FLIGHT - l->nfl, &n) != DB_OK)
		return;
	cfg = config_acquire();
	for (size_t i = 0; i < n; i++)
		launch(l, c, &p[i], cfg);
	config_release(cfg);
}

static void finish(struct loop *l, PGconn *c)
{
	struct sw_config *cfg = config_acquire();
	CURLMsg *m;
	int left;

	while ((m = curl_multi_info_read(multi, &left))) {
		struct webhook_request *rq = NULL;
		const char *error;
		long status;

		if (m->msg != CURLMSG_DONE)
			continue;
		curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE, (char **)&rq);
		enum webhook_result r = webhook_request_result(rq, m->data.result, &status, &error);

		for (size_t i = 0; i < l->nfl; i++)
			if (l->fl[i] == rq->owner) {
				record(c, l->fl[i], r, status, error, cfg->webhooks_retry_initial_s);
				land(l, i);
				break;
			}
		l->claim_now = true;
	}
	config_release(cfg);
}

static void oldest(struct loop *l, PGconn *c)
{
	int64_t at;

	if (clock_ms() - l->last_oldest < OLDEST_EVERY_MS)
		return;
	l->last_oldest = clock_ms();
	if (webhooks_oldest_pending(c, &at) == DB_OK)
		metrics_webhook_oldest(at);
}

/* What webhooks.keep_days no longer keeps, once an hour (and on taking the lock). */
static void prune(struct loop *l, PGconn *c)
{
	struct sw_config *cfg;
	int64_t deleted;

	if (l->last_prune && clock_ms() - l->last_prune < PRUNE_EVERY_MS)
		return;
	l->last_prune = clock_ms();
	cfg = config_acquire();
	if (webhooks_prune(c, cfg->webhooks_keep_days, &deleted) != DB_OK)
		log_warn("webhooks: could not delete old outbox rows; will retry in an hour");
	else if (deleted > 0)
		log_info("webhooks: %lld outbox rows older than %lld days deleted", (long long)deleted,
			 (long long)cfg->webhooks_keep_days);
	config_release(cfg);
}

static void turn(struct loop *l)
{
	PGconn *c = db_conn();
	int running;

	if (!c) {
		l->held = false;
		abandon_all(l);
		return;
	}
	keep_lock(l, c);
	oldest(l, c);
	if (!l->held)
		return;
	prune(l, c);
	decide(l, c);
	claim(l, c);
	curl_multi_perform(multi, &running);
	finish(l, c);
}

static void *run(void *arg)
{
	struct loop l;

	(void)arg;
	memset(&l, 0, sizeof(l));
	l.last_lock_try = clock_ms() - LOCK_RETRY_MS;
	while (!atomic_load(&stopping)) {
		turn(&l);
		curl_multi_poll(multi, NULL, 0, l.held ? 250 : 1000, NULL);
	}
	abandon_all(&l);
	if (l.has_act)
		webhooks_activity_free(&l.act);
	db_conn_close();
	return NULL;
}

int webhook_deliver_start(void)
{
	multi = curl_multi_init();
	if (!multi)
		return -1;
	if (pthread_create(&thread, NULL, run, NULL) != 0) {
		curl_multi_cleanup(multi);
		multi = NULL;
		return -1;
	}
	return 0;
}

void webhook_deliver_stop(void)
{
	if (!multi)
		return;
	atomic_store(&stopping, true);
	curl_multi_wakeup(multi);
	pthread_join(thread, NULL);
	curl_multi_cleanup(multi);
	multi = NULL;
}
