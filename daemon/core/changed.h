/*
 * changed: the corridors whose reports changed since the last snapshot,
 * named one by one, or "all" (too many to list, or not known which).
 * Plain data; callers that share one guard it themselves.
 */
#ifndef SW_CHANGED_H
#define SW_CHANGED_H

#include <stdbool.h>
#include <stddef.h>

#define CHANGED_MAX 64

struct changed {
	bool all;
	bool heads;		/* a new signed ledger head: no corridor changed, the feed did */
	size_t n;
	char id[CHANGED_MAX][64];
};

/* Adds corridor; NULL, "" or one too many makes the set "all". */
void changed_add(struct changed *ch, const char *corridor);
bool changed_has(const struct changed *ch, const char *corridor);
bool changed_any(const struct changed *ch);
void changed_merge(struct changed *into, const struct changed *from);

#endif
