#!/bin/bash
# A revoked token stops working within 2 s, always: when the revocation's
# notification never arrives, and across a loss of the daemon's sessions.
. "$(dirname "$0")/../lib.sh"
sw_setup
sw_start || exit 1
report() { echo "{\"kind\":\"trucks\",\"report_id\":\"$(uuid)\",\"corridor\":\"lachin\",\"date\":\"2024-03-01\",\"trucks\":1}"; }

# revoke_and_watch TOKEN_ID TOKEN LABEL: revokes, then submits until 401 (or
# 4 s); every answer and when it came go to $WORK/watch.  Sets REVOKED_AFTER
# (seconds from the revocation's commit to the first 401) and LATE (2xx
# answers to requests sent more than 2 s after it).
revoke_and_watch() {
	local id=$1 tok=$2 t_rev t0 code
	: >"$WORK/watch"
	t_rev=$EPOCHREALTIME
	swcli token revoke "$id" >/dev/null || fail "$3: revoke failed"
	for _ in $(seq 1 80); do
		t0=$EPOCHREALTIME
		code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 5 -H "Authorization: Bearer $tok" \
			-H "Content-Type: application/json" --data-binary "$(report)" "$SW_URL/api/v1/reports")
		echo "$(awk -v a="$t_rev" -v b="$t0" 'BEGIN { printf "%.3f", b - a }') $code" >>"$WORK/watch"
		[ "$code" = 401 ] && break
		sleep 0.05
	done
	REVOKED_AFTER=$(awk '$2 == 401 {print $1; exit}' "$WORK/watch")
	LATE=$(awk '$1 > 2.0 && $2 ~ /^2/' "$WORK/watch" | wc -l)
	echo "     $3: refused ${REVOKED_AFTER:-never} s after the revocation"
	[ -n "$REVOKED_AFTER" ] && ok || fail "$3: the revoked token kept working for 4 s"
	expect_eq "$LATE" "0" "$3: nothing accepted 2 s after the revocation"
}

new_token() {
	TOK=$(swcli token issue ngo-a --label "$1" | tail -n 1)
	TID=$(sql "SELECT id FROM supplywatch.tokens WHERE label = '$1'")
	post_json /api/v1/reports "$(report)" "$TOK"
	expect_status 201 "$1: the token works (and is cached)"
}

# --- the notification is lost: the cache forgets by itself ----------------------------
new_token "lost notification"
sql "ALTER TABLE supplywatch.tokens DISABLE TRIGGER tokens_changed" >/dev/null
revoke_and_watch "$TID" "$TOK" "without the revocation's notification"
sql "ALTER TABLE supplywatch.tokens ENABLE TRIGGER tokens_changed" >/dev/null

# --- the daemon's sessions are lost as the token is revoked ----------------------------
# Every session of the daemon is terminated, the snapshot thread's (which
# listens for revocations) with them; the token is revoked while they come
# back.
new_token "lost sessions"
killed=$(sql "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE application_name = 'supplywatchd' AND datname = current_database()")
if [ "$killed" -ge 2 ]; then ok; else fail "only $killed daemon sessions to terminate"; fi
revoke_and_watch "$TID" "$TOK" "across lost sessions"
# The token of another organisation works all along.
swcli org add ngo-b "NGO B" >/dev/null
TOKEN_B=$(swcli token issue ngo-b | tail -n 1)
post_json /api/v1/reports "$(report)" "$TOKEN_B"
expect_status 201 "another token works"
sw_stop
