#include "store/webhooks.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/log.h"
#include "util/valid.h"

#define EPOCH(x) "floor(extract(epoch FROM " x "))::bigint"
/* Any fixed number: the session-level advisory lock of "the deliverer". */
#define DELIVERER_LOCK "7316209163501"

static const struct db_stmt stmts[] = {
	{ "wh_lock", "SELECT pg_try_advisory_lock(" DELIVERER_LOCK ")" },
	{ "wh_subs", "SELECT id, events, corridors, format, lang FROM supplywatch.webhooks"
		     " WHERE removed_at IS NULL ORDER BY id" },
	{ "wh_state", "SELECT corridor_id, key, value FROM supplywatch.webhook_state" },
	{ "wh_state_del", "DELETE FROM supplywatch.webhook_state WHERE corridor_id = $1" },
	{ "wh_state_put", "INSERT INTO supplywatch.webhook_state (corridor_id, key, value)"
			  " SELECT $1, key, value FROM jsonb_each_text($2::jsonb)" },
	{ "wh_enqueue", "INSERT INTO supplywatch.webhook_outbox (webhook, msg_id, event, corridor_id, body, lang)"
			" VALUES ($1, $2, $3, $4, $5, $6)" },
	/* The same organisations as supplywatch_organisations{state="silent"}, per corridor. */
	{ "wh_activity",
	  "SELECT r.corridor_id, o.slug, o.name, " EPOCH("max(r.received_at)")
	  " FROM supplywatch.reports r JOIN supplywatch.organisations o ON o.id = r.org_id"
	  " WHERE r.received_at > now() - interval '30 days' AND EXISTS (SELECT 1 FROM supplywatch.tokens t"
	  " WHERE t.org_id = o.id AND t.revoked_at IS NULL)"
	  " GROUP BY r.corridor_id, o.slug, o.name ORDER BY r.corridor_id, o.slug" },
	/* Each subscription's oldest pending row: a later one never overtakes it. */
	{ "wh_claim",
	  "SELECT p.id, p.webhook, p.msg_id, p.body, p.attempts, w.url, w.secret, w.format"
	  " FROM (SELECT DISTINCT ON (o.webhook) o.* FROM supplywatch.webhook_outbox o"
	  "  WHERE o.delivered_at IS NULL AND o.webhook <> ALL ($1::integer[])"
	  "  ORDER BY o.webhook, o.id) p"
	  " JOIN supplywatch.webhooks w ON w.id = p.webhook AND w.removed_at IS NULL"
	  " WHERE p.next_attempt_at <= now() ORDER BY p.id LIMIT $2" },
	{ "wh_delivered", "UPDATE supplywatch.webhook_outbox SET delivered_at = now(), attempts = attempts + 1,"
			  " last_status = $2, last_error = NULL WHERE id = $1" },
	{ "wh_failed",
	  "UPDATE supplywatch.webhook_outbox SET attempts = attempts + 1, last_status = $2, last_error = $3,"
	  " next_attempt_at = now() + least(interval '24 hours',"
	  "  make_interval(secs => $4::double precision * power(2, least(attempts, 20))))"
	  " WHERE id = $1" },
	/* $1 days: delivered rows, and those of removed subscriptions, older than that. */
	{ "wh_prune",
	  "DELETE FROM supplywatch.webhook_outbox o"
	  " WHERE o.delivered_at < now() - make_interval(days => $1::integer)"
	  " OR (o.created_at < now() - make_interval(days => $1::integer) AND EXISTS"
	  "  (SELECT 1 FROM supplywatch.webhooks w WHERE w.id = o.webhook AND w.removed_at IS NOT NULL))" },
	{ "wh_oldest",
	  "SELECT coalesce(" EPOCH("min(o.created_at)") ", 0) FROM supplywatch.webhook_outbox o"
	  " JOIN supplywatch.webhooks w ON w.id = o.webhook AND w.removed_at IS NULL"
	  " WHERE o.delivered_at IS NULL" },
};

void webhooks_register(void)
{
	db_register(stmts, (int)(sizeof(stmts) / sizeof(stmts[0])));
}

static int64_t val_i64(const PGresult *r, int row, int col)
{
	return strtoll(PQgetvalue(r, row, col), NULL, 10);
}

/* A prepared statement whose result is not needed. */
static enum db_status run(PGconn *c, const char *stmt, int n, const char *const *params)
{
	PGresult *r;
	enum db_status s = db_exec(c, true, stmt, n, params, &r);

	PQclear(r);
	return s;
}

/* ---- subscriptions ---------------------------------------------------------------- */

/* A PostgreSQL array literal of names that need no quoting (slugs, event names). */
static void array_literal(struct strbuf *b, const char *const *v, size_t n)
{
	sb_addch(b, '{');
	for (size_t i = 0; i < n; i++)
		sb_addf(b, "%s%s", i ? "," : "", v[i]);
	sb_addch(b, '}');
}

static void events_literal(struct strbuf *b, unsigned mask)
{
	const char *names[WH_NEVENTS];
	size_t n = 0;

	for (int e = 0; e < WH_NEVENTS; e++)
		if (mask & (1u << e))
			names[n++] = webhook_event_names[e];
	array_literal(b, names, n);
}

static PGresult *one_off(PGconn *c, const char *sql, int n, const char *const *params)
{
	PGresult *r;

	if (db_exec(c, false, sql, n, params, &r) == DB_OK)
		return r;
	fprintf(stderr, "supplywatch: %s", r ? PQresultErrorMessage(r) : "the database did not answer\n");
	PQclear(r);
	return NULL;
}

int webhooks_add(PGconn *c, const struct webhook_new *w, char secret[WEBHOOK_SECRET_LEN + 1], int64_t *id)
{
	struct strbuf ev = STRBUF_INIT, co = STRBUF_INIT;
	const char *params[6];
	PGresult *r;
	int rc = -1;

	events_literal(&ev, w->events);
	array_literal(&co, w->corridors, w->ncorridors);
	webhook_new_secret(secret);
	params[0] = w->url;
	params[1] = ev.buf;
	params[2] = co.buf;
	params[3] = w->format;
	params[4] = w->lang;
	params[5] = secret;
	/* Refused when an active twin exists; the unique index backs this up under a race. */
	r = NULL;
	if (db_exec(c, false, "WITH twin AS (SELECT id FROM supplywatch.webhooks WHERE removed_at IS NULL"
		    " AND url = $1 AND format = $4 AND supplywatch.text_set(events) = supplywatch.text_set($2)"
		    " AND supplywatch.text_set(corridors) = supplywatch.text_set($3)),"
		    " ins AS (INSERT INTO supplywatch.webhooks (url, events, corridors, format, lang, secret)"
		    " SELECT $1, $2, $3, $4, $5, $6 WHERE NOT EXISTS (SELECT 1 FROM twin) RETURNING id)"
		    " SELECT id, false FROM ins UNION ALL SELECT id, true FROM twin",
		    6, params, &r) != DB_OK) {
		/* The unique index: another add of the same won a race. */
		if (r && strcmp(db_sqlstate(r), "23505") == 0) {
			rc = 1;
			*id = 0;
		} else {
			fprintf(stderr, "supplywatch: %s", r ? PQresultErrorMessage(r) : "the database did not answer\n");
		}
	} else if (PQntuples(r) == 1) {
		*id = val_i64(r, 0, 0);
		rc = strcmp(PQgetvalue(r, 0, 1), "t") == 0 ? 1 : 0;
	}
	PQclear(r);
	sb_release(&ev);
	sb_release(&co);
	return rc;
}

PGresult *webhooks_list(PGconn *c)
{
	return one_off(c, "SELECT id, url, array_to_string(events, ',') AS events,"
		       " CASE WHEN corridors = '{}' THEN '*' ELSE array_to_string(corridors, ',') END AS corridors,"
		       " format, lang, to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS\"Z\"') AS created,"
		       " (SELECT count(*) FROM supplywatch.webhook_outbox o WHERE o.webhook = w.id"
		       "  AND o.delivered_at IS NULL) AS pending"
		       " FROM supplywatch.webhooks w WHERE removed_at IS NULL ORDER BY id", 0, NULL);
}

int webhooks_remove(PGconn *c, int64_t id)
{
	char buf[24];
	const char *params[] = { buf };
	PGresult *r;
	int rc;

	snprintf(buf, sizeof(buf), "%lld", (long long)id);
	r = one_off(c, "UPDATE supplywatch.webhooks SET removed_at = now()"
		    " WHERE id = $1 AND removed_at IS NULL RETURNING id", 1, params);
	if (!r)
		return -1;
	rc = PQntuples(r) == 1 ? 0 : 1;
	PQclear(r);
	return rc;
}

static void fill_target(const PGresult *r, int row, int col, struct webhook_target *t)
{
	snprintf(t->url, sizeof(t->url), "%s", PQgetvalue(r, row, col));
	snprintf(t->secret, sizeof(t->secret), "%s", PQgetvalue(r, row, col + 1));
	t->format = strcmp(PQgetvalue(r, row, col + 2), "text") == 0 ? WH_TEXT : WH_STANDARD;
}

int webhooks_get(PGconn *c, int64_t id, struct webhook_target *out, char lang[I18N_CODE_MAX])
{
	char buf[24];
	const char *params[] = { buf };
	PGresult *r;
	int rc = 1;

	snprintf(buf, sizeof(buf), "%lld", (long long)id);
	r = one_off(c, "SELECT url, secret, format, coalesce(lang, '') FROM supplywatch.webhooks"
		    " WHERE id = $1 AND removed_at IS NULL", 1, params);
	if (!r)
		return -1;
	if (PQntuples(r) == 1) {
		out->id = id;
		fill_target(r, 0, 0, out);
		snprintf(lang, I18N_CODE_MAX, "%s", PQgetvalue(r, 0, 3));
		rc = 0;
	}
	PQclear(r);
	return rc;
}

/* ---- the deliverer's lock and inputs ------------------------------------------------ */

enum db_status webhooks_try_lock(PGconn *c, bool *held)
{
	PGresult *r;
	enum db_status s = db_exec(c, true, "wh_lock", 0, NULL, &r);

	*held = s == DB_OK && strcmp(PQgetvalue(r, 0, 0), "t") == 0;
	PQclear(r);
	return s;
}

enum db_status webhooks_activity(PGconn *c, struct webhook_activity *out)
{
	PGresult *r;
	enum db_status s = db_exec(c, true, "wh_activity", 0, NULL, &r);
	size_t n;

	memset(out, 0, sizeof(*out));
	if (s != DB_OK) {
		PQclear(r);
		return s;
	}
	n = (size_t)PQntuples(r);
	out->orgs = xcalloc(n ? n : 1, sizeof(*out->orgs));
	out->corridor = xcalloc(n ? n : 1, sizeof(*out->corridor));
	/* Offsets first: the strings' buffer moves while it grows. */
	size_t *at = xcalloc(3 * (n ? n : 1), sizeof(*at));
	for (size_t i = 0; i < n; i++)
		for (int j = 0; j < 3; j++) {
			at[3 * i + (size_t)j] = out->strings.len;
			sb_add(&out->strings, PQgetvalue(r, (int)i, j), strlen(PQgetvalue(r, (int)i, j)) + 1);
		}
	for (size_t i = 0; i < n; i++) {
		out->corridor[i] = out->strings.buf + at[3 * i];
		out->orgs[i].slug = out->strings.buf + at[3 * i + 1];
		out->orgs[i].name = out->strings.buf + at[3 * i + 2];
		out->orgs[i].last_report_at = val_i64(r, (int)i, 3);
	}
	out->n = n;
	free(at);
	PQclear(r);
	return DB_OK;
}

void webhooks_activity_free(struct webhook_activity *a)
{
	free(a->orgs);
	free(a->corridor);
	sb_release(&a->strings);
	memset(a, 0, sizeof(*a));
}

/* ---- deciding --------------------------------------------------------------------- */

struct sub {
	char id[24];
	unsigned events;
	char *corridors;	/* ",a,b," or NULL: every corridor */
	int format;
	char lang[I18N_CODE_MAX];	/* as stored: "" none */
	const struct lang *L;		/* what its text is written in (webhook_lang) */
};

/* A text[] of plain names ("{a,b}") as a mask of events. */
static unsigned events_of(const char *arr)
{
	struct strbuf b = STRBUF_INIT, err = STRBUF_INIT;
	unsigned mask = 0;

	sb_add(&b, arr + 1, strlen(arr) - 2);
	if (webhook_parse_events(b.buf, &mask, &err) != 0)
		mask = 0;
	sb_release(&b);
	sb_release(&err);
	return mask;
}

static bool wants(const struct sub *s, enum webhook_event e, const char *corridor)
{
	char needle[80];

	if (!(s->events & (1u << e)))
		return false;
	snprintf(needle, sizeof(needle), ",%s,", corridor);
	return !s->corridors || strstr(s->corridors, needle);
}

static struct sub *load_subs(PGconn *c, struct lang *const *langs, size_t nlangs, size_t *n, enum db_status *st)
{
	PGresult *r;
	struct sub *s;

	*st = db_exec(c, true, "wh_subs", 0, NULL, &r);
	if (*st != DB_OK) {
		PQclear(r);
		return NULL;
	}
	*n = (size_t)PQntuples(r);
	s = xcalloc(*n ? *n : 1, sizeof(*s));
	for (int i = 0; i < (int)*n; i++) {
		const char *co = PQgetvalue(r, i, 2);

		snprintf(s[i].id, sizeof(s[i].id), "%s", PQgetvalue(r, i, 0));
		s[i].events = events_of(PQgetvalue(r, i, 1));
		if (strcmp(co, "{}") != 0) {
			struct strbuf b = STRBUF_INIT;

			sb_addf(&b, ",%.*s,", (int)strlen(co) - 2, co + 1);
			s[i].corridors = sb_detach(&b, NULL);
		}
		s[i].format = strcmp(PQgetvalue(r, i, 3), "text") == 0 ? WH_TEXT : WH_STANDARD;
		snprintf(s[i].lang, sizeof(s[i].lang), "%s", PQgetvalue(r, i, 4));
		s[i].L = webhook_lang(langs, nlangs, s[i].lang);
	}
	PQclear(r);
	return s;
}

static void free_subs(struct sub *s, size_t n)
{
	for (size_t i = 0; s && i < n; i++)
		free(s[i].corridors);
	free(s);
}

/* Every corridor's kept state, in one result; prev gets corridor's pairs. */
static void state_of(const PGresult *r, const char *corridor, struct wh_state *prev)
{
	for (int i = 0; i < PQntuples(r); i++)
		if (strcmp(PQgetvalue(r, i, 0), corridor) == 0)
			wh_state_set(prev, PQgetvalue(r, i, 1), PQgetvalue(r, i, 2));
}

static bool same_state(const struct wh_state *a, const struct wh_state *b)
{
	if (a->n != b->n)
		return false;
	for (size_t i = 0; i < a->n; i++) {
		const char *v = wh_state_get(b, a->kv[i].key);

		if (!v || strcmp(v, a->kv[i].value) != 0)
			return false;
	}
	return true;
}

static enum db_status save_state(PGconn *c, const char *corridor, const struct wh_state *s)
{
	json_t *o = json_object();
	char *js;
	enum db_status st;

	for (size_t i = 0; i < s->n; i++)
		json_object_set_new(o, s->kv[i].key, json_string(s->kv[i].value));
	js = json_dumps(o, JSON_COMPACT);
	json_decref(o);
	{
		const char *params[] = { corridor, js };

		st = run(c, "wh_state_del", 1, params);
		if (st == DB_OK)
			st = run(c, "wh_state_put", 2, params);
	}
	free(js);
	return st;
}

static enum db_status enqueue(PGconn *c, const struct sub *s, const struct wh_event *ev,
			      const char *corridor, int64_t now)
{
	char msg_id[WEBHOOK_MSG_ID_LEN + 1];
	char *body = webhook_body(ev, (enum webhook_format)s->format, s->L, now);
	const char *text_lang = s->format == WH_TEXT ? s->L->code : NULL;
	const char *params[] = { s->id, msg_id, webhook_event_names[ev->type], corridor, body, text_lang };
	enum db_status st;

	if (text_lang && *s->lang && strcmp(s->lang, text_lang) != 0)
		log_warn("webhooks: subscription %s asks for language \"%s\", which status.languages does not list;"
			 " its message is in %s", s->id, s->lang, text_lang);
	webhook_new_msg_id(msg_id);
	st = run(c, "wh_enqueue", 6, params);
	free(body);
	return st;
}

/* One corridor: its events queued for whoever wants them, its state kept. */
static enum db_status decide_one(PGconn *c, const PGresult *states, const struct sub *subs, size_t nsubs,
				 const struct wh_facts *f, int64_t now, size_t *queued)
{
	struct wh_state prev = { 0 }, next = { 0 };
	struct wh_events ev = { 0 };
	enum db_status st = DB_OK;

	state_of(states, f->corridor->id, &prev);
	webhook_decide(&prev, f, &next, &ev);
	for (size_t e = 0; e < ev.n && st == DB_OK; e++)
		for (size_t s = 0; s < nsubs && st == DB_OK; s++)
			if (wants(&subs[s], ev.ev[e].type, f->corridor->id)) {
				st = enqueue(c, &subs[s], &ev.ev[e], f->corridor->id, now);
				*queued += st == DB_OK;
			}
	if (st == DB_OK && !same_state(&prev, &next))
		st = save_state(c, f->corridor->id, &next);
	wh_events_free(&ev);
	wh_state_free(&prev);
	wh_state_free(&next);
	return st;
}

enum db_status webhooks_decide(PGconn *c, const struct wh_facts *f, size_t n, struct lang *const *langs,
			       size_t nlangs, int64_t now, size_t *queued)
{
	PGresult *states = NULL;
	struct sub *subs = NULL;
	size_t nsubs = 0;
	enum db_status st;

	*queued = 0;
	if ((st = db_simple(c, "BEGIN")) != DB_OK)
		return st;
	subs = load_subs(c, langs, nlangs, &nsubs, &st);
	if (st == DB_OK)
		st = db_exec(c, true, "wh_state", 0, NULL, &states);
	for (size_t i = 0; i < n && st == DB_OK; i++)
		st = decide_one(c, states, subs, nsubs, &f[i], now, queued);
	PQclear(states);
	free_subs(subs, nsubs);
	if (st == DB_OK)
		st = db_simple(c, "COMMIT");
	else if (!db_conn_lost(c))
		db_simple(c, "ROLLBACK");
	if (st != DB_OK)
		*queued = 0;
	return st;
}

/* ---- delivering ------------------------------------------------------------------- */

enum db_status webhooks_claim(PGconn *c, const int64_t *busy, size_t nbusy,
			      struct webhook_pending *out, size_t max, size_t *n)
{
	struct strbuf b = STRBUF_INIT;
	char lim[24];
	const char *params[2];
	PGresult *r;
	enum db_status st;

	sb_addch(&b, '{');
	for (size_t i = 0; i < nbusy; i++)
		sb_addf(&b, "%s%lld", i ? "," : "", (long long)busy[i]);
	sb_addch(&b, '}');
	snprintf(lim, sizeof(lim), "%zu", max);
	params[0] = b.buf;
	params[1] = lim;
	*n = 0;
	st = db_exec(c, true, "wh_claim", 2, params, &r);
	sb_release(&b);
	if (st != DB_OK) {
		PQclear(r);
		return st;
	}
	for (int i = 0; i < PQntuples(r) && (size_t)i < max; i++) {
		struct webhook_pending *p = &out[(*n)++];

		memset(p, 0, sizeof(*p));
		p->row = val_i64(r, i, 0);
		p->webhook = val_i64(r, i, 1);
		snprintf(p->msg_id, sizeof(p->msg_id), "%s", PQgetvalue(r, i, 2));
		p->body = xstrdup(PQgetvalue(r, i, 3));
		p->attempts = (int)val_i64(r, i, 4);
		p->target.id = p->webhook;
		fill_target(r, i, 5, &p->target);
	}
	PQclear(r);
	return DB_OK;
}

void webhooks_pending_free(struct webhook_pending *p)
{
	free(p->body);
	p->body = NULL;
}

enum db_status webhooks_delivered(PGconn *c, int64_t row, long status)
{
	char id[24], code[24];
	const char *params[] = { id, code };

	snprintf(id, sizeof(id), "%lld", (long long)row);
	snprintf(code, sizeof(code), "%ld", status);
	return run(c, "wh_delivered", 2, params);
}

enum db_status webhooks_failed(PGconn *c, int64_t row, long status, const char *error, int64_t retry_initial_s)
{
	char id[24], code[24], initial[24];
	const char *params[] = { id, status ? code : NULL, error, initial };

	snprintf(id, sizeof(id), "%lld", (long long)row);
	snprintf(code, sizeof(code), "%ld", status);
	snprintf(initial, sizeof(initial), "%lld", (long long)retry_initial_s);
	return run(c, "wh_failed", 4, params);
}

enum db_status webhooks_prune(PGconn *c, int64_t keep_days, int64_t *deleted)
{
	char days[24];
	const char *params[] = { days };
	PGresult *r;
	enum db_status st;

	snprintf(days, sizeof(days), "%lld", (long long)keep_days);
	st = db_exec(c, true, "wh_prune", 1, params, &r);
	*deleted = st == DB_OK ? strtoll(PQcmdTuples(r), NULL, 10) : 0;
	PQclear(r);
	return st;
}

enum db_status webhooks_oldest_pending(PGconn *c, int64_t *at)
{
	PGresult *r;
	enum db_status st = db_exec(c, true, "wh_oldest", 0, NULL, &r);

	*at = st == DB_OK ? val_i64(r, 0, 0) : 0;
	PQclear(r);
	return st;
}
