#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# garlic-monitor as a Type=notify service with WatchdogSec=, without
# systemd: the test is the service manager. It binds the datagram socket
# NOTIFY_SOCKET names and checks that READY=1 comes once the monitor is
# subscribed, WATCHDOG=1 at half of WATCHDOG_USEC from its loop, none
# while it is stopped (SIGSTOP: a hung monitor, which systemd restarts),
# again once it goes on, none for a WATCHDOG_PID that is not its own,
# and STOPPING=1 at the end.
. "$top_srcdir/tests/monitor-common.sh"
need_listen
need_python

"$PYTHON" - "$M" "$tmp" <<'EOF'
import os, signal, socket, subprocess, sys, time

monitor, tmp = sys.argv[1], sys.argv[2]
n = 0
failed = 0

def ok(name, cond, detail=""):
    global n, failed
    n += 1
    print("%s %d - %s" % ("ok" if cond else "not ok", n, name))
    if not cond:
        failed += 1
        if detail:
            print("# " + str(detail).replace("\n", "\n# "))
    sys.stdout.flush()

def bail(why):
    print("Bail out! " + why)
    sys.exit(1)

WATCHDOG_USEC = 200000  # pings every 100 ms

def run(name, watchdog_pid_own=True):
    """Starts the monitor with the socket bound; returns (proc, socket)."""
    path = os.path.join(tmp, name + ".sock")
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    sock.bind(path)
    env = dict(os.environ, NOTIFY_SOCKET=path, WATCHDOG_USEC=str(WATCHDOG_USEC))
    ready = os.path.join(tmp, name + ".ready")
    # WATCHDOG_PID: the shell's pid, which exec makes the monitor's.
    pid_setting = 'WATCHDOG_PID=$$' if watchdog_pid_own else 'WATCHDOG_PID=1'
    proc = subprocess.Popen(["sh", "-c", pid_setting + '; export WATCHDOG_PID; exec "$0" "$@"',
                             monitor, "--quiet", "--events", "exec", "--ready-file", ready,
                             "--duration", "300"],
                            env=env, stderr=open(os.path.join(tmp, name + ".err"), "w"))
    return proc, sock, ready

def receive(sock, until, want=None):
    """Datagrams until one equal to want (or any, if None) or the deadline."""
    got = []
    while True:
        left = until - time.monotonic()
        if left <= 0:
            return got
        sock.settimeout(left)
        try:
            msg = sock.recv(4096).decode()
        except socket.timeout:
            return got
        got.append((time.monotonic(), msg))
        if want is None or msg == want or msg.startswith(want + "\n"):
            return got

def drain(sock):
    got = []
    sock.setblocking(False)
    try:
        while True:
            got.append(sock.recv(4096).decode())
    except BlockingIOError:
        pass
    sock.setblocking(True)
    return got

def stopped(pid, until):
    while time.monotonic() < until:
        with open("/proc/%d/stat" % pid) as f:
            if f.read().rsplit(")", 1)[1].split()[0] == "T":
                return True
        time.sleep(0.01)
    return False

proc, sock, ready = run("own")
got = receive(sock, time.monotonic() + 30, "READY=1")
# The ready file is written before READY=1 is sent: seen at the same time.
ready_seen = os.path.exists(ready) and os.path.getsize(ready) > 0
if not got or not got[-1][1].startswith("READY=1"):
    proc.kill()
    bail("no READY=1 from the monitor: %r, %s" % (got, open(os.path.join(tmp, "own.err")).read()))
ok("READY=1 once subscribed (the ready file is there)", ready_seen)
ok("... with a STATUS=", "\nSTATUS=" in got[-1][1], got[-1][1])
ok("READY=1 is the first message", len(got) == 1, got)

pings = []
until = time.monotonic() + 30
while len(pings) < 4 and time.monotonic() < until:
    pings += [t for t, m in receive(sock, until, "WATCHDOG=1") if m == "WATCHDOG=1"]
ok("WATCHDOG=1 again and again from the loop", len(pings) >= 4, pings)
gaps = [b - a for a, b in zip(pings, pings[1:])]
# Half of WATCHDOG_USEC apart; a busy machine only makes it later.
ok("... not more often than half of WATCHDOG_USEC", all(g >= 0.05 for g in gaps), gaps)

os.kill(proc.pid, signal.SIGSTOP)
ok("SIGSTOP: the monitor is stopped", stopped(proc.pid, time.monotonic() + 30))
drain(sock)  # what it sent before it stopped
late = receive(sock, time.monotonic() + 10 * WATCHDOG_USEC / 1e6)
ok("a stopped monitor pings no more (10 intervals)", late == [], late)
os.kill(proc.pid, signal.SIGCONT)
got = receive(sock, time.monotonic() + 30, "WATCHDOG=1")
ok("SIGCONT: the pings come back", got and got[-1][1] == "WATCHDOG=1", got)

os.kill(proc.pid, signal.SIGINT)
status = proc.wait(timeout=30)
rest = drain(sock)
ok("SIGINT: STOPPING=1 last, status 0", rest and rest[-1] == "STOPPING=1" and status == 0,
   (rest, status))
sock.close()

# systemd sets WATCHDOG_PID to the process it watches: another one's is not ours.
proc, sock, ready = run("other", watchdog_pid_own=False)
got = receive(sock, time.monotonic() + 30, "READY=1")
ok("WATCHDOG_PID of another process: READY=1", got and got[-1][1].startswith("READY=1"), got)
late = receive(sock, time.monotonic() + 10 * WATCHDOG_USEC / 1e6)
ok("... and no WATCHDOG=1 (10 intervals)", late == [], late)
proc.send_signal(signal.SIGINT)
ok("... status 0", proc.wait(timeout=30) == 0)
sock.close()

print("1..%d" % n)
sys.exit(1 if failed else 0)
EOF
