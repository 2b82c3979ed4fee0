#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# garlic-monitor following processes: -- COMMAND (a known tree, exact
# lines, the exit status), --pid that ends with its process, a thread id,
# a reused pid, thread exits after their process's, a CLONE_PARENT child,
# and descendants still followed with --events exec after many forks.
. "$top_srcdir/tests/monitor-common.sh"
need_python

# bad ARGS...: exit 2 and one line on stderr, before anything runs.
bad() {
	"$M" "$@" >"$tmp/bad.out" 2>"$tmp/bad.err"
	bad_rc=$?
	[ "$bad_rc" = 2 ] && [ "$(wc -l <"$tmp/bad.err")" = 1 ] && [ ! -s "$tmp/bad.out" ] ||
		{ diag "rc=$bad_rc: $(cat "$tmp/bad.err")"; return 1; }
}
ok "--keep without --pid" bad --keep
ok "--pid with a COMMAND" bad --pid 1 -- true
ok "-- without a COMMAND" bad --json --
ok "a COMMAND without --" bad --json true
ok "--help shows --keep and -- COMMAND" sh -c "'$M' --help | grep -q -- '--keep' && '$M' --help | grep -q -- '-- COMMAND'"

need_listen

# Built with AddressSanitizer, LeakSanitizer's check at each exit forks a
# tracer that ptrace-attaches: forks, ptrace and exits that are not the
# tree's, whose exact shape is tested here. Leaks are looked for elsewhere.
ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0"
export ASAN_OPTIONS
T="$top_builddir/tests/trace-tree"

# ends PID: waits up to 60 s for the background PID to end on its own;
# then its exit status is in $ended. Fails (and stops it) if it does not.
ends() {
	ends_i=0
	while kill -0 "$1" 2>/dev/null; do
		ends_i=$((ends_i + 1))
		if [ $ends_i -gt 1200 ]; then
			kill "$1"
			wait "$1"
			ended=timeout
			return 1
		fi
		sleep 0.05
	done
	wait "$1"
	ended=$?
	return 0
}

# tree_ready DIR OUT: waits until the tree has made every process and the
# monitor has shown what must be shown before they may end, then lets
# them end.
tree_ready() {
	wait_grep "$2" '"comm":"sh"' || diag "A's first exec did not come"
	echo >"$1/fifo1"
	wait_grep "$1/facts" G= || diag "the tree wrote no facts"
	eval "$(tr ' ' '\n' <"$1/facts" | sed 's/^/t_/')"
	check wait "$2" "e['event_string'] == 'exec' and d['process_pid'] == $t_A and e['comm'] == 'trace-tree'" ||
		diag "A's second exec did not come"
	check wait "$2" "e['event_string'] == 'fork' and d['child_pid'] == $t_C" ||
		diag "C's fork did not come"
	check wait "$2" "e['event_string'] == 'fork' and d['child_pid'] == $t_G" ||
		diag "G's fork did not come"
	touch "$1/go"
}

tree_lines() {
	"$PYTHON" "$top_srcdir/tests/monitor-trace.py" "$@"
}

# -- COMMAND: the monitor runs the tree and ends with it.
d=$tmp/cmd
mkdir "$d" && mkfifo "$d/fifo1"
: >"$tmp/cmd.json"
"$M" --json --latency 0 --stats -- "$T" tree "$d" >>"$tmp/cmd.json" 2>"$tmp/cmd.err" &
mon=$!
cmd_mon=$mon
tree_ready "$d" "$tmp/cmd.json"
ok "-- COMMAND: ends by itself once the tree is gone" ends $mon
mon=
ok "-- COMMAND: exit status 3, the command's" test "$ended" = 3
ok "-- COMMAND: exactly the tree's lines (fork, thread, CLONE_PARENT child, double exec, orphan)" \
	tree_lines "$tmp/cmd.json" "$d/facts" "$cmd_mon" command
ok "-- COMMAND: --stats at the end" grep -q ' events in ' "$tmp/cmd.err"

# The exit status as a shell gives it.
"$M" --quiet -- sh -c 'kill -TERM $$'
ok "-- COMMAND: killed by SIGTERM is 143" test $? = 143
"$M" --quiet -- sh -c 'exit 0'
ok "-- COMMAND: exit 0 is 0" test $? = 0
"$M" --quiet -- "$tmp/no such program" 2>"$tmp/nf.err"
ok "-- COMMAND: not found is 127" test $? = 127
ok "-- COMMAND: not found is said" grep -q 'no such program' "$tmp/nf.err"

# A SIGTERM to the monitor is passed on; the monitor waits for the end.
: >"$tmp/sig.json"
"$M" --json --latency 0 -- sh -c 'trap "kill \$!; exit 42" TERM; touch "$1"; sleep 1000 & wait' \
	garlic-trap "$tmp/trapped" >>"$tmp/sig.json" 2>"$tmp/sig.err" &
mon=$!
wait_grep "$tmp/sig.json" '"comm":"sleep"' || diag "the sleep did not start"
while [ ! -e "$tmp/trapped" ]; do sleep 0.05; done
kill -TERM $mon
ok "-- COMMAND: ends after a SIGTERM passed on" ends $mon
mon=
ok "-- COMMAND: with the command's status, 42" test "$ended" = 42
ok "-- COMMAND: the sleep's end is shown" check has "$tmp/sig.json" \
	"e['event_string'] == 'exit' and e['comm'] == 'sleep' and d['exit_code'] == 15"

# --pid P ends when P is gone; --pid of a thread follows its process, and
# the thread's exit, which the kernel sends after its process's (the
# leader left first), is shown.
d=$tmp/thr
mkdir "$d"
"$T" threads "$d" &
thr=$!
while [ ! -s "$d/tid" ]; do sleep 0.05; done
tid=$(cat "$d/tid")
start "$tmp/thr.json" --json --latency 0 --pid "$tid" --children
ok "--pid TID: says it follows the process" grep -q "thread of process $thr" "$tmp/thr.json.err"
touch "$d/go0"
check wait "$tmp/thr.json" "e['event_string'] == 'exit' and d['process_pid'] == $thr" ||
	diag "the leader's exit did not come"
ok "--pid --children: a process whose leader left is still followed" kill -0 $mon
touch "$d/go"
wait $thr
ok "--pid: ends by itself when the process is gone" ends $mon
thr_rc=$ended
mon=
ok "--pid: exit status 0" test "$thr_rc" = 0
ok "--pid TID: the leader's exit" check has "$tmp/thr.json" \
	"e['event_string'] == 'exit' and d['process_pid'] == $thr and d['exit_code'] == 0"
ok "--pid TID --children: the thread's exit after it" check has "$tmp/thr.json" \
	"e['event_string'] == 'exit' and d['process_pid'] == $tid and d['process_tgid'] == $thr and d['exit_code'] == 1536"

# --pid R --children on the tree started elsewhere: R's CLONE_PARENT
# child is told apart by its session (R runs setsid; its parent, this
# shell, has another), and the monitor ends with the last of them.
d=$tmp/pid
mkdir "$d" && mkfifo "$d/fifo1"
setsid "$T" tree "$d" wait &
root=$!
start "$tmp/pid.json" --json --latency 0 --pid $root --children
touch "$d/go0"
tree_ready "$d" "$tmp/pid.json"
wait $root
ok "--pid --children: ends by itself once the tree is gone" ends $mon
mon=
ok "--pid --children: exactly the tree's lines" tree_lines "$tmp/pid.json" "$d/facts" $$

# --keep: the monitor stays after P is gone; a new process on P's pid
# is not P (nor are its children), a descendant of P still is.
if need_why=$("$top_builddir/tests/env-check" root); then
	rm -f "$tmp/fifoD" "$tmp/fifoP"
	mkfifo "$tmp/fifoD" "$tmp/fifoP"
	sh -c '(read x <"$1"; exec /bin/true) & read y <"$2"; exit 0' garlic-p "$tmp/fifoD" "$tmp/fifoP" &
	p=$!
	has_child $p || diag "P made no child"
	start "$tmp/keep.json" --json --latency 0 --pid $p --children --keep
	echo >"$tmp/fifoP"
	wait $p
	check wait "$tmp/keep.json" "e['event_string'] == 'exit' and d['process_pid'] == $p" ||
		diag "P's exit did not come"
	"$T" at $p /bin/sh -c '/bin/true; exit 0'
	ok "pid reuse: a new process got P's pid" test $? = 0
	echo >"$tmp/fifoD"
	check wait "$tmp/keep.json" "e['event_string'] == 'exit' and e['comm'] == 'true' and d['parent_tgid'] != $p" ||
		diag "the descendant's exit did not come"
	ok "--keep: still running after P and its tree are gone" kill -0 $mon
	ok "--keep: SIGINT stops it" stop
	ok "pid reuse: nothing of the new process on P's pid" check all "$tmp/keep.json" \
		"not (e['event_string'] in ('exec', 'exit') and d['process_tgid'] == $p and e['comm'] != 'sh') and not (e['event_string'] == 'fork' and d['child_pid'] == $p)"
	ok "pid reuse: one exit for P" test "$(check count "$tmp/keep.json" "e['event_string'] == 'exit' and d['process_pid'] == $p")" = 1
	ok "--keep: P's descendant is still followed" check has "$tmp/keep.json" \
		"e['event_string'] == 'exec' and e['comm'] == 'true'"
else
	skip "pid reuse" "$need_why"
fi

# --events exec with --pid --children: 50 descendants still followed after
# 70 000 other forks (their exits are not shown, but seen).
d=$tmp/many
mkdir "$d"
"$T" children 50 "$d" &
many=$!
while [ ! -s "$d/pids" ]; do sleep 0.05; done
while [ "$(wc -l <"$d/pids")" -lt 50 ]; do sleep 0.05; done
start "$tmp/many.json" --json --latency 0 --events exec --pid $many --children
"$T" forks 70000
touch "$d/go"
wait $many
ok "--events exec: ends by itself once the 50 are gone" ends $mon
mon=
ok "--events exec: only exec lines" check all "$tmp/many.json" "e['event_string'] == 'exec'"
ok "--events exec: all 50 descendants' execs after 70 000 forks" sh -c "
	for p in \$(cat '$d/pids'); do
		'$PYTHON' '$top_srcdir/tests/monitor-check.py' has '$tmp/many.json' \
			\"d['process_pid'] == \$p\" || exit 1
	done"

# COMMAND exits while the monitor cannot read (stopped by COMMAND itself,
# continued by a child a while later): the monitor, its parent, reaps it
# only after its exec is read, so the line still names it.
instant_named() {
	"$M" --events exec -- sh -c '(sleep 0.3; kill -CONT $PPID) & kill -STOP $PPID; exec /bin/true instant' \
		>"$tmp/inst" 2>&1 || return 1
	grep -Eq " exec +[0-9]+ +[0-9]+  (/bin/true instant|\[exited\] true) " "$tmp/inst" && return 0
	diag "$(cat "$tmp/inst")"
	return 1
}
ok "-- COMMAND that exits before the monitor reads: its exec line names it" instant_named

done_testing
