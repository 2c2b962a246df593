#!/bin/sh
# make check-po: every catalogue translates every message of the sources as
# they are now, none fuzzy, and passes msgfmt --check.  Usage: check.sh BUILD LANG...
set -eu
build=$1
shift
pot=$build/supplywatch.pot
mkdir -p "$build/po-check"
status=0
for l in "$@"; do
	merged=$build/po-check/$l.po
	# What the catalogue would be against today's sources: a message it lacks
	# shows as untranslated, one whose English changed as fuzzy.
	msgmerge --quiet --no-wrap -o "$merged" "po/$l.po" "$pot"
	if ! stats=$(msgfmt --check --statistics -o /dev/null "$merged" 2>&1); then
		echo "po/$l.po: msgfmt --check failed:"
		echo "$stats"
		status=1
		continue
	fi
	case $stats in
	*fuzzy* | *untranslated*)
		echo "po/$l.po: incomplete: $stats (run make update-po, then translate)"
		msgattrib --only-fuzzy --no-wrap "$merged" | grep '^msgid' | head -n 5 || true
		msgattrib --untranslated --no-wrap "$merged" | grep '^msgid' | sed -n '2,6p' || true
		status=1
		;;
	*)
		echo "po/$l.po: $stats"
		;;
	esac
	# An obsolete message (#~) is one the sources no longer have: keep po/ tidy.
	if grep -q '^#~' "po/$l.po"; then
		echo "po/$l.po: has obsolete messages (#~): run make update-po"
		status=1
	fi
done
exit $status
