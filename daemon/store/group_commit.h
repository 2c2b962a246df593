/*
 * group_commit: single reports from concurrent requests, written together.
 *
 * A request thread validates its report, queues it here and suspends its
 * connection; it never waits on the database.  GROUP_WORKERS threads,
 * each with its own database session, take whatever is queued (at most
 * GROUP_MAX) and store it with ingest_group(): one INSERT statement,
 * committed by itself (one transaction, one WAL flush) for the lot.  Only
 * after that commit is each item's done() called, on the worker's
 * thread, with its own outcome set.  While one worker waits for its commit the other gathers
 * the next group, so under load groups grow by themselves and no timer
 * holds a report back.
 */
#ifndef SW_GROUP_COMMIT_H
#define SW_GROUP_COMMIT_H

#include <stdbool.h>

#include "store/ingest.h"

#define GROUP_WORKERS 2
#define GROUP_MAX 256		/* reports in one transaction */
#define GROUP_QUEUE 4096	/* reports waiting, beyond which submissions are refused */

struct group_item {
	struct ingest_single s;
	void (*done)(struct group_item *it);	/* its outcome is decided (worker thread) */
	struct group_item *next;		/* in the queue */
};

/*
 * Queues it (starting the workers on first use).  False when the queue is
 * full or the daemon is stopping: the caller answers 503 and done() will
 * not be called.
 */
bool group_commit_submit(struct group_item *it);
/* Stores what is queued, then stops the workers (at shutdown). */
void group_commit_stop(void);

#endif
