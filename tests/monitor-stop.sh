#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# How garlic-monitor ends: --count, --duration, SIGINT and SIGTERM (even
# with a reader that stopped reading), a closed pipe; and --stats,
# --quiet, --output with SIGHUP.
. "$top_srcdir/tests/monitor-common.sh"
need_listen

# busy: makes events in the background until $tmp/quiet exists.
busy() {
	rm -f "$tmp/quiet"
	# Ends with the script too: $tmp goes when it exits.
	( while [ -d "$tmp" ] && [ ! -e "$tmp/quiet" ]; do /bin/true; sleep 0.01; done ) &
	busy=$!
}
calm() {
	touch "$tmp/quiet"
	wait $busy
}
ms_since() {
	echo $((($(date +%s%N) - $1) / 1000000))
}

busy
count_stops() {
	"$M" --count 3 --duration 10 >"$tmp/count" 2>"$tmp/count.err"
	count_rc=$?
	[ "$count_rc" = 0 ] && [ "$(wc -l <"$tmp/count")" = 3 ] && [ ! -s "$tmp/count.err" ] &&
		return 0
	diag "rc=$count_rc, $(wc -l <"$tmp/count") lines: $(cat "$tmp/count.err")"
	return 1
}
ok "--count 3: 3 lines, status 0" count_stops
ok "--count 3 --json: 3 complete lines" sh -c "
	'$M' --json --count 3 --duration 10 >'$tmp/count.json' &&
	[ \$(grep -c '^{.*}\$' '$tmp/count.json') = 3 ]"

duration_stops() {
	t0=$(date +%s%N)
	"$M" --duration 0.5 --quiet >/dev/null 2>&1 || return 1
	ms=$(ms_since "$t0")
	diag "--duration 0.5 took $ms ms"
	# From the start: opening and subscribing come first, then half a second.
	[ "$ms" -ge 500 ] && [ "$ms" -lt 3000 ]
}
ok "--duration 0.5 stops after half a second, status 0" duration_stops

# A closed pipe: `| head -1` ends it quietly with status 0.
epipe() {
	{
		"$M" 2>"$tmp/epipe.err"
		echo $? >"$tmp/epipe.rc"
	} | head -1 >"$tmp/epipe.out"
	[ "$(cat "$tmp/epipe.rc")" = 0 ] && [ ! -s "$tmp/epipe.err" ] &&
		[ "$(wc -l <"$tmp/epipe.out")" = 1 ] && return 0
	diag "rc=$(cat "$tmp/epipe.rc"): $(cat "$tmp/epipe.err")"
	return 1
}
ok "| head -1: status 0, no message" epipe
ok "| head -1 with --json: status 0" sh -c "
	{ '$M' --json 2>'$tmp/epipe.err'; echo \$? >'$tmp/epipe.rc'; } | head -1 >/dev/null
	[ \"\$(cat '$tmp/epipe.rc')\" = 0 ] && [ ! -s '$tmp/epipe.err' ]"

# SIGINT and SIGTERM: status 0, every line complete.
for sig in INT TERM; do
	start "$tmp/sig.json" --json
	# Some output (busy makes events), so that its end can be checked.
	wait_grep "$tmp/sig.json" '^\{' || diag "no output"
	ok "SIG$sig: status 0" stop $sig
	ok "SIG$sig: nothing on stderr" test ! -s "$tmp/sig.json.err"
	ok "SIG$sig: the output ends with a whole line" sh -c "tail -c 1 '$tmp/sig.json' | od -An -c | grep -q '\\\\n'"
done

# SIGTERM while the reader of the output has stopped reading: a write
# that blocks must not keep the monitor from stopping.
stuck_reader() {
	mkfifo "$tmp/fifo"
	sleep 20 <"$tmp/fifo" &
	reader=$!
	# Standard output: --output takes regular files only.
	"$M" --json --ready-file "$tmp/stuck.ready" >"$tmp/fifo" 2>"$tmp/stuck.err" &
	mon=$!
	ready "$tmp/stuck.ready" $mon || { diag "the monitor did not start"; return 1; }
	# JSON lines of ~250 bytes: well past the pipe's and the monitor's buffers.
	i=0
	while [ $i -lt 600 ]; do
		/bin/true
		i=$((i + 1))
	done
	# Until its write(2) blocks, where the kernel shows where it sleeps.
	i=0
	while [ $i -lt 200 ]; do
		case $(cat /proc/$mon/wchan 2>/dev/null) in
		*pipe_write) break ;;
		esac
		sleep 0.05
		i=$((i + 1))
	done
	[ $i -lt 200 ] || diag "not seen blocked in write(2): wchan $(cat /proc/$mon/wchan 2>/dev/null)"
	t0=$(date +%s%N)
	kill -TERM $mon
	# At most 5 s, then it counts as hung. Polled here, not by a timer
	# process: until this shell reaps it the pid cannot be reused, while a
	# timer's late SIGKILL could hit whatever has the pid by then.
	i=0
	while [ $i -lt 100 ] && [ -e /proc/$mon ] &&
		[ "$(cut -d' ' -f3 /proc/$mon/stat 2>/dev/null)" != Z ]; do
		sleep 0.05
		i=$((i + 1))
	done
	kill -KILL $mon 2>/dev/null
	wait $mon
	stuck_rc=$?
	mon=
	kill $reader 2>/dev/null
	wait $reader 2>/dev/null
	diag "stopped after $(ms_since "$t0") ms, status $stuck_rc"
	[ "$stuck_rc" = 0 ]
}
ok "SIGTERM stops it while its output is stuck" stuck_reader

# --quiet --stats: no event lines; counts per kind and losses on stderr.
stats() {
	"$M" --quiet --stats --duration 1 --events exec 2>"$tmp/stats" >"$tmp/quiet.out"
	stats_rc=$?
	sed 's/^/# /' "$tmp/stats"
	[ "$stats_rc" = 0 ] && [ ! -s "$tmp/quiet.out" ] &&
		grep -Eq '^garlic-monitor: [0-9]+ events in [0-9.]+ s \([0-9.]+/s\), 0 lost$' "$tmp/stats" &&
		grep -Eq '^  exec [1-9][0-9]*$' "$tmp/stats"
}
ok "--quiet --stats: counts without printing events" stats
sigint_stats() {
	start "$tmp/s" --stats --events exec
	stop INT || return 1
	grep -q ' events in ' "$tmp/s.err"
}
ok "--stats is printed on SIGINT too" sigint_stats

# --output appends; after a rename and SIGHUP it writes to a new file.
hup() {
	echo "an earlier line" >"$tmp/log"
	"$M" --output "$tmp/log" --events exec --latency 0 --ready-file "$tmp/log.ready" &
	mon=$!
	ready "$tmp/log.ready" $mon || return 1
	wait_grep "$tmp/log" " exec " || return 1
	mv "$tmp/log" "$tmp/log.1"
	kill -HUP $mon
	i=0
	while [ $i -lt 200 ] && ! grep -q after-rotation "$tmp/log" 2>/dev/null; do
		/bin/echo after-rotation >/dev/null
		sleep 0.05
		i=$((i + 1))
	done
	stop || return 1
	head -1 "$tmp/log.1" | grep -q "an earlier line" && grep -q after-rotation "$tmp/log" &&
		! grep -q after-rotation "$tmp/log.1"
}
ok "--output appends, and is reopened on SIGHUP after a rename" hup

# Idle is asleep: a second of waiting costs next to no CPU, with stdin
# (which a background job has as /dev/null: always readable) left alone.
idle_cpu() {
	start "$tmp/idle" --events ptrace --latency 0 </dev/null
	sleep 1
	# utime + stime, in clock ticks (fields 14 and 15; comm has no spaces here).
	ticks=$(awk '{ print $14 + $15 }' "/proc/$mon/stat")
	stop || return 1
	[ "$ticks" -lt 25 ] && return 0
	diag "an idle monitor used $ticks clock ticks of CPU in one second"
	return 1
}
ok "an idle monitor sleeps (no busy poll, stdin not watched)" idle_cpu

calm
done_testing
