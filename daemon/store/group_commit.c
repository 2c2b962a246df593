#include "store/group_commit.h"

#include <pthread.h>

#include "core/metrics.h"
#include "store/db.h"
#include "util/log.h"

#define POOL_THREADS (GROUP_WORKERS > BULK_WORKERS ? GROUP_WORKERS : BULK_WORKERS)

/* Threads taking items from one queue; everything but the constants is guarded by lock. */
struct pool {
	const char *name;
	int threads;			/* to start */
	unsigned limit;			/* items waiting at most */
	size_t take;			/* items per run at most */
	void (*run)(struct group_item **its, size_t n);
	void (*waiting)(unsigned n);	/* for /metrics, or NULL */
	pthread_mutex_t lock;
	pthread_cond_t work;
	pthread_t thread[POOL_THREADS];
	int nthreads;			/* started */
	bool stopping;
	struct group_item *head, *tail;
	unsigned queued;
};

static void run_group(struct group_item **its, size_t n)
{
	struct ingest_single *items[GROUP_MAX];

	metrics_group_writing((int)n);
	for (size_t k = 0; k < n; k++)
		items[k] = &its[k]->s;
	ingest_group(items, n);
	metrics_group((unsigned)n);
	metrics_group_writing(-(int)n);
}

static void run_bulk(struct group_item **its, size_t n)
{
	for (size_t k = 0; k < n; k++)
		its[k]->s.outcome = ingest_run(its[k]->job, its[k]->arg);
}

static struct pool groups = {
	"group commit", GROUP_WORKERS, GROUP_QUEUE, GROUP_MAX, run_group, metrics_group_waiting,
	PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, { 0 }, 0, false, NULL, NULL, 0
};
static struct pool bulk = {
	"bulk ingest", BULK_WORKERS, BULK_QUEUE, 1, run_bulk, NULL,
	PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, { 0 }, 0, false, NULL, NULL, 0
};

static void *worker(void *arg)
{
	struct pool *p = arg;
	struct group_item *its[GROUP_MAX];

	pthread_mutex_lock(&p->lock);
	for (;;) {
		size_t n = 0;

		if (!p->head) {
			if (p->stopping)
				break;
			pthread_cond_wait(&p->work, &p->lock);
			continue;
		}
		while (p->head && n < p->take) {
			its[n++] = p->head;
			p->head = p->head->next;
		}
		if (!p->head)
			p->tail = NULL;
		p->queued -= (unsigned)n;
		if (p->waiting)
			p->waiting(p->queued);
		pthread_mutex_unlock(&p->lock);
		p->run(its, n);
		for (size_t k = 0; k < n; k++)
			its[k]->done(its[k]);
		pthread_mutex_lock(&p->lock);
	}
	pthread_mutex_unlock(&p->lock);
	db_conn_close();
	return NULL;
}

/* Called under the pool's lock. */
static bool start(struct pool *p)
{
	while (p->nthreads < p->threads &&
	       pthread_create(&p->thread[p->nthreads], NULL, worker, p) == 0)
		p->nthreads++;
	if (!p->nthreads)
		log_err("ingest: cannot start a %s thread", p->name);
	return p->nthreads > 0;
}

bool group_commit_submit(struct group_item *it)
{
	struct pool *p = it->job ? &bulk : &groups;

	pthread_mutex_lock(&p->lock);
	if (p->stopping || p->queued >= p->limit || !start(p)) {
		pthread_mutex_unlock(&p->lock);
		return false;
	}
	it->next = NULL;
	if (p->tail)
		p->tail->next = it;
	else
		p->head = it;
	p->tail = it;
	p->queued++;
	if (p->waiting)
		p->waiting(p->queued);
	pthread_cond_signal(&p->work);
	pthread_mutex_unlock(&p->lock);
	return true;
}

static void stop(struct pool *p)
{
	int n;

	pthread_mutex_lock(&p->lock);
	p->stopping = true;
	n = p->nthreads;
	pthread_cond_broadcast(&p->work);
	pthread_mutex_unlock(&p->lock);
	/* The workers store what is queued first: every suspended request gets its answer. */
	for (int i = 0; i < n; i++)
		pthread_join(p->thread[i], NULL);
}

void group_commit_stop(void)
{
	stop(&groups);
	stop(&bulk);
}
