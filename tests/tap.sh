# SPDX-License-Identifier: LGPL-2.1-or-later
# Tiny TAP helpers for the shell tests: source it, call ok/skip_all, then done_testing.
tap_n=0
tap_failed=0

# ok NAME COMMAND...: runs COMMAND, one TAP line for it.
ok() {
	local name=$1
	shift
	tap_n=$((tap_n + 1))
	if "$@"; then
		echo "ok $tap_n - $name"
	else
		echo "not ok $tap_n - $name"
		tap_failed=$((tap_failed + 1))
	fi
}

# diag TEXT: a TAP comment.
diag() {
	echo "# $*"
}

# skip_all REASON: the whole script is skipped (plan 1..0, exit 77);
# with GARLIC_REQUIRE_LIVE=1 it bails out and fails instead.
skip_all() {
	if [ "${GARLIC_REQUIRE_LIVE:-0}" = 1 ]; then
		echo "Bail out! $* (a skip, and GARLIC_REQUIRE_LIVE=1)"
		exit 1
	fi
	echo "1..0 # SKIP $*"
	exit 77
}

# skip NAME REASON: one test skipped; with GARLIC_REQUIRE_LIVE=1 it fails.
skip() {
	tap_n=$((tap_n + 1))
	if [ "${GARLIC_REQUIRE_LIVE:-0}" = 1 ]; then
		echo "not ok $tap_n - $1: $2 (a skip, and GARLIC_REQUIRE_LIVE=1)"
		tap_failed=$((tap_failed + 1))
	else
		echo "ok $tap_n - $1 # SKIP $2"
	fi
}

# need_live connector|taskstats|root: skips the script when the
# environment itself rules the test out (tests/env.h says which reasons
# count); never because garlic failed: that is a failure.
need_live() {
	need_why=$("$top_builddir/tests/env-check" "$1")
	case $? in
	0) ;;
	77) skip_all "$need_why" ;;
	*) echo "Bail out! tests/env-check $1 failed"; exit 1 ;;
	esac
}

done_testing() {
	echo "1..$tap_n"
	[ "$tap_failed" -eq 0 ]
}
