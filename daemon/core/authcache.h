/*
 * authcache: the organisation of each recently verified token, so a request
 * costs no database round trip to authenticate.
 *
 * Entries live at most AUTHCACHE_TTL_MS, and the whole cache is emptied
 * when the snapshot thread hears a token change (NOTIFY
 * supplywatch_tokens, migration 005), has to LISTEN anew or loses its
 * session, so a revoked token stops working at once when the news
 * arrives, and within 2 s when it does not.  Only tokens found valid are
 * kept: an unknown one is looked up every time.  A lookup that raced with
 * a revocation cannot put back what the revocation emptied: puts carry
 * the generation read before the lookup.
 */
#ifndef SW_AUTHCACHE_H
#define SW_AUTHCACHE_H

#include <stdbool.h>
#include <stdint.h>

#include "core/org.h"
#include "util/token.h"

/*
 * Entries live this long whatever else happens, so a revocation takes
 * effect within 2 s even when its notification never arrives.
 */
#define AUTHCACHE_TTL_MS 1500

bool authcache_get(const unsigned char key[TOKEN_HASH_LEN], struct org *org, int64_t now_ns);
/* The generation to hand to authcache_put after a database lookup. */
uint64_t authcache_generation(void);
void authcache_put(const unsigned char key[TOKEN_HASH_LEN], const struct org *org,
		   uint64_t generation, int64_t now_ns);
void authcache_clear(void);

#endif
