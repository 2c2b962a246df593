/* GET /healthz (the process answers) and GET /readyz (it can do its job). */
#include <stdio.h>

#include "http/http.h"
#include "store/db.h"

enum MHD_Result http_get_healthz(struct request *rq)
{
	return reply_json(rq, 200, json_pack("{s:s}", "status", "ok"));
}

enum MHD_Result http_get_readyz(struct request *rq)
{
	PGconn *c = db_conn();
	char reason[160];
	int v = -1;

	if (c) {
		v = db_schema_current(c);
		/* A session found dead is not an outage: ask again on a new one. */
		if (v < 0 && db_conn_lost(c) && (c = db_conn()))
			v = db_schema_current(c);
	}
	if (!c)
		return reply_json(rq, 503, json_pack("{s:s, s:s}", "status", "unavailable",
						      "reason", "database unreachable"));
	if (v < 0)
		return reply_json(rq, 503, json_pack("{s:s, s:s}", "status", "unavailable",
						      "reason", "cannot read the schema version"));
	if (v < db_schema_version) {
		snprintf(reason, sizeof(reason),
			 "database schema is at version %d, this server needs %d: run supplywatch migrate",
			 v, db_schema_version);
		return reply_json(rq, 503, json_pack("{s:s, s:s}", "status", "unavailable",
						      "reason", reason));
	}
	return reply_json(rq, 200, json_pack("{s:s, s:i}", "status", "ready",
					      "schema_version", v));
}
