#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# garlic-monitor --journal, against a journald of the test's own and
# against none: it refuses to start where no journal takes entries, its
# entries carry the event's fields (argv one field per argument, exactly
# as the test started it), MESSAGE_ID and PRIORITY by kind, and a journal
# lost during the run makes it end with status 1.
. "$top_srcdir/tests/journal-common.sh"
journal_namespace "$0"
. "$top_srcdir/tests/monitor-common.sh"
trap 'cleanup; journald_stop' EXIT

if ! "$M" --journal --duration 0.1 >"$tmp/out" 2>&1 && grep -q "not built in" "$tmp/out"; then
	skip_all "garlic-monitor is built without libsystemd: no --journal"
fi
need_listen
need_python

# --- no journal: refused before subscribing (no ready file) -----------
journal_remove
"$M" --journal --duration 30 --ready-file "$tmp/none.ready" >"$tmp/none.out" 2>"$tmp/none.err"
ok "no journal socket: --journal exits with status 1" test $? -eq 1
ok "... says why, on one line" sh -c "
	[ \$(wc -l <'$tmp/none.err') -eq 1 ] &&
	grep -q 'no journal takes entries here (/run/systemd/journal/socket: No such file or directory)' '$tmp/none.err'"
ok "... before subscribing" test ! -e "$tmp/none.ready"

journald_start
journald_stop
"$M" --journal --duration 30 --ready-file "$tmp/stale.ready" >"$tmp/stale.out" 2>"$tmp/stale.err"
ok "a socket left by a journald that is gone: status 1" test $? -eq 1
ok "... says the connection is refused" grep -q 'no journal takes entries here (/run/systemd/journal/socket: Connection refused)' "$tmp/stale.err"
ok "... before subscribing" test ! -e "$tmp/stale.ready"

# --- a journal: the entries and their fields ---------------------------
journald_start
mark="garlic-journal-$$"
mkfifo "$tmp/go" "$tmp/go2" "$tmp/go3"
mkdir "$tmp/cwd"
start "$tmp/mon" --journal --events exec,exit,coredump --latency 0
# Each child waits on a FIFO, so its exec is read while it lives; its
# argv holds an empty argument, one with a space, one repeated.
(cd "$tmp/cwd" && exec /bin/sh -c 'read x <"$1"; exit 7' "$mark" "$tmp/go" "" "a b" dup dup) &
c1=$!
(exec /bin/sh -c 'read x <"$1"; kill -TERM $$' "$mark-term" "$tmp/go2") &
c2=$!
(ulimit -c unlimited; cd "$tmp/cwd" && exec /bin/sh -c 'read x <"$1"; kill -SEGV $$' "$mark-segv" "$tmp/go3") &
c3=$!
for c in $c1 $c2 $c3; do
	journal_wait "$tmp/exec.$c" GARLIC_EVENT=exec GARLIC_PID=$c ||
		{ echo "Bail out! no exec entry for $c: $(cat "$tmp/mon.err")"; exit 1; }
done
echo >"$tmp/go"
echo >"$tmp/go2"
echo >"$tmp/go3"
wait $c1 $c2 $c3
for c in $c1 $c2 $c3; do
	journal_wait "$tmp/exit.$c" GARLIC_EVENT=exit GARLIC_PID=$c ||
		{ echo "Bail out! no exit entry for $c: $(cat "$tmp/mon.err")"; exit 1; }
done
kill -INT $mon
ok "with a journal, the monitor stops with status 0" wait $mon
mon=
ok "... and says nothing" test ! -s "$tmp/mon.err"

# check FILE PYTHON-EXPRESSION...: each holds for the one entry in FILE (e).
check() {
	ck_file=$1
	shift
	"$PYTHON" - "$ck_file" "$@" <<'EOF'
import json, os, sys
entries = [json.loads(l) for l in open(sys.argv[1])]
if len(entries) != 1:
    sys.exit("%d entries in %s" % (len(entries), sys.argv[1]))
e = entries[0]
def values(name):
    v = e.get(name)
    return v if isinstance(v, list) else [] if v is None else [v]
for expr in sys.argv[2:]:
    if not eval(expr):
        sys.exit("false: %s\nentry: %s" % (expr, json.dumps(e, indent=1)))
EOF
}

argv="['/bin/sh', '-c', 'read x <\"\$1\"; exit 7', '$mark', '$tmp/go', '', 'a b', 'dup', 'dup']"
ok "exec: GARLIC_ARGV_JSON is the argv, exactly" check "$tmp/exec.$c1" \
	"json.loads(e['GARLIC_ARGV_JSON']) == $argv" "e['GARLIC_ARGC'] == '9'"
ok "exec: one GARLIC_ARGV per argument (the journal keeps each value once)" check "$tmp/exec.$c1" \
	"sorted(values('GARLIC_ARGV')) == sorted(set($argv))"
ok "exec: GARLIC_CMDLINE, MESSAGE_ID, PRIORITY info" check "$tmp/exec.$c1" \
	"e['GARLIC_CMDLINE'] == ' '.join($argv)" \
	"e['MESSAGE_ID'] == '92814d519bbd4a34b6132fbc60d8c971'" "e['PRIORITY'] == '6'" \
	"e['SYSLOG_IDENTIFIER'] == 'garlic-monitor'" "'$mark' in e['MESSAGE']"
ok "exec: the context (exe, cwd, ids, user, cgroup, ns pid, parent)" check "$tmp/exec.$c1" \
	"e['GARLIC_EXE'] == os.path.realpath('/bin/sh')" "e['GARLIC_CWD'] == '$tmp/cwd'" \
	"e['GARLIC_EUID'] == e['GARLIC_RUID'] == '$(id -u)'" \
	"e['GARLIC_EGID'] == e['GARLIC_RGID'] == '$(id -g)'" \
	"e['GARLIC_USER'] == '$(id -un)'" "e['GARLIC_GROUP'] == '$(id -gn)'" \
	"e['GARLIC_CGROUP'] == '$(sed -n 's/^0:://p' /proc/$$/cgroup)'" \
	"e['GARLIC_NSPID'] == '$c1'" "e['GARLIC_PPID'] == '$$'" "e['GARLIC_TGID'] == '$c1'" \
	"e['GARLIC_COMM'] == 'sh'" "e['GARLIC_EVENT'] == 'exec'"
ok "exec: no field of ours starts with an underscore but the journal's own" check "$tmp/exec.$c1" \
	"all(k.startswith(('GARLIC_', '_', '__')) or k in ('MESSAGE', 'MESSAGE_ID', 'PRIORITY', 'SYSLOG_IDENTIFIER') for k in e)" \
	"'_GARLIC_PID' not in e"
ok "exit 7: its status, PRIORITY notice" check "$tmp/exit.$c1" \
	"e['GARLIC_EXIT_STATUS'] == 'exit 7'" "e['GARLIC_EXIT_CODE'] == str(7 << 8)" \
	"e['PRIORITY'] == '5'" "e['MESSAGE_ID'] == 'd9f387ff341a402291313105b2029cde'" \
	"'GARLIC_KILL_SIGNAL' not in e" "int(e['GARLIC_LIFETIME_NS']) > 0" "'exit 7' in e['MESSAGE']"
ok "killed by SIGTERM: PRIORITY warning, GARLIC_KILL_SIGNAL" check "$tmp/exit.$c2" \
	"e['GARLIC_EXIT_STATUS'] == 'killed by SIGTERM'" "e['GARLIC_KILL_SIGNAL'] == 'SIGTERM'" \
	"e['PRIORITY'] == '4'" "'GARLIC_CORE_DUMPED' not in e"
# Whether a core was written is the kernel's to say (core_pattern,
# limits): its status word says, and the entry must agree with it.
ok "SIGSEGV: PRIORITY err with a core dump, warning without" check "$tmp/exit.$c3" \
	"e['GARLIC_KILL_SIGNAL'] == 'SIGSEGV'" \
	"(e['PRIORITY'], e.get('GARLIC_CORE_DUMPED')) == (('3', '1') if int(e['GARLIC_EXIT_CODE']) & 0x80 else ('4', None))"

# --- the journal lost during the run: status 1 at the end --------------
# The monitor follows one waiting process and stops after its exec
# (--count 1), whatever else runs on the machine.
lost_run() {
	(read x <"$tmp/go"; exec /bin/true "$mark-lost") &
	holder=$!
	start "$tmp/lost" --journal --events exec --pid $holder --count 1
	$1
	echo >"$tmp/go"
	wait $mon
	lost_status=$?
	mon=
	wait $holder
}
lost_run journald_stop
ok "journald gone during the run (its socket left): status 1" test $lost_status -eq 1
ok "... the refusal is said, and counted at the end" sh -c "
	grep -q 'the journal refused an entry: Connection refused' '$tmp/lost.err' &&
	grep -q 'entries refused by the journal: 1\$' '$tmp/lost.err'"
# --- a stop while journald is too busy to take more ------------------
# journald stopped, the monitor's sends fill the socket's queue and the
# next one waits; SIGINT then ends the monitor at once, status 0, and the
# entry it was sending is said, not counted as refused.
journald_start
(read x <"$tmp/go"; i=0; while [ $i -lt 40 ]; do /bin/true "$mark-busy"; i=$((i + 1)); done;
	read x <"$tmp/go") &
holder=$!
start "$tmp/busy" --journal --events exec --pid $holder --children
kill -STOP "$journald"
echo >"$tmp/go"
# Waiting in the socket's send: the kernel's wait for a peer's room.
i=0
while [ $i -lt 200 ] && ! grep -q unix_wait_for_peer "/proc/$mon/wchan" 2>/dev/null; do
	sleep 0.05
	i=$((i + 1))
done
kill -INT $mon
wait $mon
busy_status=$?
mon=
kill -CONT "$journald"
echo >"$tmp/go"
wait $holder
ok "stopped while journald is busy: status 0" test $busy_status -eq 0
ok "... the entry in flight is said, not refused" sh -c "
	grep -q 'stopped while the journal was busy: 1 entry not written' '$tmp/busy.err' &&
	! grep -q 'refused' '$tmp/busy.err'" || diag "$(cat "$tmp/busy.err")"

lost_run journal_remove
ok "the journal removed during the run: status 1" test $lost_status -eq 1
ok "... said at the end" grep -q 'the journal went away during the run (/run/systemd/journal/socket: No such file or directory)' "$tmp/lost.err"
done_testing
