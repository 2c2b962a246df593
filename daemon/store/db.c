#include "store/db.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "util/clock.h"
#include "util/log.h"
#include "util/strbuf.h"

#define MAX_STMTS 128
#define BACKOFF_MIN_MS 250
#define BACKOFF_MAX_MS 5000
#define COPY_PIECE ((size_t)1 << 20)	/* bytes handed to libpq at a time */

/* Copies: the configuration they came from may be replaced by a reload. */
static char *g_conninfo;
static char *g_appname;
static int64_t g_statement_timeout_ms = 5000;
static const struct db_stmt *g_stmts[MAX_STMTS];
static int g_nstmts;
static pthread_key_t g_key;
static pthread_once_t g_key_once = PTHREAD_ONCE_INIT;

struct thread_conn {
	PGconn *pg;
	bool lost;			/* an error said the session is gone */
	unsigned generation;		/* successful connects so far */
	int64_t next_attempt_ms;	/* monotonic; no attempt before this... */
	unsigned connects_seen;		/* ...unless another thread connected since */
	int backoff_ms;
	bool up;
};

/*
 * Connects that succeeded, in any thread: once one has, the database is
 * back, and a thread waiting out its backoff tries again at once.
 */
static atomic_uint g_connects;

static void thread_conn_free(void *p)
{
	struct thread_conn *tc = p;

	if (tc->pg)
		PQfinish(tc->pg);
	free(tc);
}

static bool g_key_ready;

static void make_key(void)
{
	if (pthread_key_create(&g_key, thread_conn_free) != 0)
		fatal("pthread_key_create failed");
	g_key_ready = true;
}

/* This thread's connection state, if db_init ran (the CLI has none). */
static struct thread_conn *thread_conn_if_any(void)
{
	return g_key_ready ? pthread_getspecific(g_key) : NULL;
}

void db_init(const char *conninfo, int64_t statement_timeout_ms, const char *appname)
{
	free(g_conninfo);
	free(g_appname);
	g_conninfo = xstrdup(conninfo);
	g_statement_timeout_ms = statement_timeout_ms;
	g_appname = xstrdup(appname);
	pthread_once(&g_key_once, make_key);
}

void db_register(const struct db_stmt *stmts, int n)
{
	for (int i = 0; i < n; i++) {
		if (g_nstmts == MAX_STMTS)
			fatal("too many prepared statements; raise MAX_STMTS");
		g_stmts[g_nstmts++] = &stmts[i];
	}
}

/* libpq would print notices (e.g. "relation exists, skipping") on stderr. */
static void quiet_notice(void *arg, const char *message)
{
	(void)arg;
	log_debug("postgres: %s", message);
}

PGconn *db_connect(const char *conninfo, const char *appname)
{
	/*
	 * Defaults that database.conninfo (expanded from dbname) may override:
	 * over TCP, a peer that vanished without a word (a partition, a dead
	 * host) is noticed within about 25 s instead of the kernel's two hours,
	 * so no thread waits for ever and the watchdog (WatchdogSec=60s) keeps
	 * its promise.  Unix sockets ignore them.
	 */
	const char *keys[] = { "connect_timeout", "keepalives", "keepalives_idle",
			       "keepalives_interval", "keepalives_count", "tcp_user_timeout",
			       "dbname", "application_name", NULL };
	const char *vals[] = { "5", "1", "10", "5", "3", "20000", conninfo, appname, NULL };
	PGconn *c;

	c = PQconnectdbParams(keys, vals, 1);
	if (!c || PQstatus(c) != CONNECTION_OK) {
		log_err("database: cannot connect: %s",
			c ? PQerrorMessage(c) : "out of memory");
		PQfinish(c);
		return NULL;
	}
	PQsetNoticeProcessor(c, quiet_notice, NULL);
	return c;
}

/* Session settings and statements, on every fresh connection. */
static bool g_quiet;

void db_quiet_notify(void)
{
	g_quiet = true;
}

static bool setup_conn(PGconn *c)
{
	char sql[160];

	snprintf(sql, sizeof(sql), "SET statement_timeout = %lld; SET TimeZone = 'UTC'%s",
		 (long long)g_statement_timeout_ms,
		 g_quiet ? "; SET supplywatch.notify = 'off'" : "");
	if (db_simple(c, sql) != DB_OK)
		return false;
	return db_prepare(c) == 0;
}

int db_prepare(PGconn *c)
{
	PGresult *r;

	for (int i = 0; i < g_nstmts; i++) {
		r = PQprepare(c, g_stmts[i]->name, g_stmts[i]->sql, 0, NULL);
		if (PQresultStatus(r) != PGRES_COMMAND_OK) {
			log_err("database: cannot prepare %s: %s %s", g_stmts[i]->name,
				db_sqlstate(r), PQresultErrorMessage(r));
			PQclear(r);
			return -1;
		}
		PQclear(r);
	}
	return 0;
}

static struct thread_conn *thread_conn(void)
{
	struct thread_conn *tc = pthread_getspecific(g_key);

	if (!tc) {
		tc = xcalloc(1, sizeof(*tc));
		tc->backoff_ms = BACKOFF_MIN_MS;
		pthread_setspecific(g_key, tc);
	}
	return tc;
}

PGconn *db_conn(void)
{
	struct thread_conn *tc = thread_conn();
	int64_t now;

	if (tc->pg && PQstatus(tc->pg) == CONNECTION_OK && !tc->lost)
		return tc->pg;
	if (tc->pg) {
		PQfinish(tc->pg);
		tc->pg = NULL;
	}
	tc->lost = false;
	now = clock_ms();
	if (now < tc->next_attempt_ms && atomic_load(&g_connects) == tc->connects_seen)
		return NULL;
	tc->pg = db_connect(g_conninfo, g_appname);
	if (tc->pg && setup_conn(tc->pg)) {
		if (!tc->up)
			log_info("database: connected");
		tc->up = true;
		tc->generation++;
		tc->backoff_ms = BACKOFF_MIN_MS;
		atomic_fetch_add(&g_connects, 1);
		return tc->pg;
	}
	if (tc->pg) {
		PQfinish(tc->pg);
		tc->pg = NULL;
	}
	tc->up = false;
	tc->next_attempt_ms = now + tc->backoff_ms;
	tc->connects_seen = atomic_load(&g_connects);
	log_warn("database: unavailable, next attempt in %d ms", tc->backoff_ms);
	tc->backoff_ms = tc->backoff_ms * 2 > BACKOFF_MAX_MS ? BACKOFF_MAX_MS : tc->backoff_ms * 2;
	return NULL;
}

/* Both work without db_init too (the CLI): there is no backoff then. */
int db_retry_after(void)
{
	struct thread_conn *tc = thread_conn_if_any();
	int64_t wait = tc ? tc->next_attempt_ms - clock_ms() : 0;

	return wait <= 1000 ? 1 : (int)((wait + 999) / 1000);
}

unsigned db_conn_generation(void)
{
	struct thread_conn *tc = thread_conn_if_any();

	return tc ? tc->generation : 0;
}

void db_conn_close(void)
{
	struct thread_conn *tc = thread_conn_if_any();

	if (tc && tc->pg) {
		PQfinish(tc->pg);
		tc->pg = NULL;
	}
}

const char *db_sqlstate(const PGresult *res)
{
	const char *s = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;

	return s ? s : "";
}

bool db_conn_lost(PGconn *c)
{
	struct thread_conn *tc = thread_conn_if_any();

	return PQstatus(c) != CONNECTION_OK || (tc && tc->pg == c && tc->lost);
}

/*
 * libpq's own errors (the server vanished mid-query) carry no SQLSTATE and
 * may leave PQstatus() at CONNECTION_OK until the next call: the session is
 * gone all the same, and so are the admin-shutdown and crash states.
 */
static void note_lost(PGconn *c, const char *state)
{
	struct thread_conn *tc = thread_conn_if_any();

	if ((*state == '\0' || strncmp(state, "08", 2) == 0 || strncmp(state, "57P", 3) == 0) &&
	    tc && tc->pg == c)
		tc->lost = true;
}

static bool retryable(const char *state)
{
	return *state == '\0' ||			/* libpq: connection lost */
	       strncmp(state, "08", 2) == 0 ||		/* connection exception */
	       strncmp(state, "53", 2) == 0 ||		/* insufficient resources */
	       strcmp(state, "40001") == 0 ||		/* serialization failure */
	       strcmp(state, "40P01") == 0 ||		/* deadlock */
	       strcmp(state, "55P03") == 0 ||		/* lock not available */
	       strcmp(state, "57014") == 0 ||		/* statement timeout */
	       strncmp(state, "57P", 3) == 0;		/* shutdown, cannot connect now */
}

/* What a result says: OK, or a failure logged and classified. */
static enum db_status outcome(PGconn *c, const char *what, const PGresult *r)
{
	ExecStatusType st = PQresultStatus(r);
	const char *state;

	if (st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK)
		return DB_OK;
	state = db_sqlstate(r);
	note_lost(c, state);
	if (PQstatus(c) != CONNECTION_OK || !r || retryable(state)) {
		log_warn("database: %s: %s %s", what, state,
			 r ? PQresultErrorMessage(r) : PQerrorMessage(c));
		return DB_RETRY;
	}
	if (strncmp(state, "23", 2) != 0)
		log_err("database: %s: %s %s", what, state, PQresultErrorMessage(r));
	return DB_HARD;
}

enum db_status db_exec(PGconn *c, bool prepared, const char *stmt, int n,
		       const char *const *params, PGresult **res)
{
	PGresult *r = prepared ? PQexecPrepared(c, stmt, n, params, NULL, NULL, 0)
			       : PQexecParams(c, stmt, n, NULL, params, NULL, NULL, 0);

	*res = r;
	return outcome(c, prepared ? stmt : "query", r);
}

enum db_status db_send(PGconn *c, const char *stmt, int n, const char *const *params)
{
	if (PQsendQueryPrepared(c, stmt, n, params, NULL, NULL, 0) == 1)
		return DB_OK;
	note_lost(c, "");
	log_warn("database: %s: cannot send: %s", stmt, PQerrorMessage(c));
	return DB_RETRY;
}

enum db_status db_receive(PGconn *c, const char *stmt, PGresult **res)
{
	PGresult *extra;

	*res = PQgetResult(c);
	/* One statement, one result: whatever follows (nothing, normally) is read and dropped. */
	while ((extra = PQgetResult(c)))
		PQclear(extra);
	return outcome(c, stmt, *res);
}

/* The worse of two outcomes: a hard error over a retryable one over success. */
static enum db_status worse(enum db_status a, enum db_status b)
{
	return a == DB_HARD || b == DB_HARD ? DB_HARD : a == DB_RETRY || b == DB_RETRY ? DB_RETRY : DB_OK;
}

/* Reads the pipeline's results up to its sync; each result goes to each while all succeed. */
static enum db_status pipeline_results(PGconn *c, const struct db_pipelined *q, size_t n,
				       void (*each)(size_t i, const PGresult *r, void *arg), void *arg)
{
	enum db_status s = DB_OK;

	for (size_t i = 0; i < n; i++) {
		PGresult *r = PQgetResult(c);

		if (!r)
			return DB_RETRY;	/* the connection broke */
		if (PQresultStatus(r) == PGRES_PIPELINE_ABORTED)
			s = worse(s, DB_HARD);
		else
			s = worse(s, outcome(c, q[i].stmt, r));
		if (s == DB_OK)
			each(i, r, arg);
		PQclear(r);
		PQclear(PQgetResult(c));	/* the NULL that ends each query's results */
	}
	for (PGresult *r; (r = PQgetResult(c)) != NULL;) {
		bool synced = PQresultStatus(r) == PGRES_PIPELINE_SYNC;

		PQclear(r);
		if (synced)
			break;
	}
	return s;
}

enum db_status db_pipeline(PGconn *c, const struct db_pipelined *q, size_t n,
			   void (*each)(size_t i, const PGresult *r, void *arg), void *arg)
{
	enum db_status s;

	if (!PQenterPipelineMode(c)) {
		log_warn("database: cannot enter pipeline mode: %s", PQerrorMessage(c));
		return DB_RETRY;
	}
	for (size_t i = 0; i < n; i++)
		if (!PQsendQueryPrepared(c, q[i].stmt, q[i].n, q[i].params, NULL, NULL, 0)) {
			log_warn("database: %s: %s", q[i].stmt, PQerrorMessage(c));
			note_lost(c, "");
			return DB_RETRY;
		}
	if (!PQpipelineSync(c)) {
		log_warn("database: pipeline: %s", PQerrorMessage(c));
		note_lost(c, "");
		return DB_RETRY;
	}
	s = pipeline_results(c, q, n, each, arg);
	if (!PQexitPipelineMode(c)) {
		log_warn("database: cannot leave pipeline mode: %s", PQerrorMessage(c));
		note_lost(c, "");
		s = DB_RETRY;
	}
	return s;
}

/* A session that cannot be brought back to a known state: replaced at the next db_conn(). */
static void give_up(PGconn *c)
{
	struct thread_conn *tc = thread_conn_if_any();

	if (tc && tc->pg == c)
		tc->lost = true;
}

/* Sends data in pieces; false when a piece could not be queued. */
static bool copy_send(PGconn *c, const char *data, size_t len)
{
	for (size_t off = 0; off < len;) {
		size_t n = len - off < COPY_PIECE ? len - off : COPY_PIECE;

		/* Blocking connection: PQputCopyData queues and sends as it goes. */
		if (PQputCopyData(c, data + off, (int)n) != 1)
			return false;
		off += n;
	}
	return true;
}

/*
 * The COPY's outcome.  Every result is read, so the session is ready for
 * the next statement; one still in COPY state (ending it failed) cannot
 * be, and is given up rather than asked again and again.
 */
static enum db_status copy_result(PGconn *c)
{
	enum db_status s = DB_OK;
	PGresult *r;

	while ((r = PQgetResult(c))) {
		ExecStatusType st = PQresultStatus(r);

		if (st == PGRES_COPY_IN || st == PGRES_COPY_OUT || st == PGRES_COPY_BOTH) {
			log_warn("database: copy: the session is stuck in COPY; dropping it");
			give_up(c);
			PQclear(r);
			return DB_RETRY;
		}
		if (st != PGRES_COMMAND_OK && s == DB_OK) {
			note_lost(c, db_sqlstate(r));
			s = PQstatus(c) != CONNECTION_OK || retryable(db_sqlstate(r)) ? DB_RETRY : DB_HARD;
			log_warn("database: copy: %s %s", db_sqlstate(r), PQresultErrorMessage(r));
		}
		PQclear(r);
	}
	return s;
}

enum db_status db_copy(PGconn *c, const char *sql, const char *data, size_t len)
{
	PGresult *r = PQexec(c, sql);
	enum db_status s;
	bool sent;

	if (PQresultStatus(r) != PGRES_COPY_IN) {
		note_lost(c, db_sqlstate(r));
		s = PQstatus(c) != CONNECTION_OK || !r || retryable(db_sqlstate(r)) ? DB_RETRY : DB_HARD;
		log_warn("database: copy: %s %s", db_sqlstate(r), r ? PQresultErrorMessage(r) : PQerrorMessage(c));
		PQclear(r);
		while ((r = PQgetResult(c)))
			PQclear(r);
		return s;
	}
	PQclear(r);
	sent = copy_send(c, data, len);
	/* Data that could not be sent ends the COPY with an error: the server keeps none of it. */
	if (PQputCopyEnd(c, sent ? NULL : "supplywatch: could not send the COPY data") != 1) {
		log_warn("database: copy: cannot end the COPY: %s", PQerrorMessage(c));
		give_up(c);
		return DB_RETRY;
	}
	s = copy_result(c);
	return sent ? s : DB_RETRY;
}

enum db_status db_simple(PGconn *c, const char *sql)
{
	PGresult *r = NULL;
	enum db_status s;

	/* PQexec allows several statements; only trusted, constant SQL comes here. */
	r = PQexec(c, sql);
	if (PQresultStatus(r) == PGRES_COMMAND_OK || PQresultStatus(r) == PGRES_TUPLES_OK) {
		PQclear(r);
		return DB_OK;
	}
	note_lost(c, db_sqlstate(r));
	s = PQstatus(c) != CONNECTION_OK || retryable(db_sqlstate(r)) ? DB_RETRY : DB_HARD;
	log_warn("database: %.40s: %s %s", sql, db_sqlstate(r),
		 r ? PQresultErrorMessage(r) : PQerrorMessage(c));
	PQclear(r);
	return s;
}

int db_schema_current(PGconn *c)
{
	PGresult *r;
	int v = -1;

	if (db_exec(c, false, "SELECT coalesce(max(version), 0) FROM supplywatch.schema_migrations",
		    0, NULL, &r) == DB_OK && PQntuples(r) == 1)
		v = atoi(PQgetvalue(r, 0, 0));
	PQclear(r);
	return v;
}
