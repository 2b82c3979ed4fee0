# SPDX-License-Identifier: LGPL-2.1-or-later
"""Checks garlic-monitor's JSON for the process tree of tests/trace-tree.

  monitor-trace.py FILE FACTS PARENT [command]

FACTS is the tree's facts file (R=.. A=.. T=.. C=.. P=.. G=..), PARENT
the pid of R's parent: the monitor with "command" (it ran R), else the
shell that started R. Prints the differences and exits 1 if the lines
are not exactly those of the tree.
"""
import json
import sys


def main():
    out, facts, parent = sys.argv[1], sys.argv[2], int(sys.argv[3])
    command = len(sys.argv) > 4 and sys.argv[4] == "command"
    f = {k: int(v) for k, v in (kv.split("=") for kv in open(facts).read().split())}
    R, A, T, C, P, G = (f[k] for k in "RATCPG")
    M = parent
    tt = "trace-tree"
    # (kind, ids..., comm[, parent_comm or status]) and the exit's parent
    want = [
        ("fork", R, R, A, A, tt, tt),
        ("exec", A, A, "sh"),
        ("exec", A, A, tt),
        ("exit", A, A, 7 << 8, 17, tt),
        # A thread's parent is the process's parent (the kernel's report).
        ("fork", M, M, T, R, tt, tt),
        ("exit", T, R, 0, 0xFFFFFFFF, tt),
        # CLONE_PARENT: the kernel names R's parent; the name is the child's own.
        ("fork", M, M, C, C, tt, None),
        ("exit", C, C, 5 << 8, 17, tt),
        ("fork", R, R, P, P, tt, tt),
        ("fork", P, P, G, G, tt, tt),
        ("exit", P, P, 0, 17, tt),
        ("exit", G, G, 9 << 8, 17, tt),
        ("exit", R, R, 3 << 8, 17, tt),
    ]
    if command:
        want.append(("exec", R, R, tt))
    # The parent an exit names: 0 when it was reaped before the event was built.
    exit_parent = {A: R, T: 0, C: M, P: R, R: M, G: None}
    got = []
    bad = []
    for line in open(out):
        e = json.loads(line)
        d = e["event_data"]
        kind = e["event_string"]
        if kind == "fork":
            pc = e["parent_comm"] if d["child_pid"] != C else None
            got.append((kind, d["parent_pid"], d["parent_tgid"], d["child_pid"],
                        d["child_tgid"], e["comm"], pc))
        elif kind == "exec":
            got.append((kind, d["process_pid"], d["process_tgid"], e["comm"]))
        elif kind == "exit":
            got.append((kind, d["process_pid"], d["process_tgid"], d["exit_code"],
                        d["exit_signal"], e["comm"]))
            expected = exit_parent.get(d["process_pid"])
            if expected is not None and d["parent_tgid"] not in (expected, 0):
                bad.append("exit of %d names parent %d, not %d" %
                           (d["process_pid"], d["parent_tgid"], expected))
        else:
            got.append((kind, json.dumps(d, sort_keys=True)))
    missing = sorted(map(str, set(want) - set(got)))
    extra = sorted(map(str, set(got) - set(want)))
    if len(got) != len(set(got)):
        bad.append("a line came twice")
    for m in missing:
        bad.append("missing: " + m)
    for x in extra:
        bad.append("unexpected: " + x)
    for b in bad:
        print("#", b)
    return 1 if bad else 0


sys.exit(main())
