#include "core/iplimit.h"

#include <netinet/in.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "util/strbuf.h"

#define NBUCKETS 256

struct entry {
	unsigned char key[16];
	int count;
	struct entry *next;
};

static struct entry *buckets[NBUCKETS];
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;

/* The address as 16 bytes: IPv6 as it is, IPv4 (also IPv4-mapped IPv6) as ::ffff:a.b.c.d. */
static bool key_of(const struct sockaddr *sa, unsigned char key[16])
{
	static const unsigned char mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };

	if (!sa)
		return false;
	if (sa->sa_family == AF_INET) {
		memcpy(key, mapped, 12);
		memcpy(key + 12, &((const struct sockaddr_in *)(const void *)sa)->sin_addr, 4);
		return true;
	}
	if (sa->sa_family == AF_INET6) {
		memcpy(key, &((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr, 16);
		return true;
	}
	return false;
}

static struct entry **slot_of(const unsigned char key[16])
{
	uint32_t h = 2166136261u;
	struct entry **e;

	for (int i = 0; i < 16; i++)
		h = (h ^ key[i]) * 16777619u;
	for (e = &buckets[h % NBUCKETS]; *e; e = &(*e)->next)
		if (memcmp((*e)->key, key, 16) == 0)
			break;
	return e;
}

bool iplimit_enter(const struct sockaddr *addr, int max)
{
	unsigned char key[16];
	struct entry **e;
	bool ok = true;

	if (!key_of(addr, key))
		return true;	/* a unix socket or unknown family: nothing to count by */
	pthread_mutex_lock(&lock);
	e = slot_of(key);
	if (!*e) {
		*e = xcalloc(1, sizeof(**e));
		memcpy((*e)->key, key, 16);
	}
	if ((*e)->count >= max)
		ok = false;
	else
		(*e)->count++;
	if (!(*e)->count) {
		struct entry *gone = *e;

		*e = gone->next;
		free(gone);
	}
	pthread_mutex_unlock(&lock);
	return ok;
}

void iplimit_leave(const struct sockaddr *addr)
{
	unsigned char key[16];
	struct entry **e;

	if (!key_of(addr, key))
		return;
	pthread_mutex_lock(&lock);
	e = slot_of(key);
	if (*e && --(*e)->count <= 0) {
		struct entry *gone = *e;

		*e = gone->next;
		free(gone);
	}
	pthread_mutex_unlock(&lock);
}

int iplimit_count(const struct sockaddr *addr)
{
	unsigned char key[16];
	struct entry **e;
	int n = 0;

	if (!key_of(addr, key))
		return 0;
	pthread_mutex_lock(&lock);
	e = slot_of(key);
	if (*e)
		n = (*e)->count;
	pthread_mutex_unlock(&lock);
	return n;
}
