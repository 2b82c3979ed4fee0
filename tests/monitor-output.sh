#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# --output's safety: no symbolic link, only a regular file of our own
# with one link, new files 0600, and the same on SIGHUP (where a refused
# reopen stops the monitor with status 1). And a non-blocking standard
# output is waited on: no event lost, status 0.
. "$top_srcdir/tests/monitor-common.sh"

# refused NAME PATTERN ARGS...: the monitor, given --output NAME, exits 1
# at once with a message matching PATTERN and writes nothing.
refused() {
	refused_path=$1
	refused_pattern=$2
	shift 2
	"$M" --output "$refused_path" --duration 5 "$@" >"$tmp/refused.out" 2>"$tmp/refused.err"
	refused_rc=$?
	[ "$refused_rc" = 1 ] && [ ! -s "$tmp/refused.out" ] &&
		[ "$(wc -l <"$tmp/refused.err")" = 1 ] &&
		grep -Eq -- "^garlic-monitor: --output $refused_path: $refused_pattern" \
			"$tmp/refused.err" && return 0
	diag "rc=$refused_rc: $(cat "$tmp/refused.err")"
	return 1
}

# What a root monitor must never write to: a private file it can open.
printf 'secret\n' >"$tmp/secret"
chmod 600 "$tmp/secret"
ln -s "$tmp/secret" "$tmp/link"
ok "a symbolic link is refused (status 1, a message)" \
	refused "$tmp/link" "is a symbolic link, not a regular file: refused"
ok "... and the file it points to is untouched" sh -c "[ \"\$(cat '$tmp/secret')\" = secret ]"
ln -s "$tmp/nowhere" "$tmp/dangling"
ok "a dangling symbolic link is refused, nothing is created" sh -c "
	'$M' --output '$tmp/dangling' --duration 5 2>'$tmp/err'
	[ \$? = 1 ] && grep -q 'is a symbolic link' '$tmp/err' && [ ! -e '$tmp/nowhere' ]"

mkfifo "$tmp/fifo"
# No reader: opening it for writing would block; it is refused at once.
ok "a FIFO is refused (without blocking)" refused "$tmp/fifo" "is a FIFO, not a regular file"
ok "a directory is refused" refused "$tmp" "is a directory, not a regular file"
ok "a device (/dev/null) is refused" \
	refused /dev/null "is a character device, not a regular file"
: >"$tmp/mine"
ln "$tmp/mine" "$tmp/hardlink"
ok "a file with two hard links is refused" refused "$tmp/hardlink" "has 2 hard links: refused"

if [ "$(id -u)" = 0 ]; then
	: >"$tmp/theirs"
	chown 65534 "$tmp/theirs"
	ok "a file owned by another user is refused" \
		refused "$tmp/theirs" "is owned by uid 65534, not by this user \\(uid 0\\): refused"
	ok "... and is left empty" test ! -s "$tmp/theirs"
else
	skip "a file owned by another user is refused" "not root: cannot make one"
	skip "... and is left empty" "not root"
fi

need_listen

# new_file: a new --output file is 0600 whatever the umask lets through.
new_file() {
	(umask 022 && "$M" --output "$tmp/new.log" --duration 0.1)
	[ "$(stat -c %a "$tmp/new.log")" = 600 ]
}
ok "a new file is created with mode 0600 (umask 022)" new_file
existing_mode() {
	: >"$tmp/kept.log"
	chmod 640 "$tmp/kept.log"
	"$M" --output "$tmp/kept.log" --duration 0.1 &&
		[ "$(stat -c %a "$tmp/kept.log")" = 640 ]
}
ok "an existing file keeps its mode" existing_mode

# hup_into KIND: SIGHUP once the log was renamed and its path made a
# symbolic link (KIND link) or someone else's file (KIND owner): the
# monitor says so and stops with status 1; what it wrote before is in the
# renamed file, nothing reaches the new path's target.
hup_into() {
	rm -f "$tmp/log" "$tmp/log.1" "$tmp/log.ready" "$tmp/log.pid" "$tmp/log.rc"
	# The monitor's status as a shell that only waits for it saw it: this
	# one runs commands meanwhile, and once (under distcheck) its wait
	# said 127, the status lost among those it reaped for them.
	sh -c '"$@" & echo $! >"$0.pid"; wait $!; echo $? >"$0.rc"' "$tmp/log" \
		"$M" --output "$tmp/log" --events exec --latency 0 --ready-file "$tmp/log.ready" \
		2>"$tmp/log.err" &
	waiter=$!
	i=0
	while [ ! -s "$tmp/log.pid" ] && [ $i -lt 200 ]; do
		sleep 0.05
		i=$((i + 1))
	done
	mon=$(cat "$tmp/log.pid")
	ready "$tmp/log.ready" $mon || return 1
	/bin/echo before-rotation >/dev/null
	wait_grep "$tmp/log" "before-rotation" || { diag "no exec line"; return 1; }
	mv "$tmp/log" "$tmp/log.1"
	if [ "$1" = link ]; then
		ln -s "$tmp/secret" "$tmp/log"
	else
		: >"$tmp/log"
		chown 65534 "$tmp/log"
	fi
	kill -HUP $mon
	# It must stop by itself: one that goes on is killed after 10 s (and fails).
	i=0
	while [ $i -lt 200 ] && [ ! -s "$tmp/log.rc" ]; do
		/bin/echo after-rotation >/dev/null
		sleep 0.05
		i=$((i + 1))
	done
	# Once its status is out its waiter has reaped it: the pid is no longer its.
	[ -s "$tmp/log.rc" ] || kill -KILL $mon 2>/dev/null
	wait $waiter
	hup_rc=$(cat "$tmp/log.rc")
	mon=
	diag "status $hup_rc: $(cat "$tmp/log.err")"
	[ "$hup_rc" = 1 ] &&
		grep -Eq "^garlic-monitor: reopening $tmp/log on SIGHUP: (is a symbolic link|is owned by uid 65534).*; stopping\$" \
			"$tmp/log.err" &&
		grep -q before-rotation "$tmp/log.1" &&
		[ "$(cat "$tmp/secret")" = secret ] &&
		{ [ "$1" = link ] || [ ! -s "$tmp/log" ]; }
}
ok "SIGHUP with a symbolic link in the file's place: refused, status 1" hup_into link
if [ "$(id -u)" = 0 ]; then
	ok "SIGHUP with another user's file in its place: refused, status 1" hup_into owner
else
	skip "SIGHUP with another user's file in its place: refused, status 1" "not root"
fi

# A non-blocking pipe (O_NONBLOCK on the pipe, as a program sharing the
# terminal or pipe may leave it) to a reader that reads only once the
# pipe is full: the monitor waits for it, loses no event, exits 0.
need_python
nonblocking() {
	"$PYTHON" - "$M" "$tmp" <<'PY'
import json, os, select, subprocess, sys, time
M, tmp = sys.argv[1], sys.argv[2]
N = 200
r, w = os.pipe()
os.set_blocking(w, False)
ready = os.path.join(tmp, "nb.ready")
errfile = os.path.join(tmp, "nb.err")
mon = subprocess.Popen([M, "--json", "--events", "exec", "--pid", str(os.getpid()),
                        "--children", "--count", str(N), "--latency", "0",
                        "--ready-file", ready], stdout=w, stderr=open(errfile, "w"))
# Kept to see when the pipe is full; closed before reading to the end.
probe = w
for _ in range(600):
    if os.path.exists(ready) and os.path.getsize(ready) > 0:
        break
    if mon.poll() is not None:
        sys.exit("the monitor ended early: status %s" % mon.returncode)
    time.sleep(0.05)
# Long argvs: 200 lines of ~3 KB, far more than the pipe and the monitor's buffer.
pad = "x" * 3000
pids = []
for i in range(N):
    child = subprocess.Popen(["/bin/true", "nb-%d" % i, pad])
    pids.append(child.pid)
    child.wait()
# Read nothing until the pipe is full: the monitor meets EAGAIN (or has).
for _ in range(1200):
    if not select.select([], [probe], [], 0)[1] or mon.poll() is not None:
        break
    time.sleep(0.05)
full = not select.select([], [probe], [], 0)[1]
os.close(probe)
print("# the pipe is %s; reading" % ("full" if full else "NOT full"))
data = b""
with os.fdopen(r, "rb") as f:
    while True:
        chunk = f.read(4096)
        if not chunk:
            break
        data += chunk
try:
    rc = mon.wait(timeout=60)
except subprocess.TimeoutExpired:
    mon.kill()
    rc = mon.wait()
err = open(errfile).read()
lines = data.decode().splitlines()
seen = {json.loads(line)["event_data"]["process_pid"] for line in lines}
missing = [p for p in pids if p not in seen]
print("# status %d, %d lines, %d of our execs missing, stderr %r" %
      (rc, len(lines), len(missing), err))
sys.exit(0 if full and rc == 0 and not err and len(lines) == N and not missing else 1)
PY
}
ok "non-blocking stdout: waited on, no event lost, status 0" nonblocking

done_testing
