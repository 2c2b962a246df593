/*
 * webhook_deliver: the thread that turns snapshots into webhook events
 * and delivers them from the outbox.
 *
 * It has its own database session and holds a session-level advisory lock
 * while it works, so of several daemons on one database only one decides
 * and delivers at a time; the others try to take the lock every few
 * seconds, and take over when its holder's session ends.  A lost session
 * means a lost lock: it reconnects and takes it again before anything else.
 *
 * Holding the lock, it decides events (store/webhooks.h, one transaction)
 * whenever a new snapshot is published and at least every minute (silence
 * grows without reports), and sends each subscription's oldest due message
 * with libcurl's multi interface (publish/webhook_client.h): one slow
 * receiver never holds up another, and nothing here touches the ingest
 * path or the HTTP threads.  Stopping abandons transfers in flight: their
 * messages stay pending and go again, with the same webhook-id.
 */
#ifndef SW_WEBHOOK_DELIVER_H
#define SW_WEBHOOK_DELIVER_H

int webhook_deliver_start(void);
void webhook_deliver_stop(void);

#endif
