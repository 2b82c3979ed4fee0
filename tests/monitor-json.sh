#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# garlic-monitor --json: this script's own children make each kind of
# event, and every member of the lines about them is checked.
. "$top_srcdir/tests/monitor-common.sh"
need_python
need_listen

# --latency 0: command lines are read at once, before children are gone.
start "$tmp/all.json" --json --latency 0 || { echo "Bail out! no monitor"; exit 1; }

# fork, exec and exit, from a child that lives long enough for its
# command line to be read even on a busy machine.
sh -c 'sleep 0.3; exit 3' garlic-json-marker &
exit3=$!
wait $exit3
/bin/true &
exit0=$!
wait $exit0
# A command line that is not text: a control character, a byte that is
# not UTF-8, a quote, a backslash, and a UTF-8 letter.
odd=$(printf 'a\001b\377c"\\d\303\251')
sh -c 'sleep 0.3' "$odd" &
odd_pid=$!
wait $odd_pid
setsid /bin/true &
sid_pid=$!
wait $sid_pid
# Renamed once its exec is in: the name before is then sure to be sh.
mkfifo "$tmp/fifo"
sh -c 'read x <"$0"; printf gq-comm-test > /proc/self/comm' "$tmp/fifo" &
comm_pid=$!
check wait "$tmp/all.json" "e['event_string'] == 'exec' and d['process_pid'] == $comm_pid" ||
	diag "no exec line for $comm_pid"
echo >"$tmp/fifo"
wait $comm_pid
# The Go package panicked on names shorter than 8 characters.
sh -c 'printf ab > /proc/self/comm' &
short_comm_pid=$!
wait $short_comm_pid
# (The braces keep the shell's "Segmentation fault" out of the log.)
{
	sh -c 'ulimit -c 0; kill -SEGV $$' &
	core_pid=$!
	wait $core_pid
} 2>/dev/null
"$PYTHON" -c 'import threading; t = threading.Thread(target=lambda: None); t.start(); t.join()' &
threads_pid=$!
wait $threads_pid
if [ "$(id -u)" = 0 ]; then
	setpriv --reuid=65534 --regid=65534 --clear-groups /bin/true &
	uid_pid=$!
	wait $uid_pid
	# A tracer attaches and detaches (root may trace anything: no Yama).
	sleep 2 &
	tracee=$!
	"$PYTHON" -c '
import ctypes, os, sys
libc = ctypes.CDLL(None, use_errno=True)
pid = int(sys.argv[1])
if libc.ptrace(16, pid, None, None) != 0:   # PTRACE_ATTACH
    sys.exit(1)
os.waitpid(pid, 0)
libc.ptrace(17, pid, None, None)            # PTRACE_DETACH
' "$tracee" &
	tracer=$!
	wait $tracer
	tracer_rc=$?
	kill $tracee
	wait $tracee 2>/dev/null
fi
# The last exit we caused: once it is in, so is everything before it.
last=${tracee:-$threads_pid}
check wait "$tmp/all.json" "e['event_string'] == 'exit' and d['process_pid'] == $last" ||
	diag "the last exit did not come"
ok "the monitor stops on SIGINT with status 0" stop
ok "nothing on stderr" test ! -s "$tmp/all.json.err"

ok "every line is a JSON object" check valid "$tmp/all.json"
ok "every line has exactly the documented members" check schema "$tmp/all.json"
ok "the last line is complete" sh -c "tail -c 1 '$tmp/all.json' | od -An -c | grep -q '\\\\n'"

ok "fork: parent and child" check has "$tmp/all.json" \
	"e['event_string'] == 'fork' and e['event'] == 1 and d == {'parent_pid': $$, 'parent_tgid': $$, 'child_pid': $exit3, 'child_tgid': $exit3}"
ok "exec: pids and the command line" check has "$tmp/all.json" \
	"e['event_string'] == 'exec' and e['event'] == 2 and d == {'process_pid': $exit3, 'process_tgid': $exit3} and e['cmdline'] == 'sh -c sleep 0.3; exit 3 garlic-json-marker'"
ok "exit 3: exit_code 768, SIGCHLD, the parent, the status" check has "$tmp/all.json" \
	"e['event_string'] == 'exit' and e['event'] == 2147483648 and d == {'process_pid': $exit3, 'process_tgid': $exit3, 'exit_code': 768, 'exit_signal': 17, 'parent_pid': $$, 'parent_tgid': $$} and e['status'] == 'exit 3'"
ok "exit 3: the lifetime from the fork" check has "$tmp/all.json" \
	"e['event_string'] == 'exit' and d['process_pid'] == $exit3 and 250000000 < e['lifetime_ns'] < 10000000000"
ok "exit 0: exit_code 0" check has "$tmp/all.json" \
	"e['event_string'] == 'exit' and d['process_pid'] == $exit0 and d['exit_code'] == 0 and e['status'] == 'exit 0'"
ok "exec: bytes that are not text are escaped, UTF-8 is kept" check has "$tmp/all.json" \
	"e['event_string'] == 'exec' and d['process_pid'] == $odd_pid and e['cmdline'] == 'sh -c sleep 0.3 a\\x01b\\xffc\"\\\\d\\u00e9'"
ok "exec: the escapes are \\u00XX" grep -qF '"sh -c sleep 0.3 a\u0001b\u00ffc\"\\d'"$(printf '\303\251')"'"' "$tmp/all.json"
ok "sid" check has "$tmp/all.json" \
	"e['event_string'] == 'sid' and e['event'] == 128 and d == {'process_pid': $sid_pid, 'process_tgid': $sid_pid}"
ok "comm: the new name" check has "$tmp/all.json" \
	"e['event_string'] == 'comm' and e['event'] == 512 and d == {'process_pid': $comm_pid, 'process_tgid': $comm_pid, 'command': 'gq-comm-test'}"
ok "comm: the name before it" check has "$tmp/all.json" \
	"e['event_string'] == 'comm' and d['process_pid'] == $comm_pid and e['previous_comm'] == 'sh' and e['comm'] == 'gq-comm-test'"
ok "exit: the process's name" check has "$tmp/all.json" \
	"e['event_string'] == 'exit' and d['process_pid'] == $exit3 and e['comm'] == 'sh'"
ok "exit after a rename: the new name" check has "$tmp/all.json" \
	"e['event_string'] == 'exit' and d['process_pid'] == $comm_pid and e['comm'] == 'gq-comm-test'"
ok "comm: a name of 2 characters" check has "$tmp/all.json" \
	"e['event_string'] == 'comm' and d['process_pid'] == $short_comm_pid and d['command'] == 'ab'"
ok "coredump: the process and its parent" check has "$tmp/all.json" \
	"e['event_string'] == 'coredump' and e['event'] == 1073741824 and d == {'process_pid': $core_pid, 'process_tgid': $core_pid, 'parent_pid': $$, 'parent_tgid': $$}"
ok "exit after SIGSEGV: signal 11 in exit_code" check has "$tmp/all.json" \
	"e['event_string'] == 'exit' and d['process_pid'] == $core_pid and d['exit_code'] & 0x7f == 11 and 'SIGSEGV' in e['status']"
ok "fork of a thread: child_pid is not child_tgid" check has "$tmp/all.json" \
	"e['event_string'] == 'fork' and d['child_tgid'] == $threads_pid and d['child_pid'] != $threads_pid"
ok "exit of a thread: exit_signal -1, no parent" check has "$tmp/all.json" \
	"e['event_string'] == 'exit' and d['process_tgid'] == $threads_pid and d['process_pid'] != $threads_pid and d['exit_signal'] == 4294967295 and d['parent_tgid'] == 0"
if [ -n "${uid_pid:-}" ]; then
	ok "uid: real and effective" check has "$tmp/all.json" \
		"e['event_string'] == 'uid' and e['event'] == 4 and d == {'process_pid': $uid_pid, 'process_tgid': $uid_pid, 'real_id': 65534, 'effective_id': 65534}"
	ok "gid: real and effective" check has "$tmp/all.json" \
		"e['event_string'] == 'gid' and e['event'] == 64 and d == {'process_pid': $uid_pid, 'process_tgid': $uid_pid, 'real_id': 65534, 'effective_id': 65534}"
	if [ "$tracer_rc" = 0 ]; then
		ok "ptrace: attach by the tracer" check has "$tmp/all.json" \
			"e['event_string'] == 'ptrace' and e['event'] == 256 and d == {'process_pid': $tracee, 'process_tgid': $tracee, 'tracer_pid': $tracer, 'tracer_tgid': $tracer}"
		ok "ptrace: detach" check has "$tmp/all.json" \
			"e['event_string'] == 'ptrace' and d == {'process_pid': $tracee, 'process_tgid': $tracee, 'tracer_pid': 0, 'tracer_tgid': 0}"
	else
		diag "ptrace attach failed here: no ptrace checks"
	fi
else
	diag "not root: no uid, gid or ptrace checks"
fi

# Timestamps: RFC 3339 UTC with 9 decimals, near the wall clock, and in
# the order of the kernel's monotonic stamps.
ok "timestamps: RFC 3339 UTC with nanoseconds, near now" check all "$tmp/all.json" "
__import__('re').fullmatch(r'\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z', e['timestamp']) and
abs(__import__('datetime').datetime.strptime(e['timestamp'][:19], '%Y-%m-%dT%H:%M:%S').replace(tzinfo=__import__('datetime').timezone.utc).timestamp() - $(date +%s)) < 120 and
e['timestamp_ns'] > 0 and e['cpu'] >= 0"
ok "timestamps: timestamp and timestamp_ns agree" "$PYTHON" -c '
import json, sys, datetime
ev = [json.loads(l) for l in open(sys.argv[1])]
def wall(e):
    t = datetime.datetime.strptime(e["timestamp"][:19], "%Y-%m-%dT%H:%M:%S")
    s = t.replace(tzinfo=datetime.timezone.utc).timestamp()
    return int(s) * 10**9 + int(e["timestamp"][20:29])
offsets = [wall(e) - e["timestamp_ns"] for e in ev if "timestamp_ns" in e]
sys.exit(0 if max(offsets) - min(offsets) < 50 * 10**6 else 1)
' "$tmp/all.json"

# A loss notice is a JSON line too: see monitor-loss.sh.
done_testing
