#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# bench/wrapper.sh: how often garlic-monitor shows a wrapper's exec with
# the program the wrapper exec'd next.
#
#   bench/wrapper.sh [--quick] [--check] [-n N]   (from the build directory, as root)
#
# A wrapper (setpriv, env) execs the next program at once. Its own exec's
# snapshot, read while the kernel loads that next program, shows the next
# program's name with an empty command line; read a moment later, the
# next program's argv. Either shown against the wrapper's exec is wrong:
# that exec must show the wrapper, or say it was replaced. N times, beside
# a loop of /bin/true (the load under which it was seen):
#   setpriv --reuid=65533 ... PROG -c true     (PROG: a link to sh)
# under garlic-monitor --json --comm PROG, with its defaults and with
# --latency 0. --comm PROG keeps exactly the exec lines that name PROG:
# one per process is right, a second is the wrapper's exec showing PROG.
# Prints, per listener: runs, processes seen, and those with a second
# exec line. --check: exit 1 when any had one.
set -u
n=400
check=false
while [ $# -gt 0 ]; do
	case $1 in
	--quick) n=150 ;;
	--check) check=true ;;
	-n) n=$2; shift ;;
	*) echo "usage: bench/wrapper.sh [--quick] [--check] [-n N]" >&2; exit 2 ;;
	esac
	shift
done
M=tools/garlic-monitor/garlic-monitor
PYTHON=$(command -v /usr/bin/python3 || command -v python3)
if [ "$(id -u)" != 0 ] || ! command -v setpriv >/dev/null || [ -z "$PYTHON" ]; then
	echo "bench/wrapper.sh: needs root, setpriv and python3" >&2
	exit 2
fi
d=$(mktemp -d)
load=
trap 'rm -rf "$d"; [ -n "$load" ] && kill "$load" 2>/dev/null' EXIT
chmod 755 "$d"
prog=garlic-wrapped
ln -s /bin/sh "$d/$prog"

( while [ ! -e "$d/stop" ]; do /bin/true; done ) &
load=$!

status=0
echo "# $n x 'setpriv --reuid=65533 $prog -c true' beside a /bin/true loop; $(uname -r), $(nproc) CPUs"
printf '%-22s %6s %10s %22s\n' listener runs processes "with two exec lines"
for mode in defaults latency0; do
	opts=
	[ $mode = latency0 ] && opts="--latency 0"
	rm -f "$d/ready"
	# shellcheck disable=SC2086
	"$M" --json $opts --comm $prog --ready-file "$d/ready" >"$d/$mode.json" 2>"$d/$mode.err" &
	mon=$!
	i=0
	while [ ! -s "$d/ready" ] && [ $i -lt 200 ]; do sleep 0.05; i=$((i + 1)); done
	if [ ! -s "$d/ready" ]; then
		echo "bench/wrapper.sh: garlic-monitor did not start: $(cat "$d/$mode.err")" >&2
		exit 1
	fi
	i=0
	while [ $i -lt "$n" ]; do
		setpriv --reuid=65533 --regid=65534 --clear-groups "$d/$prog" -c true
		i=$((i + 1))
	done
	sleep 0.5
	kill -INT $mon
	wait $mon
	twice=$("$PYTHON" - "$d/$mode.json" <<'EOF'
import collections, json, sys
execs = collections.Counter()
for line in open(sys.argv[1]):
    e = json.loads(line)
    if e.get("event_string") == "exec":
        execs[e["event_data"]["process_pid"]] += 1
print(len(execs), sum(1 for c in execs.values() if c > 1))
EOF
)
	set -- $twice
	printf '%-22s %6s %10s %22s\n' "monitor --json $mode" "$n" "$1" "$2"
	[ "$2" != 0 ] && $check && status=1
done
touch "$d/stop"
wait $load
load=
exit $status
