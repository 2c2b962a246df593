#include "store/group_commit.h"

#include <pthread.h>

#include "core/metrics.h"
#include "store/db.h"
#include "util/log.h"

/* Everything here is guarded by lock. */
static struct {
	pthread_mutex_t lock;
	pthread_cond_t work;
	pthread_t thread[GROUP_WORKERS];
	int nthreads;			/* started */
	bool stopping;
	struct group_item *head, *tail;
	unsigned queued;
} gc = { PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, { 0 }, 0, false, NULL, NULL, 0 };

static void *worker(void *arg)
{
	struct ingest_single *items[GROUP_MAX];
	struct group_item *its[GROUP_MAX];

	(void)arg;
	pthread_mutex_lock(&gc.lock);
	for (;;) {
		size_t n = 0;

		if (!gc.head) {
			if (gc.stopping)
				break;
			pthread_cond_wait(&gc.work, &gc.lock);
			continue;
		}
		while (gc.head && n < GROUP_MAX) {
			its[n] = gc.head;
			items[n] = &gc.head->s;
			gc.head = gc.head->next;
			n++;
		}
		if (!gc.head)
			gc.tail = NULL;
		gc.queued -= (unsigned)n;
		metrics_group_waiting(gc.queued);
		pthread_mutex_unlock(&gc.lock);
		ingest_group(items, n);
		metrics_group((unsigned)n);
		for (size_t k = 0; k < n; k++)
			its[k]->done(its[k]);
		pthread_mutex_lock(&gc.lock);
	}
	pthread_mutex_unlock(&gc.lock);
	db_conn_close();
	return NULL;
}

/* Called under the lock. */
static bool start(void)
{
	while (gc.nthreads < GROUP_WORKERS &&
	       pthread_create(&gc.thread[gc.nthreads], NULL, worker, NULL) == 0)
		gc.nthreads++;
	if (!gc.nthreads)
		log_err("ingest: cannot start a group commit thread");
	return gc.nthreads > 0;
}

bool group_commit_submit(struct group_item *it)
{
	pthread_mutex_lock(&gc.lock);
	if (gc.stopping || gc.queued >= GROUP_QUEUE || !start()) {
		pthread_mutex_unlock(&gc.lock);
		return false;
	}
	it->next = NULL;
	if (gc.tail)
		gc.tail->next = it;
	else
		gc.head = it;
	gc.tail = it;
	gc.queued++;
	metrics_group_waiting(gc.queued);
	pthread_cond_signal(&gc.work);
	pthread_mutex_unlock(&gc.lock);
	return true;
}

void group_commit_stop(void)
{
	int n;

	pthread_mutex_lock(&gc.lock);
	gc.stopping = true;
	n = gc.nthreads;
	pthread_cond_broadcast(&gc.work);
	pthread_mutex_unlock(&gc.lock);
	/* The workers store what is queued first: every suspended request gets its answer. */
	for (int i = 0; i < n; i++)
		pthread_join(gc.thread[i], NULL);
}
