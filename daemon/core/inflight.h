/*
 * inflight: how many things of one sort each key has under way (requests
 * from a client address, bodies arriving under one token), so no key holds
 * more than its share.  A table is thread-safe; an entry lives only while
 * its count is above zero, so a table holds no more entries than there are
 * things under way.
 */
#ifndef SW_INFLIGHT_H
#define SW_INFLIGHT_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>

#define INFLIGHT_KEY_MAX 32
#define INFLIGHT_BUCKETS 256

struct inflight_entry;

struct inflight {
	pthread_mutex_t lock;
	struct inflight_entry *buckets[INFLIGHT_BUCKETS];
};

#define INFLIGHT_INIT { PTHREAD_MUTEX_INITIALIZER, { NULL } }

/* Counts one more under key (len <= INFLIGHT_KEY_MAX) unless it has max already (then false). */
bool inflight_enter(struct inflight *t, const void *key, size_t len, int max);
/* What inflight_enter counted has ended. */
void inflight_leave(struct inflight *t, const void *key, size_t len);
/* How many key has under way. */
int inflight_count(struct inflight *t, const void *key, size_t len);

#endif
