#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# garlic-monitor end to end: this script's own children make each kind of
# event, and the monitor's JSON and human output are checked field by field.
. "$top_srcdir/tests/tap.sh"

M="$top_builddir/tools/garlic-monitor/garlic-monitor"
tmp=$(mktemp -d)
mon=
trap '[ -n "$mon" ] && kill $mon 2>/dev/null; rm -rf "$tmp"' EXIT
command -v python3 >/dev/null || skip_all "python3 is needed to read the JSON"

# Options first: they need no kernel.
bad_option() {
	"$M" "$@" >"$tmp/out" 2>"$tmp/err"
	rc=$?
	[ "$rc" = 2 ] && [ "$(wc -l <"$tmp/err")" = 1 ] && grep -q "garlic-monitor: " "$tmp/err" ||
		{ diag "rc=$rc: $(cat "$tmp/err")"; return 1; }
}
ok "an unknown option exits 2 with one line" bad_option --bogus
ok "a bad --count exits 2" bad_option --count abc
ok "--count 0 exits 2" bad_option --count 0
ok "a bad --events element exits 2" bad_option --events fork,bogus
ok "a bad --duration exits 2" bad_option --duration -1
ok "a bad --pid exits 2" bad_option --pid 12x
ok "--children without --pid exits 2" bad_option --children
ok "a bad --color exits 2" bad_option --color=sometimes
ok "a bad --latency exits 2" bad_option --latency 5000
ok "a stray argument exits 2" bad_option extra
ok "the message names the option" sh -c "'$M' --count abc 2>&1 | grep -q -- '--count'"
ok "--version" sh -c "'$M' --version | grep -Eq '^garlic-monitor [0-9]'"
ok "--help" sh -c "'$M' --help | grep -q -- '--events LIST'"

"$M" --count 1 --duration 3 >"$tmp/probe" 2>&1 &
probe=$!
sleep 0.3
/bin/true
wait "$probe"
rc=$?
if [ "$rc" = 1 ]; then
	diag "the monitor cannot listen here: $(cat "$tmp/probe")"
	ok "it says why it cannot listen" grep -q "cannot listen to process events" "$tmp/probe"
	done_testing
	exit $?
fi

# start FILE ARGS...: a monitor in the background; returns once it listens.
start() {
	local file=$1
	shift
	"$M" "$@" >"$file" 2>"$file.err" &
	mon=$!
	for _ in $(seq 100); do
		[ -s "$file" ] && return 0
		/bin/true
		sleep 0.05
	done
	return 1
}
stop() {
	kill -INT "$mon"
	wait "$mon"
	local rc=$?
	mon=
	return $rc
}
# json FILE PYTHON-EXPR: true if some JSON line e satisfies the expression.
json() {
	python3 - "$1" "$2" <<'PY'
import json, sys
found = False
for line in open(sys.argv[1]):
    e = json.loads(line)
    if e["event_string"] == "lost":
        print("# the monitor reported a loss:", line.strip())
        continue
    try:
        if eval(sys.argv[2], {"e": e}):
            found = True
    except KeyError as missing:
        print("# no field", missing, "in", line.strip())
        sys.exit(1)
sys.exit(0 if found else 1)
PY
}

# Every kind of event, from children of this script.
# --latency 0: read each command line at once, before short-lived children are gone.
start "$tmp/all.json" --json --latency 0
sh -c 'exit 3' &
exit3=$!
wait $exit3
true_pid=$(sh -c 'echo $$; exec /bin/true')
sid_pid=$(setsid sh -c 'echo $$')
comm_pid=$(sh -c 'echo $$; printf gq-comm-test > /proc/self/comm')
if [ "$(id -u)" = 0 ]; then
	uid_pid=$(setpriv --reuid=65534 --regid=65534 --clear-groups sh -c 'echo $$' 2>/dev/null)
fi
core_pid=$(sh -c 'echo $$; ulimit -c 0; kill -SEGV $$')
sleep 0.5
ok "the monitor stops on SIGINT with status 0" stop

ok "valid JSON on every line" python3 -c "import json,sys; [json.loads(l) for l in open(sys.argv[1])]" "$tmp/all.json"
ok "fork: parent and child pids" json "$tmp/all.json" \
	"e['event_string'] == 'fork' and e['event'] == 1 and e['event_data']['child_pid'] == $exit3 and e['event_data']['child_tgid'] == $exit3 and e['event_data']['parent_tgid'] == $$"
ok "exit: raw status 768 for exit(3), signal 17, parent" json "$tmp/all.json" \
	"e['event_string'] == 'exit' and e['event_data']['process_pid'] == $exit3 and e['event_data']['exit_code'] == 768 and e['event_data']['exit_signal'] == 17 and e['event_data']['parent_tgid'] == $$ and e['status'] == 'exit 3'"
ok "exec: pid and command line" json "$tmp/all.json" \
	"e['event_string'] == 'exec' and e['event_data']['process_pid'] == $true_pid and e['event_data']['process_tgid'] == $true_pid and 'true' in e['cmdline']"
ok "exit 0 is exit_code 0" json "$tmp/all.json" \
	"e['event_string'] == 'exit' and e['event_data']['process_pid'] == $true_pid and e['event_data']['exit_code'] == 0"
ok "sid" json "$tmp/all.json" \
	"e['event_string'] == 'sid' and e['event'] == 128 and e['event_data']['process_pid'] == $sid_pid"
ok "comm: the new name" json "$tmp/all.json" \
	"e['event_string'] == 'comm' and e['event_data']['process_pid'] == $comm_pid and e['event_data']['command'] == 'gq-comm-test'"
ok "coredump and the killed exit" json "$tmp/all.json" \
	"e['event_string'] == 'coredump' and e['event_data']['process_pid'] == $core_pid and e['event_data']['parent_tgid'] == $$"
ok "timestamps: RFC 3339 UTC with ns, and timestamp_ns" json "$tmp/all.json" \
	"len(e.get('timestamp', '')) == 30 and e['timestamp'].endswith('Z') and e['timestamp_ns'] > 0"
if [ -n "${uid_pid:-}" ]; then
	ok "uid: real and effective" json "$tmp/all.json" \
		"e['event_string'] == 'uid' and e['event_data']['process_pid'] == $uid_pid and e['event_data']['real_id'] == 65534 and e['event_data']['effective_id'] == 65534"
	ok "gid: real and effective" json "$tmp/all.json" \
		"e['event_string'] == 'gid' and e['event_data']['process_pid'] == $uid_pid and e['event_data']['real_id'] == 65534"
fi

# --events: filtered in the kernel, only those kinds come out.
start "$tmp/exec.json" --json --events exec
for _ in 1 2 3; do /bin/true; done
sleep 0.3
stop
ok "--events exec prints only exec" python3 -c "
import json,sys
kinds = {json.loads(l)['event_string'] for l in open(sys.argv[1])}
sys.exit(0 if kinds == {'exec'} else 1)" "$tmp/exec.json"
ok "--events nonzero_exit prints failed exits only" sh -c "
	'$M' --json --events nonzero_exit --duration 1.5 > '$tmp/nz.json' &
	sleep 0.4; sh -c 'exit 0'; sh -c 'exit 4'; wait
	python3 -c \"
import json,sys
ev = [json.loads(l) for l in open(sys.argv[1])]
sys.exit(0 if ev and all(e['event_string'] == 'exit' and e['event_data']['exit_code'] != 0 for e in ev) and any(e['event_data']['exit_code'] == 1024 for e in ev) else 1)\" '$tmp/nz.json'"

# --pid with --children: only that process and its descendants.
sleep 30 &
other=$!
sh -c 'sleep 0.8; sh -c "exit 5"; /bin/true' &
parent=$!
"$M" --json --pid $parent --children --duration 2 >"$tmp/tree.json" 2>/dev/null &
mon=$!
kill $other
wait $parent
wait $mon
mon=
ok "--pid --children follows the grandchildren" json "$tmp/tree.json" \
	"e['event_string'] == 'exit' and e['event_data']['exit_code'] == 1280"
ok "--pid --children shows nothing else" python3 -c "
import json,sys
ev = [json.loads(l) for l in open(sys.argv[1])]
sys.exit(0 if all(e['event_data'].get('process_pid') != $other for e in ev) else 1)" "$tmp/tree.json"

# --count and --duration.
count_stops() {
	( for _ in $(seq 50); do /bin/true; sleep 0.02; done ) &
	"$M" --count 3 --duration 10 >"$tmp/count" 2>/dev/null
	local rc=$?
	wait
	[ "$rc" = 0 ] && [ "$(wc -l <"$tmp/count")" = 3 ]
}
ok "--count 3 prints 3 events and exits 0" count_stops
duration_stops() {
	local t0=$(date +%s%N)
	"$M" --duration 0.5 --quiet >/dev/null 2>&1 || return 1
	local ms=$((($(date +%s%N) - t0) / 1000000))
	diag "--duration 0.5 took $ms ms"
	[ "$ms" -ge 450 ] && [ "$ms" -lt 3000 ]
}
ok "--duration 0.5 stops after half a second" duration_stops

# Human output: decoded exit status and the exec command line.
start "$tmp/human" --color=never --latency 0
sh -c 'exit 7'
sh -c 'sh -c "kill -KILL \$\$"'
# Alive for a while, so that its command line is there to read even on a busy machine.
sh -c 'sleep 0.3; :' garlic-human-marker
sleep 0.4
stop
ok "human: exit 7 decoded" grep -Eq ' exit +[0-9]+ +[0-9]+  exit 7' "$tmp/human"
ok "human: killed by SIGKILL" grep -q 'killed by SIGKILL' "$tmp/human"
ok "human: exec shows the command line" grep -q 'sh -c sleep 0.3; : garlic-human-marker' "$tmp/human"
ok "human: lifetime of a process seen from its fork" grep -Eq 'exit 7, after [0-9.]+ ms' "$tmp/human"
ok "human: no colour when asked" sh -c "! grep -q \$(printf '\\033') '$tmp/human'"

# A closed pipe ends it quietly with status 0.
epipe() {
	( for _ in $(seq 100); do /bin/true; sleep 0.01; done ) &
	"$M" 2>"$tmp/epipe.err" | head -1 >/dev/null
	local rc=${PIPESTATUS[0]}
	wait
	[ "$rc" = 0 ] && [ ! -s "$tmp/epipe.err" ]
}
ok "| head -1 exits 0 without messages" epipe

# --stats at the end.
stats() {
	( sleep 0.3; for _ in 1 2 3; do /bin/true; done ) &
	"$M" --quiet --stats --duration 1 --events exec 2>"$tmp/stats" >"$tmp/quiet"
	wait
	[ ! -s "$tmp/quiet" ] && grep -Eq '[0-9]+ events in [0-9.]+ s .* 0 lost' "$tmp/stats" &&
		grep -Eq 'exec [0-9]+' "$tmp/stats"
}
ok "--quiet --stats counts without printing events" stats

# --taskstats: exit lines carry what the process cost (root only).
if [ "$(id -u)" = 0 ]; then
	start "$tmp/ts.json" --json --latency 0 --taskstats --events exit
	sh -c 'head -c 1048576 /dev/zero > /dev/null; exit 3'
	sleep 0.5
	stop
	ok "--taskstats: the exit of head has its 1 MiB written" json "$tmp/ts.json" \
		"e['event_string'] == 'exit' and e.get('taskstats', {}).get('comm') == 'head' and e['taskstats']['write_chars'] >= 1048576 and e['taskstats']['hiwater_rss_kib'] > 0"
	ok "--taskstats: every exit line is still there" json "$tmp/ts.json" \
		"e['event_string'] == 'exit' and e['status'] == 'exit 3'"
	start "$tmp/ts.human" --latency 0 --taskstats --events exit --color=never
	sh -c 'exit 2'
	sleep 0.5
	stop
	ok "--taskstats: human exit lines show cpu, rss and io" \
		grep -Eq 'exit 2.*; cpu [0-9.]+ ms user [0-9.]+ ms sys, max rss [0-9]+ KiB, io ' "$tmp/ts.human"
fi

# --output and SIGHUP: a renamed log is let go, the path opened anew.
hup() {
	"$M" --output "$tmp/log" --events exec --latency 0 &
	mon=$!
	for _ in $(seq 50); do /bin/true; [ -s "$tmp/log" ] && break; sleep 0.05; done
	mv "$tmp/log" "$tmp/log.1"
	kill -HUP $mon
	# The reopen creates the path again; events after it go there.
	for _ in $(seq 100); do [ -e "$tmp/log" ] && break; sleep 0.05; done
	for _ in $(seq 100); do
		/bin/echo after-rotation >/dev/null
		grep -q after-rotation "$tmp/log" 2>/dev/null && break
		sleep 0.05
	done
	stop
	[ -s "$tmp/log.1" ] && grep -q after-rotation "$tmp/log" && ! grep -q after-rotation "$tmp/log.1"
}
ok "--output is reopened on SIGHUP after a rename" hup

done_testing
