/*
 * ledger_verify: `supplywatch verify`, the check anyone can run of the
 * public ledger (docs/ledger.md).
 *
 * Against a daemon over HTTP (what an outsider sees) or against the
 * database directly (what an auditor with access sees), the same checks:
 * the latest head's signature by a trusted key; a saved head, when given,
 * signed by a trusted key and a prefix of today's tree (a consistency
 * proof over HTTP); every entry's leaf hash recomputed from its text and
 * its text canonical; the root at every signed head recomputed from the
 * entries.  Against the database, every entry is also rebuilt from the
 * stored rows it names, and each report's content hash from its stored
 * payload.  The first index that does not match is named: exactly, for a
 * changed entry or row; as the first entry after the last head that still
 * matches, for entries reordered or removed.
 */
#ifndef SW_LEDGER_VERIFY_H
#define SW_LEDGER_VERIFY_H

#include <libpq-fe.h>
#include <stdbool.h>
#include <stdint.h>

#include "core/config.h"
#include "core/note.h"

struct verify_opts {
	const struct note_verifier *keys;	/* trusted keys (at least one) */
	size_t nkeys;
	const char *saved_head;			/* a signed note kept from before, or NULL */
};

struct verify_result {
	bool ok;
	int64_t bad_index;	/* the first index that does not match; -1 when none is known */
	uint64_t size;		/* the latest head's */
	uint64_t entries;	/* entries checked */
	uint64_t heads;		/* signed heads checked */
	char why[512];
};

/* The verifier key base_url serves (GET /api/v1/ledger/key); -1 with why. */
int verify_fetch_key(const char *base_url, struct note_verifier *key, char *why, size_t n);
/* base_url: the daemon's root (http://host:port); prints progress on stdout. */
int verify_http(const char *base_url, const struct verify_opts *o, struct verify_result *res);
int verify_db(PGconn *c, const struct sw_config *cfg, const struct verify_opts *o,
	      struct verify_result *res);

#endif
