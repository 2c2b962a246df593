/*
 * db_copy against a real server (run by tests/integration/t26-db-copy.sh,
 * not as a unit test: it needs PostgreSQL).  Usage: probe_db_copy CONNINFO.
 * Prints one line per check, "ok ..." or "FAIL ..."; exits 1 on a failure.
 *
 * A COPY of more bytes than fit in an int used to make libpq refuse the
 * data while the session stayed in COPY state, and db_copy then asked for
 * the result for ever.  It must return, with the session usable.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "store/db.h"
#include "util/log.h"
#include "util/strbuf.h"

static int failed;

static void check(int cond, const char *what)
{
	printf("%s %s\n", cond ? "ok" : "FAIL", what);
	fflush(stdout);
	failed += !cond;
}

static long count(PGconn *c)
{
	PGresult *r = PQexec(c, "SELECT count(*) FROM pg_temp.probe");
	long n = PQresultStatus(r) == PGRES_TUPLES_OK ? strtol(PQgetvalue(r, 0, 0), NULL, 10) : -1;

	PQclear(r);
	return n;
}

int main(int argc, char **argv)
{
	struct strbuf rows = STRBUF_INIT;
	size_t huge = (size_t)0x7fffffff - 16;	/* INT_MAX - 16: libpq cannot take it in one piece */
	char *zeros;
	PGconn *c;

	if (argc != 2) {
		fprintf(stderr, "usage: probe_db_copy CONNINFO\n");
		return 2;
	}
	log_set_level(LOG_LEVEL_ERROR);
	c = db_connect(argv[1], "probe_db_copy");
	if (!c)
		return 1;
	check(db_simple(c, "CREATE TEMP TABLE probe (a text)") == DB_OK, "a table to copy into");
	/* Three pieces and a bit: 3.5 MiB of rows. */
	while (rows.len < (size_t)7 << 19)
		sb_addstr(&rows, "a row of text, long enough to fill a few pieces quickly\n");
	check(db_copy(c, "COPY pg_temp.probe FROM STDIN", rows.buf, rows.len) == DB_OK, "a COPY of several pieces");
	check(count(c) == (long)(rows.len / strlen("a row of text, long enough to fill a few pieces quickly\n")),
	      "every row arrived");
	/* Zero bytes are not valid text: the server refuses the data, and the COPY must end. */
	zeros = mmap(NULL, huge, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	check(zeros != MAP_FAILED, "2 GiB of zeros mapped");
	check(db_copy(c, "COPY pg_temp.probe FROM STDIN", zeros, huge) != DB_OK, "a 2 GiB COPY of bad data fails");
	check(PQstatus(c) == CONNECTION_OK && count(c) == (long)(rows.len / strlen("a row of text, long enough to fill a few pieces quickly\n")),
	      "and returns with the session usable and nothing added");
	munmap(zeros, huge);
	sb_release(&rows);
	PQfinish(c);
	return failed ? 1 : 0;
}
