#include "store/migrate.h"

#include <stdio.h>
#include <stdlib.h>

#include "store/db.h"
#include "util/log.h"

static const char bootstrap_sql[] =
	"CREATE SCHEMA IF NOT EXISTS supplywatch;"
	"CREATE TABLE IF NOT EXISTS supplywatch.schema_migrations ("
	" version integer PRIMARY KEY,"
	" name text NOT NULL,"
	" applied_at timestamptz NOT NULL DEFAULT now())";

/* Any constant will do, as long as every supplywatch migrate uses it. */
#define MIGRATE_LOCK "SELECT pg_advisory_lock(7236105563029410)"
#define MIGRATE_UNLOCK "SELECT pg_advisory_unlock(7236105563029410)"

static int apply_one(PGconn *c, const struct migration *m)
{
	char version[16];
	const char *params[] = { version, m->name };
	PGresult *r;

	snprintf(version, sizeof(version), "%d", m->version);
	if (db_simple(c, "BEGIN") != DB_OK)
		return -1;
	r = PQexec(c, m->sql);
	if (PQresultStatus(r) != PGRES_COMMAND_OK && PQresultStatus(r) != PGRES_TUPLES_OK) {
		log_err("migration %s failed: %s %s", m->name, db_sqlstate(r),
			PQresultErrorMessage(r));
		PQclear(r);
		db_simple(c, "ROLLBACK");
		return -1;
	}
	PQclear(r);
	if (db_exec(c, false, "INSERT INTO supplywatch.schema_migrations (version, name) "
		    "VALUES ($1, $2)", 2, params, &r) != DB_OK) {
		PQclear(r);
		db_simple(c, "ROLLBACK");
		return -1;
	}
	PQclear(r);
	return db_simple(c, "COMMIT") == DB_OK ? 0 : -1;
}

int migrate_apply(PGconn *c, FILE *out)
{
	int current, applied = 0, rc = 0;

	if (db_simple(c, MIGRATE_LOCK) != DB_OK)
		return -1;
	if (db_simple(c, bootstrap_sql) != DB_OK) {
		rc = -1;
		goto out;
	}
	current = db_schema_current(c);
	if (current < 0) {
		rc = -1;
		goto out;
	}
	if (current > nmigrations) {
		log_err("database schema version %d is newer than this supplywatch (%d): "
			"upgrade supplywatch", current, nmigrations);
		rc = -1;
		goto out;
	}
	for (int i = current; i < nmigrations; i++) {
		if (apply_one(c, &migrations[i]) != 0) {
			rc = -1;
			goto out;
		}
		fprintf(out, "applied %s\n", migrations[i].name);
		applied++;
	}
	fprintf(out, "schema is at version %d (%s)\n", nmigrations,
		applied ? "migrated" : "already up to date");
out:
	db_simple(c, MIGRATE_UNLOCK);
	return rc;
}
