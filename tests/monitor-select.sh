#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# garlic-monitor's user-space filters: --comm, --exclude-comm, --user,
# --cgroup, --unit, --container, --no-threads, alone and combined. Each
# run makes processes that match and processes that do not, each held
# alive until a last matching one (the sentinel) is seen: then each was
# read alive, under any load, and is let go.
. "$top_srcdir/tests/monitor-common.sh"
need_python
need_listen

# Programs with names of their own: the kernel names a process after the
# file it exec'd, a symbolic link included. Their prefix is this run's,
# so that other tests running meanwhile cannot match.
P=s$$
long_comm=$(printf '%.15s' "$P-very-long-program-name")
chmod 755 "$tmp" # setpriv'd children run them as nobody
for name in $P-alpha $P-beta $P-gamma $P-very-long-program-name $P-shell; do
	ln -s /bin/sh "$tmp/$name"
done

# Each process made here holds until released, reading its own FIFO.
WAIT='read x <"$0"'
n_held=0
held=
new_fifo() {
	n_held=$((n_held + 1))
	fifo=$tmp/hold.$n_held
	mkfifo -m 666 "$fifo"
}
hold() {
	pid=$!
	held="$held $pid:$fifo"
}
# run PROGRAM: PROGRAM (a link to sh, maybe behind setpriv), held; pid in $pid.
run() {
	new_fifo
	"$@" -c "$WAIT" "$fifo" &
	hold
}
# run_threads: Python, which starts and joins a thread, held.
run_threads() {
	new_fifo
	"$PYTHON" -c 'import sys, threading
t = threading.Thread(target=lambda: None); t.start(); t.join(); open(sys.argv[1]).read()' "$fifo" &
	hold
}
# release: lets each held process go, in the order they came, and waits for it.
release() {
	for h in $held; do
		echo >"${h#*:}"
		wait "${h%%:*}"
	done
	held=
}

# sentinel FILE [RUN ARGS...]: a last process (run "$tmp/$P-alpha" by
# default), which must show. Once its exec is in FILE, every event made
# before it has been read, and each process was read alive: all are let
# go, then its exit is waited for.
sentinel() {
	s_file=$1
	shift
	[ $# -gt 0 ] || set -- run "$tmp/$P-alpha"
	"$@"
	check wait "$s_file" "e['event_string'] == 'exec' and d['process_pid'] == $pid" ||
		diag "the sentinel's exec ($pid) did not come"
	release
	check wait "$s_file" "e['event_string'] == 'exit' and d['process_pid'] == $pid" ||
		diag "the sentinel's exit ($pid) did not come"
}

# shown FILE PID: some event of process PID is in FILE.
shown() {
	check has "$1" "d.get('process_tgid', d.get('child_tgid')) == $2"
}
hidden() {
	! shown "$@"
}
# has_exec FILE PID and has_exit FILE PID.
has_exec() {
	check has "$1" "e['event_string'] == 'exec' and d['process_pid'] == $2"
}
has_exit() {
	check has "$1" "e['event_string'] == 'exit' and d['process_pid'] == $2"
}

# --comm NAME: the process's name; its fork (made by this shell, so still
# named after it) is not shown.
start "$tmp/comm.json" --json --latency 0 --comm $P-alpha
run "$tmp/$P-alpha"
alpha=$pid
run "$tmp/$P-beta"
beta=$pid
sentinel "$tmp/comm.json"
ok "--comm: SIGINT stops it" stop
ok "--comm: every event is the named process's" check all "$tmp/comm.json" "e['comm'] == '$P-alpha'"
ok "--comm: exec of $P-alpha" has_exec "$tmp/comm.json" $alpha
ok "--comm: exit of $P-alpha" has_exit "$tmp/comm.json" $alpha
ok "--comm: nothing of $P-beta" hidden "$tmp/comm.json" $beta
ok "--comm: two $P-alpha execs, two exits, nothing else" sh -c "
	[ \"\$('$PYTHON' '$top_srcdir/tests/monitor-check.py' count '$tmp/comm.json' True)\" = 4 ]"

# A glob, and a repeated --comm: either name.
start "$tmp/glob.json" --json --latency 0 --comm "$P-[ag]*" --comm $P-beta
run "$tmp/$P-alpha"
alpha=$pid
run "$tmp/$P-beta"
beta=$pid
run "$tmp/$P-gamma"
gamma=$pid
run "$tmp/$P-shell"
shell=$pid
sentinel "$tmp/glob.json"
ok "--comm GLOB --comm NAME: SIGINT stops it" stop
ok "--comm GLOB: $P-alpha" has_exec "$tmp/glob.json" $alpha
ok "--comm GLOB: $P-gamma" has_exec "$tmp/glob.json" $gamma
ok "--comm repeated: $P-beta too (OR)" has_exec "$tmp/glob.json" $beta
ok "--comm GLOB: not $P-shell" hidden "$tmp/glob.json" $shell
ok "--comm GLOB: only those names" check all "$tmp/glob.json" \
	"e['comm'] in ('$P-alpha', '$P-beta', '$P-gamma')"

# A program whose name is longer than comm's 15 bytes: its exec line is
# matched by its program (argv[0]), its exit by the 15 bytes only.
start "$tmp/long.json" --json --latency 0 --comm $P-very-long-program-name --comm $P-alpha
run "$tmp/$P-very-long-program-name"
long=$pid
sentinel "$tmp/long.json"
ok "--comm, a long name: SIGINT stops it" stop
ok "--comm: an exec matched by its program's full name" check has "$tmp/long.json" \
	"e['event_string'] == 'exec' and d['process_pid'] == $long and e['comm'] == '$long_comm'"
ok "--comm: its exit (comm cut to 15 bytes) is not" sh -c "! '$PYTHON' '$top_srcdir/tests/monitor-check.py' has '$tmp/long.json' \
	\"e['event_string'] == 'exit' and d['process_pid'] == $long\""

# --exclude-comm: the fork (named after this shell) shows, its exec and
# exit do not.
start "$tmp/exclude.json" --json --latency 0 --exclude-comm $P-beta
run "$tmp/$P-alpha"
alpha=$pid
run "$tmp/$P-beta"
beta=$pid
sentinel "$tmp/exclude.json"
ok "--exclude-comm: SIGINT stops it" stop
ok "--exclude-comm: nothing named $P-beta" check all "$tmp/exclude.json" "e['comm'] != '$P-beta'"
ok "--exclude-comm: $P-beta's fork, named after its parent, shows" check has "$tmp/exclude.json" \
	"e['event_string'] == 'fork' and d['child_pid'] == $beta"
ok "--exclude-comm: $P-alpha's exec shows" has_exec "$tmp/exclude.json" $alpha
ok "--exclude-comm: $P-alpha's exit shows" has_exit "$tmp/exclude.json" $alpha

# --no-threads: a Python thread's fork and exit are hidden, the process's are not.
start "$tmp/threads.json" --json --latency 0 --no-threads --comm python3 --comm $P-alpha
run_threads
py=$pid
sentinel "$tmp/threads.json"
ok "--no-threads: SIGINT stops it" stop
ok "--no-threads: no event of a thread" check all "$tmp/threads.json" \
	"(d['child_pid'] == d['child_tgid']) if e['event_string'] == 'fork' else d['process_pid'] == d['process_tgid']"
ok "--no-threads: the process's exit is there" has_exit "$tmp/threads.json" $py
start "$tmp/withthreads.json" --json --latency 0 --comm python3 --comm $P-alpha
run_threads
py=$pid
sentinel "$tmp/withthreads.json"
ok "without --no-threads: SIGINT stops it" stop
ok "without --no-threads: the thread's fork is there" check has "$tmp/withthreads.json" \
	"e['event_string'] == 'fork' and d['child_tgid'] == $py and d['child_pid'] != $py"

# --user: the real uid; a process that becomes nobody is matched from
# its uid event on; root's processes are not.
if [ "$(id -u)" = 0 ] && command -v setpriv >/dev/null; then
	nobody=$(getent passwd 65534 | cut -d: -f1)
	for who in 65534 "$nobody"; do
		start "$tmp/user.json" --json --latency 0 --user "$who"
		run "$tmp/$P-alpha"
		root_alpha=$pid
		run setpriv --reuid=65534 --regid=65534 --clear-groups "$tmp/$P-beta"
		nb=$pid
		# Its sentinel runs as nobody too.
		sentinel "$tmp/user.json" run setpriv --reuid=65534 --regid=65534 --clear-groups "$tmp/$P-alpha"
		ok "--user $who: SIGINT stops it" stop
		ok "--user $who: the uid event that made it nobody" check has "$tmp/user.json" \
			"e['event_string'] == 'uid' and d['process_pid'] == $nb and d['real_id'] == 65534"
		ok "--user $who: its exec as nobody" has_exec "$tmp/user.json" $nb
		ok "--user $who: its exit" has_exit "$tmp/user.json" $nb
		ok "--user $who: its fork (as root) is not shown" sh -c "! '$PYTHON' '$top_srcdir/tests/monitor-check.py' has '$tmp/user.json' \
			\"e['event_string'] == 'fork' and d['child_pid'] == $nb\""
		ok "--user $who: nothing of root's $P-alpha" hidden "$tmp/user.json" $root_alpha
		ok "--user $who: every exec is nobody's" check all "$tmp/user.json" \
			\
			"e['event_string'] != 'exec' or e['ruid'] in (65534, None)"
		rm -f "$tmp/user.json"
	done

	# Combined: --user and --comm (AND), the second --user (OR).
	start "$tmp/usercomm.json" --json --latency 0 --user 65534 --user 65533 --comm $P-alpha
	run "$tmp/$P-alpha"
	root_alpha=$pid
	run setpriv --reuid=65534 --regid=65534 --clear-groups "$tmp/$P-beta"
	nb_beta=$pid
	run setpriv --reuid=65533 --regid=65534 --clear-groups "$tmp/$P-alpha"
	other_alpha=$pid
	sentinel "$tmp/usercomm.json" run setpriv --reuid=65534 --regid=65534 --clear-groups "$tmp/$P-alpha"
	nb_alpha=$pid
	ok "--user --comm: SIGINT stops it" stop
	ok "--user --comm: nobody's $P-alpha" has_exec "$tmp/usercomm.json" $nb_alpha
	ok "--user --user --comm: uid 65533's $P-alpha" has_exec "$tmp/usercomm.json" $other_alpha
	ok "--user --comm: not root's $P-alpha" hidden "$tmp/usercomm.json" $root_alpha
	ok "--user --comm: not nobody's $P-beta" hidden "$tmp/usercomm.json" $nb_beta
	ok "--user --comm: exactly two execs and two exits" sh -c "
		[ \"\$('$PYTHON' '$top_srcdir/tests/monitor-check.py' count '$tmp/usercomm.json' \
			\"e['event_string'] in ('exec', 'exit')\")\" = 4 ] &&
		'$PYTHON' '$top_srcdir/tests/monitor-check.py' all '$tmp/usercomm.json' \"e['comm'] == '$P-alpha'\" ||
		{ cat '$tmp/usercomm.json' >&2; false; }"
else
	skip "--user" "not root, or no setpriv: no other user to run as"
fi

# --cgroup, --unit, --container: a cgroup v2 tree of our own. A child
# moves itself into it, then execs.
cgroot=$(awk '$3 == "cgroup2" { print $2; exit }' /proc/self/mounts)
slice=garlic-test-$$.slice
# A made-up container id, 64 hex digits: this shell's pid, then a's.
cid=$(printf '%08x%056d' $$ 0 | tr 0 a)
made=
if [ -n "$cgroot" ] && [ "$(id -u)" = 0 ] &&
	mkdir "$cgroot/$slice" 2>/dev/null; then
	made=$cgroot/$slice
	mkdir "$made/gq-$$.service" "$made/docker-$cid.scope"
fi
cleanup_cgroups() {
	for h in $held; do
		kill "${h%%:*}" 2>/dev/null
	done
	[ -n "$made" ] || return 0
	for d in "$made/gq-$$.service" "$made/docker-$cid.scope" "$made"; do
		rmdir "$d" 2>/dev/null
	done
}
trap 'cleanup_cgroups; cleanup' EXIT

# in_cgroup DIR PROGRAM: PROGRAM run from inside DIR (below $made), held; pid in $pid.
in_cgroup() {
	new_fifo
	"$tmp/$P-shell" -c 'echo $$ >"$0/cgroup.procs" && exec "$1" -c "$2" "$3"' \
		"$made/$1" "$2" "$WAIT" "$fifo" &
	hold
}

# cgroup_run FILE ARGS...: a monitor with ARGS; $P-alpha in the service,
# $P-beta in the container, $P-gamma outside, then the sentinel in FILE's
# choice of place ($sentinel_in). Their pids: $svc, $ctr, $out, $last.
cgroup_run() {
	cg_file=$1
	shift
	start "$cg_file" --json --latency 0 "$@"
	in_cgroup "gq-$$.service" "$tmp/$P-alpha"
	svc=$pid
	in_cgroup "docker-$cid.scope" "$tmp/$P-beta"
	ctr=$pid
	run "$tmp/$P-gamma"
	out=$pid
	sentinel "$cg_file" in_cgroup "$sentinel_in" "$tmp/$P-alpha"
	last=$pid
	stop
}

if [ -n "$made" ]; then
	sentinel_in=gq-$$.service
	ok "--cgroup PATH: runs" cgroup_run "$tmp/cg.json" --cgroup "/$slice"
	ok "--cgroup PATH: the service's $P-alpha (below the path)" has_exec "$tmp/cg.json" $svc
	ok "--cgroup PATH: the container's $P-beta (below the path)" has_exec "$tmp/cg.json" $ctr
	ok "--cgroup PATH: not $P-gamma outside" hidden "$tmp/cg.json" $out
	ok "--cgroup PATH: the fork, before the move, is not shown" sh -c "! '$PYTHON' '$top_srcdir/tests/monitor-check.py' has '$tmp/cg.json' \
		\"e['event_string'] == 'fork' and d['child_pid'] == $svc\""
	ok "--cgroup PATH: every exec is in it" check all "$tmp/cg.json" \
		"e['event_string'] != 'exec' or e['cgroup'].startswith('/$slice/')"

	ok "--cgroup GLOB: runs" cgroup_run "$tmp/cgglob.json" --cgroup '*/gq-*.service'
	ok "--cgroup GLOB: the service's $P-alpha" has_exec "$tmp/cgglob.json" $svc
	ok "--cgroup GLOB: not the container's $P-beta" hidden "$tmp/cgglob.json" $ctr
	ok "--cgroup GLOB: not $P-gamma" hidden "$tmp/cgglob.json" $out

	ok "--unit NAME (NAME.service): runs" cgroup_run "$tmp/unit.json" --unit "gq-$$"
	ok "--unit NAME: the service's $P-alpha and its exit" sh -c "
		'$PYTHON' '$top_srcdir/tests/monitor-check.py' has '$tmp/unit.json' \"e['event_string'] == 'exec' and d['process_pid'] == $svc\" &&
		'$PYTHON' '$top_srcdir/tests/monitor-check.py' has '$tmp/unit.json' \"e['event_string'] == 'exit' and d['process_pid'] == $svc\""
	ok "--unit NAME: not the container's $P-beta" hidden "$tmp/unit.json" $ctr
	ok "--unit NAME: every exec's unit is it" check all "$tmp/unit.json" \
		"e['event_string'] != 'exec' or e['unit'] == 'gq-$$.service'"

	ok "--unit SLICE: runs" cgroup_run "$tmp/slice.json" --unit "$slice"
	ok "--unit SLICE: both processes in the slice" sh -c "
		'$PYTHON' '$top_srcdir/tests/monitor-check.py' has '$tmp/slice.json' \"e['event_string'] == 'exec' and d['process_pid'] == $svc\" &&
		'$PYTHON' '$top_srcdir/tests/monitor-check.py' has '$tmp/slice.json' \"e['event_string'] == 'exec' and d['process_pid'] == $ctr\""
	ok "--unit SLICE: not $P-gamma" hidden "$tmp/slice.json" $out

	sentinel_in=docker-$cid.scope
	short=$(echo "$cid" | cut -c1-12)
	ok "--container ID: runs" cgroup_run "$tmp/ctr.json" --container "$short"
	ok "--container ID: the container's $P-beta" has_exec "$tmp/ctr.json" $ctr
	ok "--container ID: not the service's $P-alpha" hidden "$tmp/ctr.json" $svc
	ok "--container ID: not $P-gamma" hidden "$tmp/ctr.json" $out
	ok "--container ID: every exec is in the container" check all "$tmp/ctr.json" \
		"e['event_string'] != 'exec' or e['container'] == '$cid'"
	ok "--container ID repeated: runs" cgroup_run "$tmp/ctr2.json" --container abcdef0123 --container "$short"
	ok "--container ID repeated: the container's $P-beta (OR)" has_exec "$tmp/ctr2.json" $ctr
	ok "--container ID repeated: not the service's $P-alpha" hidden "$tmp/ctr2.json" $svc

	# Combined: --cgroup and --exclude-comm (AND); --unit and --comm.
	sentinel_in=gq-$$.service
	ok "--cgroup --exclude-comm: runs" cgroup_run "$tmp/cgex.json" --cgroup "/$slice" --exclude-comm $P-beta
	ok "--cgroup --exclude-comm: the service's $P-alpha" has_exec "$tmp/cgex.json" $svc
	ok "--cgroup --exclude-comm: not $P-beta (excluded), not its fork (outside)" hidden "$tmp/cgex.json" $ctr
	ok "--cgroup --exclude-comm: not $P-gamma (outside)" hidden "$tmp/cgex.json" $out
	sentinel_in=docker-$cid.scope
	ok "--unit --container --comm: runs" cgroup_run "$tmp/mix.json" --unit "$slice" --container "$short" --comm "$P-[ab]*"
	ok "--unit --container --comm: the container's $P-beta" has_exec "$tmp/mix.json" $ctr
	ok "--unit --container --comm: not the service's $P-alpha" hidden "$tmp/mix.json" $svc
	ok "--unit --container --comm: only the exec and exit of those two" check all "$tmp/mix.json" \
		"e['event_string'] in ('exec', 'exit') and d['process_pid'] in ($ctr, $last)"
	ok "--unit --container --comm: four lines" sh -c "
		[ \"\$('$PYTHON' '$top_srcdir/tests/monitor-check.py' count '$tmp/mix.json' True)\" = 4 ]"
else
	skip "--cgroup, --unit, --container" "no writable cgroup v2 hierarchy (or not root)"
fi

# Bad values: one line, status 2.
bad() {
	"$M" "$@" >"$tmp/bad.out" 2>"$tmp/bad.err"
	[ $? -eq 2 ] && [ ! -s "$tmp/bad.out" ] && [ "$(wc -l <"$tmp/bad.err")" -eq 1 ] &&
		grep -q "invalid value" "$tmp/bad.err" && return 0
	diag "$*: $(cat "$tmp/bad.err")"
	return 1
}
ok "--user with an unknown name: status 2" bad --user gq-no-such-user-here
ok "--user -1: status 2" bad --user=-1
ok "--container not hexadecimal: status 2" bad --container xyz
ok "--container too long: status 2" bad --container "${cid}0"
ok "--cgroup neither a path nor a glob: status 2" bad --cgroup system.slice
ok "--comm empty: status 2" bad --comm ''
# A process that drops to another user and exits without an exec has no
# snapshot to learn its uid from: the kernel's uid event says it.
uid_drop() {
	start "$tmp/drop.json" --json --latency 0 --events exit --user root
	"$PYTHON" -c 'import os
pid = os.fork()
if pid == 0:
    os.setresgid(65534, 65534, 65534)
    os.setresuid(65534, 65534, 65534)
    os._exit(114)
os.waitpid(pid, 0)
print(pid)' >"$tmp/drop.pid" || return 1
	dropped=$(cat "$tmp/drop.pid")
	/bin/sh -c 'exit 3' &
	after=$!
	wait $after
	check wait "$tmp/drop.json" "e['event_string'] == 'exit' and d['process_pid'] == $after" ||
		{ diag "the root process's exit after it did not come"; return 1; }
	stop || return 1
	! check has "$tmp/drop.json" "d['process_pid'] == $dropped"
}
if [ "$(id -u)" = 0 ]; then
	ok "--user root: a process that became nobody without exec is not shown" uid_drop
else
	skip "--user root: needs root to drop to another user"
fi

done_testing
