#include "publish/sequencer.h"

#include <inttypes.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/config.h"
#include "core/merkle.h"
#include "core/metrics.h"
#include "publish/refresh.h"
#include "store/db.h"
#include "store/ledger.h"
#include "util/clock.h"
#include "util/log.h"
#include "util/strbuf.h"

#define BATCH 2000		/* entries per transaction */
#define SEQUENCE_EVERY_MS 250	/* after a commit: batches what came meanwhile */
#define IDLE_MS 1000		/* other writers' commits are found this late at most */
#define LOCK_RETRY_MS 2000	/* how often a waiting daemon tries to take over */
#define STATS_EVERY_MS 1000
#define BROKEN_RETRY_MS 60000	/* a tree that did not match its head is checked again */
#define SIGN_RETRY_MS 5000	/* after a head could not be signed or stored */

struct seq {
	bool held, loaded, broken;
	size_t gone;			/* queued rows whose report is gone, as last logged */
	unsigned session;		/* db_conn_generation() the lock was taken on */
	struct merkle_frontier tree;	/* the stored tree's right edge, when loaded */
	struct ledger_head head;	/* the latest signed head (size 0: none) */
	int64_t last_lock_try, last_batch, last_stats, broken_at;
	int64_t sign_retry_at;		/* clock_ms() before which a failed signing is not tried again */
	char origin[256];
};

static pthread_t thread;
static bool running;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t wake;
static bool poked, stopping;
static char *served_head, *served_key;	/* guarded by lock */
static atomic_bool holding;		/* this daemon sequences and signs */
static const struct note_signer *signer;
static char signer_key[512];		/* its verifier key string */
static char default_origin[256];

void sequencer_poke(void)
{
	pthread_mutex_lock(&lock);
	poked = true;
	pthread_cond_signal(&wake);
	pthread_mutex_unlock(&lock);
}

char *sequencer_head(void)
{
	char *h;

	pthread_mutex_lock(&lock);
	h = served_head ? xstrdup(served_head) : NULL;
	pthread_mutex_unlock(&lock);
	return h;
}

char *sequencer_key(void)
{
	char *k;

	if (signer && atomic_load(&holding))
		return xstrdup(signer_key);
	pthread_mutex_lock(&lock);
	k = served_key && *served_key ? xstrdup(served_key) : NULL;
	pthread_mutex_unlock(&lock);
	return k ? k : signer ? xstrdup(signer_key) : NULL;
}

/* A head to serve; a new one is in the next snapshot's feed. */
static void serve(const struct ledger_head *h)
{
	bool changed;

	pthread_mutex_lock(&lock);
	changed = !served_head || strcmp(served_head, h->note) != 0;
	if (changed) {
		free(served_head);
		free(served_key);
		served_head = xstrdup(h->note);
		served_key = xstrdup(h->key ? h->key : "");
	}
	pthread_mutex_unlock(&lock);
	if (changed)
		refresh_heads();
}

/* Size, backlog and head for /metrics, and the head to serve: every daemon reads them. */
static void stats(struct seq *q, PGconn *c)
{
	int64_t backlog, head_at;
	uint64_t size, head_size;
	struct ledger_head h;

	if (clock_ms() - q->last_stats < STATS_EVERY_MS)
		return;
	q->last_stats = clock_ms();
	if (ledger_stats(c, &backlog, &size, &head_size, &head_at) != DB_OK)
		return;
	metrics_ledger((int64_t)size, backlog, (int64_t)head_size, head_at);
	if (head_size == 0)
		return;
	pthread_mutex_lock(&lock);
	bool known = served_head && q->head.size == head_size && q->head.note &&
		     strcmp(served_head, q->head.note) == 0;
	pthread_mutex_unlock(&lock);
	if (known || ledger_tip(c, &size, &h) != DB_OK)
		return;
	if (h.note)
		serve(&h);
	if (!q->held) {
		ledger_head_free(&q->head);
		q->head = h;
	} else {
		ledger_head_free(&h);
	}
}

static void keep_lock(struct seq *q, PGconn *c)
{
	if (q->held && db_conn_generation() != q->session) {
		log_warn("ledger: the database session was lost; taking the sequencer's lock again");
		q->held = q->loaded = false;
	}
	if (q->held || clock_ms() - q->last_lock_try < LOCK_RETRY_MS)
		return;
	q->last_lock_try = clock_ms();
	q->session = db_conn_generation();
	if (ledger_try_lock(c, &q->held) == DB_OK && q->held) {
		log_info("ledger: this daemon sequences the ledger and signs its heads");
		q->loaded = false;
	}
}

/*
 * The latest head's checkpoint, from its signed note, never from the
 * table's unsigned columns: signed by this daemon's key, or (after a key
 * rotation) by the key its row names, said so in the log.  -1: not a head.
 */
static int head_checkpoint(const struct ledger_head *h, struct checkpoint *cp)
{
	struct note_verifier mine, theirs;
	char why[256], vkey[512];
	size_t text_len;

	note_verifier_string(signer, vkey, sizeof(vkey));
	note_verifier_parse(vkey, &mine, why, sizeof(why));
	if (note_open(h->note, strlen(h->note), &mine, 1, &text_len, why, sizeof(why)) != 0) {
		if (!h->key || note_verifier_parse(h->key, &theirs, why, sizeof(why)) != 0 ||
		    note_open(h->note, strlen(h->note), &theirs, 1, &text_len, why, sizeof(why)) != 0) {
			log_err("ledger: the head stored for size %" PRIu64 " is not signed: %s", h->size, why);
			return -1;
		}
		log_warn("ledger: the latest head was signed by %s, not by this daemon's key (a rotated key?)",
			 h->key);
	}
	if (checkpoint_parse(h->note, text_len, cp, why, sizeof(why)) != 0 || cp->size != h->size) {
		log_err("ledger: the head stored for size %" PRIu64 " is not its checkpoint", h->size);
		return -1;
	}
	return 0;
}

/*
 * The stored tree's right edge, checked against the latest signed head:
 * the root of its first head.size leaves must be the root that was signed.
 * A database that fails meanwhile is no mismatch: it is tried again.
 */
static void load(struct seq *q, PGconn *c)
{
	uint64_t size;
	unsigned char root[32];
	struct checkpoint cp;

	if (q->broken && clock_ms() - q->broken_at < BROKEN_RETRY_MS)
		return;
	ledger_head_free(&q->head);
	if (ledger_tip(c, &size, &q->head) != DB_OK)
		return;
	ledger_subtree_failed();
	if (merkle_frontier_load(&q->tree, size, ledger_subtree, c) != 0) {
		if (ledger_subtree_failed())
			return;
		log_err("ledger: cannot rebuild the tree of %" PRIu64 " entries from the database", size);
		goto broken;
	}
	snprintf(q->origin, sizeof(q->origin), "%s", default_origin);
	if (q->head.size) {
		if (head_checkpoint(&q->head, &cp) != 0)
			goto broken;
		if (q->head.size > size || merkle_root(q->head.size, ledger_subtree, c, root) != 0 ||
		    memcmp(root, cp.root, 32) != 0) {
			if (q->head.size <= size && ledger_subtree_failed())
				return;
			log_err("ledger: the stored tree does not match the head signed at size %" PRIu64
				": someone changed the ledger's tables; nothing is appended or signed"
				" until it does (run supplywatch verify --db)", q->head.size);
			goto broken;
		}
		memcpy(q->head.root, cp.root, 32);
		if (strcmp(cp.origin, default_origin) != 0)
			log_err("ledger: ledger.origin is \"%s\" but the log's heads name \"%s\"; heads keep"
				" \"%s\" (a new origin would be a new log)", default_origin, cp.origin, cp.origin);
		snprintf(q->origin, sizeof(q->origin), "%s", cp.origin);
		serve(&q->head);
	}
	q->loaded = true;
	q->broken = false;
	log_info("ledger: %" PRIu64 " entries, latest head at size %" PRIu64, size, q->head.size);
	return;
broken:
	q->broken = true;
	q->broken_at = clock_ms();
}

static void sign(struct seq *q, PGconn *c, int64_t sign_every_s)
{
	int64_t now = (int64_t)time(NULL);
	unsigned char root[32];
	char *text, *note;

	if (q->tree.size <= q->head.size || (q->head.size && now - q->head.signed_at < sign_every_s) ||
	    clock_ms() < q->sign_retry_at)
		return;
	merkle_frontier_root(&q->tree, root);
	text = checkpoint_text(q->origin, q->tree.size, root, now);
	note = text ? note_sign(text, signer, 1) : NULL;
	free(text);
	if (!note) {
		log_err("ledger: cannot sign a head for origin \"%s\"", q->origin);
		q->sign_retry_at = clock_ms() + SIGN_RETRY_MS;
		return;
	}
	if (ledger_put_head(c, q->tree.size, root, now, note, signer_key) != DB_OK) {
		free(note);
		q->loaded = false;
		q->sign_retry_at = clock_ms() + SIGN_RETRY_MS;
		return;
	}
	ledger_head_free(&q->head);
	q->head.size = q->tree.size;
	memcpy(q->head.root, root, 32);
	q->head.signed_at = now;
	q->head.note = note;
	q->head.key = xstrdup(signer_key);
	serve(&q->head);
	q->last_stats = 0;
	log_debug("ledger: signed the head at size %" PRIu64, q->tree.size);
}

/* Appends batches until the queue is empty (or a batch fails). */
static void sequence(struct seq *q, PGconn *c)
{
	size_t n, skipped;

	q->last_batch = clock_ms();
	do {
		if (ledger_sequence(c, &q->tree, BATCH, &n, &skipped) != DB_OK) {
			q->loaded = false;	/* reread: a lost COMMIT may have landed */
			return;
		}
		if (n)
			q->last_stats = 0;
		if (skipped && skipped != q->gone)
			log_err("ledger: %zu queued rows name a report, retraction or review that is not in the"
				" database any more (changed by hand?); they stay queued", skipped);
		if (skipped || n)
			q->gone = skipped;
		pthread_mutex_lock(&lock);
		bool stop = stopping;
		pthread_mutex_unlock(&lock);
		if (stop)
			return;
	} while (n > 0 && n + skipped == BATCH);
}

/* Milliseconds until there is something to do, at most IDLE_MS. */
static int64_t wait_ms(const struct seq *q, int64_t sign_every_s)
{
	int64_t ms = q->held ? IDLE_MS : LOCK_RETRY_MS;

	if (q->held && q->loaded && q->tree.size > q->head.size) {
		int64_t due = (q->head.signed_at + sign_every_s - (int64_t)time(NULL)) * 1000;

		if (q->sign_retry_at - clock_ms() > due)
			due = q->sign_retry_at - clock_ms();

		if (due < ms)
			ms = due < 0 ? 0 : due;
	}
	return ms;
}

static void deadline(struct timespec *ts, int64_t ms)
{
	clock_gettime(CLOCK_MONOTONIC, ts);
	ts->tv_sec += ms / 1000;
	ts->tv_nsec += (ms % 1000) * 1000000;
	if (ts->tv_nsec >= 1000000000) {
		ts->tv_sec++;
		ts->tv_nsec -= 1000000000;
	}
}

static void *run(void *arg)
{
	struct seq q;
	bool due = false;	/* poked: sequence once SEQUENCE_EVERY_MS has passed since the last batch */

	(void)arg;
	memset(&q, 0, sizeof(q));
	q.last_lock_try = clock_ms() - LOCK_RETRY_MS;
	for (;;) {
		PGconn *c = db_conn();
		struct sw_config *cfg = config_acquire();
		int64_t every = cfg->ledger_sign_every_s, ms, since;
		struct timespec ts;
		bool stop;

		config_release(cfg);
		since = clock_ms() - q.last_batch;
		if (c) {
			if (signer)
				keep_lock(&q, c);
			if (q.held && !q.loaded)
				load(&q, c);
			if (q.held && q.loaded && ((due && since >= SEQUENCE_EVERY_MS) || since >= IDLE_MS)) {
				due = false;
				sequence(&q, c);
			}
			if (q.held && q.loaded)
				sign(&q, c, every);
			stats(&q, c);
		} else {
			q.held = q.loaded = false;
		}
		atomic_store(&holding, q.held && q.loaded);
		ms = c ? wait_ms(&q, every) : IDLE_MS;
		since = clock_ms() - q.last_batch;
		if (due && SEQUENCE_EVERY_MS - since < ms)
			ms = SEQUENCE_EVERY_MS - since < 0 ? 0 : SEQUENCE_EVERY_MS - since;
		deadline(&ts, ms);
		pthread_mutex_lock(&lock);
		while (!stopping && !poked)
			if (pthread_cond_timedwait(&wake, &lock, &ts) != 0)
				break;
		due |= poked;
		poked = false;
		stop = stopping;
		pthread_mutex_unlock(&lock);
		if (stop)
			break;
	}
	ledger_head_free(&q.head);
	db_conn_close();
	return NULL;
}

int sequencer_start(const struct note_signer *key, const char *origin)
{
	pthread_condattr_t a;

	signer = key;
	if (key)
		note_verifier_string(key, signer_key, sizeof(signer_key));
	snprintf(default_origin, sizeof(default_origin), "%s", origin);
	pthread_condattr_init(&a);
	pthread_condattr_setclock(&a, CLOCK_MONOTONIC);
	pthread_cond_init(&wake, &a);
	pthread_condattr_destroy(&a);
	if (pthread_create(&thread, NULL, run, NULL) != 0)
		return -1;
	running = true;
	return 0;
}

void sequencer_stop(void)
{
	if (!running)
		return;
	pthread_mutex_lock(&lock);
	stopping = true;
	pthread_cond_signal(&wake);
	pthread_mutex_unlock(&lock);
	pthread_join(thread, NULL);
	running = false;
	free(served_head);
	free(served_key);
	served_head = served_key = NULL;
}
