#!/bin/sh
# Prints the demo's example reports as JSON batches, one per line, for two
# organisations ("ORG<TAB>BATCH").  ILLUSTRATIVE DATA ONLY: shaped after the
# Lachin corridor blockade (which began on 12 December 2022) to show what
# supplywatch does; the numbers are invented, not a record of what happened.
# The story is moved so that it ends today, so the status page shows a live
# blockade: day 0 of the data is 104 days ago, the road closes on day 11.
# Report ids are derived from names and that start date, so loading the same
# data twice on one day stores nothing new.
set -eu
START=${DEMO_START:-$(date -u -d "104 days ago" +%Y-%m-%d)}

id() {	# a stable UUID for a name
	h=$(printf '%s' "supplywatch-demo:$START:$1" | md5sum | cut -c1-32)
	echo "$h" | sed 's/^\(.\{8\}\)\(.\{4\}\).\(.\{3\}\).\(.\{3\}\)\(.\{12\}\)$/\1-\2-4\3-8\4-\5/'
}

day() { date -u -d "$START + $1 days" +%Y-%m-%d; }

note='"note":"ILLUSTRATIVE demo data, not a real report"'

batch_ngo() {
	printf '{"reports":['
	sep=""
	# Inbound trucks, 1 Dec 2022 to 15 Mar 2023; two days in five left unreported
	# after the blockade starts, as happens when monitors cannot reach the road.
	for n in $(seq 0 104); do
		d=$(day "$n")
		if [ "$n" -lt 11 ]; then
			t=$((380 + (n * 37) % 50))
		else
			[ $((n % 5)) -eq 3 ] && continue
			[ $((n % 5)) -eq 4 ] && continue
			t=$(( (n * 7) % 11 ))
		fi
		printf '%s{"kind":"trucks","report_id":"%s","corridor":"lachin","date":"%s","trucks":%d,"crossing":"Hakari bridge","cargo":"%s",%s}' \
			"$sep" "$(id "ngo-trucks-$n")" "$d" "$t" "$( [ "$n" -lt 11 ] && echo mixed || echo food)" "$note"
		sep=","
	done
	printf ',{"kind":"access","report_id":"%s","corridor":"lachin","status":"blocked","at":"%sT10:30:00+04:00","crossing":"Lachin checkpoint",%s}' "$(id access-1)" "$(day 11)" "$note"
	printf ',{"kind":"disruption","report_id":"%s","corridor":"lachin","service":"gas","started_at":"%sT08:00:00+04:00","ended_at":"%sT12:00:00+04:00","disruption_id":"gas-1","location":"Stepanakert","people_affected":120000,%s}' "$(id gas-1)" "$(day 12)" "$(day 15)" "$note"
	printf ',{"kind":"disruption","report_id":"%s","corridor":"lachin","service":"gas","started_at":"%sT08:00:00+04:00","disruption_id":"gas-2","location":"Stepanakert","people_affected":120000,%s}' "$(id gas-2)" "$(day 47)" "$note"
	printf ',{"kind":"disruption","report_id":"%s","corridor":"lachin","service":"electricity","started_at":"%sT14:00:00+04:00","disruption_id":"power-1","location":"Stepanakert","people_affected":100000,%s}' "$(id power-1)" "$(day 39)" "$note"
	printf ',{"kind":"disruption","report_id":"%s","corridor":"lachin","service":"internet","started_at":"%sT09:00:00+04:00","ended_at":"%sT18:00:00+04:00","location":"Stepanakert",%s}' "$(id net-1)" "$(day 17)" "$(day 18)" "$note"
	printf ',{"kind":"shortage","report_id":"%s","corridor":"lachin","date":"%s","item":"baby formula","category":"baby","severity":"critical","location":"Stepanakert",%s}' "$(id short-1)" "$(day 50)" "$note"
	printf ',{"kind":"shortage","report_id":"%s","corridor":"lachin","date":"%s","item":"fresh vegetables","category":"food","severity":"severe","location":"Stepanakert",%s}' "$(id short-2)" "$(day 35)" "$note"
	printf ',{"kind":"shortage","report_id":"%s","corridor":"lachin","date":"%s","item":"insulin","category":"medicine","severity":"severe","location":"Stepanakert",%s}' "$(id short-3)" "$(day 62)" "$note"
	printf ',{"kind":"shortage","report_id":"%s","corridor":"lachin","date":"%s","item":"petrol","category":"fuel","severity":"critical","location":"Martuni",%s}' "$(id short-4)" "$(day 71)" "$note"
	printf ']}\n'
}

batch_monitor() {
	# A second organisation watching the same road: it double-counts some days.
	printf '{"reports":['
	sep=""
	for n in $(seq 12 104); do
		[ $((n % 4)) -eq 0 ] || continue
		printf '%s{"kind":"trucks","report_id":"%s","corridor":"lachin","date":"%s","trucks":%d,"crossing":"Lachin checkpoint",%s}' \
			"$sep" "$(id "monitor-trucks-$n")" "$(day "$n")" $(( (n * 5) % 9 )) "$note"
		sep=","
	done
	printf ',{"kind":"shortage","report_id":"%s","corridor":"lachin","date":"%s","item":"baby formula","category":"baby","severity":"severe","location":"Stepanakert",%s}' "$(id mon-short-1)" "$(day 76)" "$note"
	# It also counts what is collected on the far side (its own series, never
	# reconciled with the crossing's), trucks left waiting, and convoys.
	for n in $(seq 80 104); do
		[ $((n % 5)) -eq 3 ] && continue
		printf ',{"kind":"trucks","report_id":"%s","corridor":"lachin","date":"%s","trucks":%d,"stage":"collected","consignor":"red_cross",%s}' \
			"$(id "monitor-collected-$n")" "$(day "$n")" $(( (n * 7) % 11 * 4 / 5 )) "$note"
	done
	printf ',{"kind":"trucks","report_id":"%s","corridor":"lachin","date":"%s","trucks":37,"stage":"waiting",%s}' "$(id waiting-1)" "$(day 104)" "$note"
	for m in "86 denied medical" "90 impeded food" "95 facilitated food" "99 denied fuel" "103 postponed assessment"; do
		set -- $m
		printf ',{"kind":"movement","report_id":"%s","corridor":"lachin","planned_for":"%s","outcome":"%s","purpose":"%s","from":"Goris","to":"Stepanakert","crossing":"Hakari bridge",%s}' \
			"$(id "movement-$1")" "$(day "$1")" "$2" "$3" "$note"
	done
	printf ']}\n'
}

printf 'demo-ngo\t'
batch_ngo
printf 'demo-monitor\t'
batch_monitor
