#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# garlic-monitor --metrics-file, end to end: the monitor follows a
# scenario of known execs and exits; node_exporter's textfile collector
# serves the file on 127.0.0.1, and a scrape must show the counts the
# scenario made. The file must parse with prometheus_client's parser and
# agree with the monitor's own JSON lines of the same run.
. "$top_srcdir/tests/monitor-common.sh"
need_python

ne=
trap '[ -n "$ne" ] && kill "$ne" 2>/dev/null; cleanup' EXIT

# Before listening: a metrics file that cannot be written is exit 1.
"$M" --metrics-file "$tmp/no/such/dir/garlic.prom" --duration 0.01 >/dev/null 2>"$tmp/err"
rc=$?
ok "a metrics file in a missing directory: exit 1, said on stderr" \
	sh -c "[ $rc = 1 ] && grep -q 'no/such/dir/garlic.prom' '$tmp/err'"

need_listen
NE=$(command -v prometheus-node-exporter || command -v node_exporter) ||
	skip_all "prometheus-node-exporter is not installed (scripts/install-deps.sh)"
"$PYTHON" -c 'import prometheus_client.parser' 2>/dev/null ||
	skip_all "python3-prometheus-client is not installed (scripts/install-deps.sh)"

dir=$tmp/textfile
mkdir "$dir"
prom=$dir/garlic.prom

# scrape PORT: node_exporter's /metrics on stdout; fails if it does not answer.
scrape() {
	"$PYTHON" -c "
import sys, urllib.request
sys.stdout.write(urllib.request.urlopen('http://127.0.0.1:$1/metrics', timeout=5).read().decode())"
}

# node_exporter on a free port: the kernel picks one, and it is tried at
# once; another program may take it first, so up to 5 ports are tried.
port=
for _ in 1 2 3 4 5; do
	try=$("$PYTHON" -c '
import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])')
	"$NE" --web.listen-address="127.0.0.1:$try" --collector.disable-defaults \
		--collector.textfile --collector.textfile.directory="$dir" \
		>"$tmp/ne.log" 2>&1 &
	ne=$!
	i=0
	while [ $i -lt 600 ] && kill -0 "$ne" 2>/dev/null; do
		scrape "$try" >/dev/null 2>&1 && { port=$try; break; }
		sleep 0.05
		i=$((i + 1))
	done
	[ -n "$port" ] && break
	kill "$ne" 2>/dev/null
	wait "$ne" 2>/dev/null
	ne=
done
[ -n "$port" ] || { echo "Bail out! node_exporter did not start: $(tail -3 "$tmp/ne.log")"; exit 1; }

# The scenario: a shell that waits for a line on a FIFO, then runs
# 4 x /bin/true, 2 x /bin/false and one sh killed by SIGKILL, and exits 0.
# Each child is a fork, an exec and an exit.
mkfifo "$tmp/go"
sh -c 'read x <"$0"
/bin/true garlic-metrics; /bin/true garlic-metrics; /bin/true garlic-metrics
/bin/true garlic-metrics; /bin/false; /bin/false
sh -c "kill -KILL \$\$"
exit 0' "$tmp/go" 2>"$tmp/scenario.err" &
scenario=$!
start "$tmp/events.json" --json --latency 0 --pid $scenario --children \
	--metrics-file "$prom" --metrics-interval 0.1
echo go >"$tmp/go"
wait $scenario

# value FILE SERIES: the sample of SERIES (name and labels as written).
value() {
	awk -v s="$2" '$1 == s { print $2 }' "$1"
}
# The file is rewritten every 0.1 s: once it counts the scenario's own
# exit (the last event), it has everything.
i=0
while [ $i -lt 600 ] && [ "$(value "$prom" 'garlic_exits_total{status="ok"}')" != 5 ]; do
	sleep 0.05
	i=$((i + 1))
done
ok "the file counts the scenario's exits" test "$(value "$prom" 'garlic_exits_total{status="ok"}')" = 5

scrape "$port" >"$tmp/scrape"
expect() {
	got=$(value "$tmp/scrape" "$1")
	[ "$got" = "$2" ] && return 0
	diag "$1 is '$got', not $2"
	return 1
}
ok "scrape: garlic_events_total{kind=\"fork\"} 7" expect 'garlic_events_total{kind="fork"}' 7
ok "scrape: garlic_events_total{kind=\"exec\"} 7" expect 'garlic_events_total{kind="exec"}' 7
ok "scrape: garlic_events_total{kind=\"exit\"} 8" expect 'garlic_events_total{kind="exit"}' 8
ok "scrape: garlic_events_total{kind=\"uid\"} 0" expect 'garlic_events_total{kind="uid"}' 0
ok "scrape: garlic_exits_total{status=\"ok\"} 5" expect 'garlic_exits_total{status="ok"}' 5
ok "scrape: garlic_exits_total{status=\"error\"} 2" expect 'garlic_exits_total{status="error"}' 2
ok "scrape: garlic_exits_total{status=\"signal\"} 1" expect 'garlic_exits_total{status="signal"}' 1
ok "scrape: garlic_exits_total{status=\"core\"} 0" expect 'garlic_exits_total{status="core"}' 0
ok "scrape: no events lost (overrun)" expect 'garlic_lost_events_total{cause="overrun"}' 0
ok "scrape: no events lost (sequence)" expect 'garlic_lost_events_total{cause="sequence"}' 0
ok "scrape: garlic_malformed_messages_total 0" expect 'garlic_malformed_messages_total' 0
ok "scrape: garlic_foreign_messages_total 0" expect 'garlic_foreign_messages_total' 0
ok "scrape: the textfile collector read the file without error" \
	expect 'node_textfile_scrape_error' 0
ok "scrape: the file is garlic.prom" grep -q 'node_textfile_mtime_seconds{file="[^"]*garlic.prom"}' "$tmp/scrape"

ok "the monitor stops on SIGINT with status 0" stop
ok "nothing on stderr" test ! -s "$tmp/events.json.err"
ok "the file is world-readable (0644), no temporary file is left" sh -c "
	[ \"\$(stat -c %a '$prom')\" = 644 ] && [ \"\$(ls '$dir')\" = garlic.prom ]"

# The file as prometheus_client reads it: the families and types, labels
# only from the documented fixed sets, and counts that agree with the
# JSON lines the same monitor wrote.
ok "the file parses and agrees with the monitor's JSON lines" "$PYTHON" - "$prom" "$tmp/events.json" <<'PY'
import json, sys, time
from prometheus_client.parser import text_string_to_metric_families

fams = {f.name: f for f in text_string_to_metric_families(open(sys.argv[1]).read())}
def bad(why):
    print("#", why)
    sys.exit(1)
labels = {
    "garlic_events": ("counter", "kind", {"fork", "exec", "uid", "gid", "sid", "ptrace",
                                          "comm", "coredump", "exit", "other"}),
    "garlic_lost_events": ("counter", "cause", {"overrun", "sequence"}),
    "garlic_argv_unavailable": ("counter", "reason",
                                {"gone", "not_read", "kernel_thread", "zombie", "denied",
                                 "unsupported", "replaced", "failed"}),
    "garlic_exits": ("counter", "status", {"ok", "error", "signal", "core"}),
    "garlic_malformed_messages": ("counter", None, set()),
    "garlic_foreign_messages": ("counter", None, set()),
    "garlic_receive_buffer_overruns": ("counter", None, set()),
    "garlic_monitor_start_time_seconds": ("gauge", None, set()),
}
if set(fams) != set(labels):
    bad("families %s" % sorted(fams))
counts = {}
for name, (kind, label, values) in labels.items():
    f = fams[name]
    if f.type != kind:
        bad("%s is a %s" % (name, f.type))
    samples = [s for s in f.samples if not s.name.endswith("_created")]
    seen = {s.labels.get(label) for s in samples} if label else {None}
    if label and seen != values or any(len(s.labels) != (1 if label else 0) for s in samples):
        bad("%s has labels %s" % (name, [s.labels for s in samples]))
    for s in samples:
        counts[(name, s.labels.get(label))] = s.value
start = counts[("garlic_monitor_start_time_seconds", None)]
if not time.time() - 600 < start <= time.time():
    bad("start time %s" % start)
ev = [json.loads(l) for l in open(sys.argv[2])]
for kind in ("fork", "exec", "exit", "comm"):
    n = sum(1 for e in ev if e.get("event_string") == kind)
    if counts[("garlic_events", kind)] != n:
        bad("%s: %s in the file, %d in the JSON" % (kind, counts[("garlic_events", kind)], n))
for reason in labels["garlic_argv_unavailable"][2]:
    n = sum(1 for e in ev if e.get("event_string") == "exec" and e["argv_unavailable"] == reason)
    if counts[("garlic_argv_unavailable", reason)] != n:
        bad("argv unavailable %s: %s, %d in the JSON" %
            (reason, counts[("garlic_argv_unavailable", reason)], n))
true = sum(1 for e in ev if e.get("event_string") == "exec" and e["argv"] == ["/bin/true", "garlic-metrics"])
if true + counts[("garlic_argv_unavailable", "zombie")] + counts[("garlic_argv_unavailable", "gone")] < 4:
    bad("the four /bin/true execs are not in the JSON")
PY

done_testing
