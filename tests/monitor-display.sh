#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# garlic-monitor's human lines: --time in each form (by its shape and by
# its value, which must fall in the window the test made the process
# in), the column header, --tree indenting every line of a process, and
# --stats' top commands and failed ones.
. "$top_srcdir/tests/monitor-common.sh"
need_python
need_listen

# A zone with a half-hour offset, so local, UTC and the offset differ.
if [ -e /usr/share/zoneinfo/Asia/Kolkata ]; then
	TZ=Asia/Kolkata
	export TZ
fi

now() {
	date +%s.%N
}

# timed FILE ARGS...: a monitor with ARGS writing to FILE (or to its
# --output), one child made between $t0 and $t1, and its exit line in.
# The monitor was started after $t_start and was ready at $t_ready.
timed() {
	timed_file=$1
	shift
	t_start=$(now)
	start "$timed_file.stdout" --latency 0 --events exit --color=never "$@"
	t_ready=$(now)
	t0=$(now)
	/bin/true &
	child=$!
	wait $child
	t1=$(now)
	timed_lines=$timed_file.stdout
	case "$*" in *--output*) timed_lines=$timed_file ;; esac
	wait_grep "$timed_lines" "exit +$child " || diag "the exit of $child did not come"
	stop
}

# time_ok FILE FORMAT REGEX: the child's exit line starts with a time of
# that shape, and its value is in [t0, t1] (the printed time is cut to the
# millisecond; 2 ms of slack for the clocks' conversion).
time_ok() {
	"$PYTHON" - "$@" "$child" "$t0" "$t1" "$t_start" "$t_ready" <<'EOF'
import datetime, re, sys, time
path, fmt, shape, child, t0, t1, t_start, t_ready = sys.argv[1:]
t0, t1, t_start, t_ready = map(float, (t0, t1, t_start, t_ready))
line = next((l for l in open(path) if re.search(r" exit +%s " % child, l)), None)
m = line and re.match(shape, line)
if not m:
    print("# no line of that shape:", repr(line))
    sys.exit(1)
stamp = m.group(1)
def local(text, pattern):
    return time.mktime(time.strptime(text[:19], pattern)) + int(text[20:23]) / 1000
if fmt == "relative":
    value = float(stamp)
    # Counted from the monitor's start: after t_start, before t_ready.
    good = t0 - t_ready - 0.002 <= value <= t1 - t_start + 0.002
    print("# %s: %.6f in [%.6f, %.6f]?" % (fmt, value, t0 - t_ready, t1 - t_start))
    sys.exit(0 if good else 1)
if fmt == "local":
    day = time.strftime("%Y-%m-%d ", time.localtime(t0))
    value = local(day + stamp, "%Y-%m-%d %H:%M:%S")
elif fmt == "local-date":
    value = local(stamp, "%Y-%m-%d %H:%M:%S")
elif fmt == "utc":
    day = time.strftime("%Y-%m-%d ", time.gmtime(t0))
    dt = datetime.datetime.strptime(day + stamp, "%Y-%m-%d %H:%M:%S.%fZ")
    value = dt.replace(tzinfo=datetime.timezone.utc).timestamp()
elif fmt == "utc-date":
    dt = datetime.datetime.strptime(stamp, "%Y-%m-%d %H:%M:%S.%fZ")
    value = dt.replace(tzinfo=datetime.timezone.utc).timestamp()
elif fmt == "iso":
    dt = datetime.datetime.fromisoformat(stamp)
    offset = time.strftime("%z", time.localtime(t0))
    if stamp[-6:] != offset[:3] + ":" + offset[3:]:
        print("# the offset is not the local one:", stamp, offset)
        sys.exit(1)
    value = dt.timestamp()
# Midnight between t0 and the event: the day is t1's.
if fmt in ("local", "utc") and value < t0 - 43200:
    value += 86400
print("# %s: %s = %.3f in [%.3f, %.3f]?" % (fmt, stamp, value, t0, t1))
sys.exit(0 if t0 - 0.002 <= value <= t1 + 0.002 else 1)
EOF
}

timed "$tmp/local"
ok "--time local (the default): HH:MM:SS.mmm, in the window" time_ok "$tmp/local.stdout" local \
	'^([0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{3}) exit  '
timed "$tmp/local.log" --output "$tmp/local.log"
ok "--time local, --output: with the date, in the window" time_ok "$tmp/local.log" local-date \
	'^([0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{3}) exit  '
timed "$tmp/utc" --time utc
ok "--time utc: HH:MM:SS.mmmZ, in the window" time_ok "$tmp/utc.stdout" utc \
	'^([0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{3}Z) exit  '
timed "$tmp/utc.log" --time utc --output "$tmp/utc.log"
ok "--time utc, --output: with the date, in the window" time_ok "$tmp/utc.log" utc-date \
	'^([0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{3}Z) exit  '
timed "$tmp/iso" --time=iso
ok "--time iso: RFC 3339 with the local offset, in the window" time_ok "$tmp/iso.stdout" iso \
	'^([0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{3}[+-][0-9]{2}:[0-9]{2}) exit  '
timed "$tmp/rel" --time relative
ok "--time relative: seconds since the start, in the window" time_ok "$tmp/rel.stdout" relative \
	'^ *([0-9]+\.[0-9]{6}) exit  '
timed "$tmp/none" --time none
ok "--time none: the line starts with the kind" grep -Eq "^exit +$child +[0-9]+  [^ ]+: exit 0, after" "$tmp/none.stdout"
ok "--time: a bad format is refused (status 2)" sh -c "
	'$M' --time yesterday >/dev/null 2>'$tmp/bad.err'; [ \$? -eq 2 ] && grep -q 'invalid value' '$tmp/bad.err'"

# The header: forced into a file, its columns over the lines' columns.
# header_ok FILE: the first line is the header and the exit line's kind,
# pid and detail start where its EVENT, PID and WHAT are.
header_ok() {
	"$PYTHON" - "$1" "$child" <<'EOF'
import re, sys
lines = open(sys.argv[1]).read().splitlines()
head = lines[0]
line = next(l for l in lines if re.search(r"exit +%s " % sys.argv[2], l))
if not re.fullmatch(r"(TIME +)?EVENT +PID +PPID  WHAT", head):
    print("# not a header:", repr(head))
    sys.exit(1)
m = re.search(r"(exit) +(%s) +[0-9]+  (.)" % sys.argv[2], line)
ok = (head.index("EVENT") == m.start(1) and head.index("PID") + 3 == m.end(2)
      and head.index("WHAT") == m.start(3))
if not ok:
    print("# misaligned:\n# " + head + "\n# " + line)
sys.exit(0 if ok else 1)
EOF
}
timed "$tmp/header" --header
ok "--header: the header first, aligned (local time)" header_ok "$tmp/header.stdout"
timed "$tmp/header-iso" --header --time iso
ok "--header --time iso: aligned" header_ok "$tmp/header-iso.stdout"
timed "$tmp/header-none" --header --time none
ok "--header --time none: no TIME column, aligned" header_ok "$tmp/header-none.stdout"
timed "$tmp/header.log" --header --output "$tmp/header.log"
ok "--header --output: aligned with the dated time" header_ok "$tmp/header.log"
ok "no header into a file by default" sh -c "! grep -q 'EVENT' '$tmp/local.stdout'"
if command -v script >/dev/null; then
	# script(1) gives it a terminal; one exec once the monitor is subscribed.
	on_tty() {
		cat >"$tmp/tty.sh" <<EOF
"$M" --events exec --count 1 --duration 10 --latency 0 --ready-file "$tmp/tty.ready" $* &
i=0
while [ ! -s "$tmp/tty.ready" ] && [ \$i -lt 600 ]; do sleep 0.05; i=\$((i + 1)); done
/bin/true
wait
EOF
		rm -f "$tmp/tty.ready"
		script -qec "sh '$tmp/tty.sh'" /dev/null >"$tmp/tty" 2>&1
	}
	on_tty --color=never
	ok "a terminal: the header first" sh -c "head -n 1 '$tmp/tty' | grep -Eq '^TIME +EVENT +PID +PPID  WHAT'"
	on_tty --color=never --no-header
	ok "a terminal, --no-header: none" sh -c "grep -q ' exec ' '$tmp/tty' && ! grep -q 'EVENT' '$tmp/tty'"
else
	skip "the header on a terminal" "no script(1) to make one"
fi

# --tree: every line of a process (fork, exec, exit) indented by its
# depth below what ran at the start: 2 spaces a level.
cat >"$tmp/nest.sh" <<'EOF'
echo $$ >"$2/level$1"
[ "$1" -lt 2 ] && sh "$0" $(($1 + 1)) "$2"
exit $(($1 + 3))
EOF
start "$tmp/tree" --tree --color=never --latency 0
sh "$tmp/nest.sh" 0 "$tmp" &
nest=$!
wait $nest
wait_grep "$tmp/tree" "exit +$nest " || diag "the exit of $nest did not come"
ok "--tree: SIGINT stops it" stop
# indents PID: the indentation of each of its fork, exec and exit lines.
tree_ok() {
	"$PYTHON" - "$tmp/tree" "$(cat "$tmp/level$1")" "$1" <<'EOF'
import re, sys
path, pid, level = sys.argv[1], sys.argv[2], int(sys.argv[3])
found = {}
for line in open(path):
    m = re.match(r"^.{13}(fork|exec|exit) +%s +[0-9]+  ( *)" % pid, line)
    if m:
        found[m.group(1)] = len(m.group(2))
want = {"fork": 2 * level, "exec": 2 * level, "exit": 2 * level}
print("# level %d (%s): %s" % (level, pid, found))
sys.exit(0 if found == want else 1)
EOF
}
ok "--tree: the first process's fork, exec and exit at depth 0" tree_ok 0
ok "--tree: its child's fork, exec and exit 2 spaces in" tree_ok 1
ok "--tree: the grandchild's 4 spaces in" tree_ok 2
ok "--tree: the grandchild's exit line" grep -Eq "^.{13}exit +$(cat "$tmp/level2") +$(cat "$tmp/level1")      sh: exit 5, after" "$tmp/tree"

# --stats: the top commands by exec count (10, then how many more) and
# the failed ones by name, counted over what the filter shows.
chmod 755 "$tmp"
# This run's own prefix: other tests running meanwhile cannot match.
P=d$$
for name in $P-alpha $P-beta $P-n01 $P-n02 $P-n03 $P-n04 $P-n05 $P-n06 $P-n07 $P-n08 \
	$P-n09 $P-n10 $P-n11 $P-fail $P-shell $P-core; do
	ln -s /bin/sh "$tmp/$name"
done
# Each holds, reading its own FIFO, until the last one's exec is in:
# then each was read alive (and named from its exec) under any load.
held=
n_held=0
# run NAME SCRIPT: the shell NAME runs SCRIPT once let go.
run() {
	n_held=$((n_held + 1))
	mkfifo "$tmp/hold.$n_held"
	(cd "$tmp" && exec "$tmp/$1" -c "read x <\"\$0\"; $2" "$tmp/hold.$n_held") &
	pid=$!
	held="$held $pid:$tmp/hold.$n_held"
}
start "$tmp/stats" --stats --comm "$P-*" --color=never --latency 0
for name in $P-alpha $P-alpha $P-alpha $P-beta $P-n01 $P-n02 $P-n03 $P-n04 $P-n05 $P-n06 \
	$P-n07 $P-n08 $P-n09 $P-n10 $P-n11; do
	run $name 'exit 0'
done
run $P-fail 'exit 1'
run $P-fail 'exit 1'
run $P-shell 'kill -KILL $$'
run $P-core 'ulimit -c unlimited; kill -SEGV $$'
run $P-alpha 'exit 0'
last=$pid
wait_grep "$tmp/stats" "exec +$last " || diag "the last exec did not come"
# (The braces keep the shell's "Killed" and "Segmentation fault" out of the log.)
{
	for h in $held; do
		echo >"${h#*:}"
		wait "${h%%:*}"
	done
} 2>/dev/null
wait_grep "$tmp/stats" "exit +$last " || diag "the last exit did not come"
ok "--stats: SIGINT stops it" stop
# A core is dumped where core_pattern says: a plain name, into the cwd.
if ls "$tmp"/core* >/dev/null 2>&1; then
	core="core 1"
else
	core="signal 1"
fi
stats_line() {
	grep -Fxq -- "$1" "$tmp/stats.err" && return 0
	diag "not in the stats: $1"
	sed 's/^/# /' "$tmp/stats.err"
	return 1
}
ok "--stats: the events shown" grep -Eq "^garlic-monitor: 41 events in [0-9.]+ s \([0-9.]+/s\), 0 lost\$" "$tmp/stats.err"
ok "--stats: per kind" stats_line "  exec 20, coredump 1, exit 20"
ok "--stats: the top 10 commands, by count then name, and how many more" stats_line \
	"  top commands: $P-alpha 4, $P-fail 2, $P-beta 1, $P-core 1, $P-n01 1, $P-n02 1, $P-n03 1, $P-n04 1, $P-n05 1, $P-n06 1, 6 more"
ok "--stats: the failed ones by name: exits, signals, core dumps" stats_line \
	"  failed: $P-fail 2 (exit 2), $P-core 1 ($core), $P-shell 1 (signal 1)"
done_testing
