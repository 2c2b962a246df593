#!/bin/bash
# Low flows on the corridor page (issue 17): when the 90 days' highest count
# is under a fifth of the baseline, a second chart draws the same days to the
# observed scale (rounded up to 1, 2 or 5 x 10^k, its top labelled), both
# charts say their figures in words (<title>, <desc>), and a folded table
# gives the last 14 days.  The threshold from both sides (99 and 100 against
# rafah's 500), a highest of 0, as_of, the front page (one chart a corridor,
# no table), the page budget and the Arabic page.
. "$(dirname "$0")/../lib.sh"
sw_setup
sed -i 's|^status = { \(.*\) };|status = { \1 default_language = "en"; languages = [ "en", "ar" ]; };|' "$WORK/daemon.conf"
sw_start

batch() { post_json /api/v1/reports "{\"reports\":[$1]}"; expect_status 201 "batch: ${1:0:60}"; }
trk() { echo "{\"kind\":\"trucks\",\"report_id\":\"$(uuid)\",\"corridor\":\"$1\",\"date\":\"$2\",\"trucks\":$3}"; }

# lachin (baseline 400): 7, 3, a reported 0, an unreported day, 6; later 150.
# rafah (baseline 500): a lone 0 in January; 99, then 40, then exactly 100.
batch "$(trk lachin 2023-02-01 7),$(trk lachin 2023-02-02 3),$(trk lachin 2023-02-03 0),$(trk lachin 2023-02-05 6),$(trk lachin 2023-02-20 150),$(trk rafah 2024-01-10 0),$(trk rafah 2024-03-01 99),$(trk rafah 2024-03-02 40),$(trk rafah 2024-03-05 100)"
wait_snapshot

# figure N: the Nth <figure> of the last page, whole.
figure() { awk -v n="$1" '/^<figure>/ { k++ } k == n { print } k == n && /^<\/figure>/ { exit }' "$BODY"; }
# folded: the <details> block of the last page.
folded() { sed -n '/^<details>/,/^<\/details>/p' "$BODY"; }
figures() { grep -c '^<figure>' "$BODY"; }

# --- lachin as of 5 February 2023: the second chart, to a scale of 10 ----------------
req GET "/corridors/lachin?as_of=2023-02-05"
expect_status 200 "lachin as of 5 February"
cp "$BODY" "$WORK/lachin.html"
expect_eq "$(figures)" "2" "highest 7 against 400: a second chart"
# The same days to both scales: 7, 3 and 6 are a pixel apart against the
# baseline, and 7, 3, 6 apart at the observed scale; the reported 0 hangs
# below the axis in both.
expect_contains "$WORK/lachin.html" '<path class="bar" d="M513 190V187M519 190V188M537 190V187"/><path class="z" d="M525 190v8"/>' "the baseline's chart: bars a pixel high"
second=$(figure 2)
expect_eq "$second" '<figure>
<figcaption><strong>The same days, drawn to the observed scale: 0 to 10 trucks a day, not to the pre-blockade baseline of 400.</strong></figcaption>
<svg viewBox="0 0 540 200" role="img" aria-label="Inbound trucks per day, drawn to the observed scale"><title>Inbound trucks per day, drawn to the observed scale</title><desc>From 8 November 2022 to 5 February 2023: 4 of 90 days reported; 5 days of blockade. Most trucks in one day: 7, on 1 February 2023. Days with 0 trucks reported: 1. The same days, drawn to the observed scale: 0 to 10 trucks a day, not to the pre-blockade baseline of 400.</desc><path class="sh" d="M510 20h30v170h-30z"/><path class="g" d="M0 20h510v170h-510zM528 20h6v170h-6z"/><path class="bar" d="M513 190V71M519 190V139M537 190V88"/><path class="z" d="M525 190v8"/><line class="axl" x1="0" y1="190.5" x2="540" y2="190.5"/><path class="axl" d="M0 20H540"/><text class="lbl" x="536" y="15" text-anchor="end">10/day</text></svg>
<div class="ax"><span>8 November 2022</span><span>5 February 2023</span></div>
</figure>' "the observed-scale chart, whole"
first=$(figure 1)
case $first in
*'<svg viewBox="0 0 540 200" role="img" aria-label="Inbound trucks per day, drawn to the scale of the pre-blockade baseline"><title>Inbound trucks per day, drawn to the scale of the pre-blockade baseline</title><desc>From 8 November 2022 to 5 February 2023: 4 of 90 days reported; 5 days of blockade. Most trucks in one day: 7, on 1 February 2023. Days with 0 trucks reported: 1. Scale: 0 to 400 trucks a day; the dashed line is the pre-blockade baseline, 400 trucks a day.</desc>'*) ok ;;
*) fail "the baseline's chart: title and desc: $(grep -o '<svg viewBox="0 0 540 200"[^<]*<title>.*</desc>' "$WORK/lachin.html" | head -n 1)" ;;
esac
case $first in *'>baseline 400/day</text>'*) ok ;; *) fail "the baseline's chart keeps its dashed line" ;; esac
expect_eq "$(folded)" '<details><summary>Inbound trucks, last 14 days, as a table</summary>
<div class="tw"><table>
<thead><tr><th scope="col">Date</th><th scope="col">Trucks</th><th scope="col">Status</th></tr></thead>
<tbody>
<tr><th scope="row" class="d">5 February 2023</th><td>6</td><td><span class="badge s2">BLOCKED</span></td></tr>
<tr><th scope="row" class="d">4 February 2023</th><td class="na">no report</td><td><span class="badge s-1">UNKNOWN</span></td></tr>
<tr><th scope="row" class="d">3 February 2023</th><td>0</td><td><span class="badge s2">BLOCKED</span></td></tr>
<tr><th scope="row" class="d">2 February 2023</th><td>3</td><td><span class="badge s2">BLOCKED</span></td></tr>
<tr><th scope="row" class="d">1 February 2023</th><td>7</td><td><span class="badge s2">BLOCKED</span></td></tr>
<tr><th scope="row" class="d">31 January 2023</th><td class="na">no report</td><td><span class="badge s-1">UNKNOWN</span></td></tr>
<tr><th scope="row" class="d">30 January 2023</th><td class="na">no report</td><td><span class="badge s-1">UNKNOWN</span></td></tr>
<tr><th scope="row" class="d">29 January 2023</th><td class="na">no report</td><td><span class="badge s-1">UNKNOWN</span></td></tr>
<tr><th scope="row" class="d">28 January 2023</th><td class="na">no report</td><td><span class="badge s-1">UNKNOWN</span></td></tr>
<tr><th scope="row" class="d">27 January 2023</th><td class="na">no report</td><td><span class="badge s-1">UNKNOWN</span></td></tr>
<tr><th scope="row" class="d">26 January 2023</th><td class="na">no report</td><td><span class="badge s-1">UNKNOWN</span></td></tr>
<tr><th scope="row" class="d">25 January 2023</th><td class="na">no report</td><td><span class="badge s-1">UNKNOWN</span></td></tr>
<tr><th scope="row" class="d">24 January 2023</th><td class="na">no report</td><td><span class="badge s-1">UNKNOWN</span></td></tr>
<tr><th scope="row" class="d">23 January 2023</th><td class="na">no report</td><td><span class="badge s-1">UNKNOWN</span></td></tr>
</tbody></table></div>
</details>' "the last 14 days as a table: no report, a 0, newest first"
# as_of: nothing after the day, in the charts or the table.
if grep -q '20 February 2023\|150' "$WORK/lachin.html"; then fail "a day after as_of on the page: $(grep -o '.\{40\}20 February 2023.\{20\}\|.\{40\}150.\{20\}' "$WORK/lachin.html" | head -n 3)"; else ok; fi
size=$(wc -c <"$WORK/lachin.html")
echo "     /corridors/lachin?as_of=2023-02-05: $size bytes"
if [ "$size" -lt 102400 ]; then ok; else fail "the corridor page is $size bytes"; fi
if grep -qi '<script' "$WORK/lachin.html"; then fail "the page has a script"; else ok; fi

# The highest, 150 on 20 February, is over a fifth of 400: one chart.
req GET "/corridors/lachin?as_of=2023-02-20"
expect_eq "$(figures)" "1" "highest 150 against 400: no second chart"
expect_contains "$BODY" '<tr><th scope="row" class="d">20 February 2023</th><td>150</td><td><span class="badge s1">RESTRICTED</span></td></tr>' "the table as of 20 February"
# Today: nothing in the last 90 days, so nothing to draw to a scale of its own.
req GET /corridors/lachin
expect_eq "$(figures)" "1" "no report in 90 days: no second chart"
expect_eq "$(folded | grep -c '<td class="na">no report</td>')" "14" "no report in 90 days: 14 rows of no report"

# --- the threshold, both sides: 99 and 100 against rafah's 500 -----------------------
req GET "/corridors/rafah?as_of=2024-03-04"
expect_eq "$(figures)" "2" "highest 99 against 500: a second chart"
expect_contains "$BODY" '<figcaption><strong>The same days, drawn to the observed scale: 0 to 100 trucks a day, not to the pre-blockade baseline of 500.</strong></figcaption>' "rafah: the observed scale rounds 99 up to 100"
expect_contains "$BODY" '<text class="lbl" x="536" y="15" text-anchor="end">100/day</text>' "rafah: the top labelled 100/day"
expect_contains "$BODY" 'Most trucks in one day: 99, on 1 March 2024. Days with 0 trucks reported: 1.' "rafah: the highest day and the zero in words"
req GET "/corridors/rafah?as_of=2024-03-05"
expect_eq "$(figures)" "1" "highest exactly 100, a fifth of 500: no second chart"
expect_contains "$BODY" 'Most trucks in one day: 100, on 5 March 2024.' "rafah as of 5 March: the highest day"
# A highest of 0: every reported day a zero; no second chart, the zero in the table.
req GET "/corridors/rafah?as_of=2024-01-10"
expect_eq "$(figures)" "1" "highest 0: no second chart"
expect_contains "$BODY" '1 of 90 days reported; 1 day of blockade. Every reported day had 0 trucks. Scale:' "highest 0 in words"
expect_contains "$BODY" '<tr><th scope="row" class="d">10 January 2024</th><td>0</td><td><span class="badge s2">BLOCKED</span></td></tr>' "a reported 0 is 0 in the table"

# --- the front page: one chart a corridor, no words, no table -----------------------
for q in "" "?as_of=2023-02-05" "?as_of=2024-03-04"; do
	req GET "/$q"
	expect_status 200 "front page $q"
	expect_eq "$(figures)" "2" "front page $q: one chart for each of the two corridors"
	expect_eq "$(grep -c '<details>\|<desc>\|observed scale' "$BODY")" "0" "front page $q: no table, no description, no second chart"
done

# --- in Arabic: the same, translated, with Arabic-Indic digits ----------------------
req GET "/corridors/lachin?as_of=2023-02-05&lang=ar"
expect_eq "$(figures)" "2" "Arabic page: a second chart"
expect_contains "$BODY" 'text-anchor="end">١٠ يوميًا</text>' "Arabic: the top labelled in Arabic digits"
for english in "observed scale" "Most trucks" "as a table" ">Trucks<" ">Status<" "no report"; do
	if grep -qF "$english" "$BODY"; then fail "Arabic page: \"$english\" untranslated"; else ok; fi
done
sw_stop
