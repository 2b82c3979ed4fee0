# SPDX-License-Identifier: LGPL-2.1-or-later
# Sourced by the tests/monitor-*.sh scripts (POSIX sh: make may run them
# with dash). Starts garlic-monitor in the background, waits until it
# is subscribed (--ready-file), stops it, and reads its JSON with python3.
. "$top_srcdir/tests/tap.sh"

M="$top_builddir/tools/garlic-monitor/garlic-monitor"
tmp=$(mktemp -d)
mon=
cleanup() {
	[ -n "$mon" ] && kill -CONT "$mon" 2>/dev/null && kill "$mon" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

# The system's python3 first: a version manager's shim can cost 0.5 s a call.
PYTHON=$(command -v /usr/bin/python3 || command -v python3)
need_python() {
	[ -n "$PYTHON" ] || skip_all "python3 is needed to read the JSON"
}

# need_listen: skips the script where the environment rules listening
# out (tests/env.h); where it does not, a monitor that cannot listen fails.
need_listen() {
	need_live connector
}

# ready FILE PID: waits until the monitor PID, started with --ready-file
# FILE, is subscribed; fails if it dies first or takes 30 s.
ready() {
	ready_i=0
	while [ $ready_i -lt 600 ]; do
		[ -s "$1" ] && return 0
		kill -0 "$2" 2>/dev/null || break
		sleep 0.05
		ready_i=$((ready_i + 1))
	done
	return 1
}

# start FILE ARGS...: garlic-monitor ARGS in the background, output in
# FILE, errors in FILE.err. Returns once it is subscribed: every event
# made after that is seen.
start() {
	start_file=$1
	shift
	rm -f "$start_file.ready"
	"$M" --ready-file "$start_file.ready" "$@" >"$start_file" 2>"$start_file.err" &
	mon=$!
	ready "$start_file.ready" "$mon" && return 0
	# Nothing after this would mean anything.
	echo "Bail out! garlic-monitor $* did not start: $(cat "$start_file.err")"
	exit 1
}

# has_child PID: waits until PID has a child process (a fork it made
# in the background has happened); fails after 30 s.
has_child() {
	child_i=0
	while [ $child_i -lt 600 ]; do
		pgrep -P "$1" >/dev/null && return 0
		sleep 0.05
		child_i=$((child_i + 1))
	done
	return 1
}

# state PID STATES: waits until the process is in one of the states
# (letters of /proc/PID/stat: T stopped, Z zombie); fails after 30 s.
state() {
	state_i=0
	while [ $state_i -lt 600 ]; do
		state_now=$(sed 's/.*) //' "/proc/$1/stat" 2>/dev/null | cut -c1)
		[ -n "$state_now" ] && case $2 in *"$state_now"*) return 0 ;; esac
		sleep 0.05
		state_i=$((state_i + 1))
	done
	return 1
}

# stop [SIGNAL]: signals the monitor (SIGINT) and returns its exit status.
stop() {
	kill -"${1:-INT}" "$mon"
	wait "$mon"
	stop_rc=$?
	mon=
	return $stop_rc
}

# Reads the monitor's JSON lines. e is the event, d its event_data.
#   valid FILE            every line is a JSON object
#   has FILE EXPR         some event satisfies EXPR
#   wait FILE EXPR [S]    waits up to S seconds (10) until one does
#   wait-lost FILE EXPR   the same over the loss notices only
#   all FILE EXPR         there are events and every one satisfies EXPR
#   count FILE EXPR       prints how many satisfy it
#   schema FILE           every event has exactly the documented members
# A missing member fails the check (and says which); loss notices are
# skipped except by valid, schema and wait-lost.
check() {
	"$PYTHON" "$top_srcdir/tests/monitor-check.py" "$@"
}

# wait_grep FILE PATTERN: waits up to 10 s for an extended regex in FILE.
wait_grep() {
	wait_i=0
	while [ $wait_i -lt 200 ]; do
		grep -Eq -- "$2" "$1" && return 0
		sleep 0.05
		wait_i=$((wait_i + 1))
	done
	return 1
}
