/*
 * Unit tests for daemon/config.c: loading, defaults and the exact
 * "FILE:LINE: SETTING: REASON" error messages.  Each test writes its
 * configuration to a file in a private temporary directory; in expected
 * messages the file's path is written "F".
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/config.h"
#include "util/strbuf.h"

#define CORRIDOR \
	"corridors = ( { id = \"lachin\"; name = \"Lachin\"; baseline_trucks_per_day = 400; " \
	"crossings = ( \"Hakari bridge\" ); } );\n"

#define MSG_TZ_UNKNOWN "is not a known time zone (see /usr/share/zoneinfo; is tzdata installed?)"
#define MSG_TZ_NAME "is not a time zone name (like \"Asia/Yerevan\" or \"UTC\")"
#define MSG_PASSWORD "must not contain a password: use ~/.pgpass, PGPASSFILE or a service file"

static char tmpdir[] = "/tmp/sw-unit-config-XXXXXX";
static char cfgpath[64];

static int setup_dir(void **state)
{
	(void)state;
	unsetenv("TZDIR");
	if (!mkdtemp(tmpdir))
		return -1;
	snprintf(cfgpath, sizeof(cfgpath), "%s/supplywatch.conf", tmpdir);
	return 0;
}

static int teardown_dir(void **state)
{
	(void)state;
	unlink(cfgpath);
	rmdir(tmpdir);
	return 0;
}

/* ---- helpers ------------------------------------------------------------ */

/*
 * Writes text to the configuration file and loads it.  The error text,
 * with every occurrence of the file's path replaced by "F", goes to err.
 */
static struct sw_config *load(const char *text, char *err, size_t n)
{
	struct strbuf sb = STRBUF_INIT, out = STRBUF_INIT;
	struct sw_config *cfg;
	size_t plen = strlen(cfgpath);
	FILE *f = fopen(cfgpath, "w");

	if (!f)
		fail_msg("cannot write %s", cfgpath);
	fputs(text, f);
	fclose(f);
	cfg = config_load(cfgpath, &sb);
	for (const char *p = sb.buf; *p;) {
		if (strncmp(p, cfgpath, plen) == 0) {
			sb_addch(&out, 'F');
			p += plen;
		} else {
			sb_addch(&out, *p++);
		}
	}
	snprintf(err, n, "%s", out.buf);
	sb_release(&sb);
	sb_release(&out);
	unlink(cfgpath);
	return cfg;
}

/* Loads text, which must be valid; fails the test (without leaking) otherwise. */
static struct sw_config *load_ok(const char *text)
{
	static char err[4096];
	struct sw_config *cfg = load(text, err, sizeof(err));

	if (!cfg)
		fail_msg("unexpected errors:\n%s", err);
	assert_string_equal(err, "");
	return cfg;
}

/* Loads text, which must be refused with exactly the errors want. */
static void refused(const char *text, const char *want)
{
	static char err[8192];
	struct sw_config *cfg = load(text, err, sizeof(err));
	int was_null = cfg == NULL;

	config_free(cfg);
	assert_string_equal(err, want);
	assert_true(was_null);
}

/* ---- successful loads --------------------------------------------------- */

static void minimal_config_takes_main_defaults(void **state)
{
	struct sw_config *cfg = load_ok(CORRIDOR);

	(void)state;
	assert_string_equal(cfg->listen_address, "127.0.0.1");
	assert_int_equal(cfg->listen_port, 8080);
	assert_int_equal(cfg->max_body_bytes, 1048576);
	assert_int_equal(cfg->connection_timeout, 30);
	assert_int_equal(cfg->header_timeout, 10);
	assert_int_equal(cfg->connection_limit, 256);
	assert_int_equal(cfg->per_ip_connection_limit, 64);
	assert_int_equal(cfg->connection_memory_limit, 65536);
	assert_int_equal(cfg->rate_limit_per_minute, 600);
	assert_int_equal(cfg->rate_limit_burst, 120);
	assert_string_equal(cfg->conninfo, "");
	assert_int_equal(cfg->pool_size, 4);
	assert_int_equal(cfg->statement_timeout_ms, 5000);
	assert_string_equal(cfg->title, "supplywatch");
	assert_string_equal(cfg->timezone, "UTC");
	assert_true(cfg->is_public);
	assert_int_equal(cfg->stale_after_hours, 48);
	assert_int_equal(cfg->silent_after_hours, 24);
	assert_string_equal(cfg->pepper_file, "/etc/supplywatch/pepper");
	assert_string_equal(cfg->log_level, "info");
	config_free(cfg);
}

static void minimal_config_takes_corridor_defaults(void **state)
{
	struct sw_config *cfg = load_ok(CORRIDOR);
	const struct sw_corridor *c = &cfg->corridors[0];

	(void)state;
	assert_int_equal(cfg->ncorridors, 1);
	assert_string_equal(c->id, "lachin");
	assert_string_equal(c->name, "Lachin");
	assert_int_equal(c->baseline_trucks_per_day, 400);
	assert_true(c->baseline_tonnes_per_day == 0.0);
	assert_int_equal(c->population, 0);
	assert_int_equal(c->blocked_below_pct, 10);
	assert_int_equal(c->restricted_below_pct, 50);
	assert_int_equal(c->max_gap_days, 2);
	assert_int_equal(c->reopen_after_days, 7);
	assert_int_equal(c->reconcile, RECONCILE_MAX);
	assert_int_equal(c->publish, PUBLISH_ON_RECEIPT);
	assert_int_equal(c->corroboration_pct, 10);
	assert_string_equal(c->timezone, "UTC");
	assert_int_equal(c->ncrossings, 1);
	assert_string_equal(c->crossings[0], "Hakari bridge");
	config_free(cfg);
}

static void loaded_config_records_path_and_one_reference(void **state)
{
	struct sw_config *cfg = load_ok(CORRIDOR);
	int path_ok = strcmp(cfg->path, cfgpath) == 0;
	int refs = cfg->refs;

	(void)state;
	config_free(cfg);
	assert_true(path_ok);
	assert_int_equal(refs, 1);
}

static const char full_config[] =
	"listen = { address = \"::1\"; port = 9090; };\n"
	"http = { max_body_bytes = 2048; connection_timeout = 10; connection_limit = 100;\n"
	"  per_ip_connection_limit = 5; connection_memory_limit = 131072;\n"
	"  rate_limit_per_minute = 0; rate_limit_burst = 7; };\n"
	"database = { conninfo = \"host=/run/postgresql dbname=supplywatch user=supplywatchd\";\n"
	"  pool_size = 8; statement_timeout_ms = 2500; };\n"
	"status = { title = \"Lachin corridor monitor\"; timezone = \"Asia/Yerevan\";\n"
	"  public = false; stale_after_hours = 72; silent_after_hours = 12; };\n"
	"auth = { pepper_file = \"/var/lib/supplywatch/pepper\"; };\n"
	"log = { level = \"debug\"; };\n"
	"corridors = (\n"
	"  { id = \"lachin\"; name = \"Lachin corridor\"; baseline_trucks_per_day = 400;\n"
	"    baseline_tonnes_per_day = 1200.5; population = 120000; blocked_below_pct = 5;\n"
	"    restricted_below_pct = 40; max_gap_days = 3; reopen_after_days = 10;\n"
	"    reconcile = \"sum\"; timezone = \"Asia/Baku\";\n"
	"    crossings = ( \"Hakari bridge\", \"Lachin checkpoint\" ); },\n"
	"  { id = \"kornidzor\"; name = \"Kornidzor\"; baseline_trucks_per_day = 50; }\n"
	");\n";

static void full_config_loads_main_values(void **state)
{
	struct sw_config *cfg = load_ok(full_config);

	(void)state;
	assert_string_equal(cfg->listen_address, "::1");
	assert_int_equal(cfg->listen_port, 9090);
	assert_int_equal(cfg->max_body_bytes, 2048);
	assert_int_equal(cfg->connection_timeout, 10);
	assert_int_equal(cfg->connection_limit, 100);
	assert_int_equal(cfg->per_ip_connection_limit, 5);
	assert_int_equal(cfg->connection_memory_limit, 131072);
	assert_int_equal(cfg->rate_limit_per_minute, 0);
	assert_int_equal(cfg->rate_limit_burst, 7);
	assert_string_equal(cfg->conninfo, "host=/run/postgresql dbname=supplywatch user=supplywatchd");
	assert_int_equal(cfg->pool_size, 8);
	assert_int_equal(cfg->statement_timeout_ms, 2500);
	assert_string_equal(cfg->title, "Lachin corridor monitor");
	assert_string_equal(cfg->timezone, "Asia/Yerevan");
	assert_false(cfg->is_public);
	assert_int_equal(cfg->stale_after_hours, 72);
	assert_int_equal(cfg->silent_after_hours, 12);
	assert_string_equal(cfg->pepper_file, "/var/lib/supplywatch/pepper");
	assert_string_equal(cfg->log_level, "debug");
	config_free(cfg);
}

static void full_config_loads_corridor_values(void **state)
{
	struct sw_config *cfg = load_ok(full_config);
	const struct sw_corridor *c = &cfg->corridors[0];

	(void)state;
	assert_int_equal(cfg->ncorridors, 2);
	assert_string_equal(c->id, "lachin");
	assert_string_equal(c->name, "Lachin corridor");
	assert_int_equal(c->baseline_trucks_per_day, 400);
	assert_true(c->baseline_tonnes_per_day == 1200.5);
	assert_int_equal(c->population, 120000);
	assert_int_equal(c->blocked_below_pct, 5);
	assert_int_equal(c->restricted_below_pct, 40);
	assert_int_equal(c->max_gap_days, 3);
	assert_int_equal(c->reopen_after_days, 10);
	assert_int_equal(c->reconcile, RECONCILE_SUM);
	assert_string_equal(c->timezone, "Asia/Baku");
	assert_int_equal(c->ncrossings, 2);
	assert_string_equal(c->crossings[0], "Hakari bridge");
	assert_string_equal(c->crossings[1], "Lachin checkpoint");
	config_free(cfg);
}

static void corridor_timezone_falls_back_to_status_timezone(void **state)
{
	struct sw_config *cfg = load_ok(full_config);
	const struct sw_corridor *c = &cfg->corridors[1];

	(void)state;
	assert_string_equal(c->id, "kornidzor");
	assert_string_equal(c->timezone, "Asia/Yerevan");
	assert_int_equal(c->reconcile, RECONCILE_MAX);
	assert_int_equal(c->ncrossings, 0);
	config_free(cfg);
}

static void integer_accepted_for_float_setting(void **state)
{
	struct sw_config *cfg = load_ok(
		"corridors = ( { id = \"a\"; name = \"A\"; baseline_trucks_per_day = 1;\n"
		"  baseline_tonnes_per_day = 300; population = 2000000000; } );\n");

	(void)state;
	assert_true(cfg->corridors[0].baseline_tonnes_per_day == 300.0);
	assert_int_equal(cfg->corridors[0].population, 2000000000);
	config_free(cfg);
}

static void range_limits_are_inclusive(void **state)
{
	struct sw_config *cfg = load_ok(
		"listen = { port = 65535; };\n"
		"database = { pool_size = 64; statement_timeout_ms = 100; };\n"
		"corridors = ( { id = \"a\"; name = \"A\"; baseline_trucks_per_day = 1000000;\n"
		"  blocked_below_pct = 0; restricted_below_pct = 0; max_gap_days = 30; reopen_after_days = 1; } );\n");

	(void)state;
	assert_int_equal(cfg->listen_port, 65535);
	assert_int_equal(cfg->pool_size, 64);
	assert_int_equal(cfg->statement_timeout_ms, 100);
	assert_int_equal(cfg->corridors[0].baseline_trucks_per_day, 1000000);
	assert_int_equal(cfg->corridors[0].max_gap_days, 30);
	config_free(cfg);
}

static void config_corridor_finds_by_id(void **state)
{
	struct sw_config *cfg = load_ok(full_config);
	const struct sw_corridor *a = config_corridor(cfg, "lachin");
	const struct sw_corridor *b = config_corridor(cfg, "kornidzor");
	const struct sw_corridor *none = config_corridor(cfg, "Lachin");

	(void)state;
	assert_true(a == &cfg->corridors[0]);
	assert_true(b == &cfg->corridors[1]);
	assert_null(none);
	config_free(cfg);
}

static void corridor_has_crossing_matches_exactly(void **state)
{
	struct sw_config *cfg = load_ok(full_config);
	const struct sw_corridor *c = &cfg->corridors[0];
	bool yes = corridor_has_crossing(c, "Lachin checkpoint");
	bool case_differs = corridor_has_crossing(c, "lachin checkpoint");
	bool prefix = corridor_has_crossing(c, "Hakari");

	(void)state;
	config_free(cfg);
	assert_true(yes);
	assert_false(case_differs);
	assert_false(prefix);
}

static void valid_conninfo_is_accepted(void **state)
{
	struct sw_config *cfg = load_ok("database = { conninfo = \"postgresql://sw@db/supplywatch\"; };\n"
					CORRIDOR);

	(void)state;
	assert_string_equal(cfg->conninfo, "postgresql://sw@db/supplywatch");
	config_free(cfg);
}

static void config_list_keys_names_defaults_and_reload(void **state)
{
	struct strbuf sb = STRBUF_INIT;
	int port, tz, id, crossings;

	(void)state;
	config_list_keys(&sb);
	port = strstr(sb.buf, "listen.port\t8080\trestart\n") != NULL;
	tz = strstr(sb.buf, "status.timezone\tUTC\treload\n") != NULL;
	id = strstr(sb.buf, "corridors.id\t(required)\treload\n") != NULL;
	crossings = strstr(sb.buf, "corridors.blocked_below_pct\t10\treload\n") != NULL;
	sb_release(&sb);
	assert_true(port);
	assert_true(tz);
	assert_true(id);
	assert_true(crossings);
}

/* ---- unknown settings --------------------------------------------------- */

static void unknown_top_level_key_is_an_error(void **state)
{
	(void)state;
	refused("listne = { port = 1; };\n" CORRIDOR, "F:1: listne: unknown setting\n");
	refused("\nverbose = true;\n" CORRIDOR, "F:2: verbose: unknown setting\n");
}

static void group_name_given_a_scalar_is_an_error(void **state)
{
	(void)state;
	refused("listen = 5;\n" CORRIDOR, "F:1: listen: must be a group { ... }\n");
}

static void unknown_key_inside_a_group_is_an_error(void **state)
{
	(void)state;
	refused("listen = {\n  address = \"127.0.0.1\";\n  prot = 80;\n};\n" CORRIDOR,
		"F:3: listen.prot: unknown setting\n");
}

static void unknown_corridor_key_is_an_error(void **state)
{
	(void)state;
	refused("corridors = (\n"
		"  { id = \"lachin\"; name = \"L\"; baseline_trucks_per_day = 400;\n"
		"    baseline = 3; }\n"
		");\n",
		"F:3: corridors.[0].baseline: unknown setting\n");
}

/* publish and corroboration_pct (stage two): their values, their refusals. */
static void publish_and_corroboration(void **state)
{
	struct sw_config *cfg = load_ok("corridors = ( { id = \"lachin\"; name = \"L\"; "
		"baseline_trucks_per_day = 400; publish = \"after_review\"; corroboration_pct = 0; } );\n");

	(void)state;
	assert_int_equal(cfg->corridors[0].publish, PUBLISH_AFTER_REVIEW);
	assert_int_equal(cfg->corridors[0].corroboration_pct, 0);
	config_free(cfg);
	refused("corridors = (\n"
		"  { id = \"lachin\"; name = \"L\"; baseline_trucks_per_day = 400;\n"
		"    publish = \"reviewed\"; corroboration_pct = 101; }\n"
		");\n",
		"F:3: corridors.[0].publish: must be \"on_receipt\" or \"after_review\"\n"
		"F:3: corridors.[0].corroboration_pct: must be between 0 and 100\n");
}

static void ledger_settings(void **state)
{
	struct sw_config *cfg = load_ok(CORRIDOR);

	(void)state;
	assert_true(cfg->ledger_enabled);
	assert_string_equal(cfg->ledger_key_file, "/etc/supplywatch/ledger.key");
	assert_string_equal(cfg->ledger_origin, "");
	assert_int_equal(cfg->ledger_sign_every_s, 60);
	config_free(cfg);
	cfg = load_ok("ledger = { enabled = false; origin = \"monitor.example.org/lachin\"; sign_every_s = 0; };\n"
		      CORRIDOR);
	assert_false(cfg->ledger_enabled);
	assert_string_equal(cfg->ledger_origin, "monitor.example.org/lachin");
	assert_int_equal(cfg->ledger_sign_every_s, 0);
	config_free(cfg);
	refused("ledger = {\n  origin = \"https://monitor.example.org/a b\";\n  sign_every_s = -1;\n"
		"  signing_key_file = \"\";\n};\n" CORRIDOR,
		"F:4: ledger.signing_key_file: must not be empty\n"
		"F:2: ledger.origin: must be a URL without its scheme (e.g. \"monitor.example.org/lachin\"): "
		"printable ASCII, no spaces, no '+'\n"
		"F:3: ledger.sign_every_s: must be between 0 and 86400\n");
	refused("ledger = { origin = \"example.org/a+b\"; };\n" CORRIDOR,
		"F:1: ledger.origin: must be a URL without its scheme (e.g. \"monitor.example.org/lachin\"): "
		"printable ASCII, no spaces, no '+'\n");
}

/* ---- types and ranges --------------------------------------------------- */

static void wrong_types_in_main_groups_are_errors(void **state)
{
	(void)state;
	refused("listen = {\n  port = \"80\";\n  address = 127;\n};\n"
		"status = {\n  public = 1;\n};\n"
		"database = {\n  pool_size = 4.0;\n};\n" CORRIDOR,
		"F:3: listen.address: must be a string\n"
		"F:2: listen.port: must be an integer\n"
		"F:9: database.pool_size: must be an integer\n"
		"F:6: status.public: must be true or false\n");
}

static void wrong_types_in_corridors_are_errors(void **state)
{
	(void)state;
	refused("corridors = (\n"
		"  { id = \"lachin\";\n"
		"    name = [ \"Lachin\" ];\n"
		"    baseline_trucks_per_day = 4.5;\n"
		"    baseline_tonnes_per_day = \"x\";\n"
		"    reconcile = true; }\n"
		");\n",
		"F:3: corridors.[0].name: must be a string\n"
		"F:4: corridors.[0].baseline_trucks_per_day: must be an integer\n"
		"F:5: corridors.[0].baseline_tonnes_per_day: must be a number\n"
		"F:6: corridors.[0].reconcile: must be a string\n");
}

static void out_of_range_values_are_errors(void **state)
{
	(void)state;
	refused("listen = {\n  port = 70000;\n};\n"
		"http = {\n  max_body_bytes = 1023;\n};\n"
		"database = {\n  pool_size = 0;\n};\n" CORRIDOR,
		"F:2: listen.port: must be between 0 and 65535\n"
		"F:5: http.max_body_bytes: must be between 1024 and 1073741824\n"
		"F:8: database.pool_size: must be between 1 and 64\n");
}

static void out_of_range_corridor_values_are_errors(void **state)
{
	(void)state;
	refused("corridors = (\n"
		"  { id = \"lachin\"; name = \"L\";\n"
		"    baseline_trucks_per_day = 0;\n"
		"    baseline_tonnes_per_day = -1.5;\n"
		"    max_gap_days = 31;\n"
		"    reopen_after_days = 0; }\n"
		");\n",
		"F:3: corridors.[0].baseline_trucks_per_day: must be between 1 and 1000000\n"
		"F:4: corridors.[0].baseline_tonnes_per_day: must be between 0 and 100000000\n"
		"F:5: corridors.[0].max_gap_days: must be between 0 and 30\n"
		"F:6: corridors.[0].reopen_after_days: must be between 1 and 90\n");
}

static void too_long_string_is_an_error(void **state)
{
	struct strbuf text = STRBUF_INIT;

	(void)state;
	sb_addstr(&text, "listen = {\n  address = \"");
	for (int i = 0; i < 256; i++)
		sb_addch(&text, 'a');
	sb_addstr(&text, "\";\n};\n" CORRIDOR);
	refused(text.buf, "F:2: listen.address: must be at most 255 bytes\n");
	sb_release(&text);
}

static void empty_required_strings_are_errors(void **state)
{
	(void)state;
	refused("listen = {\n  address = \"\";\n};\nauth = {\n  pepper_file = \"\";\n};\n" CORRIDOR,
		"F:2: listen.address: must not be empty\n"
		"F:5: auth.pepper_file: must not be empty\n");
}

static void title_with_control_character_is_an_error(void **state)
{
	(void)state;
	refused("status = {\n  title = \"bad\\x01title\";\n};\n" CORRIDOR,
		"F:2: status.title: must not contain control characters\n");
}

/* ---- corridors ---------------------------------------------------------- */

static void corridors_are_required(void **state)
{
	(void)state;
	refused("log = { level = \"info\"; };\n", "F: corridors: is required: declare at least one corridor\n");
}

static void corridors_must_not_be_empty(void **state)
{
	(void)state;
	refused("corridors = ( );\n", "F:1: corridors: must declare at least one corridor\n");
}

static void corridors_must_be_a_list_of_groups(void **state)
{
	(void)state;
	refused("corridors = { id = \"lachin\"; };\n",
		"F:1: corridors: must be a list of groups: ( { id = ...; ... } )\n");
	refused("corridors = (\n  5\n);\n", "F:2: corridors.[0]: must be a group { id = ...; ... }\n");
}

static void missing_required_corridor_keys_are_errors(void **state)
{
	(void)state;
	refused("corridors = (\n"
		"  {\n"
		"    id = \"lachin\";\n"
		"  }\n"
		");\n",
		"F:2: corridors.[0].name: is required\n"
		"F:2: corridors.[0].baseline_trucks_per_day: is required\n");
}

static void corridor_id_must_be_a_slug(void **state)
{
	(void)state;
	refused("corridors = (\n"
		"  { name = \"L\"; baseline_trucks_per_day = 1;\n"
		"    id = \"Lachin\"; }\n"
		");\n",
		"F:3: corridors.[0].id: must be 1-63 characters of a-z, 0-9, '-' or '_', "
		"starting with a letter or digit\n");
}

static void duplicate_corridor_id_is_an_error(void **state)
{
	(void)state;
	refused("corridors = (\n"
		"  { id = \"lachin\"; name = \"A\"; baseline_trucks_per_day = 1; },\n"
		"  { id = \"other\"; name = \"B\"; baseline_trucks_per_day = 1; },\n"
		"  { name = \"C\"; baseline_trucks_per_day = 1;\n"
		"    id = \"lachin\"; }\n"
		");\n",
		"F:5: corridors.[2].id: \"lachin\" is already used by corridors.[0]\n");
}

static void restricted_below_blocked_is_an_error(void **state)
{
	(void)state;
	refused("corridors = (\n"
		"  { id = \"lachin\"; name = \"L\"; baseline_trucks_per_day = 1;\n"
		"    blocked_below_pct = 60;\n"
		"    restricted_below_pct = 40; }\n"
		");\n",
		"F:4: corridors.[0].restricted_below_pct: must be at least blocked_below_pct (60)\n");
}

/* restricted_below_pct left at its default (50): the error still names a line, the corridor's. */
static void restricted_default_below_blocked_names_the_corridor_line(void **state)
{
	(void)state;
	refused("corridors = (\n"
		"  { id = \"lachin\"; name = \"L\"; baseline_trucks_per_day = 1;\n"
		"    blocked_below_pct = 60; }\n"
		");\n",
		"F:2: corridors.[0].restricted_below_pct: must be at least blocked_below_pct (60)\n");
}

/* One bad value, one error: no second complaint about a value that was never loaded. */
static void restricted_out_of_range_is_reported_once(void **state)
{
	(void)state;
	refused("corridors = (\n"
		"  { id = \"lachin\"; name = \"L\"; baseline_trucks_per_day = 1;\n"
		"    restricted_below_pct = 150; }\n"
		");\n",
		"F:3: corridors.[0].restricted_below_pct: must be between 0 and 100\n");
}

static void bad_reconcile_is_an_error(void **state)
{
	(void)state;
	refused("corridors = (\n"
		"  { id = \"a\"; name = \"A\"; baseline_trucks_per_day = 1;\n"
		"    reconcile = \"avg\"; },\n"
		"  { id = \"b\"; name = \"B\"; baseline_trucks_per_day = 1;\n"
		"    reconcile = \"maximum\"; }\n"
		");\n",
		"F:3: corridors.[0].reconcile: must be \"max\" or \"sum\"\n"
		"F:5: corridors.[1].reconcile: must be at most 3 bytes\n");
}

/* ---- languages and names per language ------------------------------------ */

static void languages_default_to_the_default_language(void **state)
{
	struct sw_config *cfg = load_ok(CORRIDOR);

	(void)state;
	assert_int_equal(cfg->nlangs, 1);
	assert_string_equal(cfg->langs[0]->code, "en");
	assert_int_equal(config_lang(cfg, "en"), 0);
	assert_int_equal(config_lang(cfg, "ar"), -1);
	config_free(cfg);
}

static void names_per_language_fall_back_to_the_name(void **state)
{
	struct sw_config *cfg = load_ok(
		"corridors = ( { id = \"lachin\"; name = \"Lachin\"; baseline_trucks_per_day = 400;\n"
		"  names = { hy = \"Լաչին\"; pt_BR = \"Lachim\"; };\n"
		"  crossings = ( { name = \"Hakari bridge\"; names = { hy = \"Հակարի\"; }; }, \"Checkpoint\" ); } );\n");
	struct lang hy = i18n_english, ar = i18n_english;
	const struct sw_corridor *c = &cfg->corridors[0];

	(void)state;
	strcpy(hy.code, "hy");
	strcpy(ar.code, "ar");
	assert_string_equal(corridor_name(c, &hy), "Լաչին");
	assert_string_equal(corridor_name(c, &ar), "Lachin");
	assert_string_equal(corridor_name(c, &i18n_english), "Lachin");
	assert_int_equal(c->ncrossings, 2);
	assert_string_equal(c->crossings[0], "Hakari bridge");
	assert_true(corridor_has_crossing(c, "Hakari bridge"));
	assert_string_equal(crossing_name(c, 0, &hy), "Հակարի");
	assert_string_equal(crossing_name(c, 0, &ar), "Hakari bridge");
	assert_string_equal(crossing_name(c, 1, &hy), "Checkpoint");
	config_free(cfg);
}

static void bad_languages_are_errors(void **state)
{
	(void)state;
	refused("status = {\n  languages = \"en\";\n};\n" CORRIDOR,
		"F:2: status.languages: must be a list of language codes, like [ \"en\", \"hy\" ]\n");
	refused("status = {\n  default_language = \"EN\";\n};\n" CORRIDOR,
		"F:2: status.default_language: is not a language code (like \"en\", \"ar\" or \"pt_BR\")\n");
	refused("status = {\n  languages = [ \"hy\" ];\n};\n" CORRIDOR,
		"F:2: status.languages: must include status.default_language (\"en\")\n");
	refused("status = {\n  languages = ( \"en\",\n 5,\n \"../x\",\n \"en\" );\n};\n" CORRIDOR,
		"F:3: status.languages: element 2 must be a string\n"
		"F:4: status.languages: \"../x\" is not a language code (like \"en\", \"ar\" or \"pt_BR\")\n");
	/* Reported together with another setting's error, not hidden by it. */
	refused("http = {\n  max_body_bytes = 1;\n};\nstatus = {\n  languages = [ \"hy\" ];\n};\n" CORRIDOR,
		"F:2: http.max_body_bytes: must be between 1024 and 1073741824\n"
		"F:5: status.languages: must include status.default_language (\"en\")\n");
}

static void bad_names_are_errors(void **state)
{
	(void)state;
	refused("corridors = ( { id = \"a\"; name = \"A\"; baseline_trucks_per_day = 1;\n"
		"  names = \"Ա\"; } );\n",
		"F:2: corridors.[0].names: must be a group of names by language, like { hy = \"...\"; }\n");
	refused("corridors = ( { id = \"a\"; name = \"A\"; baseline_trucks_per_day = 1;\n"
		"  names = {\n Hy = \"Ա\";\n ar = 5;\n ru = \"\";\n }; } );\n",
		"F:3: corridors.[0].names: \"Hy\" is not a language code (like \"hy\" or \"pt_BR\")\n"
		"F:4: corridors.[0].names: ar must be a string\n"
		"F:5: corridors.[0].names: ru must not be empty\n");
	refused("corridors = ( { id = \"a\"; name = \"A\"; baseline_trucks_per_day = 1;\n"
		"  crossings = (\n { name = \"X\"; where = \"here\"; },\n { names = { hy = \"Ա\"; }; },\n"
		" { name = \"Y\"; names = { hy = 1; }; } ); } );\n",
		"F:3: corridors.[0].crossings: element 1: unknown setting \"where\" (a crossing has name and names)\n"
		"F:4: corridors.[0].crossings: element 2 must be a name, or a group with name = \"...\"\n"
		"F:5: corridors.[0].crossings.[2].names: hy must be a string\n");
}

static void crossings_must_be_a_list(void **state)
{
	(void)state;
	refused("corridors = (\n"
		"  { id = \"a\"; name = \"A\"; baseline_trucks_per_day = 1;\n"
		"    crossings = \"Hakari bridge\"; }\n"
		");\n",
		"F:3: corridors.[0].crossings: must be a list of names, like ( \"Hakari bridge\" ) or "
		"( { name = \"Hakari bridge\"; names = { hy = \"...\"; }; } )\n");
}

static void crossings_elements_are_checked(void **state)
{
	(void)state;
	refused("corridors = (\n"
		"  { id = \"a\"; name = \"A\"; baseline_trucks_per_day = 1;\n"
		"    crossings = (\n"
		"      \"Hakari bridge\",\n"
		"      5,\n"
		"      \"\",\n"
		"      \"Hakari bridge\" ); }\n"
		");\n",
		"F:5: corridors.[0].crossings: element 2 must be a name, or a group with name = \"...\"\n"
		"F:6: corridors.[0].crossings: element 3 must not be empty\n"
		"F:7: corridors.[0].crossings: \"Hakari bridge\" is listed twice\n");
}

/* ---- time zones, log level, conninfo ------------------------------------ */

static void unknown_time_zone_is_an_error(void **state)
{
	(void)state;
	refused("status = {\n  timezone = \"Mars/Olympus\";\n};\n" CORRIDOR,
		"F:2: status.timezone: " MSG_TZ_UNKNOWN "\n");
	refused("status = {\n  timezone = \"Asia\";\n};\n" CORRIDOR,
		"F:2: status.timezone: " MSG_TZ_UNKNOWN "\n");
}

static void malformed_time_zone_name_is_an_error(void **state)
{
	(void)state;
	refused("status = {\n  timezone = \"../../etc/passwd\";\n};\n" CORRIDOR,
		"F:2: status.timezone: " MSG_TZ_NAME "\n");
	refused("status = {\n  timezone = \"/usr/share/zoneinfo/UTC\";\n};\n" CORRIDOR,
		"F:2: status.timezone: " MSG_TZ_NAME "\n");
	refused("status = {\n  timezone = \"\";\n};\n" CORRIDOR,
		"F:2: status.timezone: " MSG_TZ_NAME "\n");
}

static void unknown_corridor_time_zone_is_an_error(void **state)
{
	(void)state;
	refused("corridors = (\n"
		"  { id = \"a\"; name = \"A\"; baseline_trucks_per_day = 1;\n"
		"    timezone = \"Europe/Atlantis\"; }\n"
		");\n",
		"F:3: corridors.[0].timezone: " MSG_TZ_UNKNOWN "\n");
}

static void bad_log_level_is_an_error(void **state)
{
	(void)state;
	refused("log = {\n  level = \"verbose\";\n};\n" CORRIDOR,
		"F:2: log.level: must be one of debug, info, warn, error\n");
	refused("log = {\n  level = \"INFO\";\n};\n" CORRIDOR,
		"F:2: log.level: must be one of debug, info, warn, error\n");
}

static void conninfo_with_password_is_an_error(void **state)
{
	(void)state;
	refused("database = {\n  conninfo = \"host=db dbname=sw password=secret\";\n};\n" CORRIDOR,
		"F:2: database.conninfo: " MSG_PASSWORD "\n");
	refused("database = {\n  conninfo = \"postgresql://sw:secret@db/sw\";\n};\n" CORRIDOR,
		"F:2: database.conninfo: " MSG_PASSWORD "\n");
}

static void malformed_conninfo_is_an_error(void **state)
{
	(void)state;
	refused("database = {\n  conninfo = \"host\";\n};\n" CORRIDOR,
		"F:2: database.conninfo: is not a valid libpq connection string\n");
}

/* ---- file-level errors -------------------------------------------------- */

static void syntax_error_names_file_and_line(void **state)
{
	(void)state;
	refused("listen = {\n  port = ;\n};\n" CORRIDOR, "F:2: syntax error\n");
}

static void syntax_error_with_detail_names_it(void **state)
{
	(void)state;
	refused("listen = { port = 1; };\nlisten = { port = 2; };\n" CORRIDOR,
		"F:2: syntax error: duplicate setting name\n");
}

static void missing_file_cannot_be_read(void **state)
{
	struct strbuf err = STRBUF_INIT;
	char path[96], want[128];
	struct sw_config *cfg;

	(void)state;
	snprintf(path, sizeof(path), "%s/missing.conf", tmpdir);
	snprintf(want, sizeof(want), "%s: cannot read file\n", path);
	cfg = config_load(path, &err);
	config_free(cfg);
	assert_null(cfg);
	assert_string_equal(err.buf, want);
	sb_release(&err);
}

static void several_errors_are_all_reported(void **state)
{
	(void)state;
	refused("lisen = { port = 1; };\n"
		"listen = { port = 99999; };\n"
		"log = { level = \"loud\"; };\n"
		"corridors = (\n"
		"  { id = \"lachin\"; baseline_trucks_per_day = 0; reconcile = \"avg\"; colour = \"red\"; },\n"
		"  { id = \"lachin\"; name = \"Again\"; baseline_trucks_per_day = 1; }\n"
		");\n",
		"F:1: lisen: unknown setting\n"
		"F:2: listen.port: must be between 0 and 65535\n"
		"F:3: log.level: must be one of debug, info, warn, error\n"
		"F:5: corridors.[0].colour: unknown setting\n"
		"F:5: corridors.[0].name: is required\n"
		"F:5: corridors.[0].baseline_trucks_per_day: must be between 1 and 1000000\n"
		"F:5: corridors.[0].reconcile: must be \"max\" or \"sum\"\n"
		"F:6: corridors.[1].id: \"lachin\" is already used by corridors.[0]\n");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(minimal_config_takes_main_defaults),
		cmocka_unit_test(minimal_config_takes_corridor_defaults),
		cmocka_unit_test(loaded_config_records_path_and_one_reference),
		cmocka_unit_test(full_config_loads_main_values),
		cmocka_unit_test(full_config_loads_corridor_values),
		cmocka_unit_test(corridor_timezone_falls_back_to_status_timezone),
		cmocka_unit_test(integer_accepted_for_float_setting),
		cmocka_unit_test(range_limits_are_inclusive),
		cmocka_unit_test(config_corridor_finds_by_id),
		cmocka_unit_test(corridor_has_crossing_matches_exactly),
		cmocka_unit_test(valid_conninfo_is_accepted),
		cmocka_unit_test(config_list_keys_names_defaults_and_reload),
		cmocka_unit_test(unknown_top_level_key_is_an_error),
		cmocka_unit_test(group_name_given_a_scalar_is_an_error),
		cmocka_unit_test(unknown_key_inside_a_group_is_an_error),
		cmocka_unit_test(unknown_corridor_key_is_an_error),
		cmocka_unit_test(publish_and_corroboration),
		cmocka_unit_test(ledger_settings),
		cmocka_unit_test(wrong_types_in_main_groups_are_errors),
		cmocka_unit_test(wrong_types_in_corridors_are_errors),
		cmocka_unit_test(out_of_range_values_are_errors),
		cmocka_unit_test(out_of_range_corridor_values_are_errors),
		cmocka_unit_test(too_long_string_is_an_error),
		cmocka_unit_test(empty_required_strings_are_errors),
		cmocka_unit_test(title_with_control_character_is_an_error),
		cmocka_unit_test(corridors_are_required),
		cmocka_unit_test(corridors_must_not_be_empty),
		cmocka_unit_test(corridors_must_be_a_list_of_groups),
		cmocka_unit_test(missing_required_corridor_keys_are_errors),
		cmocka_unit_test(corridor_id_must_be_a_slug),
		cmocka_unit_test(duplicate_corridor_id_is_an_error),
		cmocka_unit_test(restricted_below_blocked_is_an_error),
		cmocka_unit_test(restricted_default_below_blocked_names_the_corridor_line),
		cmocka_unit_test(restricted_out_of_range_is_reported_once),
		cmocka_unit_test(bad_reconcile_is_an_error),
		cmocka_unit_test(languages_default_to_the_default_language),
		cmocka_unit_test(names_per_language_fall_back_to_the_name),
		cmocka_unit_test(bad_languages_are_errors),
		cmocka_unit_test(bad_names_are_errors),
		cmocka_unit_test(crossings_must_be_a_list),
		cmocka_unit_test(crossings_elements_are_checked),
		cmocka_unit_test(unknown_time_zone_is_an_error),
		cmocka_unit_test(malformed_time_zone_name_is_an_error),
		cmocka_unit_test(unknown_corridor_time_zone_is_an_error),
		cmocka_unit_test(bad_log_level_is_an_error),
		cmocka_unit_test(conninfo_with_password_is_an_error),
		cmocka_unit_test(malformed_conninfo_is_an_error),
		cmocka_unit_test(syntax_error_names_file_and_line),
		cmocka_unit_test(syntax_error_with_detail_names_it),
		cmocka_unit_test(missing_file_cannot_be_read),
		cmocka_unit_test(several_errors_are_all_reported),
	};

	return cmocka_run_group_tests(tests, setup_dir, teardown_dir);
}
