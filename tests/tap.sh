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

# skip_all REASON: the whole script is skipped (plan 1..0, exit 77).
skip_all() {
	echo "1..0 # SKIP $*"
	exit 77
}

# need_root: skips the script when not root, with the reason.
need_root() {
	[ "$(id -u)" = 0 ] || skip_all "needs root to create and watch processes reliably"
}

done_testing() {
	echo "1..$tap_n"
	[ "$tap_failed" -eq 0 ]
}
