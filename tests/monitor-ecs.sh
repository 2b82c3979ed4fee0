#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# garlic-monitor --format=ecs: this script's own children fork, exec and
# exit; every document is checked against the documented shape, and the
# ones about the children field by field: process.args is the argv they
# were started with, process.entity_id stays one process's for its life,
# names its parent, and differs for two processes on one pid.
. "$top_srcdir/tests/monitor-common.sh"
need_python
need_listen

ecs() {
	"$PYTHON" "$top_srcdir/tests/monitor-ecs.py" "$@"
}

start "$tmp/ecs.json" --format=ecs --latency 0

# A child with arguments that need quoting, one of them empty; its shell
# forks once more (sleep is not its last command).
sh -c 'sleep 0.2; exit 3' garlic-ecs-marker 'two words' '' &
child=$!
wait $child
ecs wait-exit "$tmp/ecs.json" $child || diag "no exit of $child"


# Two processes on one pid (root: ns_last_pid picks the next pid).
reuse=
if [ "$(id -u)" = 0 ] && [ -w /proc/sys/kernel/ns_last_pid ]; then
	reuse=$("$PYTHON" - "$tmp/ecs.json" <<'PY'
import json, os, sys, time

# Each process waits on a pipe until the monitor has written its exec
# (so that its argv was read), then exits.
def run(mark):
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(w)
        os.dup2(r, 0)
        if mark:
            os.execv("/bin/sh", ["sh", "-c", "read x", mark])
        os._exit(0)
    os.close(r)
    return pid, w

def seen(pid, mark):
    for _ in range(600):
        with open(sys.argv[1]) as f:
            for line in f:
                if line.endswith("\n"):
                    d = json.loads(line)
                    if d["event"]["action"] == "exec" and d["process"]["pid"] == pid and \
                       mark in d["process"].get("args", []):
                        return True
        time.sleep(0.05)
    return False

def finish(pid, w, mark):
    ok = not mark or seen(pid, mark)
    os.close(w)
    os.waitpid(pid, 0)
    return ok

first, w = run("garlic-ecs-reuse-1")
if not finish(first, w, "garlic-ecs-reuse-1"):
    sys.exit(1)
# Past a clock tick (10 ms), so that the start times differ too.
time.sleep(0.05)
for _ in range(100):
    with open("/proc/sys/kernel/ns_last_pid", "w") as f:
        f.write(str(first - 1))
    # Only a child on the wanted pid execs; the others exit at once.
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(w)
        os.dup2(r, 0)
        if os.getpid() == first:
            os.execv("/bin/sh", ["sh", "-c", "read x", "garlic-ecs-reuse-2"])
        os._exit(0)
    os.close(r)
    if pid == first:
        if not finish(pid, w, "garlic-ecs-reuse-2"):
            sys.exit(1)
        print(first)
        sys.exit(0)
    finish(pid, w, None)
sys.exit(1)
PY
)
	[ -n "$reuse" ] && ecs wait-exit "$tmp/ecs.json" "$reuse"
fi

# The parent of the child is this shell: its id by the documented formula.
shell_id=$(ecs entity-of $$)
ok "the monitor stops on SIGINT with status 0" stop
ok "nothing on stderr" test ! -s "$tmp/ecs.json.err"
ok "every line is an ECS document of the documented shape" ecs schema "$tmp/ecs.json"
ok "process.args is the argv the child was started with" ecs args "$tmp/ecs.json" $child \
	sh -c 'sleep 0.2; exit 3' garlic-ecs-marker 'two words' ''
ok "process.exit_code 3 on its exit" ecs exit-code "$tmp/ecs.json" $child 3
ok "its fork, exec and exit share one process.entity_id" ecs one-entity "$tmp/ecs.json" $child
ok "process.parent.entity_id of the child is this shell's, by the formula" \
	ecs parent-id "$tmp/ecs.json" $child "$shell_id"
ok "this shell's process.entity_id by the formula, on the fork" "$PYTHON" -c "
import json, sys
ok = [d for d in map(json.loads, open(sys.argv[1])) if d['event']['action'] == 'fork' and
      d['process']['pid'] == $child and d['process']['parent'].get('entity_id') == '$shell_id']
sys.exit(0 if ok else 1)" "$tmp/ecs.json"
sleep_pid=$("$PYTHON" -c "
import json, sys
for d in map(json.loads, open(sys.argv[1])):
    if d['event']['action'] == 'exec' and d['process'].get('args') == ['sleep', '0.2'] and \
       d['process'].get('parent', {}).get('pid') == $child:
        print(d['process']['pid'])
        break" "$tmp/ecs.json")
if [ -n "$sleep_pid" ]; then
	ok "the grandchild's process.parent.entity_id is the child's process.entity_id" \
		ecs parent "$tmp/ecs.json" "$sleep_pid" $child
	ok "the grandchild's own events share one process.entity_id" \
		ecs one-entity "$tmp/ecs.json" "$sleep_pid"
else
	ok "the child's shell forked sleep 0.2 (an exec naming the child as parent)" false
fi
if [ -n "$reuse" ]; then
	ok "two processes on pid $reuse: different process.entity_id, each kept to its exit" \
		ecs reuse "$tmp/ecs.json" "$reuse" garlic-ecs-reuse-1 garlic-ecs-reuse-2
elif [ "$(id -u)" = 0 ]; then
	ok "a pid was reused (ns_last_pid)" false
else
	diag "not root: no pid reuse check (ns_last_pid is root's)"
fi

# A loss is a document too (and counted in the metrics file): a monitor
# with a tiny receive buffer is stopped while a burst of processes runs.
start "$tmp/loss.json" --format=ecs --latency 0 --rcvbuf 4096 \
	--metrics-file "$tmp/loss.prom" --metrics-interval 3600
kill -STOP "$mon"
for _ in $(seq 200); do /bin/true; done
kill -CONT "$mon"
lost_doc() {
	"$PYTHON" -c "
import json, sys
for d in map(json.loads, open(sys.argv[1])):
    if d['event']['kind'] == 'pipeline_error':
        sys.exit(0)
sys.exit(1)" "$tmp/loss.json"
}
i=0
while [ $i -lt 600 ] && ! lost_doc; do
	sleep 0.05
	i=$((i + 1))
done
ok "the monitor stops with status 0" stop
ok "a loss: a pipeline_error document, and every line as documented" \
	sh -c "'$PYTHON' '$top_srcdir/tests/monitor-ecs.py' schema '$tmp/loss.json' &&
		grep -q '\"kind\":\"pipeline_error\",\"action\":\"lost\"' '$tmp/loss.json'"
ok "the loss documents' counts are the metrics file's" "$PYTHON" -c "
import json, sys
lost = [d['garlic']['loss'] for d in map(json.loads, open(sys.argv[1]))
        if d['event']['kind'] == 'pipeline_error']
overrun = sum(l['lost'] for l in lost if l['cause'] == 'overrun')
sequence = sum(l['lost'] for l in lost if l['cause'] == 'sequence')
prom = dict(l.rsplit(' ', 1) for l in open(sys.argv[2]) if not l.startswith('#'))
ok = (lost and lost[-1]['total'] == overrun + sequence and overrun > 0 and
      int(prom['garlic_lost_events_total{cause=\"overrun\"}']) == overrun and
      int(prom['garlic_lost_events_total{cause=\"sequence\"}']) == sequence)
print('#', lost, overrun, sequence)
sys.exit(0 if ok else 1)" "$tmp/loss.json" "$tmp/loss.prom"

done_testing
