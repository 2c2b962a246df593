/*
 * webhook: what a webhook says and how it is signed.  Pure: no network,
 * no database (store/webhooks keeps subscriptions, the outbox and the
 * decider's state; publish/webhook_deliver sends).
 *
 * The decider compares what it last saw of a corridor (a set of key/value
 * pairs, kept in supplywatch.webhook_state) with the corridor's facts now,
 * and yields the events between the two and the state to keep.  A corridor
 * seen for the first time is recorded without events, so neither a first
 * start nor a new installation floods subscribers with old news.
 *
 * Messages follow the Standard Webhooks spec (standardwebhooks.com): the
 * `standard` format is {"type", "timestamp", "data"}, never translated
 * (JSON keys and enum values stay English, the corridor's name is the
 * configured one); the `text` format is {"text": "..."} for chat services,
 * one sentence in the subscription's language, with every string that came
 * from outside (reporters, organisations, the configuration) made inert for
 * their markup.  Each sentence is one msgid whose arguments are written
 * before (numbers and dates the language's way, statuses and services
 * looked up with their context), never a sentence assembled from pieces.
 */
#ifndef SW_WEBHOOK_H
#define SW_WEBHOOK_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/eval.h"
#include "util/i18n.h"
#include "util/strbuf.h"

enum webhook_event {
	WH_STATUS_CHANGED,
	WH_BLOCKADE_STARTED,
	WH_BLOCKADE_ENDED,
	WH_DISRUPTION_STARTED,
	WH_DISRUPTION_ENDED,
	WH_SOURCE_SILENT,
	WH_NEVENTS,
	WH_TEST = WH_NEVENTS,	/* `supplywatch webhook test`: never subscribed to */
};

enum webhook_format { WH_STANDARD, WH_TEXT };

/* "corridor.status_changed", ... "source.silent", "webhook.test"; NULL-terminated. */
extern const char *const webhook_event_names[];
extern const char *const webhook_format_names[];	/* "standard", "text"; NULL-terminated */

/*
 * Parses a comma-separated list of event names into a bit mask (1 << event).
 * On an unknown or empty name returns -1 and says which in err.
 */
int webhook_parse_events(const char *list, unsigned *mask, struct strbuf *err);

/* ---- the decider's state: key/value pairs ------------------------------------- */

struct wh_kv {
	char *key, *value;
};

struct wh_state {
	struct wh_kv *kv;
	size_t n, alloc;
};

void wh_state_set(struct wh_state *s, const char *key, const char *value);
const char *wh_state_get(const struct wh_state *s, const char *key);
void wh_state_free(struct wh_state *s);

/* ---- facts and events ---------------------------------------------------------- */

/* An organisation that reported on the corridor in the last 30 days. */
struct wh_org {
	const char *slug, *name;
	int64_t last_report_at;		/* its latest report on the corridor */
};

struct wh_facts {
	const struct sw_corridor *corridor;	/* its id, and its names for the text format */
	int status;			/* enum day_status of the corridor's today */
	bool blockade;			/* a blockade is ongoing */
	int64_t blockade_since, blockade_day;	/* its first local date, and today's day number */
	const struct ongoing *dis;	/* ongoing disruptions, merged by service and location */
	size_t ndis;
	const struct wh_org *orgs;
	size_t norgs;
	int64_t now;
	int64_t silent_after_s;		/* status.silent_after_hours, in seconds */
};

/* The facts of an evaluated corridor (orgs, now and silent_after_s are the caller's). */
void webhook_facts(const struct corridor_eval *e, struct wh_facts *out);

/*
 * An event says everything in data; the text format's sentence is written
 * from it in the subscription's language (webhook_text), with what data
 * holds only as English or ISO text kept apart.
 */
struct wh_event {
	enum webhook_event type;
	json_t *data;			/* the standard format's "data" (owned) */
	const struct sw_corridor *corridor;	/* the facts' (borrowed); NULL for webhook.test */
	int64_t when;			/* blockade.*: the day it began; source.silent: the last report */
};

struct wh_events {
	struct wh_event *ev;
	size_t n, alloc;
};

/*
 * The events between prev (empty: never seen) and f, appended to out, and
 * the state to keep in next (empty on entry).
 */
void webhook_decide(const struct wh_state *prev, const struct wh_facts *f,
		    struct wh_state *next, struct wh_events *out);
/* The test message of subscription id. */
void webhook_test_event(int id, struct wh_events *out);
void wh_events_free(struct wh_events *e);

/*
 * The language a subscription's text is written in: code among langs[0..n)
 * (status.languages), else langs[0], the default: when code is NULL or
 * empty (none chosen), or names a language the configuration no longer
 * serves.
 */
const struct lang *webhook_lang(struct lang *const *langs, size_t n, const char *code);
/* Appends ev's sentence in L, markup in outside strings made inert. */
void webhook_text(struct strbuf *out, const struct wh_event *ev, const struct lang *L);
/*
 * The body posted for ev in format (allocated), dated now (the "timestamp");
 * a text in L (the standard format is the same in every language).
 */
char *webhook_body(const struct wh_event *ev, enum webhook_format format, const struct lang *L, int64_t now);

/*
 * Appends s with every chat markup made inert: & < > as HTML entities
 * (Slack), Markdown's specials backslash-escaped, @ followed by a zero-width
 * space (no mentions), "://" broken (no links), line breaks and other
 * controls as spaces.  The result still goes through JSON escaping.
 */
void webhook_chat_escape(struct strbuf *out, const char *s);

/* ---- signatures, secrets and targets ------------------------------------------- */

/* "whsec_" and the base64 of 32 random bytes. */
#define WEBHOOK_SECRET_LEN (6 + 44)
/* "msg_" and 32 hex digits. */
#define WEBHOOK_MSG_ID_LEN (4 + 32)
/* "v1," and the base64 of an HMAC-SHA256. */
#define WEBHOOK_SIG_LEN (3 + 44)

void webhook_new_secret(char out[WEBHOOK_SECRET_LEN + 1]);
void webhook_new_msg_id(char out[WEBHOOK_MSG_ID_LEN + 1]);
/*
 * The webhook-signature header's value for msg_id, timestamp and body:
 * "v1," + base64(HMAC-SHA256(key, msg_id "." timestamp "." body)), the
 * key being the base64 after "whsec_" in secret.  -1 on a malformed secret.
 */
int webhook_sign(const char *secret, const char *msg_id, int64_t timestamp,
		 const char *body, size_t len, char out[WEBHOOK_SIG_LEN + 1]);

/*
 * Whether ip (numeric IPv4 or IPv6) is one a webhook must not reach unless
 * webhooks.allow_private: loopback, private, link-local, shared (CGNAT),
 * unspecified, multicast, reserved, and IPv4 mapped into IPv6 in those.
 * An unparseable address counts as private.
 */
bool webhook_ip_private(const char *ip);

#endif
