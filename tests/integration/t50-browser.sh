#!/bin/bash
# The status page in a real browser: headless Chromium (Debian's, driven by
# playwright-core from tests/browser/) loads a corridor page at 1280 px and
# 375 px, checks the rendered text, that nothing overflows a phone's width,
# that hostile report text stays text and that the page fetches nothing; the
# screenshots are kept in build/artifacts/ (status-*.png in English, status-ar-*.png
# and status-hy-*.png in Arabic and Armenian, status-latest*.png today's page
# with its latest reports).  Each "ok"/"FAIL" line of
# tests/browser/check-page.mjs counts as one check here.
. "$(dirname "$0")/../lib.sh"

BROWSER_DIR=$SW_ROOT/tests/browser
ARTIFACTS=$SW_ROOT/build/artifacts
CHROMIUM=/usr/bin/chromium

# --- tools: node and npm (Debian's if missing), playwright-core as locked ------------
if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
	if [ "$(id -u)" -ne 0 ]; then
		echo "  FAIL [$TEST_NAME] node/npm missing and not root to apt-get install nodejs npm" >&2
		echo "$TEST_NAME 0 1" >>"${SW_RESULTS:-/dev/null}"
		exit 1
	fi
	echo "installing Debian's nodejs and npm" >&2
	{ DEBIAN_FRONTEND=noninteractive apt-get update -qq &&
	  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends nodejs npm; } >&2
	if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
		echo "  FAIL [$TEST_NAME] apt-get install nodejs npm did not provide node and npm" >&2
		echo "$TEST_NAME 0 1" >>"${SW_RESULTS:-/dev/null}"
		exit 1
	fi
fi
if [ ! -x "$CHROMIUM" ]; then
	echo "  FAIL [$TEST_NAME] $CHROMIUM is missing (tests/install-deps.sh installs chromium)" >&2
	echo "$TEST_NAME 0 1" >>"${SW_RESULTS:-/dev/null}"
	exit 1
fi
locked_version() {
	(cd "$BROWSER_DIR" && node -p "require('./package-lock.json').packages['node_modules/playwright-core'].version")
}
installed_version() {
	(cd "$BROWSER_DIR" && node -p "require('./node_modules/playwright-core/package.json').version" 2>/dev/null)
}
if [ "$(installed_version)" != "$(locked_version)" ]; then
	(cd "$BROWSER_DIR" && timeout 300 npm ci --no-audit --no-fund --loglevel=error) >&2 || {
		echo "  FAIL [$TEST_NAME] npm ci in tests/browser failed" >&2
		echo "$TEST_NAME 0 1" >>"${SW_RESULTS:-/dev/null}"
		exit 1
	}
fi

sw_setup
# The page in English (the default), Arabic (right to left) and Armenian.
sed -i 's|^status = { \(.*\) };|status = { \1 default_language = "en"; languages = [ "en", "ar", "hy" ]; };|' "$WORK/daemon.conf"
sw_start

# --- a scenario with real content: lachin blocked from 1 January 2023 -----------------
trk() { echo "{\"kind\":\"trucks\",\"report_id\":\"$(uuid)\",\"corridor\":\"lachin\",\"date\":\"$1\",\"trucks\":$2}"; }
# Hostile report text: must come out as these characters, never as elements.
HOSTILE='<script>alert(1)</script><img src=/x onerror=alert(2)>'
L=""
# 3 and 6 January unreported; 4 January a reported zero.
for d in "2023-01-01 5" "2023-01-02 3" "2023-01-04 0" "2023-01-05 6" "2023-01-07 4" \
	 "2023-01-08 10" "2023-01-09 2" "2023-01-10 6"; do
	set -- $d
	L="$L$(trk "$1" "$2"),"
done
L="$L{\"kind\":\"access\",\"report_id\":\"$(uuid)\",\"corridor\":\"lachin\",\"status\":\"blocked\",\"at\":\"2023-01-01T10:00:00+04:00\",\"crossing\":\"Hakari bridge\"},"
L="$L{\"kind\":\"disruption\",\"report_id\":\"$(uuid)\",\"corridor\":\"lachin\",\"service\":\"gas\",\"started_at\":\"2023-01-03T08:00:00+04:00\",\"location\":\"Stepanakert\",\"people_affected\":120000},"
L="$L{\"kind\":\"shortage\",\"report_id\":\"$(uuid)\",\"corridor\":\"lachin\",\"date\":\"2023-01-06\",\"item\":\"baby formula\",\"severity\":\"critical\",\"location\":\"Stepanakert\"},"
L="$L{\"kind\":\"shortage\",\"report_id\":\"$(uuid)\",\"corridor\":\"lachin\",\"date\":\"2023-01-08\",\"item\":\"$HOSTILE\",\"severity\":\"severe\",\"location\":\"Stepanakert\",\"note\":\"$HOSTILE\"}"
post_json /api/v1/reports "{\"reports\":[$L]}"
expect_status 201 "scenario batch"
expect_json '.reports | length' '12' "every report of the scenario stored"
# Stage two: a second organisation collects on the other side (its own series,
# side by side with the crossing's), trucks wait at the crossing, a convoy is
# denied; both organisations describe their method, one of them hostile.
swcli org add ngo-b "<b>NGO B</b>" >/dev/null
TOKEN_B=$(swcli token issue ngo-b | tail -n 1)
swcli org set ngo-a --method "Counts trucks crossing Hakari bridge, 06:00 to 20:00." --url "https://example.org/ngo-a/method" >/dev/null
swcli org set ngo-b --method "$HOSTILE collected at the warehouses" >/dev/null
S=""
for d in "2023-01-05 5" "2023-01-07 3" "2023-01-08 9" "2023-01-09 2" "2023-01-10 5"; do
	set -- $d
	S="$S{\"kind\":\"trucks\",\"report_id\":\"$(uuid)\",\"corridor\":\"lachin\",\"date\":\"$1\",\"trucks\":$2,\"stage\":\"collected\"},"
done
S="$S{\"kind\":\"trucks\",\"report_id\":\"$(uuid)\",\"corridor\":\"lachin\",\"observed_at\":\"2023-01-10T09:00:00+04:00\",\"trucks\":38,\"stage\":\"waiting\"},"
S="$S{\"kind\":\"movement\",\"report_id\":\"$(uuid)\",\"corridor\":\"lachin\",\"planned_for\":\"2023-01-09\",\"outcome\":\"denied\",\"purpose\":\"medical\",\"from\":\"Goris\",\"to\":\"Stepanakert\",\"crossing\":\"Hakari bridge\"}"
post_json /api/v1/reports "{\"reports\":[$S]}" "$TOKEN_B"
expect_status 201 "stage-two batch"

# Readiness: wait until the snapshot includes the last report (no sleeping blind).
wait_snapshot
last=$(sql "SELECT to_char(max(received_at) AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"') FROM supplywatch.reports")
req GET /api/v1/status
expect_json '[.corridors[].freshness.last_report_at] | max' "\"$last\"" "snapshot rebuilt after the reports"

# --- the page in Chromium ------------------------------------------------------------
mkdir -p "$ARTIFACTS"
# browse NAME URL [check-page options]: one run of check-page.mjs, each of its
# lines one check; screenshots NAME-1280.png and NAME-375.png in build/artifacts/.
browse() {
	local name=$1 url=$2 rc=0 line n_ok=0 n_fail=0 f
	shift 2
	rm -f "$ARTIFACTS/$name-1280.png" "$ARTIFACTS/$name-375.png"
	timeout -k 5 60 node "$BROWSER_DIR/check-page.mjs" "$url" "$ARTIFACTS" --name "$name" "$@" \
		>"$WORK/browser-$name.out" 2>"$WORK/browser-$name.err" || rc=$?
	while IFS= read -r line; do
		case "$line" in
		"ok "*) ok; n_ok=$((n_ok + 1)) ;;
		"FAIL "*) fail "browser ($name): ${line#FAIL }"; n_fail=$((n_fail + 1)) ;;
		esac
	done <"$WORK/browser-$name.out"
	if [ "$rc" -ne 0 ] && [ "$n_fail" -eq 0 ]; then
		fail "browser script ($name) exited with status $rc$([ "$rc" -eq 124 ] && echo ' (timed out after 60 s)') without a FAIL line: $(tail -c 800 "$WORK/browser-$name.err")"
	elif [ "$rc" -eq 0 ] && [ "$n_ok" -eq 0 ]; then
		fail "browser script ($name) printed no check"
	fi
	for f in "$ARTIFACTS/$name-1280.png" "$ARTIFACTS/$name-375.png"; do
		if [ -s "$f" ]; then ok; echo "     artifact: $f"; else fail "screenshot $f not written"; fi
	done
}

browse status "$SW_URL/corridors/lachin?as_of=2023-01-10" \
	--lang en --dir ltr \
	--badge BLOCKED \
	--text "Day 10 of the blockade, since 1 January 2023" \
	--text "Trucks on 10 January 2023: 6" \
	--text "Trucks on 9 January 2023: 2" \
	--text "Gas in Stepanakert, since 3 January 2023, 08:00 (UTC+04:00): 8 days" \
	--text "CRITICAL baby formula, Stepanakert: for 5 days since 6 January 2023" \
	--literal "$HOSTILE" \
	--text "Counting points, last 14 days" \
	--text "5 (0.83)" \
	--text "Waiting at the crossing: 38 trucks (seen 10 January 2023)" \
	--text "Sources and methods" \
	--text "Counts trucks crossing Hakari bridge, 06:00 to 20:00." \
	--literal "<b>NGO B</b> (collected, waiting at the crossing): $HOSTILE collected at the warehouses" \
	--text "9 January 2023: Denied, medical supplies, Goris → Stepanakert via Hakari bridge"

# Today's corridor page has the latest reports (issue 17): the hostile item and
# note among them stay text, and the list wraps within a phone's width.
browse status-latest "$SW_URL/corridors/lachin" \
	--lang en --dir ltr \
	--text "Latest reports" \
	--text "Access change: BLOCKED Hakari bridge, since 1 January 2023, 10:00 (UTC+04:00)" \
	--literal "Shortage: SEVERE $HOSTILE in Stepanakert on 8 January 2023" \
	--literal "Note: $HOSTILE"
browse status-latest-ar "$SW_URL/corridors/lachin?lang=ar" \
	--lang ar --dir rtl \
	--text "أحدث التقارير" \
	--literal "$HOSTILE"

# Arabic: right to left, Arabic-Indic digits, Levantine month names, English names from reports in <bdi>.
browse status-ar "$SW_URL/corridors/lachin?as_of=2023-01-10&lang=ar" \
	--lang ar --dir rtl \
	--badge "مغلق" \
	--text "اليوم ١٠ من الحصار، منذ ١ كانون الثاني ٢٠٢٣" \
	--text "Stepanakert" \
	--text "عدد الشاحنات في ٩ كانون الثاني ٢٠٢٣: ٢" \
	--literal "$HOSTILE"

# Armenian: left to right, its own script, genitive month names.
browse status-hy "$SW_URL/corridors/lachin?as_of=2023-01-10&lang=hy" \
	--lang hy --dir ltr \
	--badge "ՓԱԿ" \
	--text "Շրջափակման 10 օր, սկիզբը՝ 1 հունվարի, 2023 թ." \
	--text "Բեռնատարներ (10 հունվարի, 2023 թ.)՝ 6" \
	--literal "$HOSTILE"
sw_stop
