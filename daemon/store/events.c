#include "store/events.h"

#include <string.h>

#include "util/strbuf.h"

#define CHANNEL_CHANGED "supplywatch_changed"
#define CHANNEL_TOKENS "supplywatch_tokens"

static const struct db_stmt stmts[] = {
	/* $1: a text[] of corridor ids; "" means every corridor. */
	{ "announce", "SELECT pg_notify('" CHANNEL_CHANGED "', c) FROM unnest($1::text[]) c" },
};

void events_register(void)
{
	db_register(stmts, (int)(sizeof(stmts) / sizeof(stmts[0])));
}

enum db_status events_listen(PGconn *c)
{
	return db_simple(c, "LISTEN " CHANNEL_CHANGED "; LISTEN " CHANNEL_TOKENS);
}

bool events_drain(PGconn *c, struct changed *heard, bool *tokens)
{
	int self = PQbackendPID(c);
	PGnotify *n;

	if (!PQconsumeInput(c))
		return false;
	while ((n = PQnotifies(c))) {
		if (strcmp(n->relname, CHANNEL_TOKENS) == 0)
			*tokens = true;
		else if (n->be_pid != self)	/* our own announcement: already known */
			changed_add(heard, n->extra);
		PQfreemem(n);
	}
	return true;
}

/* An array literal of the ids, each quoted ({"a","b"}), or {""} for all. */
static void array_literal(struct strbuf *out, const struct changed *local)
{
	sb_addch(out, '{');
	if (local->all)
		sb_addstr(out, "\"\"");
	for (size_t i = 0; i < local->n && !local->all; i++) {
		sb_addstr(out, i ? ",\"" : "\"");
		for (const char *p = local->id[i]; *p; p++) {
			if (*p == '"' || *p == '\\')
				sb_addch(out, '\\');
			sb_addch(out, *p);
		}
		sb_addch(out, '"');
	}
	sb_addch(out, '}');
}

enum db_status events_announce(PGconn *c, const struct changed *local)
{
	struct strbuf ids = STRBUF_INIT;
	const char *params[1];
	PGresult *r;
	enum db_status s;

	if (!changed_any(local))
		return DB_OK;
	array_literal(&ids, local);
	params[0] = ids.buf;
	s = db_exec(c, true, "announce", 1, params, &r);
	PQclear(r);
	sb_release(&ids);
	return s;
}
