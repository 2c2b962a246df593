#!/bin/bash
# The admin CLI, configuration errors, schema versioning, roles and privileges,
# the corridor mirror and reload.
. "$(dirname "$0")/../lib.sh"
sw_setup

# --- migrate is idempotent -------------------------------------------------------
expect_eq "$(tail -n 1 "$WORK/migrate.out")" "schema is at version 16 (migrated)" "first migrate"
expect_eq "$(swcli migrate)" "schema is at version 16 (already up to date)" "second migrate does nothing"
expect_eq "$(sql "SELECT string_agg(version || ':' || name, ',' ORDER BY version) FROM supplywatch.schema_migrations")" \
	"1:001_schema.sql,2:002_analytics.sql,3:003_indicators.sql,4:004_organisation_activity.sql,5:005_token_notify.sql,6:006_quiet_commits.sql,7:007_truck_daily.sql,8:008_recent_reports_index.sql,9:009_stages_movements.sql,10:010_token_scopes.sql,11:011_review.sql,12:012_webhooks.sql,13:013_webhook_language.sql,14:014_ledger.sql,15:015_schema_cost.sql,16:016_latest_reports_index.sql" "versions recorded"

# --- configuration errors name file, line and setting -----------------------------
cat >"$WORK/bad.conf" <<'CONF'
listen = { address = "127.0.0.1"; port = 99999; };
database = { conninfo = "dbname=x password=secret"; poolsize = 4; };
status = { timezone = "Mars/Olympus"; };
corridors = (
  { id = "lachin"; name = "Lachin"; baseline_trucks_per_day = 400;
    blocked_below_pct = 60; restricted_below_pct = 50; }
);
CONF
"$SW_BUILD/supplywatchd" --check-config -c "$WORK/bad.conf" 2>"$WORK/err" >/dev/null
expect_eq "$?" "1" "supplywatchd --check-config exit status"
expect_eq "$(cat "$WORK/err")" "$WORK/bad.conf:2: database.poolsize: unknown setting
$WORK/bad.conf:1: listen.port: must be between 0 and 65535
$WORK/bad.conf:2: database.conninfo: must not contain a password: use ~/.pgpass, PGPASSFILE or a service file
$WORK/bad.conf:3: status.timezone: is not a known time zone (see /usr/share/zoneinfo; is tzdata installed?)
$WORK/bad.conf:6: corridors.[0].restricted_below_pct: must be at least blocked_below_pct (60)" "every error with file:line: setting: reason"
swcli_bad() { "$SW_BUILD/supplywatch" -c "$WORK/bad.conf" "$@"; }
swcli_bad check-config 2>"$WORK/err2" >/dev/null
expect_eq "$?" "1" "supplywatch check-config exit status"
expect_eq "$(cat "$WORK/err2")" "$(cat "$WORK/err")" "same messages from the CLI"
printf 'listen = { port = 80; };\nbogus = ;\nlog = { level = "info"; };\n' >"$WORK/syntax.conf"
"$SW_BUILD/supplywatchd" --check-config -c "$WORK/syntax.conf" 2>"$WORK/err" >/dev/null
expect_eq "$?" "1" "syntax error exit status"
expect_eq "$(cat "$WORK/err")" "$WORK/syntax.conf:2: syntax error" "syntax error has a line"
printf 'status = { title = "Caf\xe9"; };\ncorridors = ( { id = "a"; name = "A"; baseline_trucks_per_day = 1; } );\n' >"$WORK/latin1.conf"
"$SW_BUILD/supplywatchd" --check-config -c "$WORK/latin1.conf" 2>"$WORK/err" >/dev/null
expect_eq "$?:$(cat "$WORK/err")" "1:$WORK/latin1.conf:1: status.title: must be valid UTF-8" "a Latin-1 config file is refused"
"$SW_BUILD/supplywatchd" --check-config -c "$WORK/nonexistent.conf" 2>"$WORK/err" >/dev/null
expect_eq "$(cat "$WORK/err")" "$WORK/nonexistent.conf: cannot read file" "missing file"
"$SW_BUILD/supplywatchd" --check-config -c "$SW_ROOT/etc/supplywatch.conf" >/dev/null
expect_eq "$?" "0" "shipped etc/supplywatch.conf is valid"
swcli check-config >/dev/null
expect_eq "$?" "0" "CLI check-config on a valid file"

# Every key is documented in etc/supplywatch.conf and docs/configuration.md.
for key in $("$SW_BUILD/supplywatch" config-keys | cut -f1); do
	leaf=${key##*.}
	if grep -qE "^\s*$leaf\s*=" "$SW_ROOT/etc/supplywatch.conf"; then ok; else fail "$key missing from etc/supplywatch.conf"; fi
	if grep -qF "\`$key\`" "$SW_ROOT/docs/configuration.md"; then ok; else fail "$key missing from docs/configuration.md"; fi
done

# --- organisations and tokens ------------------------------------------------------
swcli org add ngo-a "Again" 2>"$WORK/err" >/dev/null
expect_eq "$?:$(cat "$WORK/err")" '1:supplywatch: organisation "ngo-a" already exists' "duplicate organisation"
swcli org add "Bad Slug" "x" 2>/dev/null >/dev/null
expect_eq "$?" "1" "bad slug refused"
swcli token issue nobody 2>"$WORK/err" >/dev/null
expect_eq "$?:$(cat "$WORK/err")" '1:supplywatch: no organisation "nobody" (see supplywatch org list)' "token for unknown org"
OUT=$(swcli token issue ngo-a --label "field phone")
T2=$(printf '%s\n' "$OUT" | tail -n 1)
if printf '%s' "$T2" | grep -qE '^sw_[A-Za-z0-9_-]{43}$'; then ok; else fail "token format: $T2"; fi
expect_eq "$(swcli token list | awk -F'\t' 'NR > 1 {print $1 "|" $2 "|" $3 "|" $5}')" "1|ngo-a||-
2|ngo-a|field phone|-" "token list"
if swcli token list | grep -qF "$T2"; then fail "token list shows a token"; else ok; fi
swcli token revoke 2 >/dev/null
expect_eq "$(swcli token list | awk -F'\t' '$1 == 2 {print ($5 != "-")}')" "1" "revoked token listed as revoked"
swcli token revoke 2 2>"$WORK/err" >/dev/null
expect_eq "$?:$(cat "$WORK/err")" "1:supplywatch: no active token with id 2" "revoking twice"
swcli token revoke abc 2>/dev/null >/dev/null
expect_eq "$?" "1" "revoke with a non-numeric id"
expect_eq "$(sql "SELECT count(*) FROM supplywatch.tokens WHERE length(hash) = 32")" "2" "only 32-byte hashes stored"

# --- roles ----------------------------------------------------------------------------
psql -X -q -d "$DB" -c "DO \$\$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'sw_test_analyst') THEN CREATE ROLE sw_test_analyst LOGIN; END IF; END \$\$; GRANT supplywatch_analyst TO sw_test_analyst;" >/dev/null
as_role() { local role=$1; shift; psql -X -q -At -v ON_ERROR_STOP=1 -U "$role" -d "$DB" -c "$1" 2>&1; }
expect_eq "$(sql "SELECT rolcanlogin FROM pg_roles WHERE rolname IN ('supplywatch_ingest','supplywatch_analyst') ORDER BY rolname")" "f
f" "group roles are NOLOGIN"
for v in corridors truck_reports shortage_reports disruptions access_events report_history daily_status blockade_periods organisation_activity; do
	out=$(as_role sw_test_analyst "SELECT count(*) >= 0 FROM analytics.$v")
	expect_eq "$out" "t" "analyst reads analytics.$v"
done
for t in reports tokens organisations truck_reports; do
	out=$(as_role sw_test_analyst "SELECT 1 FROM supplywatch.$t LIMIT 1")
	case "$out" in *"permission denied"*) ok ;; *) fail "analyst not refused supplywatch.$t: $out" ;; esac
done
out=$(as_role sw_test_analyst "INSERT INTO supplywatch.organisations (slug, name) VALUES ('x', 'x')")
case "$out" in *"permission denied"*) ok ;; *) fail "analyst could insert: $out" ;; esac
for q in "UPDATE supplywatch.reports SET note = 'x'" "DELETE FROM supplywatch.reports" \
	 "UPDATE supplywatch.tokens SET revoked_at = NULL" "DELETE FROM supplywatch.retractions" \
	 "ALTER TABLE supplywatch.reports ADD COLUMN x int" "CREATE TABLE supplywatch.x (i int)" \
	 "DROP VIEW analytics.truck_reports" "INSERT INTO supplywatch.tokens (org_id, hash) VALUES (1, '\\x00')"; do
	out=$(as_role sw_test_daemon "$q")
	case "$out" in *"permission denied"*|*"must be owner"*) ok ;; *) fail "ingest role not refused '$q': $out" ;; esac
done

# --- every analytics view and column is documented ----------------------------------
expect_eq "$(sql "SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'analytics' AND obj_description(c.oid, 'pg_class') IS NULL")" "0" "every analytics view has a comment"
expect_eq "$(sql "SELECT string_agg(c.relname || '.' || a.attname, ',') FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'analytics' AND a.attnum > 0 AND NOT a.attisdropped AND col_description(c.oid, a.attnum) IS NULL")" "" "every analytics column has a comment"

# --- the daemon refuses an older schema ------------------------------------------------
createdb -T template0 "${DB}_empty"
write_config "$WORK/empty.conf" "dbname=${DB}_empty user=postgres"
"$SW_BUILD/supplywatchd" -c "$WORK/empty.conf" 2>"$WORK/err"
expect_eq "$?" "1" "daemon exits on an unmigrated database"
expect_contains "$WORK/err" "run supplywatch migrate" "message names the fix"
"$SW_BUILD/supplywatch" -c "$WORK/empty.conf" migrate >/dev/null
psql -X -q -d "${DB}_empty" -c "DELETE FROM supplywatch.schema_migrations WHERE version = 16" >/dev/null
"$SW_BUILD/supplywatchd" -c "$WORK/empty.conf" 2>"$WORK/err"
expect_eq "$?" "1" "daemon exits on an older schema"
expect_contains "$WORK/err" "the database schema is at version 15, this supplywatchd needs 16: run supplywatch migrate" "older schema message"
dropdb "${DB}_empty"

# --- corridors are mirrored; SIGHUP reloads; a bad reload keeps the old config ----------
sw_start
expect_eq "$(sql "SELECT corridor || '|' || baseline_trucks_per_day || '|' || timezone || '|' || reconcile || '|' || array_to_string(crossings, ';') || '|' || configured FROM analytics.corridors ORDER BY corridor")" \
	"lachin|400|Asia/Yerevan|max|Hakari bridge;Lachin checkpoint|true
rafah|500|Asia/Gaza|sum||true" "corridors mirrored"
post_json /api/v1/reports "{\"kind\":\"trucks\",\"report_id\":\"$(uuid)\",\"corridor\":\"kerem\",\"date\":\"2024-05-01\",\"trucks\":1}"
expect_status 422 "corridor not yet configured"
cp "$WORK/daemon.conf" "$WORK/daemon.conf.orig"
sed -i 's|^corridors = (|corridors = (\n  { id = "kerem"; name = "Kerem Shalom"; baseline_trucks_per_day = 300; timezone = "Asia/Gaza"; },|' "$WORK/daemon.conf"
sed -i 's|  { id = "rafah".*||; s|    timezone = "Asia/Gaza"; reconcile = "sum"; }||' "$WORK/daemon.conf"
sed -i 's|crossings = ( "Hakari bridge", "Lachin checkpoint" ); },|crossings = ( "Hakari bridge", "Lachin checkpoint" ); }|' "$WORK/daemon.conf"
"$SW_BUILD/supplywatchd" --check-config -c "$WORK/daemon.conf" >/dev/null || fail "edited config invalid: $(cat "$WORK/daemon.conf")"
kill -HUP "$DAEMON_PID"
for _ in $(seq 1 100); do grep -q "reload: configuration" "$WORK/daemon.log" && break; sleep 0.05; done
post_json /api/v1/reports "{\"kind\":\"trucks\",\"report_id\":\"$(uuid)\",\"corridor\":\"kerem\",\"date\":\"2024-05-01\",\"trucks\":1}"
expect_status 201 "corridor added by reload"
wait_snapshot
req GET /api/v1/status
expect_json '[.corridors[].id]' '["kerem","lachin"]' "the indicators follow the reloaded corridors"
expect_eq "$(sql "SELECT string_agg(corridor || ':' || configured, ',' ORDER BY corridor) FROM analytics.corridors")" "kerem:true,lachin:true,rafah:false" "removed corridor kept, marked unconfigured"
echo 'listen = { port = "x"; };' >>"$WORK/daemon.conf"
kill -HUP "$DAEMON_PID"
for _ in $(seq 1 100); do grep -q "keeping the running configuration" "$WORK/daemon.log" && break; sleep 0.05; done
expect_contains "$WORK/daemon.log" "daemon.conf:" "bad reload logged with file:line"
expect_contains "$WORK/daemon.log" "keeping the running configuration" "bad reload keeps the old configuration"
post_json /api/v1/reports "{\"kind\":\"trucks\",\"report_id\":\"$(uuid)\",\"corridor\":\"kerem\",\"date\":\"2024-05-02\",\"trucks\":1}"
expect_status 201 "still serving after a bad reload"
sw_stop
