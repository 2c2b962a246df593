#include "core/authcache.h"

#include <pthread.h>
#include <string.h>

#define NSLOTS 1024		/* a power of two */
#define PROBES 16

struct slot {
	unsigned char key[TOKEN_HASH_LEN];
	int64_t expires_ns;	/* 0: empty */
	struct org org;
};

static struct slot slots[NSLOTS];
static uint64_t generation;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;

static size_t index_of(const unsigned char key[TOKEN_HASH_LEN])
{
	size_t h;

	/* The key is a keyed hash already: its first bytes are a good index. */
	memcpy(&h, key, sizeof(h));
	return h;
}

bool authcache_get(const unsigned char key[TOKEN_HASH_LEN], struct org *org, int64_t now_ns)
{
	size_t h = index_of(key);
	bool found = false;

	pthread_mutex_lock(&lock);
	for (size_t i = 0; i < PROBES && !found; i++) {
		struct slot *s = &slots[(h + i) & (NSLOTS - 1)];

		if (s->expires_ns > now_ns && memcmp(s->key, key, TOKEN_HASH_LEN) == 0) {
			*org = s->org;
			found = true;
		}
	}
	pthread_mutex_unlock(&lock);
	return found;
}

uint64_t authcache_generation(void)
{
	uint64_t g;

	pthread_mutex_lock(&lock);
	g = generation;
	pthread_mutex_unlock(&lock);
	return g;
}

void authcache_put(const unsigned char key[TOKEN_HASH_LEN], const struct org *org,
		   uint64_t gen, int64_t now_ns)
{
	size_t h = index_of(key);
	struct slot *s = &slots[h & (NSLOTS - 1)];	/* evicted when the window is full */

	pthread_mutex_lock(&lock);
	if (gen != generation) {
		pthread_mutex_unlock(&lock);
		return;
	}
	for (size_t i = 0; i < PROBES; i++) {
		struct slot *t = &slots[(h + i) & (NSLOTS - 1)];

		if (t->expires_ns <= now_ns || memcmp(t->key, key, TOKEN_HASH_LEN) == 0) {
			s = t;
			break;
		}
	}
	memcpy(s->key, key, TOKEN_HASH_LEN);
	s->org = *org;
	s->expires_ns = now_ns + (int64_t)AUTHCACHE_TTL_MS * 1000000;
	pthread_mutex_unlock(&lock);
}

void authcache_clear(void)
{
	pthread_mutex_lock(&lock);
	memset(slots, 0, sizeof(slots));
	generation++;
	pthread_mutex_unlock(&lock);
}
