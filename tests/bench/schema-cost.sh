#!/bin/bash
# What our schema costs a bulk write, part by part (issue 15).
#   usage: bash tests/bench/schema-cost.sh [ROWS]      (default 100000)
# A throwaway PostgreSQL cluster (initdb defaults: fsync and
# synchronous_commit on) gets one database per variant; each round COPYs
# ROWS truck reports into every variant in turn, as copy_ceiling() in
# tests/bench/bench.sh does: a reports row (payload, hash) and its
# truck_reports row, in one transaction, by psql's \copy, with
# supplywatch.notify = off as the daemon's sessions run.  Every round has
# fresh ids.  Prints a markdown table: the median rows/s of RUNS rounds (3;
# RUNS=5 in the environment for more) and the median of its ratios to the
# bare tables' COPY of the same round (the load of a shared machine drifts).
#   bare         two tables of the same columns and types: no key, no index,
#                no constraint but NOT NULL, no trigger
#   main         the schema as of migration BEFORE (14, before issue 15;
#                BEFORE=N in the environment for another)
#   015          the schema as of the newest migration
#   X-part       X with one cost switched off (see variant_sql), e.g.
#                015-fk; X-drop_INDEX: X without that one index
# VARIANTS="bare main 015 ..." picks some; KEEP_TMP=1 keeps the scratch
# directory.  The schema is loaded from sql/*.sql with psql, each migration
# in one transaction as `supplywatch migrate` applies them, so no build is
# needed.  Runs as root (PostgreSQL as the postgres user) or as any user
# with initdb on the path.
set -u -o pipefail
cd "$(dirname "$0")/../.."
. tests/lib.sh

ROWS=${1:-100000}
RUNS=${RUNS:-3}
BEFORE=${BEFORE:-14}
ORGS=20
CORRIDORS=50
LAST=$(ls sql/[0-9][0-9][0-9]_*.sql | sed -n '$s|^sql/0*\([0-9]*\)_.*|\1|p')
PARTS="fk fk_report fk_parents indexes truck_daily payload ledger change all"
VARIANTS=${VARIANTS:-"bare main $(for p in $PARTS; do printf 'main-%s ' "$p"; done)015 $(for p in $PARTS; do printf '015-%s ' "$p"; done)"}

WORK=$(mktemp -d /tmp/supplywatch-schema-cost.XXXXXX)
chmod 755 "$WORK"
PGDIR=$WORK/pg
cleanup() {
	pg_cluster_stop "$PGDIR" immediate
	if [ "${KEEP_TMP:-0}" = 1 ]; then echo "schema-cost: kept $WORK" >&2; else rm -rf "$WORK"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM
say() { printf '%s schema-cost: %s\n' "$(date +%T)" "$*" >&2; }
die() { say "ERROR: $*"; exit 1; }

pg_cluster_start "$PGDIR" || die "cannot start PostgreSQL"
export PGHOST=$PGDIR PGPORT=5432 PGUSER=postgres
unset PGPASSWORD PGSERVICE PGDATABASE
export PGOPTIONS="-c client_min_messages=warning"
q() { psql -X -q -At -v ON_ERROR_STOP=1 -d "$1" -c "$2"; }

# migrate DB UPTO: sql/001.. UPTO, each in a transaction with its
# schema_migrations row, as daemon/store/migrate.c applies them.
migrate() {
	local db=$1 upto=$2 f v
	q "$db" "CREATE SCHEMA IF NOT EXISTS supplywatch; CREATE TABLE IF NOT EXISTS
		supplywatch.schema_migrations (version integer PRIMARY KEY, name text NOT NULL,
		applied_at timestamptz NOT NULL DEFAULT now())" >/dev/null || return 1
	for f in sql/[0-9][0-9][0-9]_*.sql; do
		v=$(basename "$f" | sed 's/^0*\([0-9]*\)_.*/\1/')
		[ "$v" -le "$upto" ] || break
		{ cat "$f"; echo "INSERT INTO supplywatch.schema_migrations (version, name) VALUES ($v, '$(basename "$f")');"; } |
			psql -X -q -1 -v ON_ERROR_STOP=1 -d "$db" >/dev/null || { say "$db: $f failed"; return 1; }
	done
	# The organisations and corridors the reports name.
	q "$db" "INSERT INTO supplywatch.organisations (slug, name)
		SELECT format('ngo-%s', lpad(i::text, 2, '0')), format('Organisation %s', i) FROM generate_series(1, $ORGS) i;
		SELECT supplywatch.sync_corridors(jsonb_agg(jsonb_build_object('id', format('corridor-%s', lpad(i::text, 2, '0')),
			'name', format('Corridor %s', i), 'baseline_trucks_per_day', 300, 'blocked_below_pct', 25,
			'restricted_below_pct', 60, 'max_gap_days', 3, 'reopen_after_days', 7, 'reconcile', 'max',
			'timezone', 'Asia/Yerevan'))) FROM generate_series(1, $CORRIDORS) i" >/dev/null
}

# variant_sql PART: the SQL that switches one cost off (by catalogue, so it
# applies to the schema before and after 015 alike).
variant_sql() {
	local tables="'supplywatch.reports'::regclass, 'supplywatch.truck_reports'::regclass"
	case $1 in
	fk | fk_report | fk_parents)
		# Foreign keys, and the statement checks that stand in for some (015).
		local which="true"
		[ "$1" = fk_report ] && which="conrelid = 'supplywatch.truck_reports'::regclass"
		[ "$1" = fk_parents ] && which="conrelid = 'supplywatch.reports'::regclass"
		cat <<SQL
DO \$\$ DECLARE c record; BEGIN
FOR c IN SELECT conrelid::regclass AS t, conname FROM pg_constraint
          WHERE contype = 'f' AND conrelid IN ($tables) AND $which LOOP
	EXECUTE format('ALTER TABLE %s DROP CONSTRAINT %I', c.t, c.conname);
END LOOP;
FOR c IN SELECT tgrelid::regclass AS t, tgname FROM pg_trigger
          WHERE NOT tgisinternal AND tgname LIKE '%\_refs' AND tgrelid IN ($tables)
            AND $(echo "$which" | sed 's/conrelid/tgrelid/') LOOP
	EXECUTE format('ALTER TABLE %s DISABLE TRIGGER %I', c.t, c.tgname);
END LOOP; END \$\$;
SQL
		;;
	indexes)
		# Every index but the primary keys and the idempotency key.
		cat <<SQL
DO \$\$ DECLARE c record; BEGIN
FOR c IN SELECT i.indexrelid::regclass AS ix, i.indrelid::regclass AS t, x.conname
           FROM pg_index i LEFT JOIN pg_constraint x ON x.conindid = i.indexrelid AND x.conrelid = i.indrelid
          WHERE i.indrelid IN ($tables) AND NOT i.indisprimary
            AND i.indexrelid <> 'supplywatch.reports_org_id_report_id_key'::regclass LOOP
	IF c.conname IS NOT NULL THEN
		EXECUTE format('ALTER TABLE %s DROP CONSTRAINT %I', c.t, c.conname);
	ELSE
		EXECUTE format('DROP INDEX %s', c.ix);
	END IF;
END LOOP; END \$\$;
SQL
		;;
	drop_*) echo "DROP INDEX supplywatch.${1#drop_};" ;;	# one index's own cost
	truck_daily) echo "ALTER TABLE supplywatch.truck_reports DISABLE TRIGGER truck_daily_report;" ;;
	ledger) echo "ALTER TABLE supplywatch.reports DISABLE TRIGGER reports_ledger;" ;;
	change) echo "ALTER TABLE supplywatch.reports DISABLE TRIGGER reports_changed;" ;;
	payload)
		# The views read payload (report_history, current_reports' r.*): gone here.
		cat <<SQL
DO \$\$ DECLARE v record; BEGIN
FOR v IN SELECT format('%I.%I', schemaname, viewname) AS n FROM pg_views
          WHERE schemaname IN ('analytics', 'supplywatch') LOOP
	EXECUTE 'DROP VIEW IF EXISTS ' || v.n || ' CASCADE';
END LOOP; END \$\$;
ALTER TABLE supplywatch.reports ALTER COLUMN payload TYPE text;
SQL
		;;
	all) for p in fk indexes truck_daily payload ledger change; do variant_sql "$p"; done ;;
	*) die "unknown part $1" ;;
	esac
}

db_of() { echo "v_$(echo "$1" | tr -c 'a-z0-9\n' '_')"; }

setup_variant() {
	local v=$1 db base part
	db=$(db_of "$v")
	createdb -T template0 "$db" || die "createdb $db"
	if [ "$v" = bare ]; then
		# The same columns and types (and defaults, as received_at's now()).
		q "$db" "CREATE SCHEMA supplywatch;
			CREATE TABLE supplywatch.reports (id bigint NOT NULL, org_id integer NOT NULL,
				report_id uuid NOT NULL, kind text NOT NULL, corridor_id text NOT NULL,
				channel text NOT NULL, received_at timestamptz NOT NULL DEFAULT now(),
				content_hash bytea NOT NULL, payload jsonb NOT NULL, supersedes bigint,
				source_url text, note text);
			CREATE TABLE supplywatch.truck_reports (report bigint NOT NULL, day date NOT NULL,
				observed_at timestamptz, direction text NOT NULL, crossing text,
				trucks integer NOT NULL, cargo text, tonnes numeric, turned_back integer,
				stage text NOT NULL DEFAULT 'crossed', consignor text)" >/dev/null || die "bare"
		return
	fi
	base=${v%%-*}
	part=${v#"$base"}
	part=${part#-}
	case $base in
	main) migrate "$db" "$BEFORE" || die "migrate $db" ;;
	015) migrate "$db" "$LAST" || die "migrate $db" ;;
	*) die "unknown variant $v" ;;
	esac
	if [ -n "$part" ]; then
		variant_sql "$part" | psql -X -q -v ON_ERROR_STOP=1 -d "$db" >/dev/null || die "variant $v"
	fi
}

# make_data ROUND: ROWS truck reports with ids and report_ids new in this round.
make_data() {
	local start=$(($1 * ROWS + 1000))
	awk -v n="$ROWS" -v start="$start" -v seed="$RANDOM$1" -v orgs="$ORGS" -v nc="$CORRIDORS" \
		-v out="$WORK" 'BEGIN {
		srand(seed); split("food medical fuel mixed hygiene", cg, " ")
		for (i = 1; i <= 28; i++) { t = systime() - (i + 1) * 86400; d[i] = strftime("%Y-%m-%d", t, 1) }
		for (i = 1; i <= n; i++) {
			id = start + i; u = hex(8) "-" hex(4) "-4" hex(3) "-8" hex(3) "-" hex(12)
			day = d[i % 28 + 1]; c = sprintf("corridor-%02d", i % nc + 1); tr = (i * 37) % 450
			cargo = cg[i % 5 + 1]; url = sprintf("https://example.org/sitrep/%s-%d", seed, i)
			p = sprintf("{\"kind\":\"trucks\",\"report_id\":\"%s\",\"corridor\":\"%s\",\"date\":\"%s\",\"trucks\":%d,\"cargo\":\"%s\",\"source_url\":\"%s\"}", u, c, day, tr, cargo, url)
			printf "%d\t%d\t%s\ttrucks\t%s\tcsv\t\\\\x%s\t%s\t%s\n", id, i % orgs + 1, u, c, hex(64), p, url > (out "/reports.tsv")
			printf "%d\t%s\tinbound\t%d\t%s\n", id, day, tr, cargo > (out "/trucks.tsv")
		}
	}
	function hex(k,   s) { s = ""; while (k-- > 0) s = s sprintf("%x", int(rand() * 16) % 16); return s }'
}

# copy_rps DB: rows/s of the bench's COPY transaction into DB.
copy_rps() {
	local db=$1 t0 t1
	q "$db" "CHECKPOINT" >/dev/null
	t0=$(date +%s%N)
	PGOPTIONS="$PGOPTIONS -c supplywatch.notify=off" psql -X -q -v ON_ERROR_STOP=1 -d "$db" >"$WORK/copy.out" 2>&1 <<SQL || { cat "$WORK/copy.out" >&2; die "COPY into $db failed"; }
BEGIN;
\copy supplywatch.reports (id, org_id, report_id, kind, corridor_id, channel, content_hash, payload, source_url) FROM '$WORK/reports.tsv'
\copy supplywatch.truck_reports (report, day, direction, trucks, cargo) FROM '$WORK/trucks.tsv'
COMMIT;
SQL
	t1=$(date +%s%N)
	awk -v n="$ROWS" -v ns="$((t1 - t0))" 'BEGIN { printf "%.0f", n / (ns / 1e9) }'
}

median() { sort -n | awk '{ v[NR] = $1 } END { if (NR) print v[int((NR + 1) / 2)] }'; }

label() {
	case $1 in
	bare) echo "bare tables: same columns and types, no key, index, constraint (but NOT NULL) or trigger" ;;
	main) echo "ours as of migration $BEFORE$([ "$BEFORE" = 14 ] && echo " (main, before issue 15)")" ;;
	015) echo "ours as of migration $LAST (issue 15)" ;;
	*-fk) echo "${1%%-*}, every foreign key and statement reference check off" ;;
	*-fk_report) echo "${1%%-*}, truck_reports.report -> reports(id) check off" ;;
	*-fk_parents) echo "${1%%-*}, the checks of reports (org_id, corridor_id, supersedes) off" ;;
	*-indexes) echo "${1%%-*}, every index but the primary keys and (org_id, report_id) dropped" ;;
	*-truck_daily) echo "${1%%-*}, truck_daily trigger off" ;;
	*-payload) echo "${1%%-*}, payload as text instead of jsonb" ;;
	*-ledger) echo "${1%%-*}, ledger queue trigger off" ;;
	*-change) echo "${1%%-*}, change trigger (reports_changed) off" ;;
	*-all) echo "${1%%-*}, foreign keys and checks, indexes, truck_daily, payload, ledger and change trigger all off" ;;
	*-drop_*) echo "${1%%-*}, index ${1#*-drop_} dropped" ;;
	esac
}

say "$ROWS rows, $RUNS rounds, variants: $VARIANTS"
for v in $VARIANTS; do setup_variant "$v"; done
for r in $(seq 1 "$RUNS"); do
	make_data "$r"
	for v in $VARIANTS; do
		rps=$(copy_rps "$(db_of "$v")") || exit 1
		echo "$v $rps $r" >>"$WORK/results"
		say "round $r: $v: $rps rows/s"
	done
done

# The ratio is taken within each round (against that round's bare COPY),
# then the median of the rounds: the machine's load drifts between rounds.
ratio_of() {
	awk -v v="$1" '$1 == "bare" { b[$3] = $2 } $1 == v { x[$3] = $2 }
		END { for (r in x) if (b[r] > 0 && x[r] > 0) print x[r] / b[r] }' "$WORK/results" | median
}
echo
echo "COPY of $ROWS truck reports (reports + truck_reports, one transaction), median of $RUNS rounds;"
echo "PostgreSQL $("$(pg_bindir)/postgres" --version | awk '{ print $3 }'), $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg), $(date -u +'%Y-%m-%d %H:%M UTC')"
echo
echo "| variant | rows/s | ratio to bare | bare is ... times faster |"
echo "|---|---|---|---|"
for v in $VARIANTS; do
	m=$(awk -v v="$v" '$1 == v { print $2 }' "$WORK/results" | median)
	echo "| $(label "$v") | $m | $(awk -v q="$(ratio_of "$v")" 'BEGIN { if (q > 0) printf "%.2f | %.1f", q, 1 / q; else print "- | -" }') |"
done
