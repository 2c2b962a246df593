#!/bin/bash
# What an operator installs beside the programs: `make install` into scratch
# roots; systemd-analyze verify says nothing about the units; the service's
# sandbox rates 1.5 or better in systemd-analyze security; sysusers.d and
# tmpfiles.d create the user and the modes of /etc/supplywatch; `make
# uninstall` removes what it installed; the Prometheus alert rules pass
# promtool's checks and their unit tests.  Needs neither the database nor a
# running systemd (CI runs in a container, as root).
. "$(dirname "$0")/../lib.sh"
WORK=$(mktemp -d "${SW_TMP:-/tmp}/$TEST_NAME.XXXXXX")
chmod 755 "$WORK"
DB=""	# no database; sw_cleanup's dropdb then does nothing
trap sw_cleanup EXIT
trap "exit 130" INT TERM

for tool in systemd-analyze systemd-sysusers systemd-tmpfiles promtool; do
	if ! command -v "$tool" >/dev/null; then
		fail "$tool not found: run sh tests/install-deps.sh"
		exit 1
	fi
done

# -o all: install the programs already built in SW_BUILD, never rebuild them.
sw_install() {
	make -s --no-print-directory -C "$SW_ROOT" -o all BUILD="$SW_BUILD" "$@" >"$WORK/make.out" 2>&1 ||
		{ fail "make $*: $(cat "$WORK/make.out")"; exit 1; }
}

# --- make install with a DESTDIR and the default PREFIX ------------------------
R=$WORK/root
sw_install install DESTDIR="$R"
for f in usr/local/sbin/supplywatchd usr/local/bin/supplywatch \
	usr/local/lib/systemd/system/supplywatchd.service usr/local/lib/systemd/system/supplywatchd.socket \
	usr/local/lib/sysusers.d/supplywatch.conf usr/local/lib/tmpfiles.d/supplywatch.conf \
	etc/supplywatch/supplywatch.conf usr/local/share/doc/supplywatch/operations.md \
	usr/local/share/doc/supplywatch/prometheus/supplywatch-alerts.yml; do
	if [ -f "$R/$f" ]; then ok; else fail "make install did not install /$f"; fi
done
U=$R/usr/local/lib/systemd/system
expect_contains "$U/supplywatchd.service" "ExecStart=/usr/local/sbin/supplywatchd -c /etc/supplywatch/supplywatch.conf" "installed unit"
# The socket listens where the daemon would by default.
default=$("$SW_BUILD/supplywatch" config-keys | awk '$1 == "listen.address" { a = $2 } $1 == "listen.port" { p = $2 } END { print a ":" p }')
expect_contains "$U/supplywatchd.socket" "ListenStream=$default" "socket on the default listen address"
expect_eq "$(grep -c '^ListenStream=' "$U/supplywatchd.socket")" 1 "the daemon takes exactly one socket"

# --- systemd-analyze verify ----------------------------------------------------
# verify needs the ExecStart= programs at their absolute paths, and --root=
# would need a whole systemd tree: install with the prefix in the scratch
# directory instead, which also checks the Makefile's path rewriting.
A=$WORK/abs
sw_install install PREFIX="$A/usr/local" SYSCONFDIR="$A/etc"
expect_contains "$A/usr/local/lib/systemd/system/supplywatchd.service" "ExecStart=$A/usr/local/sbin/supplywatchd -c $A/etc/supplywatch/supplywatch.conf" "paths rewritten"
(cd "$WORK" && systemd-analyze verify --man=no "$A/usr/local/lib/systemd/system/supplywatchd.service" \
	"$A/usr/local/lib/systemd/system/supplywatchd.socket") >"$WORK/verify.out" 2>&1
rc=$?
expect_eq "$rc" 0 "systemd-analyze verify exit status"
expect_eq "$(cat "$WORK/verify.out")" "" "systemd-analyze verify output"

# --- systemd-analyze security ----------------------------------------------------
systemd-analyze security --offline=yes --threshold=15 --no-pager "$U/supplywatchd.service" \
	>"$WORK/security.out" 2>"$WORK/security.err"
rc=$?
exposure=$(sed -n 's/.*Overall exposure level for supplywatchd.service: \([0-9.]*\).*/\1/p' "$WORK/security.out")
echo "  [$TEST_NAME] systemd-analyze security: overall exposure ${exposure:-?} (at most 1.5 allowed)"
expect_eq "$rc" 0 "systemd-analyze security --threshold=15 exit status"
expect_eq "$(cat "$WORK/security.err")" "" "systemd-analyze security warnings"
if [ -n "$exposure" ] && awk -v e="$exposure" 'BEGIN { exit !(e <= 1.5) }'; then ok; else
	fail "exposure '${exposure}' is not at most 1.5: $(grep '✗' "$WORK/security.out")"
fi

# --- sysusers.d and tmpfiles.d, applied to the scratch root ------------------------
# Both write files they must chown: as another user, only a dry run of sysusers.
: >"$R/etc/passwd"
: >"$R/etc/group"
if [ "$(id -u)" -eq 0 ]; then
	systemd-sysusers --root="$R" >"$WORK/sysusers.out" 2>&1 || fail "systemd-sysusers: $(cat "$WORK/sysusers.out")"
	expect_eq "$(awk -F: '$1 == "supplywatch" { print $5 ":" $7 }' "$R/etc/passwd")" \
		"supplywatch daemon:/usr/sbin/nologin" "system user"
	gid=$(awk -F: '$1 == "supplywatch" { print $3 }' "$R/etc/group")
	[ -n "$gid" ] && ok || fail "no group supplywatch in $(cat "$R/etc/group")"
	head -c 32 /dev/urandom >"$R/etc/supplywatch/pepper"
	chmod 644 "$R/etc/supplywatch/pepper"
	systemd-tmpfiles --root="$R" --create supplywatch.conf >"$WORK/tmpfiles.out" 2>&1 ||
		fail "systemd-tmpfiles: $(cat "$WORK/tmpfiles.out")"
	expect_eq "$(stat -c '%a %u:%g' "$R/etc/supplywatch")" "750 0:$gid" "/etc/supplywatch"
	expect_eq "$(stat -c '%a %u:%g' "$R/etc/supplywatch/supplywatch.conf")" "640 0:$gid" "supplywatch.conf"
	expect_eq "$(stat -c '%a %u:%g' "$R/etc/supplywatch/pepper")" "600 0:0" "pepper"
else
	systemd-sysusers --root="$R" --dry-run >"$WORK/sysusers.out" 2>&1 || fail "systemd-sysusers: $(cat "$WORK/sysusers.out")"
	expect_contains "$WORK/sysusers.out" "Creating user 'supplywatch' (supplywatch daemon)" "system user"
	echo "  [$TEST_NAME] not root: systemd-sysusers dry run only, systemd-tmpfiles skipped"
fi

# --- make uninstall --------------------------------------------------------------
sw_install uninstall DESTDIR="$R"
left=$(cd "$R" && find usr -type f | sort | tr '\n' ' ')
expect_eq "$left" "" "files left after make uninstall"
[ -f "$R/etc/supplywatch/supplywatch.conf" ] && ok || fail "make uninstall removed the configuration"

# --- Prometheus alert rules ------------------------------------------------------------
P=$SW_ROOT/etc/prometheus
promtool check rules "$P/supplywatch-alerts.yml" >"$WORK/promtool-check.out" 2>&1 && ok ||
	fail "promtool check rules: $(cat "$WORK/promtool-check.out")"
promtool test rules "$P/supplywatch-alerts.test.yml" "$P/supplywatch-alerts.daily.test.yml" \
	>"$WORK/promtool-test.out" 2>&1 && ok ||
	fail "promtool test rules: $(cat "$WORK/promtool-test.out")"
