#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# Every example in garlic-monitor(1)'s EXAMPLES section is run and does
# what the page says. The page marks each example as .EX/.EE and says
# below it, in ".\" test:" comment lines, what it prints (see the
# comment at the top of that section): this script only follows them.
. "$top_srcdir/tests/monitor-common.sh"
need_listen

man=$top_srcdir/docs/garlic-monitor.1

# One directory per example: cmd (the command, roff escapes undone) and
# tests (its "test:" lines).
awk -v dir="$tmp" '
	/^\.SH / { in_ex = ($0 == ".SH EXAMPLES"); next }
	!in_ex { next }
	/^\.EX/ { n++; system("mkdir -p " dir "/ex" n); cmd = ""; in_cmd = 1; next }
	/^\.EE/ {
		in_cmd = 0
		gsub(/\\-/, "-", cmd); gsub(/\\\(aq/, "\047", cmd)
		gsub(/\\\(dq/, "\"", cmd); gsub(/\\e/, "\\", cmd)
		print cmd > (dir "/ex" n "/cmd")
		close(dir "/ex" n "/cmd")
		next
	}
	in_cmd { cmd = cmd (cmd == "" ? "" : " ") $0; next }
	/^\.\\" test: / && n {
		sub(/^\.\\" test: /, "")
		print >> (dir "/ex" n "/tests")
		close(dir "/ex" n "/tests")
	}
' "$man"

count=$(ls -d "$tmp"/ex* 2>/dev/null | wc -l)
ok "the EXAMPLES section has examples ($count)" test "$count" -ge 3

# directive DIR WORD: the rest of each test line that starts with WORD.
directive() {
	[ -f "$1/tests" ] && sed -n "s/^$2 //p" "$1/tests"
}

# met DIR: every stdout, stderr, file and mode line holds (quiet).
met() {
	met_ok=0
	while IFS= read -r line; do
		case $line in
		"stdout "*) grep -Eaq -- "${line#stdout }" "$1/stdout" 2>/dev/null || met_ok=1 ;;
		"stderr "*) grep -Eaq -- "${line#stderr }" "$1/stderr" 2>/dev/null || met_ok=1 ;;
		"file "*)
			rest=${line#file }
			f=$(printf '%s' "${rest%% *}" | sed "s|^/var/log/garlic/|$1/log/|")
			grep -Eaq -- "${rest#* }" "$f" 2>/dev/null || met_ok=1 ;;
		"mode "*)
			rest=${line#mode }
			f=$(printf '%s' "${rest%% *}" | sed "s|^/var/log/garlic/|$1/log/|")
			[ "$(stat -c %a "$f" 2>/dev/null)" = "${rest#* }" ] || met_ok=1 ;;
		esac
	done <"$1/tests"
	return $met_ok
}

# absent DIR: no "nostdout" line matches standard output (checked once
# the example has ended: output only grows).
absent() {
	absent_ok=0
	while IFS= read -r line; do
		case $line in
		"nostdout "*)
			if grep -Eaq -- "${line#nostdout }" "$1/stdout"; then
				diag "printed what it must not: $(grep -Ea -- "${line#nostdout }" "$1/stdout" | head -2)"
				absent_ok=1
			fi ;;
		esac
	done <"$1/tests"
	return $absent_ok
}

# example DIR: runs the example in DIR as the page says and checks it.
example() {
	d=$1
	cmd=$(sed "s|/var/log/garlic/|$d/log/|g" "$d/cmd")
	if ! grep -Eq '^(stdout|stderr|file) ' "$d/tests" 2>/dev/null; then
		diag "no test line says what it prints"
		return 1
	fi
	mkdir -p "$d/bin" "$d/log"
	# Its garlic-monitor is ours, saying when it listens.
	printf '#!/bin/sh\nexec "%s" --ready-file "%s" "$@"\n' "$M" "$d/ready" >"$d/bin/garlic-monitor"
	chmod +x "$d/bin/garlic-monitor"
	(cd "$d" && PATH="$d/bin:$PATH" sh -c "$cmd" >"$d/stdout" 2>"$d/stderr"
		echo $? >"$d/rc") &
	runner=$!
	i=0
	while [ $i -lt 600 ] && [ ! -s "$d/ready" ] && [ ! -e "$d/rc" ]; do
		sleep 0.05
		i=$((i + 1))
	done
	run=$(directive "$d" run)
	: "${run:=/bin/true}"
	(cd "$d" && while [ ! -e "$d/stop" ]; do sh -c "$run" >/dev/null 2>&1; sleep 0.02; done) &
	maker=$!
	# An example without --count, --duration or -- COMMAND (which end
	# it) is stopped as a person would, with SIGINT, once it has printed
	# what it says.
	ends=
	case $cmd in *--count*|*--duration*|*" -- "*) ends=1 ;; esac
	i=0
	while [ $i -lt 600 ] && [ ! -e "$d/rc" ]; do
		if [ -z "$ends" ] && [ -s "$d/ready" ] && met "$d"; then
			kill -INT "$(cat "$d/ready")" 2>/dev/null
			ends=1
		fi
		sleep 0.05
		i=$((i + 1))
	done
	touch "$d/stop"
	wait $maker
	# Hung: killed, and reported below as a failure.
	[ -e "$d/rc" ] || kill -KILL "$(cat "$d/ready" 2>/dev/null)" 2>/dev/null
	wait $runner
	rc=$(cat "$d/rc" 2>/dev/null)
	want=$(directive "$d" status)
	[ "$rc" = "${want:-0}" ] && met "$d" && absent "$d" && return 0
	diag "status ${rc:-none} (expected ${want:-0}); stderr: $(head -c 300 "$d/stderr")"
	diag "stdout: $(head -3 "$d/stdout")"
	diag "expected: $(cat "$d/tests")"
	return 1
}

for d in $(ls -d "$tmp"/ex* | sort -V); do
	ok "example: $(cat "$d/cmd")" example "$d"
done

done_testing
