#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# garlic-monitor's human output: aligned columns, the exec command line,
# decoded exit statuses and lifetimes, names of ids, --tree and colour.
. "$top_srcdir/tests/monitor-common.sh"
need_python
need_listen

start "$tmp/human" --color=never --latency 0 || { echo "Bail out! no monitor"; exit 1; }
sh -c 'sleep 0.3; exit 7' garlic-human-marker &
exit7=$!
wait $exit7
# Each waits on a FIFO until its exec line is in, so that it is named from
# its own exec (sh) on a busy machine too, not from the shell running this.
# (The braces keep the shell's "Killed" and "Segmentation fault" out of the log.)
mkfifo "$tmp/hold"
{
	sh -c 'read x <"$0"; kill -KILL $$' "$tmp/hold" &
	killed=$!
	wait_grep "$tmp/human" " exec +$killed " || diag "no exec line for $killed"
	echo >"$tmp/hold"
	wait $killed
	sh -c 'ulimit -c 0; read x <"$0"; kill -SEGV $$' "$tmp/hold" &
	segv=$!
	wait_grep "$tmp/human" " exec +$segv " || diag "no exec line for $segv"
	echo >"$tmp/hold"
	wait $segv
} 2>/dev/null
setsid /bin/true &
sid=$!
wait $sid
# Renamed once its exec is in: the name before is then sure to be sh.
mkfifo "$tmp/fifo"
sh -c 'read x <"$0"; printf gq-human > /proc/self/comm' "$tmp/fifo" &
comm=$!
wait_grep "$tmp/human" " exec +$comm " || diag "no exec line for $comm"
echo >"$tmp/fifo"
wait $comm
# A command line with a newline, a tab and an escape in it: it must not
# break the line or reach the terminal raw.
sh -c 'sleep 0.3' "$(printf 'gq-ctl\nsecond\tline\033[31m')" &
ctl=$!
wait $ctl
"$PYTHON" -c 'import threading; t = threading.Thread(target=lambda: None); t.start(); t.join()' &
threads=$!
wait $threads
if [ "$(id -u)" = 0 ]; then
	setpriv --reuid=65534 --regid=65534 --clear-groups /bin/true &
	uid=$!
	wait $uid
fi
# A process whose command line is gone when the monitor reads it, while
# its name is still there: it exec'd and died, and its parent (sleep,
# after the exec) does not reap it. The monitor is stopped meanwhile.
kill -STOP $mon
state $mon T || diag "the monitor did not stop"
sh -c '/bin/true & exec sleep 1' &
zombie_parent=$!
has_child $zombie_parent && state "$(pgrep -P $zombie_parent)" Z || diag "no zombie"
kill -CONT $mon
wait_grep "$tmp/human" "exec +[0-9]+ +$zombie_parent  \[exited\] true" || diag "no [exited] true line"
wait_grep "$tmp/human" "exit +$uid " || diag "the last exit did not come"
wait $zombie_parent
ok "SIGINT stops it with status 0" stop

has() {
	grep -Eq -- "$1" "$tmp/human" && return 0
	diag "no line matches: $1"
	return 1
}
# The columns: time, kind, pid, ppid (tgid for a thread), detail.
me=$(cat /proc/$$/comm)
user=$(id -un)
ok "fork: parent -> child, with their names" has "^[0-9:.]{12} fork +$exit7 +$$  $$ $me → $exit7 $me\$"
ok "exec: the command line, word by word, and the user" has "^[0-9:.]{12} exec +$exit7 +$$  sh -c 'sleep 0.3; exit 7' garlic-human-marker  user=$user\$"
ok "exit 7, its name and the lifetime" has "^[0-9:.]{12} exit +$exit7 +$$  sh: exit 7, after [0-9]+\.[0-9] ms\$"
ok "killed by SIGKILL" has "^[0-9:.]{12} exit +$killed +$$  sh: killed by SIGKILL, after [0-9.]+ ms\$"
ok "SIGSEGV" has "^[0-9:.]{12} exit +$segv +$$  sh: (killed by SIGSEGV|SIGSEGV \(core dumped\)), after"
ok "coredump" has "^[0-9:.]{12} coredump +$segv +$$  sh: dumping core\$"
# setsid execs true at once: on a busy machine its own exec may not be read
# in time, and the line keeps the name it had. What is checked is the sid.
ok "sid: new session" has "^[0-9:.]{12} sid +$sid +$$  [^ :]+: new session\$"
ok "exec: control characters escaped in \$'...' as \\n \\t \\x1b" has \
	"^[0-9:.]{12} exec +$ctl +$$  sh -c 'sleep 0.3' \\\$'gq-ctl\\\\nsecond\\\\tline\\\\x1b\\[31m'  user=$user\$"
ok "comm: the old name and the new" has "^[0-9:.]{12} comm +$comm +$$  sh → gq-human\$"
ok "fork of a thread: tgid -> tid thread" has "^[0-9:.]{12} fork +[0-9]+ +$threads  $threads python3 → [0-9]+ thread\$"
# A thread's exit can come after its process's (another CPU): the process
# has left the table by then, and the thread is unnamed ("?").
ok "exit of a thread" has "^[0-9:.]{12} exit +[0-9]+ +$threads  (python3|\\?): exit 0 \(thread\)\$"
ok "exec of a process already dead: [exited] its name" has "exec +[0-9]+ +$zombie_parent  \[exited\] true( |\$)"
if [ -n "${uid:-}" ]; then
	# The name is setpriv's or true's, or, under load, its parent shell's
	# (whichever shell runs this script): what is checked here is the ids.
	user=$(getent passwd 65534 | cut -d: -f1)
	group=$(getent group 65534 | cut -d: -f1)
	ok "uid: real and effective with names" has "^[0-9:.]{12} uid +$uid +$$  [^ :]+: ruid 65534 \($user\) euid 65534 \($user\)\$"
	ok "gid: real and effective with names" has "^[0-9:.]{12} gid +$uid +$$  [^ :]+: rgid 65534 \($group\) egid 65534 \($group\)\$"
fi
ok "every line is in the columns" "$PYTHON" -c '
import re, sys
kinds = {"fork", "exec", "uid", "gid", "sid", "ptrace", "comm", "coredump", "exit"}
for line in open(sys.argv[1], encoding="utf-8", errors="replace"):
    if not (re.fullmatch(r"\d\d:\d\d:\d\d\.\d{3}", line[:12]) and line[12] == " "
            and line[13:21].rstrip() in kinds and line[21:28].strip().isdigit()
            and line[28] == " " and re.fullmatch(r" *(\d+|-)", line[29:36])
            and line[36:38] == "  " and line[38] != " "):
        print("# not in the columns:", line.rstrip())
        sys.exit(1)
' "$tmp/human"
ok "no colour with --color=never" sh -c "! grep -q \"\$(printf '\\033')\" '$tmp/human'"

# --tree: exec lines indented by depth below what was running at start.
cat >"$tmp/nest.sh" <<'EOF'
[ "$1" -gt 0 ] && sh "$0" $(($1 - 1))
sleep 0.2
EOF
start "$tmp/tree" --tree --events exec --color=never --latency 0
sh "$tmp/nest.sh" 2
ok "--tree: SIGINT stops it" stop
indent() {
	grep -E -- " exec .*nest\.sh $1  user=" "$tmp/tree" | sed -E 's/^.{38}( *).*/\1/' | awk '{ print length($0) }'
}
tree() {
	[ "$(indent 2)" = 0 ] && [ "$(indent 1)" = 2 ] && [ "$(indent 0)" = 4 ] && return 0
	diag "indents: $(indent 2) $(indent 1) $(indent 0)"
	sed 's/^/# /' "$tmp/tree"
	return 1
}
ok "--tree: each level 2 spaces further in" tree
ok "--tree --events exec: only exec lines" sh -c "! grep -Ev '^.{13}exec ' '$tmp/tree'"

# Colour: always, never, auto (a terminal only), NO_COLOR.
esc=$(printf '\033')
# exit_line FILE: makes an exit and waits until FILE shows it.
exit_line() {
	/bin/true &
	exit_pid=$!
	wait $exit_pid
	wait_grep "$1" " exit +$exit_pid " || diag "the exit of $exit_pid did not come"
}
start "$tmp/color" --color=always --events exit --latency 0
exit_line "$tmp/color"
ok "--color=always: SIGINT stops it" stop
ok "--color=always colours each line and resets it" sh -c "
	grep -q '^$esc\\[[0-9;]*m[0-9:.]\\{12\\} exit .*$esc\\[0m\$' '$tmp/color'"
start "$tmp/auto" --events exit --latency 0
exit_line "$tmp/auto"
ok "auto: SIGINT stops it" stop
ok "auto: no colour into a file" sh -c "! grep -q '$esc' '$tmp/auto'"
if command -v script >/dev/null; then
	# script(1) gives it a terminal; an exec once the monitor is subscribed.
	cat >"$tmp/tty.sh" <<EOF
"$M" --events exec --count 1 --duration 10 --latency 0 --ready-file "$tmp/tty.ready" &
i=0
while [ ! -s "$tmp/tty.ready" ] && [ \$i -lt 600 ]; do sleep 0.05; i=\$((i + 1)); done
/bin/true
wait
EOF
	on_tty() {
		rm -f "$tmp/tty.ready"
		script -qec "sh '$tmp/tty.sh'" /dev/null >"$tmp/tty" 2>&1
	}
	on_tty
	ok "auto: colour on a terminal" grep -q "$esc\[" "$tmp/tty"
	NO_COLOR=1 on_tty
	ok "auto: NO_COLOR turns it off" sh -c "grep -q ' exec ' '$tmp/tty' && ! grep -q '$esc\[' '$tmp/tty'"
else
	diag "no script(1): colour on a terminal not checked"
fi

done_testing
