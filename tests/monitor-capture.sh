#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# What garlic-monitor says about each process: exec lines with argv kept
# word by word (quoted as a shell would, an argv array in JSON), a cut
# argv, the user, --context, --numeric; and the name on every other line.
# Each exec'd child blocks on a FIFO until its line is in: it is alive
# when it is read, however late.
. "$top_srcdir/tests/monitor-common.sh"
need_python
need_listen

fifo=$tmp/fifo
mkfifo "$fifo"
me=$(cat /proc/$$/comm)
user=$(id -un)
# blocked PATTERN FILE ARGS...: sh -c 'read x <"$0"' FIFO ARGS..., held
# until FILE matches PATTERN (an extended regex with @PID@ for its pid).
blocked() {
	blocked_pat=$1
	blocked_file=$2
	shift 2
	sh -c 'read x <"$0"' "$fifo" "$@" &
	blocked=$!
	wait_grep "$blocked_file" "$(printf '%s' "$blocked_pat" | sed "s/@PID@/$blocked/g")" ||
		diag "no line for $blocked"
	echo >"$fifo"
	wait $blocked
}

nl='
'
ff=$(printf '\377')
start "$tmp/h" --color=never --latency 0
blocked " exec +@PID@ " "$tmp/h" 'a b' '' "it's" "x${nl}y$ff"
quoted=$blocked
blocked " exec +@PID@ " "$tmp/h" "--gq-\$HOME" '*'
# Alive when its exec is read, so the exec names it, and the exit too.
sh -c 'read x <"$0"; exit 3' "$fifo" &
exit3=$!
wait_grep "$tmp/h" " exec +$exit3 " || diag "no exec line for $exit3"
echo >"$fifo"
wait $exit3
# Renamed once its exec is in: the name before is then sure to be sh.
sh -c 'read x <"$0"; printf gq-renamed > /proc/self/comm' "$fifo" &
renamed=$!
wait_grep "$tmp/h" " exec +$renamed " || diag "no exec line for $renamed"
echo >"$fifo"
wait $renamed
wait_grep "$tmp/h" "exit +$renamed " || diag "the last exit did not come"
ok "human: SIGINT stops it" stop
has() {
	grep -Fqx -- "$1" "$2" && return 0
	diag "no line is: $1"
	sed 's/^/# /' "$2"
	return 1
}
line() { # line PID PPID KIND: the columns of an event line, after the time
	printf '%-8s%7s %7s  ' "$3" "$1" "$2"
}
lines() { cut -c14- "$tmp/h"; }
lines >"$tmp/h.cut"
ok "exec: each argument quoted as a shell would, \$'...' for a newline and a byte that is not UTF-8" \
	has "$(line $quoted $$ exec)sh -c 'read x <\"\$0\"' $fifo 'a b' '' 'it'\\''s' \$'x\\ny\\xff'  user=$user" "$tmp/h.cut"
ok "exec: a dollar and a star are quoted" \
	has "$(line $blocked $$ exec)sh -c 'read x <\"\$0\"' $fifo '--gq-\$HOME' '*'  user=$user" "$tmp/h.cut"
ok "fork: the parent's and the child's names" \
	has "$(line $exit3 $$ fork)$$ $me → $exit3 $me" "$tmp/h.cut"
ok "exit: names the process (sh)" grep -Fq -- "$(line $exit3 $$ exit)sh: exit 3, after " "$tmp/h.cut"
ok "comm: old name → new name" has "$(line $renamed $$ comm)sh → gq-renamed" "$tmp/h.cut"
ok "exit after a rename: the new name" \
	grep -Fq -- "$(line $renamed $$ exit)gq-renamed: exit 0, after " "$tmp/h.cut"

# The same in JSON: argv as an array, the names as members.
start "$tmp/j" --json --latency 0
blocked '"exec".*"process_pid":@PID@,' "$tmp/j" 'a b' '' "it's" "x${nl}y$ff"
quoted=$blocked
# Alive when its exec is read, so the exec names it, and the exit too.
sh -c 'read x <"$0"; exit 3' "$fifo" &
exit3=$!
check wait "$tmp/j" "e['event_string'] == 'exec' and d['process_pid'] == $exit3" ||
	diag "no exec line for $exit3"
echo >"$fifo"
wait $exit3
check wait "$tmp/j" "e['event_string'] == 'exit' and d['process_pid'] == $exit3" ||
	diag "the exit did not come"
ok "JSON: SIGINT stops it" stop
ok "JSON: the documented members" check schema "$tmp/j"
ok "JSON: argv element by element, the joined cmdline kept" check has "$tmp/j" "
e['event_string'] == 'exec' and d['process_pid'] == $quoted and
e['argv'] == ['sh', '-c', 'read x <\"\$0\"', '$fifo', 'a b', '', \"it's\", 'x\\ny\\xff'] and
e['cmdline'] == 'sh -c read x <\"\$0\" $fifo a b  it\\'s x\\ny\\xff' and
e['argv_truncated'] is False and e['argv_unavailable'] is None and e['comm'] == 'sh' and
e['previous_comm'] == '$me' and e['euid'] == $(id -u) and e['user'] == '$user'"
ok "JSON: the exit names its process" check has "$tmp/j" \
	"e['event_string'] == 'exit' and d['process_pid'] == $exit3 and e['comm'] == 'sh'"
ok "JSON: the fork names parent and child" check has "$tmp/j" \
	"e['event_string'] == 'fork' and d['child_pid'] == $exit3 and e['comm'] == '$me' and e['parent_comm'] == '$me'"
ok "JSON: every event has a comm" check all "$tmp/j" "'comm' in e"

# A cut command line: --argv-max 64.
long=$(printf '%0100d' 0)
start "$tmp/t" --color=never --latency 0 --argv-max 64 --events exec
blocked " exec +@PID@ " "$tmp/t" "$long"
cut=$("$PYTHON" -c 'import sys; print(("sh\0-c\0read x <\"$0\"\0" + sys.argv[1] + "\0" + sys.argv[2])[:64].split("\0")[-1])' "$fifo" "$long")
ok "--argv-max: SIGINT stops it" stop
ok "--argv-max 64: the cut argument ends in …" \
	grep -Fq -- " exec    $(printf '%7s %7s' $blocked $$)  sh -c 'read x <\"\$0\"' $fifo $cut…  user=$user" "$tmp/t"
start "$tmp/tj" --json --latency 0 --argv-max 64 --events exec
blocked '"exec".*"process_pid":@PID@,' "$tmp/tj" "$long"
ok "--argv-max: SIGINT stops it (JSON)" stop
ok "--argv-max 64 (JSON): argv_truncated, 64 bytes kept" check has "$tmp/tj" "
d['process_pid'] == $blocked and e['argv_truncated'] is True and
e['argv'] == ['sh', '-c', 'read x <\"\$0\"', '$fifo', '$cut']"

# --context: the real program, the directory it runs in, its cgroup.
mkdir "$tmp/ctx dir"
cgroup=$(sed -n 's/^0:://p' /proc/$$/cgroup)
start "$tmp/c" --color=never --latency 0 --context --events exec
(cd "$tmp/ctx dir" && exec sh -c 'read x <"$0"' "$fifo") &
ctx=$!
wait_grep "$tmp/c" " exec +$ctx " || diag "no exec line"
echo >"$fifo"
wait $ctx
ok "--context: SIGINT stops it" stop
sh_exe=$(readlink -f "$(command -v sh)")
ctx_dir=$(readlink -f "$tmp/ctx dir")
expect_ctx=$("$PYTHON" -c '
import re, sys
exe, cwd, cgroup = sys.argv[1:4]
def word(s):
    return s if re.fullmatch(r"[A-Za-z0-9_@%+=:,./-]+", s) else "'"'"'" + s.replace("'"'"'", "'"'"'\\'"'"''"'"'") + "'"'"'"
out = "exe=%s cwd=%s cgroup=%s" % (word(exe), word(cwd), word(cgroup))
units = [p for p in cgroup.split("/") if re.search(r"\.(service|scope|socket|mount|swap|timer|path)$", p)]
if units:
    out += " unit=" + word(units[-1])
ids = re.findall(r"(?<![0-9a-f])[0-9a-f]{64}(?![0-9a-f])", cgroup)
if ids:
    out += " container=" + ids[-1]
print(out)
' "$sh_exe" "$ctx_dir" "$cgroup")
ok "--context: exe, cwd, cgroup (and unit) of the exec" \
	grep -Fq -- " exec    $(printf '%7s %7s' $ctx $$)  sh -c 'read x <\"\$0\"' $fifo  user=$user $expect_ctx" "$tmp/c"

# --numeric: ids without names.
if [ "$(id -u)" = 0 ]; then
	start "$tmp/n" --color=never --latency 0 --numeric --events exec,uid
	setpriv --reuid=65534 --regid=65534 --clear-groups sleep 1000 &
	num=$!
	wait_grep "$tmp/n" " exec +$num +$$  sleep 1000 " || diag "no exec line"
	kill $num
	wait $num
	ok "--numeric: SIGINT stops it" stop
	# setpriv's exec may be read once it is sleep already: either name.
	ok "--numeric: the uid line has numbers only" grep -Eq -- "^.{13}uid +$num +$$  [^ :]+: ruid 65534 euid 65534\$" "$tmp/n"
	ok "--numeric: the exec line's user is a number" \
		grep -Fq -- " exec    $(printf '%7s %7s' $num $$)  sleep 1000  user=65534" "$tmp/n"
fi

# A process born before the monitor, named from /proc at its exit: it
# is killed and stays a zombie (its parent, sleep, never reaps it)
# until the monitor has printed its exit.
ln -s "$(command -v sleep)" "$tmp/gq-early"
sh -c '"$0" 1000 & echo $! >"$1"; exec sleep 1000' "$tmp/gq-early" "$tmp/early.pid" &
holder=$!
while [ ! -s "$tmp/early.pid" ]; do sleep 0.05; done
early=$(cat "$tmp/early.pid")
state "$early" S || diag "gq-early does not sleep"
start "$tmp/e" --color=never --latency 0 --events exit
kill "$early"
wait_grep "$tmp/e" " exit +$early " || diag "no exit line"
kill "$holder"
wait "$holder" 2>/dev/null
ok "early: SIGINT stops it" stop
ok "a process born before the monitor: named at its exit" \
	grep -Eq -- "^.{13}exit +$early +$holder  gq-early: killed by SIGTERM\$" "$tmp/e"

done_testing
