#include "core/ratelimit.h"

#include <math.h>
#include <pthread.h>
#include <string.h>

#include "util/log.h"

#define NSLOTS 4096		/* a power of two */
#define PROBES 32

struct slot {
	unsigned char key[TOKEN_HASH_LEN];
	bool used;
	struct bucket b;
};

static struct slot slots[NSLOTS];
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;

static void refill(struct bucket *b, double per_minute, double burst, int64_t now_ns)
{
	if (now_ns > b->at_ns) {
		b->level += (double)(now_ns - b->at_ns) / 1e9 * per_minute / 60.0;
		b->at_ns = now_ns;
	}
	if (b->level > burst)
		b->level = burst;
}

int bucket_take(struct bucket *b, double per_minute, double burst, int64_t now_ns)
{
	double wait;

	refill(b, per_minute, burst, now_ns);
	if (b->level >= 1.0) {
		b->level -= 1.0;
		return 0;
	}
	wait = ceil((1.0 - b->level) * 60.0 / per_minute);
	return wait < 1 ? 1 : wait > 86400 ? 86400 : (int)wait;
}

int ratelimit_take(const unsigned char key[TOKEN_HASH_LEN], int64_t per_minute, int64_t burst,
		   int64_t now_ns)
{
	size_t h, i, free_at = NSLOTS;
	int ret = 0;

	if (per_minute <= 0)
		return 0;
	/* The key is a keyed hash already: its first bytes are a good index. */
	memcpy(&h, key, sizeof(h));
	pthread_mutex_lock(&lock);
	for (i = 0; i < PROBES; i++) {
		struct slot *s = &slots[(h + i) & (NSLOTS - 1)];

		if (s->used && memcmp(s->key, key, TOKEN_HASH_LEN) == 0)
			break;
		if (free_at == NSLOTS) {
			/* Empty, or full again (as good as empty): reusable. */
			if (s->used)
				refill(&s->b, (double)per_minute, (double)burst, now_ns);
			if (!s->used || s->b.level >= (double)burst)
				free_at = (h + i) & (NSLOTS - 1);
		}
	}
	if (i < PROBES) {
		ret = bucket_take(&slots[(h + i) & (NSLOTS - 1)].b, (double)per_minute,
				  (double)burst, now_ns);
	} else if (free_at < NSLOTS) {
		struct slot *s = &slots[free_at];

		memcpy(s->key, key, TOKEN_HASH_LEN);
		s->used = true;
		s->b.level = (double)burst;
		s->b.at_ns = now_ns;
		ret = bucket_take(&s->b, (double)per_minute, (double)burst, now_ns);
	} else {
		/* Thousands of tokens busy at once: serve rather than refuse the innocent. */
		log_warn("ratelimit: table full, request allowed unmetered");
	}
	pthread_mutex_unlock(&lock);
	return ret;
}

void ratelimit_reset(void)
{
	pthread_mutex_lock(&lock);
	memset(slots, 0, sizeof(slots));
	pthread_mutex_unlock(&lock);
}
