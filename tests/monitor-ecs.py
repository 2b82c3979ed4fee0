#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
# The ECS checker of tests/monitor-ecs.sh: monitor-ecs.py CHECK FILE [ARGS].
#   schema FILE                every line is an ECS document of the documented shape
#   wait-exit FILE PID         waits up to 30 s for the exit of process PID
#   args FILE PID ARG...       PID's exec has exactly these process.args
#   exit-code FILE PID CODE    PID's exit has process.exit_code CODE
#   one-entity FILE PID        PID's fork, exec and exit share one entity_id
#   entity FILE PID ID         every event of PID has entity_id ID
#   parent FILE CHILD PARENT   CHILD's events name PARENT and its entity_id
#   parent-id FILE CHILD ID    CHILD's events give parent.entity_id ID
#   reuse FILE PID MARK1 MARK2 two processes on PID (their exec's args hold
#                              the marks): different ids, each kept to its exit
#   entity-of PID              prints the id the formula gives a live PID
import hashlib, json, re, sys, time

KINDS = {"fork": "start", "exec": "start", "exit": "end", "uid": "change",
         "gid": "change", "sid": "change", "comm": "change", "ptrace": "info",
         "coredump": "info"}
TOP = {"@timestamp", "ecs", "message", "event", "process", "user", "group",
       "container", "host", "garlic"}
TIME = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z")
HEX32 = re.compile(r"[0-9a-f]{32}")


def docs(path):
    with open(path, "rb") as f:
        for raw in f:
            if raw.endswith(b"\n"):
                yield json.loads(raw)


def events(path):
    return [d for d in docs(path) if d["event"]["kind"] == "event"]


def of(path, pid, action=None):
    return [d for d in events(path) if d["process"]["pid"] == pid and
            d["process"]["thread"]["id"] == pid and
            (action is None or d["event"]["action"] == action)]


def fail(why, doc=None):
    print("#", why, json.dumps(doc) if doc is not None else "")
    sys.exit(1)


def typed(doc, path, kind, required=True):
    v = doc
    for k in path.split("."):
        if not isinstance(v, dict) or k not in v:
            if required:
                fail("no " + path + " in", doc)
            return None
        v = v[k]
    if not isinstance(v, kind) or (kind is int and isinstance(v, bool)):
        fail(path + " is not " + kind.__name__ + " in", doc)
    return v


def schema(path):
    boot = open("/proc/sys/kernel/random/boot_id").read().strip()
    n = 0
    for d in docs(path):
        n += 1
        if set(d) - TOP:
            fail("unknown members %s in" % (set(d) - TOP), d)
        if not TIME.fullmatch(typed(d, "@timestamp", str)):
            fail("@timestamp is not RFC 3339 in", d)
        typed(d, "ecs.version", str)
        typed(d, "message", str)
        if typed(d, "event.sequence", int) != n:
            fail("event.sequence is not %d in" % n, d)
        if typed(d, "host.boot.id", str) != boot:
            fail("host.boot.id is not " + boot + " in", d)
        typed(d, "host.name", str)
        kind = typed(d, "event.kind", str)
        action = typed(d, "event.action", str)
        if kind == "pipeline_error":
            if action != "lost" or typed(d, "garlic.loss.cause", str) not in ("overrun", "sequence"):
                fail("a bad loss document", d)
            typed(d, "garlic.loss.lost", int)
            typed(d, "garlic.loss.total", int)
            continue
        if kind != "event" or action not in KINDS:
            fail("event.kind or event.action wrong in", d)
        if typed(d, "event.category", list) != ["process"]:
            fail("event.category is not ['process'] in", d)
        if typed(d, "event.type", list) != [KINDS[action]]:
            fail("event.type is not [%r] in" % KINDS[action], d)
        typed(d, "process.pid", int)
        typed(d, "process.thread.id", int)
        typed(d, "garlic.cpu", int)
        typed(d, "garlic.seq", int)
        typed(d, "garlic.timestamp_ns", int)
        for k in ("process.name", "process.executable", "process.command_line",
                  "process.working_directory", "user.id", "user.name",
                  "user.effective.id", "group.id", "process.thread.name",
                  "process.parent.name"):
            typed(d, k, str, False)
        for k in ("process.start", "process.end"):
            t = typed(d, k, str, False)
            if t is not None and not TIME.fullmatch(t):
                fail(k + " is not RFC 3339 in", d)
        for k in ("process.entity_id", "process.parent.entity_id"):
            v = typed(d, k, str, False)
            if v is not None and not HEX32.fullmatch(v):
                fail(k + " is not 32 hex digits in", d)
        if typed(d, "process.parent.pid", int, False) is None and "parent" in d["process"]:
            fail("process.parent without its pid in", d)
        args = typed(d, "process.args", list, False)
        if args is not None:
            if action != "exec" or not all(isinstance(a, str) for a in args):
                fail("process.args wrong in", d)
            if typed(d, "process.args_count", int) != len(args):
                fail("process.args_count is not len(process.args) in", d)
            typed(d, "process.command_line", str)
        elif action == "exec" and not isinstance(d["garlic"].get("argv_unavailable"), str):
            fail("an exec without args nor garlic.argv_unavailable", d)
        code = typed(d, "process.exit_code", int, False)
        if code is not None and action != "exit":
            fail("process.exit_code on a " + action, d)
        cid = typed(d, "container.id", str, False)
        if cid is not None and not re.fullmatch(r"[0-9a-f]{64}", cid):
            fail("container.id is not 64 hex digits in", d)
    if not n:
        fail("no documents")


def entity_of(pid):
    boot = open("/proc/sys/kernel/random/boot_id").read().strip()
    stat = open("/proc/%d/stat" % pid).read()
    ticks = stat[stat.rindex(")") + 2:].split()[19]
    text = "%s:%d:%s" % (boot, pid, ticks)
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def main():
    check, args = sys.argv[1], sys.argv[2:]
    if check == "entity-of":
        print(entity_of(int(args[0])))
        return
    path = args[0]
    if check == "schema":
        schema(path)
    elif check == "wait-exit":
        for _ in range(600):
            if of(path, int(args[1]), "exit"):
                return
            time.sleep(0.05)
        fail("no exit of %s" % args[1])
    elif check == "args":
        ex = of(path, int(args[1]), "exec")
        want = args[2:]
        if not ex or ex[0]["process"].get("args") != want:
            fail("process.args is not %r" % want, ex[0] if ex else None)
        if ex[0]["process"]["args_count"] != len(want):
            fail("args_count", ex[0])
    elif check == "exit-code":
        ex = of(path, int(args[1]), "exit")
        if not ex or ex[0]["process"].get("exit_code") != int(args[2]):
            fail("process.exit_code is not " + args[2], ex[0] if ex else None)
    elif check == "one-entity":
        ev = of(path, int(args[1]))
        ids = {d["process"].get("entity_id") for d in ev}
        actions = {d["event"]["action"] for d in ev}
        if not {"fork", "exec", "exit"} <= actions or len(ids) != 1 or None in ids:
            fail("actions %s, entity ids %s" % (sorted(actions), ids))
    elif check == "entity":
        ev = of(path, int(args[1]))
        if not ev or any(d["process"].get("entity_id") != args[2] for d in ev):
            fail("not all entity_id %s" % args[2], ev[0] if ev else None)
    elif check in ("parent", "parent-id"):
        ev = of(path, int(args[1]))
        if check == "parent":
            pe = {d["process"].get("entity_id") for d in of(path, int(args[2]))}
            if len(pe) != 1 or None in pe:
                fail("the parent's entity ids: %s" % pe)
            want = pe.pop()
        else:
            want = args[2]
        if not ev:
            fail("no events of %s" % args[1])
        for d in ev:
            p = d["process"].get("parent", {})
            if check == "parent" and p.get("pid") != int(args[2]):
                fail("process.parent.pid is not " + args[2], d)
            if p.get("entity_id") != want:
                fail("process.parent.entity_id is not " + want, d)
    elif check == "reuse":
        pid, marks = int(args[1]), args[2:4]
        ev = of(path, pid)
        ids = []
        for mark in marks:
            i = next((i for i, d in enumerate(ev) if d["event"]["action"] == "exec" and
                      mark in d["process"].get("args", [])), None)
            if i is None:
                fail("no exec of %d with %s" % (pid, mark))
            ex = next((d for d in ev[i:] if d["event"]["action"] == "exit"), None)
            if ex is None or ex["process"].get("entity_id") != ev[i]["process"].get("entity_id"):
                fail("the exit's entity_id is not the exec's", ex)
            ids.append(ev[i]["process"].get("entity_id"))
        if None in ids or ids[0] == ids[1]:
            fail("entity ids of the two processes on %d: %s" % (pid, ids))
    else:
        fail("unknown check " + check)


main()
