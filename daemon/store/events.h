/*
 * events: what daemons and other writers tell each other through
 * PostgreSQL's LISTEN/NOTIFY.
 *
 * supplywatch_changed carries the corridor whose reports changed ("" for
 * any); supplywatch_tokens says tokens or organisations changed.  A
 * daemon's own commits send no NOTIFY (migration 006): it tells its own
 * snapshot in process and announces its changes here, once per turn of
 * its snapshot thread, for the other daemons.
 */
#ifndef SW_EVENTS_H
#define SW_EVENTS_H

#include <libpq-fe.h>
#include <stdbool.h>

#include "core/changed.h"
#include "store/db.h"

void events_register(void);
/* LISTEN to both channels on c. */
enum db_status events_listen(PGconn *c);
/*
 * Reads what has arrived on c without waiting: report changes announced
 * by other sessions go into heard, a token change sets *tokens.  False
 * when the connection failed.
 */
bool events_drain(PGconn *c, struct changed *heard, bool *tokens);
/* Announces the corridors in local (all of them: ""); the caller keeps them on failure. */
enum db_status events_announce(PGconn *c, const struct changed *local);

#endif
