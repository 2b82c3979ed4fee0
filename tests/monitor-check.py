#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
# The JSON checker of tests/monitor-common.sh (check MODE FILE [EXPR]):
# the modes are listed there, above check().

import json, sys, time

mode, path = sys.argv[1], sys.argv[2]
expr = sys.argv[3] if len(sys.argv) > 3 else "True"

def lines():
    with open(path, "rb") as f:
        for raw in f:
            if raw.endswith(b"\n"):
                yield raw

def events(with_lost=False):
    for raw in lines():
        e = json.loads(raw)
        if e.get("event_string") == "lost" and not with_lost:
            print("# the monitor reported a loss:", raw.decode().strip())
            continue
        yield e

def test(e):
    try:
        return bool(eval("(" + expr + ")", {"e": e, "d": e.get("event_data", {})}))
    except KeyError as missing:
        print("# no member", missing, "in", json.dumps(e))
        sys.exit(1)

PIDS = ["process_pid", "process_tgid"]
DATA = {
    "fork": ["parent_pid", "parent_tgid", "child_pid", "child_tgid"],
    "exec": PIDS, "sid": PIDS,
    "uid": PIDS + ["real_id", "effective_id"],
    "gid": PIDS + ["real_id", "effective_id"],
    "ptrace": PIDS + ["tracer_pid", "tracer_tgid"],
    "comm": PIDS + ["command"],
    "coredump": PIDS + ["parent_pid", "parent_tgid"],
    "exit": PIDS + ["exit_code", "exit_signal", "parent_pid", "parent_tgid"],
}
NUMBER = {"fork": 1, "exec": 2, "uid": 4, "gid": 64, "sid": 128, "ptrace": 256,
          "comm": 512, "coredump": 0x40000000, "exit": 0x80000000}
COMMON = {"event_string", "event", "cpu", "timestamp", "timestamp_ns", "seq", "event_data",
          "comm"}
# Members a kind always has, and those it may have.
REQUIRED = {
    "exec": {"cmdline", "argv", "argv_truncated", "argv_unavailable", "previous_comm",
             "ruid", "euid", "user", "exe", "cwd", "cgroup", "unit", "container", "ns_pid"},
    "fork": {"parent_comm"}, "comm": {"previous_comm"}, "exit": {"status"},
}
EXTRA = {"exit": {"lifetime_ns", "taskstats"}}

def schema_ok(e):
    kind = e.get("event_string")
    if kind == "lost":
        return (set(e) == {"event_string", "timestamp", "lost", "total_lost", "cause"}
                and e["cause"] in ("overrun", "sequence") and e["total_lost"] >= e["lost"])
    if kind not in DATA or e.get("event") != NUMBER[kind]:
        return False
    keys = set(e)
    required = COMMON | REQUIRED.get(kind, set())
    if not required <= keys or keys - required - EXTRA.get(kind, set()):
        return False
    if kind == "exec":
        argv = e["argv"]
        if argv is None:
            if not isinstance(e["argv_unavailable"], str):
                return False
        elif not (isinstance(argv, list) and all(isinstance(a, str) for a in argv)
                  and e["argv_unavailable"] is None):
            return False
        if not isinstance(e["argv_truncated"], bool):
            return False
    if list(e["event_data"]) != DATA[kind]:
        return False
    return all(isinstance(v, int) for k, v in e["event_data"].items() if k != "command")

if mode == "valid":
    n = sum(1 for _ in events(True))
    sys.exit(0 if n else 1)
elif mode == "schema":
    bad = [e for e in events(True) if not schema_ok(e)]
    for e in bad[:3]:
        print("# not as documented:", json.dumps(e))
    sys.exit(1 if bad else 0)
elif mode == "has":
    sys.exit(0 if any(test(e) for e in events()) else 1)
elif mode in ("wait", "wait-lost"):
    lost = mode == "wait-lost"
    end = time.monotonic() + float(sys.argv[4] if len(sys.argv) > 4 else 10)
    while True:
        if any(test(e) for e in events(lost)
               if not lost or e.get("event_string") == "lost"):
            sys.exit(0)
        if time.monotonic() > end:
            sys.exit(1)
        time.sleep(0.05)
elif mode == "all":
    ev = list(events())
    bad = [e for e in ev if not test(e)]
    for e in bad[:3]:
        print("# does not satisfy it:", json.dumps(e))
    sys.exit(0 if ev and not bad else 1)
elif mode == "count":
    print(sum(1 for e in events() if test(e)))
