/*
 * refresh: builds snapshots, and the thread that keeps the published one
 * current.
 *
 * A build loads what changed (store/load.h), evaluates every corridor as
 * of its today and renders every surface; once the snapshot is published,
 * the thread writes the results back for analysts (the surfaces do not
 * wait for that).  The thread rebuilds at most once a second after a change of
 * reports (and, under a stream of reports, spends at most a fifth of its
 * time rebuilding), when a corridor's local day rolls over or its data
 * turns stale, and when asked (reload).  Only corridors that changed are
 * loaded again.
 *
 * Changes arrive two ways.  This daemon's own commits are reported in
 * process (refresh_changed, after COMMIT): its sessions set
 * supplywatch.notify = off, so their commits take no NOTIFY, whose
 * commit-time lock would serialise every commit.  Other writers (the CLI,
 * other daemons, a restore) are heard through store/events.h, and this
 * thread announces its own daemon's changes the same way at its next turn,
 * keeping any it could not announce until it can.
 */
#ifndef SW_REFRESH_H
#define SW_REFRESH_H

#include <libpq-fe.h>
#include <stdint.h>

#include "core/changed.h"
#include "core/config.h"
#include "publish/snapshot.h"

/*
 * A new snapshot of cfg (a reference is taken over); corridors not in
 * changed (NULL: all changed), on the same local day under the same
 * configuration as in prev, are taken from prev as they are.  NULL on a
 * database failure.
 */
struct snapshot *refresh_build(PGconn *c, struct sw_config *cfg, const struct snapshot *prev,
			       const struct changed *changed);

int refresh_start(void);
/* Rebuild every corridor soon (a reload). */
void refresh_request(void);
/* A new head was signed: the feed shows it (no corridor is loaded again). */
void refresh_heads(void);
/* This daemon committed a change of corridor's reports ("" or NULL: any). */
void refresh_changed(const char *corridor);
void refresh_stop(void);
/* CLOCK_MONOTONIC ms when the thread's loop last turned (the watchdog's proof). */
int64_t refresh_heartbeat(void);

#endif
