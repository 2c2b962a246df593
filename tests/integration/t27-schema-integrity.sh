#!/bin/bash
# Referential integrity after migration 015, which checks the references of
# reports and of the kind tables once per statement instead of by foreign
# keys: a bad reference is refused (23503) even among many good rows of one
# INSERT or COPY, and nothing of that statement is stored; a referenced
# parent can be neither deleted, truncated nor renumbered; good statements,
# the daemon's one-statement shape included, go in and keep truck_daily
# right, whose upsert is now a HOT update.
. "$(dirname "$0")/../lib.sh"
sw_setup
sw_start		# mirrors the corridors lachin and rafah
sw_stop

ORG=$(sql "SELECT id FROM supplywatch.organisations WHERE slug = 'ngo-a'")

# refused WHAT SQL: the SQL fails with SQLSTATE 23503; the message is in $WORK/err.
refused() {
	psql -X -q -At -v ON_ERROR_STOP=1 -v VERBOSITY=verbose -d "$DB" -c "$2" >/dev/null 2>"$WORK/err"
	if [ $? -ne 0 ] && grep -q 'ERROR:  23503:' "$WORK/err"; then ok; else
		fail "$1: not refused with 23503: $(head -c 400 "$WORK/err")"
	fi
}
reports() { sql "SELECT count(*) FROM supplywatch.reports"; }

# ROWS reports (org, corridor as given), ids from $2 on: a multi-row INSERT.
many_reports() {
	echo "INSERT INTO supplywatch.reports (id, org_id, report_id, kind, corridor_id, channel, content_hash, payload, supersedes)
	      OVERRIDING SYSTEM VALUE
	      SELECT $2 + g, CASE WHEN g = $1 THEN $3 ELSE $ORG END, gen_random_uuid(), 'trucks',
	             CASE WHEN g = $1 THEN '$4' ELSE 'lachin' END, 'cli', sha256(g::text::bytea), '{}',
	             CASE WHEN g = $1 THEN ($5)::bigint END
	        FROM generate_series(1, 1000) g"
}

# --- reports: org_id, corridor_id, supersedes --------------------------------------
before=$(reports)
refused "an org_id that does not exist, row 500 of 1000" "$(many_reports 500 1000 987654 lachin NULL)"
expect_contains "$WORK/err" "org_id 987654 is not in supplywatch.organisations" "the message names the org_id"
refused "a corridor that does not exist, the last of 1000" "$(many_reports 1000 1000 "$ORG" atlantis NULL)"
expect_contains "$WORK/err" "corridor_id 'atlantis' is not in supplywatch.corridors" "the message names the corridor"
refused "supersedes a report that does not exist, the first of 1000" "$(many_reports 1 1000 "$ORG" lachin 55555555)"
expect_contains "$WORK/err" "supersedes 55555555 is not in supplywatch.reports" "the message names the report"
expect_eq "$(reports)" "$before" "nothing of a refused statement is stored"

# The same 1000 rows, all good, go in; one may supersede a row of the same statement.
sql "$(many_reports 1000 1000 "$ORG" lachin 1001)" >/dev/null
expect_eq "$(reports)" "$((before + 1000))" "1000 good reports stored by one statement"

# --- the kind tables: report -> reports(id) -------------------------------------------
refused "truck_reports: one of 1000 rows for a missing report" \
	"INSERT INTO supplywatch.truck_reports (report, day, direction, trucks)
	 SELECT CASE WHEN g = 700 THEN 99999999 ELSE 1000 + g END, date '2024-05-01', 'inbound', 5
	   FROM generate_series(1, 1000) g"
expect_contains "$WORK/err" "insert into supplywatch.truck_reports refused: report 99999999 is not in supplywatch.reports" \
	"the message names the table and the report"
expect_eq "$(sql "SELECT count(*) FROM supplywatch.truck_reports")" "0" "none of the 1000 truck rows stored"

# By COPY, as batches and bench write: 999 good rows and one bad.
seq 1 1000 | awk '{ printf "%d\t2024-05-01\tinbound\t5\n", ($1 == 321 ? 88888888 : 1000 + $1) }' >"$WORK/trucks.tsv"
refused "truck_reports: COPY of 1000 rows, one for a missing report" \
	"\\copy supplywatch.truck_reports (report, day, direction, trucks) FROM '$WORK/trucks.tsv'"
expect_eq "$(sql "SELECT count(*) FROM supplywatch.truck_reports")" "0" "none of the COPY's rows stored"

refused "shortage_reports: a missing report" \
	"INSERT INTO supplywatch.shortage_reports (report, day, item, severity) VALUES (1001, '2024-05-01', 'flour', 'low'), (77777777, '2024-05-01', 'flour', 'low')"
refused "disruption_reports: a missing report" \
	"INSERT INTO supplywatch.disruption_reports (report, service, started_at, disruption_key) VALUES (77777777, 'gas', now(), 'k')"
refused "access_events: a missing report" \
	"INSERT INTO supplywatch.access_events (report, status, at) VALUES (77777777, 'open', now())"
refused "movement_reports: a missing report" \
	"INSERT INTO supplywatch.movement_reports (report, outcome, planned_for) VALUES (77777777, 'denied', '2024-05-01')"

# Good rows go in, by COPY and in the daemon's shape (reports and its kind
# row in one statement, through data-modifying CTEs).
seq 1 1000 | awk '{ printf "%d\t2024-05-%02d\tinbound\t%d\n", 1000 + $1, $1 % 28 + 1, $1 % 7 }' >"$WORK/trucks.tsv"
psql -X -q -v ON_ERROR_STOP=1 -d "$DB" -c "\\copy supplywatch.truck_reports (report, day, direction, trucks) FROM '$WORK/trucks.tsv'" &&
	ok || fail "a COPY of 1000 good truck rows"
sql "WITH r AS (INSERT INTO supplywatch.reports (org_id, report_id, kind, corridor_id, channel, content_hash, payload)
	SELECT $ORG, gen_random_uuid(), 'trucks', 'rafah', 'cli', sha256(g::text::bytea), '{}' FROM generate_series(1, 50) g
	RETURNING id), t AS (INSERT INTO supplywatch.truck_reports (report, day, direction, trucks)
	SELECT id, date '2024-05-02', 'inbound', 3 FROM r) SELECT count(*) FROM r" >/dev/null &&
	ok || fail "reports and truck rows in one statement"
expect_eq "$(sql "SELECT count(*) FROM supplywatch.truck_reports")" "1050" "every good truck row stored"
expect_truck_daily_consistent "after the checked inserts"

# --- parents are never deleted, truncated or renumbered ---------------------------------
refused "DELETE of a referenced organisation" "DELETE FROM supplywatch.organisations WHERE id = $ORG"
refused "DELETE of an organisation no report names" \
	"INSERT INTO supplywatch.organisations (slug, name) VALUES ('ngo-z', 'Z'); DELETE FROM supplywatch.organisations WHERE slug = 'ngo-z'"
refused "DELETE of a corridor" "DELETE FROM supplywatch.corridors WHERE id = 'lachin'"
refused "DELETE of a report" "DELETE FROM supplywatch.reports WHERE id = 1500"
refused "TRUNCATE of organisations" "TRUNCATE supplywatch.organisations CASCADE"
refused "TRUNCATE of corridors" "TRUNCATE supplywatch.corridors CASCADE"
refused "TRUNCATE of reports" "TRUNCATE supplywatch.reports CASCADE"
refused "a new organisation id" "UPDATE supplywatch.organisations SET id = DEFAULT WHERE id = $ORG"
refused "a new corridor id" "UPDATE supplywatch.corridors SET id = 'lachin2' WHERE id = 'lachin'"
refused "a new report id" "UPDATE supplywatch.reports SET id = DEFAULT WHERE id = 1500"
refused "a report moved to an organisation that does not exist" "UPDATE supplywatch.reports SET org_id = 987654 WHERE id = 1500"
refused "a report moved to another corridor" "UPDATE supplywatch.reports SET corridor_id = 'rafah' WHERE id = 1500"
refused "a truck row moved to another report" "UPDATE supplywatch.truck_reports SET report = 99999999 WHERE report = 1500"
expect_eq "$(sql "SELECT count(*) FROM supplywatch.organisations WHERE id = $ORG") $(sql "SELECT count(*) FROM supplywatch.corridors") $(reports)" \
	"1 2 $((before + 1050))" "every parent is still there"
# Other columns may still be changed by the owner (the ledger's tamper tests do).
sql "UPDATE supplywatch.reports SET note = 'checked' WHERE id = 1500" >/dev/null && ok || fail "an UPDATE of note"
sql "UPDATE supplywatch.organisations SET name = 'NGO A.' WHERE id = $ORG" >/dev/null && ok || fail "an UPDATE of a name"

# --- truck_daily: one upsert per statement, a HOT update -------------------------------
expect_eq "$(sql "SELECT count(*) FROM pg_trigger WHERE tgrelid = 'supplywatch.truck_reports'::regclass
	AND tgname = 'truck_daily_report' AND tgtype & 1 = 0")" "1" "truck_daily is kept by a statement trigger"
expect_eq "$(sql "SELECT count(*) FROM pg_index WHERE indrelid = 'supplywatch.truck_daily'::regclass AND indnkeyatts <> indnatts")" \
	"0" "no truck_daily index has INCLUDE columns"
hot=$(psql -X -q -At -v ON_ERROR_STOP=1 -d "$DB" <<SQL
BEGIN;
WITH r AS (INSERT INTO supplywatch.reports (org_id, report_id, kind, corridor_id, channel, content_hash, payload)
	VALUES ($ORG, gen_random_uuid(), 'trucks', 'rafah', 'cli', sha256('h'), '{}') RETURNING id)
INSERT INTO supplywatch.truck_reports (report, day, direction, trucks) SELECT id, date '2024-05-02', 'inbound', 4 FROM r;
SELECT pg_stat_get_xact_tuples_updated('supplywatch.truck_daily'::regclass) || ' ' ||
       pg_stat_get_xact_tuples_hot_updated('supplywatch.truck_daily'::regclass);
COMMIT;
SQL
)
expect_eq "$hot" "1 1" "adding to a day's sums is one update, a HOT one"
expect_truck_daily_consistent "after the HOT update"

# --- the indexes docs/schema.md accounts for, and no others ----------------------------
expect_eq "$(sql "SELECT string_agg(indexrelid::regclass::text, ' ' ORDER BY indexrelid::regclass::text) FROM pg_index
	WHERE indrelid IN ('supplywatch.reports'::regclass, 'supplywatch.truck_reports'::regclass)")" \
	"supplywatch.reports_corridor_kind_received supplywatch.reports_corridor_received_id supplywatch.reports_org_id_report_id_key supplywatch.reports_org_received supplywatch.reports_pkey supplywatch.reports_supersedes supplywatch.truck_reports_day supplywatch.truck_reports_pkey supplywatch.truck_reports_waiting" \
	"the indexes of reports and truck_reports"
