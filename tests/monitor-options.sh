#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# garlic-monitor's options: bad ones are one line naming them and exit 2.
# None of this needs the kernel.
. "$top_srcdir/tests/monitor-common.sh"

# bad OPTION-NAME ARGS...: exit 2, one line on stderr naming the option,
# nothing on stdout.
bad() {
	bad_name=$1
	shift
	"$M" "$@" >"$tmp/out" 2>"$tmp/err"
	bad_rc=$?
	if [ "$bad_rc" = 2 ] && [ "$(wc -l <"$tmp/err")" = 1 ] && [ ! -s "$tmp/out" ] &&
		grep -q "^garlic-monitor: .*$bad_name" "$tmp/err"; then
		return 0
	fi
	diag "rc=$bad_rc: $(cat "$tmp/err")"
	return 1
}
ok "an unknown long option" bad "'--bogus'" --bogus
ok "an unknown long option with a value" bad "'--bogus'" --bogus=3
ok "an unknown short option in a cluster" bad "'-x'" -jx
ok "a missing value" bad "'--count'" --count
ok "a missing value of a short option" bad "'-e'" -e
ok "--count abc" bad "--count" --count abc
ok "--count 0" bad "--count" --count 0
ok "--count -3" bad "--count" --count -3
ok "--events with an unknown kind" bad "--events" --events fork,bogus
ok "--events with an empty element" bad "--events" --events fork,,exit
ok "--duration -1" bad "--duration" --duration -1
ok "--duration 0" bad "--duration" --duration 0
ok "--duration 1s" bad "--duration" --duration 1s
ok "--duration nan" bad "--duration" --duration nan
ok "--pid 12x" bad "--pid" --pid 12x
ok "--pid 0" bad "--pid" --pid 0
ok "--pid of no process" bad "--pid" --pid 2147483647
ok "--children without --pid" bad "--children" --children
ok "--color=sometimes" bad "--color" --color=sometimes
ok "--latency 5000" bad "--latency" --latency 5000
ok "--rcvbuf 10" bad "--rcvbuf" --rcvbuf 10
ok "--output ''" bad "--output" --output ''
ok "a stray argument" bad "'extra'" extra

ok "--version prints the version" sh -c "'$M' --version | grep -Eq '^garlic-monitor [0-9]+\.[0-9]+'"
ok "-V as well" sh -c "'$M' -V | grep -Eq '^garlic-monitor [0-9]'"
ok "--help shows every option" sh -c "
	'$M' --help >'$tmp/help' &&
	for o in --events --json --tree --pid --children --count --duration --output \
		--stats --quiet --color --version --help; do
		grep -q -- \"\$o\" '$tmp/help' || exit 1
	done"
ok "--help exits 0, on stdout only" sh -c "'$M' --help 2>&1 >/dev/null | wc -c | grep -qx 0"
ok "--output into a directory that does not exist exits 1" sh -c "
	'$M' --output '$tmp/no/such/file' --duration 0.1 2>'$tmp/err'
	[ \$? = 1 ] && grep -q 'no/such/file' '$tmp/err'"

man=$top_srcdir/docs/garlic-monitor.1
renders() {
	LC_ALL=C.UTF-8 MANWIDTH=80 man --warnings -l "$man" >/dev/null 2>"$tmp/man.err" &&
		[ ! -s "$tmp/man.err" ] && return 0
	sed 's/^/# /' "$tmp/man.err"
	return 1
}
if command -v man >/dev/null && man --help 2>&1 | grep -q -- --warnings; then
	ok "the man page renders without warnings" renders
fi
documented() {
	for o in $(grep -Eo -- '--[a-z]+' "$tmp/help" | sort -u); do
		grep -qF -- "$(printf '%s' "$o" | sed 's/-/\\-/g')" "$man" ||
			{ diag "$o is not in the man page"; return 1; }
	done
}
ok "the man page documents every option of --help" documented

done_testing
