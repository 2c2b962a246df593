/*
 * supplywatch: the administration command line.  Same configuration file
 * as the daemon; connects with database.conninfo (libpq defaults and PG*
 * variables when empty), usually as the role that owns the schema.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core/config.h"
#include "core/ledger.h"
#include "core/note.h"
#include "core/report.h"
#include "core/review.h"
#include "core/webhook.h"
#include "publish/ledger_verify.h"
#include "publish/webhook_client.h"
#include "store/csv_import.h"
#include "store/db.h"
#include "store/ingest.h"
#include "store/ledger.h"
#include "store/migrate.h"
#include "store/review.h"
#include "store/webhooks.h"
#include "util/log.h"
#include "util/token.h"
#include "util/valid.h"
#include "util/version.h"

static const char usage_text[] =
	"usage: supplywatch [-c FILE] COMMAND [ARGS]\n"
	"commands:\n"
	"  migrate                          apply the schema migrations (idempotent)\n"
	"  check-config                     validate the configuration file\n"
	"  config-keys                      list every setting with its default\n"
	"  org add SLUG \"Display name\" [--reviewer]\n"
	"                                   add an organisation (--reviewer: it may review reports)\n"
	"  org set SLUG [--name TEXT] [--method TEXT] [--url URL] [--reviewer|--no-reviewer]\n"
	"                                   describe an organisation and its method\n"
	"  org list                         list organisations\n"
	"  token issue ORG [--label TEXT] [--scope submit|review|read]\n"
	"                                   issue a token; it is printed once, on the last line\n"
	"  token list                       list tokens (never the tokens themselves)\n"
	"  token revoke ID                  revoke a token\n"
	"  review list [--corridor ID] [--state STATE] [--limit N]\n"
	"                                   current reports in a review state (default received)\n"
	"  review set ORG REPORT_ID STATE --as REVIEWER [--comment TEXT]\n"
	"                                   review a report version: received, published,\n"
	"                                   has_issues or rejected\n"
	"  import --org ORG [--kind KIND] [--corridor ID] FILE.csv\n"
	"                                   import a CSV file (header names or HXL hashtags; - reads stdin)\n"
	"  webhook add URL [--events LIST] [--corridor ID]... [--format standard|text] [--lang L]\n"
	"                                   subscribe URL to events (default: all, every corridor;\n"
	"                                   text in status.default_language); its signing secret\n"
	"                                   is printed once, on the last line\n"
	"  webhook list                     list subscriptions (never their secrets)\n"
	"  webhook remove ID                remove a subscription (its pending messages are dropped)\n"
	"  webhook test ID                  send a signed webhook.test message now; exit 0 on HTTP 2xx\n"
	"  ledger keygen --out FILE [--name NAME]\n"
	"                                   make the ledger's signing key (mode 0600); prints its\n"
	"                                   verifier key (default name: this host's name/supplywatch)\n"
	"  ledger key                       print the verifier key of ledger.signing_key_file\n"
	"  verify --url URL | --db  [--key VKEY]... [--head FILE]\n"
	"                                   check the public ledger: the heads' signatures (by a\n"
	"                                   VKEY; default: the daemon's, or with --db the configured\n"
	"                                   key's), FILE's head still a prefix, every entry and\n"
	"                                   (--db) every stored report; names the first bad index\n"
	"options:\n"
	"  -c, --config FILE                configuration file (default " SW_DEFAULT_CONFIG ")\n";

static int usage(void)
{
	fputs(usage_text, stderr);
	return 2;
}

static PGconn *connect_db(const struct sw_config *cfg)
{
	PGconn *c = db_connect(cfg->conninfo, "supplywatch");

	if (c)
		db_simple(c, "SET TimeZone = 'UTC'");
	return c;
}

/* Runs a one-off query; prints the error and returns NULL on failure. */
static PGresult *query(PGconn *c, const char *sql, int n, const char *const *params)
{
	PGresult *r;

	if (db_exec(c, false, sql, n, params, &r) == DB_OK)
		return r;
	if (strcmp(db_sqlstate(r), "42P01") == 0 || strcmp(db_sqlstate(r), "3F000") == 0)
		fprintf(stderr, "supplywatch: the database has no supplywatch schema: run supplywatch migrate\n");
	else if (strncmp(db_sqlstate(r), "23", 2) != 0)
		fprintf(stderr, "supplywatch: %s", PQresultErrorMessage(r));
	PQclear(r);
	return NULL;
}

static void print_rows(PGresult *r)
{
	int cols = PQnfields(r);

	for (int j = 0; j < cols; j++)
		printf("%s%s", j ? "\t" : "", PQfname(r, j));
	putchar('\n');
	for (int i = 0; i < PQntuples(r); i++) {
		for (int j = 0; j < cols; j++)
			printf("%s%s", j ? "\t" : "", PQgetisnull(r, i, j) ? "-" : PQgetvalue(r, i, j));
		putchar('\n');
	}
}

static int cmd_migrate(PGconn *c)
{
	return migrate_apply(c, stdout) == 0 ? 0 : 1;
}

static int cmd_org_add(PGconn *c, const char *slug, const char *name, bool reviewer)
{
	const char *params[] = { slug, name, reviewer ? "t" : "f" };
	const char *why;
	PGresult *r;

	if (!valid_slug(slug)) {
		fprintf(stderr, "supplywatch: org slug \"%s\" must be 1-63 characters of a-z, 0-9, '-' or '_'\n", slug);
		return 1;
	}
	if ((why = valid_text(name, 200))) {
		fprintf(stderr, "supplywatch: org display name %s\n", why);
		return 1;
	}
	if (db_exec(c, false, "INSERT INTO supplywatch.organisations (slug, name, reviewer)"
		    " VALUES ($1, $2, $3) RETURNING id", 3, params, &r) != DB_OK) {
		if (strcmp(db_sqlstate(r), "23505") == 0)
			fprintf(stderr, "supplywatch: organisation \"%s\" already exists\n", slug);
		else
			fprintf(stderr, "supplywatch: %s", PQresultErrorMessage(r));
		PQclear(r);
		return 1;
	}
	printf("organisation %s added (id %s)%s\n", slug, PQgetvalue(r, 0, 0),
	       reviewer ? " as a reviewer" : "");
	PQclear(r);
	return 0;
}

/*
 * org set SLUG [--name TEXT] [--method TEXT] [--url URL] [--reviewer|--no-reviewer]:
 * what the page shows under "Sources and methods", and whether the
 * organisation reviews others' reports.  An empty --method or --url clears it.
 */
static int cmd_org_set(PGconn *c, int argc, char **argv)
{
	const char *slug = argv[2], *name = NULL, *method = NULL, *url = NULL, *reviewer = NULL, *why;
	bool set_method = false, set_url = false;
	const char *params[7];
	PGresult *r;

	for (int i = 3; i < argc; i++) {
		if (strcmp(argv[i], "--reviewer") == 0 || strcmp(argv[i], "--no-reviewer") == 0) {
			reviewer = argv[i][2] == 'r' ? "t" : "f";
			continue;
		}
		if (i + 1 >= argc)
			return usage();
		if (strcmp(argv[i], "--name") == 0)
			name = argv[++i];
		else if (strcmp(argv[i], "--method") == 0)
			method = argv[++i], set_method = true;
		else if (strcmp(argv[i], "--url") == 0)
			url = argv[++i], set_url = true;
		else
			return usage();
	}
	if (!name && !set_method && !set_url && !reviewer)
		return usage();
	if (name && (why = valid_text(name, 200))) {
		fprintf(stderr, "supplywatch: --name %s\n", why);
		return 1;
	}
	if (method && *method && (why = valid_text(method, 4000))) {
		fprintf(stderr, "supplywatch: --method %s\n", why);
		return 1;
	}
	if (url && *url && !valid_url(url)) {
		fprintf(stderr, "supplywatch: --url must be an http:// or https:// URL of at most 2048 bytes\n");
		return 1;
	}
	params[0] = slug;
	params[1] = name;
	params[2] = set_method ? "t" : "f";
	params[3] = method && *method ? method : NULL;
	params[4] = set_url ? "t" : "f";
	params[5] = url && *url ? url : NULL;
	params[6] = reviewer;
	if (db_exec(c, false, "UPDATE supplywatch.organisations SET name = coalesce($2, name),"
		    " method = CASE WHEN $3::boolean THEN $4 ELSE method END,"
		    " method_url = CASE WHEN $5::boolean THEN $6 ELSE method_url END,"
		    " reviewer = coalesce($7::boolean, reviewer)"
		    " WHERE slug = $1 RETURNING id", 7, params, &r) != DB_OK) {
		fprintf(stderr, "supplywatch: %s", PQresultErrorMessage(r));
		PQclear(r);
		return 1;
	}
	if (PQntuples(r) == 0) {
		fprintf(stderr, "supplywatch: no organisation \"%s\" (see supplywatch org list)\n", slug);
		PQclear(r);
		return 1;
	}
	printf("organisation %s updated\n", slug);
	PQclear(r);
	return 0;
}

static int cmd_list(PGconn *c, const char *sql)
{
	PGresult *r = query(c, sql, 0, NULL);

	if (!r)
		return 1;
	print_rows(r);
	PQclear(r);
	return 0;
}

static int cmd_token_issue(PGconn *c, const struct sw_config *cfg, const char *org,
			   const char *label, const char *scope)
{
	unsigned char key[PEPPER_KEY_LEN], hash[TOKEN_HASH_LEN];
	char token[TOKEN_LEN + 1], hex[2 + 2 * TOKEN_HASH_LEN + 1];
	const char *params[] = { org, hex, label, scope };
	struct strbuf err = STRBUF_INIT;
	const char *why;
	PGresult *r;

	if (*label && (why = valid_text(label, 200))) {
		fprintf(stderr, "supplywatch: --label %s\n", why);
		return 1;
	}
	if (scope_parse(scope) < 0) {
		fprintf(stderr, "supplywatch: --scope must be submit, review or read\n");
		return 1;
	}
	if (token_load_pepper(cfg->pepper_file, key, &err) != 0) {
		fprintf(stderr, "supplywatch: %s\n", err.buf);
		sb_release(&err);
		return 1;
	}
	token_generate(token);
	token_hash(key, token, strlen(token), hash);
	sodium_memzero(key, sizeof(key));
	hex_bytea(hash, sizeof(hash), hex);
	r = query(c, "INSERT INTO supplywatch.tokens (org_id, hash, label, scope)"
		  " SELECT id, $2, $3, $4 FROM supplywatch.organisations WHERE slug = $1 RETURNING id",
		  4, params);
	if (!r)
		return 1;
	if (PQntuples(r) != 1) {
		fprintf(stderr, "supplywatch: no organisation \"%s\" (see supplywatch org list)\n", org);
		PQclear(r);
		return 1;
	}
	printf("token %s (scope %s) issued for %s; it is shown only now:\n%s\n", PQgetvalue(r, 0, 0),
	       scope, org, token);
	sodium_memzero(token, sizeof(token));
	PQclear(r);
	return 0;
}

static int cmd_token_revoke(PGconn *c, const char *id)
{
	const char *params[] = { id };
	int64_t n;
	PGresult *r;

	if (!parse_int64(id, &n) || n <= 0) {
		fprintf(stderr, "supplywatch: token id \"%s\" must be a positive number (see supplywatch token list)\n", id);
		return 1;
	}
	r = query(c, "UPDATE supplywatch.tokens SET revoked_at = now()"
		  " WHERE id = $1 AND revoked_at IS NULL RETURNING id", 1, params);
	if (!r)
		return 1;
	if (PQntuples(r) != 1) {
		fprintf(stderr, "supplywatch: no active token with id %s\n", id);
		PQclear(r);
		return 1;
	}
	printf("token %s revoked\n", id);
	PQclear(r);
	return 0;
}

/* Prints an import's outcome: a summary, or FILE:ROW: COLUMN: REASON per problem. */
static int import_report(const char *file, const struct csv_outcome *co)
{
	const struct ingest_outcome *o = &co->o;
	size_t i;
	json_t *d;

	if (o->result == INGEST_STORED || o->result == INGEST_REPLAY) {
		printf("%s: %ld rows: %d stored, %d already stored\n", file, co->rows, o->stored,
		       o->replayed);
		json_array_foreach(co->ignored_columns, i, d)
			printf("%s: column \"%s\" ignored\n", file, json_string_value(d));
		return 0;
	}
	json_array_foreach(o->details, i, d)
		fprintf(stderr, "%s:%lld: %s: %s\n", file,
			(long long)json_integer_value(json_object_get(d, "row")),
			json_string_value(json_object_get(d, "column")),
			json_string_value(json_object_get(d, "reason")));
	if (co->more_errors)
		fprintf(stderr, "%s: and %ld more errors\n", file, co->more_errors);
	fprintf(stderr, "%s: %s\n", file,
		o->result == INGEST_INVALID ? "invalid rows; nothing was stored" :
		o->result == INGEST_CONFLICT ? "report_id already used for different content; nothing was stored" :
		o->commit_unknown ? "the database connection was lost during commit; run the import again: "
				    "rows already stored are not stored twice" :
		o->result == INGEST_UNAVAILABLE ? "database unavailable; nothing was stored, retry later" :
		"internal error; nothing was stored");
	return 1;
}

static int cmd_import(PGconn *c, const struct sw_config *cfg, const char *slug, const char *kind,
		      const char *corridor, const char *file)
{
	const char *params[] = { slug };
	struct csv_import *imp;
	struct csv_outcome co;
	struct org org;
	char buf[65536];
	PGresult *r;
	FILE *f;
	size_t n;
	int rc, read_error;

	if (kind && enum_index(kind, report_kinds) < 0) {
		fprintf(stderr, "supplywatch: --kind must be one of: trucks, shortage, disruption, access, movement\n");
		return 1;
	}
	if (corridor && !config_corridor(cfg, corridor)) {
		fprintf(stderr, "supplywatch: --corridor %s is not a corridor configured in %s\n", corridor, cfg->path);
		return 1;
	}
	r = query(c, "SELECT id, slug FROM supplywatch.organisations WHERE slug = $1", 1, params);
	if (!r)
		return 1;
	if (PQntuples(r) != 1) {
		fprintf(stderr, "supplywatch: no organisation \"%s\" (see supplywatch org list)\n", slug);
		PQclear(r);
		return 1;
	}
	snprintf(org.id, sizeof(org.id), "%s", PQgetvalue(r, 0, 0));
	snprintf(org.slug, sizeof(org.slug), "%s", PQgetvalue(r, 0, 1));
	PQclear(r);
	f = strcmp(file, "-") == 0 ? stdin : fopen(file, "rb");
	if (!f) {
		fprintf(stderr, "supplywatch: %s: %s\n", file, strerror(errno));
		return 1;
	}
	{
		struct strbuf err = STRBUF_INIT;

		/* Derived report ids are keyed with the pepper, as in the daemon. */
		if (token_load_pepper(cfg->pepper_file, token_pepper, &err) != 0) {
			fprintf(stderr, "supplywatch: %s\n", err.buf);
			sb_release(&err);
			if (f != stdin)
				fclose(f);
			return 1;
		}
	}
	ingest_register();
	if (db_prepare(c) != 0) {
		if (f != stdin)
			fclose(f);
		return 1;
	}
	/* Streamed in chunks: memory stays flat whatever the file's length. */
	imp = csv_import_begin(c, &org, "cli", kind, corridor, cfg);
	while ((n = fread(buf, 1, sizeof(buf), f)) > 0)
		csv_import_feed(imp, buf, n);
	read_error = ferror(f);
	if (f != stdin)
		fclose(f);
	if (read_error) {
		/* Half a file must not be committed as if it were all of it. */
		fprintf(stderr, "supplywatch: %s: read error; nothing was stored\n", file);
		csv_import_abort(imp);
		return 1;
	}
	co = csv_import_finish(imp);
	rc = import_report(file, &co);
	csv_outcome_free(&co);
	return rc;
}

/* review list [--corridor ID] [--state STATE] [--limit N]: one line per report. */
static int cmd_review_list(PGconn *c, const struct sw_config *cfg, int argc, char **argv)
{
	const char *corridor = NULL;
	int state = REVIEW_RECEIVED;
	int64_t limit = 100;
	enum db_status s;
	json_t *q, *row;
	size_t i;

	for (int a = 2; a < argc; a += 2) {
		if (a + 1 >= argc)
			return usage();
		if (strcmp(argv[a], "--corridor") == 0)
			corridor = argv[a + 1];
		else if (strcmp(argv[a], "--state") == 0)
			state = review_state_parse(argv[a + 1]);
		else if (strcmp(argv[a], "--limit") == 0) {
			if (!parse_int64(argv[a + 1], &limit) || limit < 1 || limit > 100000) {
				fprintf(stderr, "supplywatch: --limit must be an integer from 1 to 100000\n");
				return 1;
			}
		} else
			return usage();
	}
	if (state < 0) {
		fprintf(stderr, "supplywatch: --state must be one of received, published, has_issues, rejected\n");
		return 1;
	}
	if (corridor && !config_corridor(cfg, corridor)) {
		fprintf(stderr, "supplywatch: --corridor \"%s\" is not a configured corridor\n", corridor);
		return 1;
	}
	review_register();
	if (db_prepare(c) != 0 || !(q = review_queue(c, corridor, state, (int)limit, &s))) {
		fprintf(stderr, "supplywatch: %s", PQerrorMessage(c));
		return 1;
	}
	printf("organisation\treport_id\tkind\tcorridor\treceived_at\tsupersedes\treviewer\tcomment\n");
	json_array_foreach(json_object_get(q, "reports"), i, row) {
		const char *f[] = { "organisation", "report_id", "kind", "corridor", "received_at",
				    "supersedes", "reviewer", "comment" };

		for (size_t k = 0; k < sizeof(f) / sizeof(f[0]); k++) {
			const char *v = json_string_value(json_object_get(row, f[k]));

			/* Comments are free text: one line per report whatever they hold. */
			for (const char *p = v ? v : ""; *p; p++)
				putchar(*p == '\t' || *p == '\n' || *p == '\r' ? ' ' : *p);
			putchar(k + 1 < sizeof(f) / sizeof(f[0]) ? '\t' : '\n');
		}
	}
	if (json_is_true(json_object_get(q, "more")))
		fprintf(stderr, "supplywatch: more reports are in this state; raise --limit to see them\n");
	json_decref(q);
	return 0;
}

/* The reviewer organisation slug's id into id; 0, or 1 with the reason printed. */
static int reviewer_id(PGconn *c, const char *slug, char *id, size_t n)
{
	const char *params[] = { slug };
	PGresult *r = query(c, "SELECT id, reviewer FROM supplywatch.organisations WHERE slug = $1",
			    1, params);

	if (!r)
		return 1;
	if (PQntuples(r) != 1 || strcmp(PQgetvalue(r, 0, 1), "t") != 0) {
		fprintf(stderr, PQntuples(r) != 1 ? "supplywatch: --as: no organisation \"%s\"\n"
			: "supplywatch: --as: organisation \"%s\" is not a reviewer "
			  "(supplywatch org set %s --reviewer)\n", slug, slug);
		PQclear(r);
		return 1;
	}
	snprintf(id, n, "%s", PQgetvalue(r, 0, 0));
	PQclear(r);
	return 0;
}

/* review set ORG REPORT_ID STATE --as REVIEWER [--comment TEXT] */
static int cmd_review_set(PGconn *c, int argc, char **argv)
{
	char id[SW_UUID_LEN + 1], reviewer[16];
	const char *as = NULL, *why;
	struct review_input in = { argv[2], id, review_state_parse(argv[4]), NULL, reviewer, "cli" };
	struct ingest_outcome o;
	int rc = 0;

	for (int a = 5; a < argc; a += 2) {
		if (a + 1 >= argc)
			return usage();
		if (strcmp(argv[a], "--as") == 0)
			as = argv[a + 1];
		else if (strcmp(argv[a], "--comment") == 0)
			in.comment = argv[a + 1];
		else
			return usage();
	}
	if (!as)
		return usage();
	if (!valid_slug(argv[2]) || !valid_uuid(argv[3], id)) {
		fprintf(stderr, "supplywatch: review set: ORG must be an organisation slug and REPORT_ID a UUID\n");
		return 1;
	}
	if (in.state < 0) {
		fprintf(stderr, "supplywatch: review set: STATE \"%s\" must be one of received, published, "
			"has_issues, rejected\n", argv[4]);
		return 1;
	}
	if (in.comment && (why = valid_text(in.comment, REVIEW_COMMENT_MAX))) {
		fprintf(stderr, "supplywatch: --comment %s\n", why);
		return 1;
	}
	if (reviewer_id(c, as, reviewer, sizeof(reviewer)) != 0)
		return 1;
	review_register();
	if (db_prepare(c) != 0)
		return 1;
	o = review_store(c, &in);
	if (o.result == INGEST_STORED || o.result == INGEST_REPLAY)
		printf("%s/%s: %s%s\n", in.organisation, id, review_state_names[in.state],
		       o.result == INGEST_REPLAY ? " (already so; nothing was added)" : "");
	else {
		fprintf(stderr, "supplywatch: review set: %s\n",
			*o.reason ? o.reason : "the database failed; nothing was changed");
		rc = 1;
	}
	ingest_outcome_free(&o);
	return rc;
}

/* ---- webhook add|list|remove|test (docs/webhooks.md) ---------------------------- */

/* --lang must be a language the configuration serves: its text is written from its catalogue. */
static void lang_refused(const struct sw_config *cfg, const char *lang, struct strbuf *err)
{
	sb_addf(err, "--lang \"%s\" is not a language this installation serves (status.languages:", lang);
	for (size_t i = 0; i < cfg->nlangs; i++)
		sb_addf(err, "%s %s", i ? "," : "", cfg->langs[i]->code);
	sb_addch(err, ')');
}

/* webhook add's arguments, each checked; 1 after a message naming the first bad one. */
static int webhook_args_check(const struct sw_config *cfg, const struct webhook_new *w, const char *events)
{
	struct strbuf err = STRBUF_INIT;
	unsigned mask;
	int bad;

	if ((strncmp(w->url, "http://", 7) != 0 && strncmp(w->url, "https://", 8) != 0) || !valid_url(w->url))
		sb_addf(&err, "webhook URL \"%s\" must be an http:// or https:// URL of at most 2048 bytes", w->url);
	else if (events && webhook_parse_events(events, &mask, &err) != 0)
		sb_addstr(&err, " in --events");
	else if (enum_index(w->format, webhook_format_names) < 0)
		sb_addf(&err, "--format \"%s\" must be standard or text", w->format);
	else if (w->lang && config_lang(cfg, w->lang) < 0)
		lang_refused(cfg, w->lang, &err);
	for (size_t i = 0; !err.len && i < w->ncorridors; i++) {
		bool known = false;

		for (size_t k = 0; k < cfg->ncorridors; k++)
			known = known || strcmp(cfg->corridors[k].id, w->corridors[i]) == 0;
		if (!known)
			sb_addf(&err, "--corridor \"%s\" is not a configured corridor", w->corridors[i]);
	}
	if (!err.len)
		webhook_check_url(w->url, cfg->webhooks_allow_private, &err);
	bad = err.len > 0;
	if (bad)
		fprintf(stderr, "supplywatch: %s\n", err.buf);
	sb_release(&err);
	return bad;
}

static int cmd_webhook_add(PGconn *c, const struct sw_config *cfg, int argc, char **argv)
{
	const char **corridors = xcalloc((size_t)argc, sizeof(*corridors)), *events = NULL;
	struct webhook_new w = { argv[2], 0, corridors, 0, "standard", NULL };
	char secret[WEBHOOK_SECRET_LEN + 1];
	struct strbuf err = STRBUF_INIT;
	int64_t id = 0;
	int rc;

	for (int i = 3; i < argc; i += 2) {
		if (i + 1 >= argc) {
			free(corridors);
			return usage();
		}
		if (strcmp(argv[i], "--events") == 0)
			events = argv[i + 1];
		else if (strcmp(argv[i], "--corridor") == 0)
			corridors[w.ncorridors++] = argv[i + 1];
		else if (strcmp(argv[i], "--format") == 0)
			w.format = argv[i + 1];
		else if (strcmp(argv[i], "--lang") == 0)
			w.lang = argv[i + 1];
		else {
			free(corridors);
			return usage();
		}
	}
	w.events = (1u << WH_NEVENTS) - 1;
	if ((rc = webhook_args_check(cfg, &w, events)) == 0) {
		if (events)
			webhook_parse_events(events, &w.events, &err);
		rc = webhooks_add(c, &w, secret, &id);
		if (rc == 1)
			fprintf(stderr, "supplywatch: an active subscription with the same URL, events, corridors and format"
				" exists (id %lld)\n", (long long)id);
		else if (rc == 0)
			printf("webhook %lld added for %s; its signing secret is shown only now:\n%s\n",
			       (long long)id, w.url, secret);
		rc = rc ? 1 : 0;
	}
	sodium_memzero(secret, sizeof(secret));
	sb_release(&err);
	free(corridors);
	return rc;
}

/* ID as a subscription id, or -1 with a message. */
static int64_t webhook_id(const char *id)
{
	int64_t n;

	if (!parse_int64(id, &n) || n <= 0) {
		fprintf(stderr, "supplywatch: webhook id \"%s\" must be a positive number (see supplywatch webhook list)\n", id);
		return -1;
	}
	return n;
}

static int cmd_webhook_remove(PGconn *c, const char *arg)
{
	int64_t id = webhook_id(arg);
	int rc = id > 0 ? webhooks_remove(c, id) : -1;

	if (rc == 0)
		printf("webhook %lld removed\n", (long long)id);
	else if (rc == 1)
		fprintf(stderr, "supplywatch: no active webhook with id %lld\n", (long long)id);
	return rc == 0 ? 0 : 1;
}

/* Sends a webhook.test message now, outside the outbox; 0 on a 2xx answer. */
static int cmd_webhook_test(PGconn *c, const struct sw_config *cfg, const char *arg)
{
	struct webhook_target t;
	struct webhook_request rq;
	struct wh_events ev = { 0 };
	char msg_id[WEBHOOK_MSG_ID_LEN + 1], lang[I18N_CODE_MAX], *body;
	int64_t id = webhook_id(arg);
	int found = id > 0 ? webhooks_get(c, id, &t, lang) : -1;
	const char *error;
	long status;
	enum webhook_result r = WH_FAILED;

	if (found == 1)
		fprintf(stderr, "supplywatch: no active webhook with id %lld\n", (long long)id);
	if (found != 0 || webhook_client_init() != 0)
		return 1;
	webhook_test_event((int)id, &ev);
	body = webhook_body(&ev.ev[0], (enum webhook_format)t.format, webhook_lang(cfg->langs, cfg->nlangs, lang),
			    (int64_t)time(NULL));
	webhook_new_msg_id(msg_id);
	if (webhook_request_init(&rq, &t, msg_id, body, (int64_t)time(NULL), (long)cfg->webhooks_timeout_s,
				 cfg->webhooks_allow_private) == 0) {
		r = webhook_request_result(&rq, curl_easy_perform(rq.easy), &status, &error);
		if (r == WH_DELIVERED)
			printf("webhook %lld: HTTP %ld (delivered %s)\n", (long long)id, status, msg_id);
		else
			fprintf(stderr, "supplywatch: webhook %lld: %s%ld: %s\n", (long long)id,
				status ? "HTTP " : "no answer, status ", status, error);
	} else {
		fprintf(stderr, "supplywatch: webhook %lld: its secret or URL is malformed\n", (long long)id);
	}
	webhook_request_cleanup(&rq);
	wh_events_free(&ev);
	free(body);
	curl_global_cleanup();
	return r == WH_DELIVERED ? 0 : 1;
}

static int cmd_webhook(PGconn *c, const struct sw_config *cfg, int argc, char **argv)
{
	const char *sub = argv[1];

	if (strcmp(sub, "add") == 0 && argc >= 3)
		return cmd_webhook_add(c, cfg, argc, argv);
	if (strcmp(sub, "list") == 0 && argc == 2) {
		PGresult *r = webhooks_list(c);

		if (!r)
			return 1;
		print_rows(r);
		PQclear(r);
		return 0;
	}
	if (strcmp(sub, "remove") == 0 && argc == 3)
		return cmd_webhook_remove(c, argv[2]);
	if (strcmp(sub, "test") == 0 && argc == 3)
		return cmd_webhook_test(c, cfg, argv[2]);
	return usage();
}

/* ---- the public ledger (docs/ledger.md) ---- */

static int cmd_ledger_keygen(int argc, char **argv)
{
	const char *out = NULL, *name = NULL;
	char host[200] = "localhost", dflt[256], skey[512], vkey[512];
	int fd;

	for (int i = 2; i < argc; i += 2) {
		if (i + 1 >= argc)
			return usage();
		if (strcmp(argv[i], "--out") == 0)
			out = argv[i + 1];
		else if (strcmp(argv[i], "--name") == 0)
			name = argv[i + 1];
		else
			return usage();
	}
	if (!out)
		return usage();
	if (!name) {
		gethostname(host, sizeof(host) - 1);
		snprintf(dflt, sizeof(dflt), "%s/supplywatch", host);
		name = dflt;
	}
	if (!note_name_ok(name)) {
		fprintf(stderr, "supplywatch: --name: must be printable, without spaces or '+'\n");
		return 1;
	}
	if (note_keygen(name, skey, sizeof(skey), vkey, sizeof(vkey)) != 0) {
		fprintf(stderr, "supplywatch: cannot make a key\n");
		return 1;
	}
	fd = open(out, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0) {
		fprintf(stderr, "supplywatch: %s: %s%s\n", out, strerror(errno),
			errno == EEXIST ? " (a key is never overwritten: heads signed with it must stay verifiable)" : "");
		sodium_memzero(skey, sizeof(skey));
		return 1;
	}
	size_t len = strlen(skey);
	bool ok = write(fd, skey, len) == (ssize_t)len && write(fd, "\n", 1) == 1 && fsync(fd) == 0;

	ok = close(fd) == 0 && ok;
	sodium_memzero(skey, sizeof(skey));
	if (!ok) {
		fprintf(stderr, "supplywatch: %s: cannot write the key: %s\n", out, strerror(errno));
		unlink(out);
		return 1;
	}
	fprintf(stderr, "supplywatch: signing key written to %s; publish its verifier key:\n", out);
	printf("%s\n", vkey);
	return 0;
}

static int cmd_ledger_key(const struct sw_config *cfg)
{
	struct note_signer s;
	struct strbuf err = STRBUF_INIT;
	char vkey[512];

	if (ledger_key_load(cfg->ledger_key_file, &s, &err) != 0) {
		fprintf(stderr, "supplywatch: %s\n", err.buf);
		sb_release(&err);
		return 1;
	}
	note_verifier_string(&s, vkey, sizeof(vkey));
	sodium_memzero(&s, sizeof(s));
	printf("%s\n", vkey);
	return 0;
}

/* A whole (small) file, NUL-terminated; NULL with the reason printed. */
static char *slurp(const char *path)
{
	FILE *f = fopen(path, "rb");
	struct strbuf b = STRBUF_INIT;
	char buf[4096];
	size_t n;

	if (!f) {
		fprintf(stderr, "supplywatch: %s: %s\n", path, strerror(errno));
		return NULL;
	}
	while ((n = fread(buf, 1, sizeof(buf), f)) > 0 && b.len < (1 << 20))
		sb_add(&b, buf, n);
	fclose(f);
	return sb_detach(&b, NULL);
}

struct verify_args {
	const char *url, *head_file;
	bool db;
	struct note_verifier keys[8];
	size_t nkeys;
};

static int verify_parse(int argc, char **argv, struct verify_args *a)
{
	char why[256];

	memset(a, 0, sizeof(*a));
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--db") == 0) {
			a->db = true;
		} else if (i + 1 >= argc) {
			return usage();
		} else if (strcmp(argv[i], "--url") == 0) {
			a->url = argv[++i];
		} else if (strcmp(argv[i], "--head") == 0) {
			a->head_file = argv[++i];
		} else if (strcmp(argv[i], "--key") == 0) {
			if (a->nkeys == sizeof(a->keys) / sizeof(a->keys[0]) ||
			    note_verifier_parse(argv[++i], &a->keys[a->nkeys], why, sizeof(why)) != 0) {
				fprintf(stderr, "supplywatch: --key %s: %s\n", argv[i],
					a->nkeys == 8 ? "at most 8 keys" : why);
				return 2;
			}
			a->nkeys++;
		} else {
			return usage();
		}
	}
	if (!!a->url == a->db)
		return usage();
	return -1;
}

static int verify_report(int rc, const struct verify_result *res)
{
	if (rc == 0) {
		printf("ok: %" PRIu64 " entries and %" PRIu64 " signed heads check; the head covers %" PRIu64
		       " entries\n", res->entries, res->heads, res->size);
		return 0;
	}
	if (res->bad_index >= 0)
		fprintf(stderr, "supplywatch verify: FAILED: first bad index %" PRId64 ": %s\n", res->bad_index,
			res->why);
	else
		fprintf(stderr, "supplywatch verify: FAILED: %s\n", res->why);
	return 1;
}

/* Over HTTP: needs neither the configuration nor the database. */
static int cmd_verify_url(struct verify_args *a)
{
	struct verify_opts o = { a->keys, a->nkeys, NULL };
	struct verify_result res;
	char *saved = NULL;
	int rc;

	if (a->nkeys == 0) {
		/* Trust on first use: better than nothing, said plainly. */
		char why[512];

		fprintf(stderr, "supplywatch verify: no --key given: trusting the key %s serves"
			" (pin it with --key to notice a changed key)\n", a->url);
		if (verify_fetch_key(a->url, &a->keys[0], why, sizeof(why)) != 0) {
			fprintf(stderr, "supplywatch verify: %s\n", why);
			return 1;
		}
		o.nkeys = a->nkeys = 1;
	}
	if (a->head_file && !(saved = slurp(a->head_file)))
		return 1;
	o.saved_head = saved;
	rc = verify_http(a->url, &o, &res);
	free(saved);
	return verify_report(rc, &res);
}

static int cmd_verify_db(PGconn *c, const struct sw_config *cfg, struct verify_args *a)
{
	struct verify_opts o = { a->keys, a->nkeys, NULL };
	struct verify_result res;
	char *saved = NULL;
	int rc;

	if (a->nkeys == 0) {
		struct note_signer s;
		struct strbuf err = STRBUF_INIT;
		char vkey[512], why[256];

		if (ledger_key_load(cfg->ledger_key_file, &s, &err) != 0) {
			fprintf(stderr, "supplywatch: %s (or give --key)\n", err.buf);
			sb_release(&err);
			return 1;
		}
		note_verifier_string(&s, vkey, sizeof(vkey));
		sodium_memzero(&s, sizeof(s));
		note_verifier_parse(vkey, &a->keys[0], why, sizeof(why));
		o.nkeys = a->nkeys = 1;
	}
	if (a->head_file && !(saved = slurp(a->head_file)))
		return 1;
	ledger_register();
	if (db_prepare(c) != 0) {
		free(saved);
		return 1;
	}
	o.saved_head = saved;
	rc = verify_db(c, cfg, &o, &res);
	free(saved);
	return verify_report(rc, &res);
}

static int run(PGconn *c, const struct sw_config *cfg, int argc, char **argv)
{
	const char *cmd = argv[0], *sub = argc > 1 ? argv[1] : "";

	if (strcmp(cmd, "migrate") == 0 && argc == 1)
		return cmd_migrate(c);
	if (strcmp(cmd, "org") == 0 && strcmp(sub, "add") == 0 && argc == 4)
		return cmd_org_add(c, argv[2], argv[3], false);
	if (strcmp(cmd, "org") == 0 && strcmp(sub, "add") == 0 && argc == 5 &&
	    strcmp(argv[4], "--reviewer") == 0)
		return cmd_org_add(c, argv[2], argv[3], true);
	if (strcmp(cmd, "org") == 0 && strcmp(sub, "set") == 0 && argc >= 4)
		return cmd_org_set(c, argc, argv);
	if (strcmp(cmd, "org") == 0 && strcmp(sub, "list") == 0 && argc == 2)
		return cmd_list(c, "SELECT slug, name, " "to_char(created_at, 'YYYY-MM-DD HH24:MI:SS\"Z\"') AS created,"
				" coalesce(method, '') AS method, coalesce(method_url, '') AS method_url,"
				" CASE WHEN reviewer THEN 'reviewer' ELSE '' END AS reviewer"
				" FROM supplywatch.organisations ORDER BY slug");
	if (strcmp(cmd, "review") == 0 && strcmp(sub, "list") == 0)
		return cmd_review_list(c, cfg, argc, argv);
	if (strcmp(cmd, "review") == 0 && strcmp(sub, "set") == 0 && argc >= 5)
		return cmd_review_set(c, argc, argv);
	if (strcmp(cmd, "token") == 0 && strcmp(sub, "issue") == 0 && argc >= 3) {
		const char *label = "", *scope = "submit";

		for (int i = 3; i < argc; i += 2) {
			if (i + 1 >= argc)
				return usage();
			if (strcmp(argv[i], "--label") == 0)
				label = argv[i + 1];
			else if (strcmp(argv[i], "--scope") == 0)
				scope = argv[i + 1];
			else
				return usage();
		}
		return cmd_token_issue(c, cfg, argv[2], label, scope);
	}
	if (strcmp(cmd, "token") == 0 && strcmp(sub, "list") == 0 && argc == 2)
		return cmd_list(c, "SELECT t.id, o.slug AS org, t.label,"
				" to_char(t.created_at, 'YYYY-MM-DD HH24:MI:SS\"Z\"') AS created,"
				" to_char(t.revoked_at, 'YYYY-MM-DD HH24:MI:SS\"Z\"') AS revoked, t.scope"
				" FROM supplywatch.tokens t JOIN supplywatch.organisations o ON o.id = t.org_id"
				" ORDER BY t.id");
	if (strcmp(cmd, "token") == 0 && strcmp(sub, "revoke") == 0 && argc == 3)
		return cmd_token_revoke(c, argv[2]);
	if (strcmp(cmd, "webhook") == 0 && argc >= 2)
		return cmd_webhook(c, cfg, argc, argv);
	if (strcmp(cmd, "ledger") == 0 && strcmp(sub, "key") == 0 && argc == 2)
		return cmd_ledger_key(cfg);
	if (strcmp(cmd, "verify") == 0) {
		struct verify_args a;
		int prc = verify_parse(argc, argv, &a);

		return prc >= 0 ? prc : cmd_verify_db(c, cfg, &a);
	}
	if (strcmp(cmd, "import") == 0) {
		const char *org = NULL, *kind = NULL, *corridor = NULL, *file = NULL;

		for (int i = 1; i < argc; i++) {
			if (strcmp(argv[i], "--org") == 0 && i + 1 < argc)
				org = argv[++i];
			else if (strcmp(argv[i], "--kind") == 0 && i + 1 < argc)
				kind = argv[++i];
			else if (strcmp(argv[i], "--corridor") == 0 && i + 1 < argc)
				corridor = argv[++i];
			else if (!file)
				file = argv[i];
			else
				return usage();
		}
		if (!org || !file)
			return usage();
		return cmd_import(c, cfg, org, kind, corridor, file);
	}
	return usage();
}

static bool known_command(int argc, char **argv)
{
	static const char *const cmds[] = { "migrate", "org", "token", "import", "review", "webhook", "ledger",
					    "verify", NULL };

	return argc > 0 && enum_index(argv[0], cmds) >= 0;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "version", no_argument, NULL, 'V' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	const char *path = SW_DEFAULT_CONFIG;
	struct strbuf err = STRBUF_INIT;
	struct sw_config *cfg;
	PGconn *c;
	int opt, rc;

	/* "+": stop at the command, so "token issue ORG --label X" reaches run(). */
	while ((opt = getopt_long(argc, argv, "+c:Vh", opts, NULL)) != -1) {
		switch (opt) {
		case 'c': path = optarg; break;
		case 'V': printf("supplywatch %s\n", SW_VERSION); return 0;
		case 'h': fputs(usage_text, stdout); return 0;
		default: return usage();
		}
	}
	argc -= optind;
	argv += optind;
	if (argc == 0)
		return usage();
	if (strcmp(argv[0], "config-keys") == 0 && argc == 1) {
		/* For tooling and the test that keeps etc/ and docs/ complete. */
		struct strbuf keys = STRBUF_INIT;

		config_list_keys(&keys);
		fputs(keys.buf, stdout);
		sb_release(&keys);
		return 0;
	}
	if (sodium_init() < 0) {
		fprintf(stderr, "supplywatch: libsodium failed to initialise\n");
		return 1;
	}
	/* Neither needs the configuration nor the database: anyone can run them anywhere. */
	if (strcmp(argv[0], "ledger") == 0 && argc >= 2 && strcmp(argv[1], "keygen") == 0)
		return cmd_ledger_keygen(argc, argv);
	if (strcmp(argv[0], "verify") == 0 && argc >= 2 && strcmp(argv[1], "--db") != 0) {
		struct verify_args a;
		int prc = verify_parse(argc, argv, &a);

		if (prc >= 0)
			return prc;
		if (a.url) {
			webhook_client_init();
			return cmd_verify_url(&a);
		}
	}
	cfg = config_load(path, &err);
	if (!cfg) {
		fputs(err.buf, stderr);
		sb_release(&err);
		return 1;
	}
	if (strcmp(argv[0], "check-config") == 0 && argc == 1) {
		printf("%s: configuration is valid\n", path);
		config_free(cfg);
		return 0;
	}
	if (!known_command(argc, argv)) {
		config_free(cfg);
		return usage();
	}
	log_set_level(LOG_LEVEL_WARN);
	c = connect_db(cfg);
	if (!c) {
		config_free(cfg);
		return 1;
	}
	rc = run(c, cfg, argc, argv);
	PQfinish(c);
	config_free(cfg);
	return rc;
}
