/*
 * sequencer: the thread that appends committed entries to the public
 * ledger and signs its heads (docs/ledger.md).
 *
 * Every daemon runs it; of several on one database only the one holding
 * the ledger's session-level advisory lock sequences and signs, and the
 * others take over when its session ends.  Holding the lock it rebuilds
 * the tree's right edge from the database and checks it against the
 * latest signed head; a tree that does not match is never appended to
 * nor signed (a loud error, and the backlog grows for the alert).  Then it
 * appends queued entries in batches, at most every SEQUENCE_EVERY_MS
 * after a commit (so ingest commits are not doubled), and signs a head
 * when the tree grew, at most every ledger.sign_every_s.
 *
 * Every daemon also reads the ledger's size, backlog and latest head every
 * second: for /metrics, and to serve /api/v1/ledger/head from memory.
 */
#ifndef SW_SEQUENCER_H
#define SW_SEQUENCER_H

#include <stdbool.h>

#include "core/note.h"

/* key NULL: this daemon only watches (ledger.enabled = false). */
int sequencer_start(const struct note_signer *key, const char *origin);
/* This daemon committed something (ingest_committed). */
void sequencer_poke(void);
void sequencer_stop(void);
/*
 * The latest signed head this daemon knows, as served (a malloc'd signed
 * note), or NULL when none was signed yet.
 */
char *sequencer_head(void);
/* The verifier key: this daemon's, else the one that signed the latest head (malloc'd), or NULL. */
char *sequencer_key(void);

#endif
