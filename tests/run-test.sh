#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# Runs one test under automake's TAP driver. GTest programs get --tap;
# $GARLIC_TEST_WRAPPER (e.g. valgrind) is put in front of programs.
# Exit 77 means "skipped" (the program printed a "1..0 # SKIP" plan);
# tap-driver.sh would count it as an error, so it becomes 0 here.
test=$1
shift
case $test in
*.sh) ${SHELL:-/bin/sh} "$test" "$@" ;;
*) $GARLIC_TEST_WRAPPER "$test" --tap "$@" ;;
esac
rc=$?
[ "$rc" -eq 77 ] && exit 0
exit "$rc"
