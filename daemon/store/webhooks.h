/*
 * webhooks: subscriptions, the outbox and the decider's state in
 * PostgreSQL (migrations 012 and 013).
 *
 * The CLI adds, lists and removes subscriptions (one-off statements on its
 * own connection).  The daemon's deliverer (publish/webhook_deliver), on
 * its own session, decides events in one transaction with the outbox rows
 * they make and the state they leave (webhooks_decide: a crash loses
 * nothing and decides nothing twice), then sends each subscription's
 * oldest pending row, recording each attempt.  Nothing here runs on the
 * ingest path.
 */
#ifndef SW_STORE_WEBHOOKS_H
#define SW_STORE_WEBHOOKS_H

#include <libpq-fe.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/webhook.h"
#include "store/db.h"
#include "util/strbuf.h"

/* The daemon's statements; before the first db_conn(). */
void webhooks_register(void);

/* ---- subscriptions (the CLI) ---------------------------------------------------- */

struct webhook_new {
	const char *url;
	unsigned events;		/* mask of 1 << enum webhook_event */
	const char *const *corridors;	/* none: every corridor */
	size_t ncorridors;
	const char *format;
	const char *lang;		/* one of status.languages; NULL: the default language */
};

/*
 * Adds a subscription with a new secret (written to secret).  0 and *id on
 * success; 1 when an active subscription with the same URL, events,
 * corridors and format exists (its id in *id); -1 on a database error
 * (printed).
 */
int webhooks_add(PGconn *c, const struct webhook_new *w, char secret[WEBHOOK_SECRET_LEN + 1], int64_t *id);
/* Active subscriptions, no secrets (caller PQclear()s); NULL on error (printed). */
PGresult *webhooks_list(PGconn *c);
/* 0 removed, 1 no active subscription id, -1 database error (printed). */
int webhooks_remove(PGconn *c, int64_t id);

/* What sending to one subscription needs. */
struct webhook_target {
	int64_t id;
	char url[2049];
	char secret[128];
	int format;			/* enum webhook_format */
};

/* 0 found, 1 no active subscription id, -1 database error (printed); lang "" when none. */
int webhooks_get(PGconn *c, int64_t id, struct webhook_target *out, char lang[I18N_CODE_MAX]);

/* ---- the daemon ---------------------------------------------------------------- */

/* Takes the session-level lock that makes this daemon the one deliverer; *held. */
enum db_status webhooks_try_lock(PGconn *c, bool *held);

/* Organisations with an unrevoked token that reported on a corridor in the last 30 days. */
struct webhook_activity {
	struct wh_org *orgs;
	const char **corridor;		/* orgs[i]'s corridor */
	size_t n;
	struct strbuf strings;
};

enum db_status webhooks_activity(PGconn *c, struct webhook_activity *out);
void webhooks_activity_free(struct webhook_activity *a);

/*
 * One transaction: for every corridor's facts, the events since the state
 * kept, an outbox row for each active subscription that wants it, and the
 * new state.  A text message is written now, once, in the subscription's
 * language among langs[0..nlangs) (webhook_lang): every attempt sends the
 * same bytes.  *queued counts the rows.
 */
enum db_status webhooks_decide(PGconn *c, const struct wh_facts *f, size_t n, struct lang *const *langs,
			       size_t nlangs, int64_t now, size_t *queued);

/* A pending message, ready to send. */
struct webhook_pending {
	int64_t row, webhook;
	char msg_id[WEBHOOK_MSG_ID_LEN + 8];
	char *body;			/* owned */
	int attempts;
	struct webhook_target target;
};

/*
 * The oldest pending row of each active subscription not in busy[0..nbusy)
 * whose next attempt is due, at most max of them; *n says how many.
 */
enum db_status webhooks_claim(PGconn *c, const int64_t *busy, size_t nbusy,
			      struct webhook_pending *out, size_t max, size_t *n);
void webhooks_pending_free(struct webhook_pending *p);
/* An attempt's outcome: delivered, or retried after retry_initial_s doubling per attempt, at most a day. */
enum db_status webhooks_delivered(PGconn *c, int64_t row, long status);
enum db_status webhooks_failed(PGconn *c, int64_t row, long status, const char *error, int64_t retry_initial_s);
/*
 * Deletes the delivered rows, and the rows of removed subscriptions, older
 * than keep_days (webhooks.keep_days); *deleted says how many.  Pending
 * rows of active subscriptions are never deleted.
 */
enum db_status webhooks_prune(PGconn *c, int64_t keep_days, int64_t *deleted);
/* When the oldest pending row was created (seconds since the epoch), 0 when none. */
enum db_status webhooks_oldest_pending(PGconn *c, int64_t *at);

#endif
