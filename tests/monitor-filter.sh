#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# garlic-monitor --events (kinds, filtered in the kernel) and --pid with
# and without --children (a process and its descendants).
. "$top_srcdir/tests/monitor-common.sh"
need_python
need_listen

# --events exec: nothing but exec lines.
start "$tmp/exec.json" --json --events exec --latency 0
for _ in 1 2 3; do /bin/true; done
sh -c 'exit 2' &
last=$!
wait $last
check wait "$tmp/exec.json" "e['event_string'] == 'exec' and d['process_pid'] == $last" ||
	diag "the last exec did not come"
ok "--events exec: SIGINT stops it" stop
ok "--events exec: only exec lines" check all "$tmp/exec.json" "e['event_string'] == 'exec'"

# --events fork,exit
start "$tmp/fe.json" --json --events fork,exit --latency 0
sh -c 'exit 2' &
last=$!
wait $last
check wait "$tmp/fe.json" "e['event_string'] == 'exit' and d['process_pid'] == $last" ||
	diag "the last exit did not come"
ok "--events fork,exit: SIGINT stops it" stop
ok "--events fork,exit: only those" check all "$tmp/fe.json" "e['event_string'] in ('fork', 'exit')"
ok "--events fork,exit: both come" sh -c "
	check() { '$PYTHON' '$top_srcdir/tests/monitor-check.py' \"\$@\"; }
	check has '$tmp/fe.json' \"e['event_string'] == 'fork' and d['child_pid'] == $last\" &&
	check has '$tmp/fe.json' \"e['event_string'] == 'exit' and d['process_pid'] == $last\""

# --events nonzero_exit: failed exits only.
start "$tmp/nz.json" --json --events nonzero_exit --latency 0
sh -c 'exit 1'
sh -c 'exit 0'
sh -c 'exit 4' &
last=$!
wait $last
check wait "$tmp/nz.json" "d['process_pid'] == $last" || diag "the exit 4 did not come"
ok "--events nonzero_exit: SIGINT stops it" stop
ok "--events nonzero_exit: only exits, none of them 0" check all "$tmp/nz.json" \
	"e['event_string'] == 'exit' and d['exit_code'] != 0"
ok "--events nonzero_exit: exit 4 is there" check has "$tmp/nz.json" \
	"d['process_pid'] == $last and d['exit_code'] == 1024"

# --pid: a target that waits for the gate file (the monitor is
# subscribed), then does its work. Its child waits for the hold file
# after its own child's exit 5: a test that names the child's argv lets
# it exit only once the exec line is out, for a child gone before the
# monitor reads it is rightly printed as exited, without its argv.
gate=$tmp/gate
hold=$tmp/hold
target() {
	rm -f "$gate" "$hold"
	sh -c 'while [ ! -e "$1" ]; do sleep 0.05; done
		sh -c "sh -c \"exit 5\"; until [ -e \"\$0\" ]; do sleep 0.05; done" "$2"
		exit 6' garlic-target "$gate" "$hold" &
	target=$!
}
child_exec="e['event_string'] == 'exec' and (e['cmdline'] or '').startswith('sh -c sh -c')"

# Something else happening meanwhile, which must not show.
noise() {
	( while [ ! -e "$tmp/quiet" ]; do sh -c 'exit 9'; sleep 0.02; done ) &
	noise=$!
}
noise

target
start "$tmp/pid.json" --json --pid $target --latency 0
touch "$hold" "$gate"
wait $target
check wait "$tmp/pid.json" "e['event_string'] == 'exit' and d['process_pid'] == $target" ||
	diag "the target's exit did not come"
ok "--pid: SIGINT stops it" stop
ok "--pid: only the process's own events (and its forks)" check all "$tmp/pid.json" \
	"d.get('process_tgid') == $target or (e['event_string'] == 'fork' and d['parent_tgid'] == $target)"
ok "--pid: its exit 6" check has "$tmp/pid.json" \
	"e['event_string'] == 'exit' and d['process_pid'] == $target and d['exit_code'] == 1536"

target
start "$tmp/children.json" --json --pid $target --children --latency 0
touch "$gate"
check wait "$tmp/children.json" "$child_exec" || diag "the child's exec did not come"
touch "$hold"
wait $target
check wait "$tmp/children.json" "e['event_string'] == 'exit' and d['process_pid'] == $target" ||
	diag "the target's exit did not come"
ok "--pid --children: SIGINT stops it" stop
ok "--pid --children: the grandchild's exit 5" check has "$tmp/children.json" \
	"e['event_string'] == 'exit' and d['exit_code'] == 1280 and d['parent_tgid'] != $target"
ok "--pid --children: the child's exec" check has "$tmp/children.json" "$child_exec"
ok "--pid --children: nothing from elsewhere" check all "$tmp/children.json" \
	"e['event_string'] != 'exit' or d['exit_code'] != 2304"

# --children also follows descendants the process had before the monitor
# started: no fork event names them.
rm -f "$gate"
sh -c '(while [ ! -e "$1" ]; do sleep 0.05; done; sh -c "exit 3") & wait' garlic-old "$gate" &
target=$!
has_child $target || diag "the target made no child"
start "$tmp/old.json" --json --pid $target --children --latency 0
touch "$gate"
wait $target
check wait "$tmp/old.json" "e['event_string'] == 'exit' and d['process_pid'] == $target" ||
	diag "the target's exit did not come"
ok "--pid --children: SIGINT stops it" stop
ok "--pid --children: a child from before the start is followed" check has "$tmp/old.json" \
	"e['event_string'] == 'exit' and d['exit_code'] == 768"

touch "$tmp/quiet"
wait $noise
done_testing
