/*
 * group_commit: the threads that write submissions, so that request threads
 * never wait on the database.
 *
 * A request thread validates what it received, queues it here and
 * suspends its connection.  Single reports (one per request) go to
 * GROUP_WORKERS threads, each with its own database session, which take
 * whatever is queued (at most GROUP_MAX) and store it with ingest_group():
 * one INSERT statement, committed by itself (one transaction, one WAL
 * flush) for the lot.  While one waits for its commit the other gathers
 * the next group, so under load groups grow by themselves and no timer
 * holds a report back.  Bulk jobs (a batch, a CSV file) go to BULK_WORKERS
 * threads of their own, one job at a time each, so a long file holds back
 * neither single reports nor the request threads.  Only after the commit
 * is an item's done() called, on the worker's thread, with its outcome set.
 */
#ifndef SW_GROUP_COMMIT_H
#define SW_GROUP_COMMIT_H

#include <stdbool.h>

#include "store/ingest.h"

#ifndef GROUP_WORKERS
#define GROUP_WORKERS 2
#endif
#define GROUP_MAX 256		/* reports in one transaction */
#define GROUP_QUEUE 4096	/* reports waiting, beyond which submissions are refused */
#define BULK_WORKERS 2
#define BULK_QUEUE 64		/* batches and files waiting, beyond which they are refused */

struct group_item {
	/* A single report: s.outcome is set by its group.  A bulk job: s.outcome = ingest_run(job, arg). */
	struct ingest_single s;
	ingest_job job;				/* NULL for a single report */
	void *arg;
	void (*done)(struct group_item *it);	/* its outcome is decided (worker thread) */
	struct group_item *next;		/* in the queue */
};

/*
 * Queues it (starting the workers on first use).  False when its queue is
 * full or the daemon is stopping: the caller answers 503 and done() will
 * not be called.
 */
bool group_commit_submit(struct group_item *it);
/* Stores what is queued, then stops the workers (at shutdown). */
void group_commit_stop(void);

#endif
