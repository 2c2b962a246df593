/*
 * migrate: the schema migrations embedded from sql/ at build time, and
 * their application (each in its own transaction, recorded in
 * supplywatch.schema_migrations, under an advisory lock; idempotent).
 */
#ifndef SW_MIGRATE_H
#define SW_MIGRATE_H

#include <libpq-fe.h>
#include <stdio.h>

struct migration {
	int version;
	const char *name;
	const char *sql;
};

extern const struct migration migrations[];
extern const int nmigrations;

/* Applies what is missing, printing one line per step to out; 0 or -1. */
int migrate_apply(PGconn *c, FILE *out);

#endif
