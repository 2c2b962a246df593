#include "core/inflight.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "util/strbuf.h"

struct inflight_entry {
	unsigned char key[INFLIGHT_KEY_MAX];
	size_t len;
	int count;
	struct inflight_entry *next;
};

static struct inflight_entry **slot_of(struct inflight *t, const unsigned char *key, size_t len)
{
	uint32_t h = 2166136261u;
	struct inflight_entry **e;

	for (size_t i = 0; i < len; i++)
		h = (h ^ key[i]) * 16777619u;
	for (e = &t->buckets[h % INFLIGHT_BUCKETS]; *e; e = &(*e)->next)
		if ((*e)->len == len && memcmp((*e)->key, key, len) == 0)
			break;
	return e;
}

static void drop_if_empty(struct inflight_entry **e)
{
	if (*e && (*e)->count <= 0) {
		struct inflight_entry *gone = *e;

		*e = gone->next;
		free(gone);
	}
}

bool inflight_enter(struct inflight *t, const void *key, size_t len, int max)
{
	struct inflight_entry **e;
	bool ok = true;

	if (len > INFLIGHT_KEY_MAX)
		len = INFLIGHT_KEY_MAX;
	pthread_mutex_lock(&t->lock);
	e = slot_of(t, key, len);
	if (!*e) {
		*e = xcalloc(1, sizeof(**e));
		memcpy((*e)->key, key, len);
		(*e)->len = len;
	}
	if ((*e)->count >= max)
		ok = false;
	else
		(*e)->count++;
	drop_if_empty(e);
	pthread_mutex_unlock(&t->lock);
	return ok;
}

void inflight_leave(struct inflight *t, const void *key, size_t len)
{
	struct inflight_entry **e;

	if (len > INFLIGHT_KEY_MAX)
		len = INFLIGHT_KEY_MAX;
	pthread_mutex_lock(&t->lock);
	e = slot_of(t, key, len);
	if (*e)
		(*e)->count--;
	drop_if_empty(e);
	pthread_mutex_unlock(&t->lock);
}

int inflight_count(struct inflight *t, const void *key, size_t len)
{
	struct inflight_entry **e;
	int n;

	if (len > INFLIGHT_KEY_MAX)
		len = INFLIGHT_KEY_MAX;
	pthread_mutex_lock(&t->lock);
	e = slot_of(t, key, len);
	n = *e ? (*e)->count : 0;
	pthread_mutex_unlock(&t->lock);
	return n;
}
