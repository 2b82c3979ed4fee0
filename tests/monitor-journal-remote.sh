#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# Events to a central journal, end to end, all on 127.0.0.1: the monitor
# writes with --journal to this machine's journal (the test's own
# journald), systemd-journal-upload sends that journal over HTTP to a
# systemd-journal-remote, and journalctl --directory on the receiving
# side finds the marked command's exec with its argv and its exit with
# its status.
. "$top_srcdir/tests/journal-common.sh"
REMOTE=/lib/systemd/systemd-journal-remote
UPLOAD=/lib/systemd/systemd-journal-upload
if [ "${GARLIC_JOURNAL_NS:-}" != 1 ]; then
	[ -x "$REMOTE" ] && [ -x "$UPLOAD" ] ||
		skip_all "no $REMOTE or $UPLOAD (Debian package systemd-journal-remote)"
fi
journal_namespace "$0"
. "$top_srcdir/tests/monitor-common.sh"
remote=
trap 'cleanup; [ -n "$remote" ] && kill $remote; journald_stop' EXIT

if ! "$M" --journal --duration 0.1 >"$tmp/out" 2>&1 && grep -q "not built in" "$tmp/out"; then
	skip_all "garlic-monitor is built without libsystemd: no --journal"
fi
need_listen
need_python
journald_start

# The receiver, on a port the kernel picks: the test binds the socket and
# hands it over as socket activation does (LISTEN_FDS, --listen-http=-3),
# so no port is guessed and none is raced for.
mkdir "$tmp/remote"
"$PYTHON" - "$tmp/port" "$REMOTE" --listen-http=-3 --output="$tmp/remote/" \
	>"$tmp/remote.log" 2>&1 <<'EOF' &
import os, socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
s.bind(("127.0.0.1", 0))
s.listen(16)
os.dup2(s.fileno(), 3)
os.set_inheritable(3, True)
with open(sys.argv[1] + ".new", "w") as f:
    f.write("%d\n" % s.getsockname()[1])
os.rename(sys.argv[1] + ".new", sys.argv[1])
os.environ.update(LISTEN_FDS="1", LISTEN_PID=str(os.getpid()))
os.execv(sys.argv[2], sys.argv[2:])
EOF
remote=$!
ready "$tmp/port" $remote || { echo "Bail out! no receiver: $(cat "$tmp/remote.log")"; exit 1; }
port=$(cat "$tmp/port")

mark="garlic-remote-$$"
mkfifo "$tmp/go"
start "$tmp/mon" --journal --events exec,exit --latency 0
(exec /bin/sh -c 'read x <"$1"; exit 5' "$mark" "$tmp/go" "" "a b") &
child=$!
journal_wait "$tmp/local" GARLIC_EVENT=exec GARLIC_PID=$child ||
	{ echo "Bail out! no exec entry in the local journal: $(cat "$tmp/mon.err")"; exit 1; }
echo >"$tmp/go"
wait $child
journal_wait "$tmp/local" GARLIC_EVENT=exit GARLIC_PID=$child ||
	{ echo "Bail out! no exit entry in the local journal: $(cat "$tmp/mon.err")"; exit 1; }
kill -INT $mon
stopped() {
	wait $mon && return 0
	diag "$(cat "$tmp/mon.err")"
	return 1
}
ok "the monitor stops with status 0" stopped
mon=

# What the journal holds so far goes, and the upload ends (no --follow).
timeout 120 "$UPLOAD" --url="http://127.0.0.1:$port" --save-state="$tmp/upload.state" \
	--follow=no >"$tmp/upload.log" 2>&1
ok "systemd-journal-upload sends the journal (status 0)" test $? -eq 0
ok "... and saves the cursor it reached" grep -q '^LAST_CURSOR=' "$tmp/upload.state"

# remote_wait FILE MATCHES...: the receiver writes as it reads: waited for.
remote_wait() {
	rw_file=$1
	shift
	rw_i=0
	while [ $rw_i -lt 600 ]; do
		journalctl --no-pager -q -o json --directory="$tmp/remote" "$@" >"$rw_file" 2>/dev/null
		[ -s "$rw_file" ] && return 0
		sleep 0.05
		rw_i=$((rw_i + 1))
	done
	return 1
}
ok "journalctl --directory on the receiving side finds the exec" \
	remote_wait "$tmp/exec" GARLIC_EVENT=exec GARLIC_PID=$child
ok "... and the exit" remote_wait "$tmp/exit" GARLIC_EVENT=exit GARLIC_PID=$child

check() {
	"$PYTHON" - "$@" <<'EOF'
import json, sys
entries = [json.loads(l) for l in open(sys.argv[1])]
if len(entries) != 1:
    sys.exit("%d entries in %s" % (len(entries), sys.argv[1]))
e = entries[0]
for expr in sys.argv[2:]:
    if not eval(expr):
        sys.exit("false: %s\nentry: %s" % (expr, json.dumps(e, indent=1)))
EOF
}
argv="['/bin/sh', '-c', 'read x <\"\$1\"; exit 5', '$mark', '$tmp/go', '', 'a b']"
ok "the exec carries its argv (GARLIC_ARGV per argument, GARLIC_ARGV_JSON exact)" check "$tmp/exec" \
	"json.loads(e['GARLIC_ARGV_JSON']) == $argv" \
	"sorted(e['GARLIC_ARGV']) == sorted($argv)" \
	"e['MESSAGE_ID'] == '92814d519bbd4a34b6132fbc60d8c971'" \
	"e['_HOSTNAME'] == '$(hostname)'"
ok "the exit carries its status" check "$tmp/exit" \
	"e['GARLIC_EXIT_STATUS'] == 'exit 5'" "e['GARLIC_EXIT_CODE'] == str(5 << 8)" \
	"e['PRIORITY'] == '5'"
done_testing
