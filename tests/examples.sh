#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# Each example program prints a real event: one made by this script.
. "$top_srcdir/tests/tap.sh"

ex="$top_builddir/examples"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"; kill $pids 2>/dev/null' EXIT
pids=

need_live connector

# start NAME ARGS...: runs an example in the background, output in
# $tmp/NAME, and waits until it says on stderr that it is subscribed.
start() {
	name=$1
	shift
	"$ex/$name" "$@" >"$tmp/$name" 2>"$tmp/$name.err" &
	pids="$pids $!"
	for _ in $(seq 600); do
		grep -q "^$name: listening\$" "$tmp/$name.err" && return 0
		kill -0 $! 2>/dev/null || break
		sleep 0.05
	done
	echo "Bail out! $name did not start: $(cat "$tmp/$name.err")"
	exit 1
}

# sees NAME PATTERN: within 5 s, the example printed a line matching PATTERN,
# while this script keeps making events of its own.
sees() {
	for _ in $(seq 50); do
		sh -c 'exit 0'
		grep -Eq "$2" "$tmp/$1" && return 0
		sleep 0.1
	done
	diag "$1 printed: $(head -c 500 "$tmp/$1") $(head -c 500 "$tmp/$1.err")"
	return 1
}

start listen
start exec-logger
start epoll 30
start libnl-app 1000 fork,exec,exit
[ -x "$ex/glib-loop" ] && start glib-loop 30
# Exit statistics need taskstats (CAP_NET_ADMIN, the initial namespaces).
taskstats_why=$("$top_builddir/tests/env-check" taskstats) && start taskstats-exit 30

# A marker command line only this script runs.
marker="garlic-example-marker-$$"
mark() {
	sh -c "exec -a $marker sleep 0" 2>/dev/null || sh -c ": $marker"
}
for _ in $(seq 20); do mark; sleep 0.05; done &

ok "listen prints a fork" sees listen '^fork +[0-9]+ -> [0-9]+'
ok "listen prints an exec" sees listen '^exec +[0-9]+'
ok "exec-logger prints a command line" sees exec-logger "^[0-9]+ .*(sleep 0|$marker)"
ok "epoll prints events and its timer ticks" sees epoll '^-- [0-9]+ events so far'
ok "epoll prints an exit" sees epoll '^exit [0-9]+'
ok "libnl-app prints an exec through nl_recvmsgs" sees libnl-app '^exec pid=[0-9]+ cpu=[0-9]+'
if [ -x "$ex/glib-loop" ]; then
	ok "glib-loop prints an exec from the GLib main loop" sees glib-loop '^exec [0-9]+'
fi
if [ -z "$taskstats_why" ]; then
	ok "taskstats-exit pairs an exit with its statistics" \
		sees taskstats-exit '^exit [0-9]+ code 0 comm sh cpu [0-9.]+ ms .* max-rss [1-9][0-9]* KiB'
else
	skip "taskstats-exit pairs an exit with its statistics" "$taskstats_why"
fi
kill $pids 2>/dev/null
done_testing
