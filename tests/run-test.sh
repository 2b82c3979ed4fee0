#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# Runs one test under automake's TAP driver. GTest programs get --tap;
# $GARLIC_TEST_WRAPPER (e.g. valgrind) is put in front of programs.
# Exit 77 means "skipped" (the program printed a "1..0 # SKIP" plan);
# tap-driver.sh would count it as an error, so it becomes 0 here.
# With GARLIC_REQUIRE_LIVE=1 nothing may skip: the tests' own helpers
# fail instead of skipping, and this catches any skip they missed (a
# "# SKIP" result becomes "not ok", exit 77 becomes 1).
test=$1
shift
run() {
	case $test in
	*.sh) ${SHELL:-/bin/sh} "$test" "$@" ;;
	*) $GARLIC_TEST_WRAPPER "$test" --tap "$@" ;;
	esac
}
if [ "${GARLIC_REQUIRE_LIVE:-0}" != 1 ]; then
	run "$@"
	rc=$?
	[ "$rc" -eq 77 ] && exit 0
	exit "$rc"
fi
# The test's status comes out on fd 3, its TAP through awk on fd 4.
{ rc=$({ { run "$@" 3>&- 4>&-; echo $? >&3; } | awk '
	/^ok .*# *[Ss][Kk][Ii][Pp]/ {
		sub(/^ok/, "not ok")
		sub(/# *[Ss][Kk][Ii][Pp]/, "- skipped, and GARLIC_REQUIRE_LIVE=1:")
	}
	/^1\.\.0 *# *[Ss][Kk][Ii][Pp]/ {
		sub(/^1\.\.0 *# *[Ss][Kk][Ii][Pp]/, "Bail out! skipped, and GARLIC_REQUIRE_LIVE=1:")
	}
	{ print; fflush() }' >&4; } 3>&1); } 4>&1
[ "$rc" -eq 77 ] && exit 1
exit "$rc"
