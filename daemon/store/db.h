/*
 * db: PostgreSQL connections, prepared statements and error classes.
 *
 * The daemon gives every worker thread its own connection (thread-local,
 * made on first use, closed when the thread exits).  Modules register
 * their statements once at start-up with db_register(); they are prepared
 * on every new connection, so a reconnect re-prepares them.  A lost
 * connection is retried with capped exponential backoff; while it is down
 * db_conn() returns NULL and callers answer 503.
 */
#ifndef SW_DB_H
#define SW_DB_H

#include <libpq-fe.h>
#include <stdbool.h>
#include <stdint.h>

enum db_status {
	DB_HARD = -1,	/* a bug or a constraint: the request fails for good */
	DB_OK = 0,
	DB_RETRY = 1,	/* connection lost, timeout, serialization: 503, retry */
};

struct db_stmt {
	const char *name;
	const char *sql;
};

/* The schema version this binary expects (the highest migration it embeds). */
extern const int db_schema_version;

/* Before any thread calls db_conn(). */
void db_init(const char *conninfo, int64_t statement_timeout_ms, const char *appname);
void db_register(const struct db_stmt *stmts, int n);

/* This thread's connection, or NULL while the database is unreachable. */
PGconn *db_conn(void);
/* Seconds a client should wait before retrying (for Retry-After). */
int db_retry_after(void);
/* Closes this thread's connection, e.g. after the last request on shutdown. */
void db_conn_close(void);
/* The session on c is gone (so whatever was uncommitted on it is too). */
bool db_conn_lost(PGconn *c);
/* Counts this thread's successful connects: a new value means a new session. */
unsigned db_conn_generation(void);

/* Prepares every registered statement on c (the CLI's own connection); 0 or -1. */
int db_prepare(PGconn *c);
/* Opens a one-off connection (the CLI); NULL with a logged error. */
PGconn *db_connect(const char *conninfo, const char *appname);

/*
 * Runs a prepared statement (prepared = true) or a one-off query.  On
 * DB_OK *res holds the result (caller PQclear()s).  On failure *res is the
 * error result when there is one (caller PQclear()s; may be NULL), and
 * the error is logged unless it is an integrity violation (class 23),
 * which callers turn into answers.
 */
enum db_status db_exec(PGconn *c, bool prepared, const char *stmt, int n,
		       const char *const *params, PGresult **res);
/* One execution of a prepared statement in a pipeline. */
struct db_pipelined {
	const char *stmt;
	int n;
	const char *const *params;
};
/*
 * Executes q[0..n) in one pipeline (libpq's pipeline mode): the server
 * runs each while the client reads the one before, so reading many large
 * results costs the slower side's time, not the sum of both.  each is
 * called with every result, in order, while all succeed; the worst
 * outcome is returned.  Inside a transaction, a failure aborts it.
 */
enum db_status db_pipeline(PGconn *c, const struct db_pipelined *q, size_t n,
			   void (*each)(size_t i, const PGresult *r, void *arg), void *arg);
/*
 * A prepared statement sent without waiting for its result, so the caller
 * can work meanwhile; db_receive then waits for it and says what db_exec
 * would have (*res as there).  Nothing else may run on c in between.
 */
enum db_status db_send(PGconn *c, const char *stmt, int n, const char *const *params);
enum db_status db_receive(PGconn *c, const char *stmt, PGresult **res);
/*
 * COPY ... FROM STDIN of data (text format), of any length, in pieces.
 * Always returns with the session ready for the next statement, or given
 * up (replaced at the next db_conn()).
 */
enum db_status db_copy(PGconn *c, const char *sql, const char *data, size_t len);
/*
 * Sessions opened from now on set supplywatch.notify = off: their report
 * commits send no NOTIFY (the daemon tells its snapshot in process).
 */
void db_quiet_notify(void);
/* BEGIN / COMMIT / ROLLBACK. */
enum db_status db_simple(PGconn *c, const char *sql);
/* The SQLSTATE of an error result, or "" */
const char *db_sqlstate(const PGresult *res);
/* Reads supplywatch.schema_migrations; -1 when it does not exist yet. */
int db_schema_current(PGconn *c);

#endif
