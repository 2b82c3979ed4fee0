#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# The bash completion (completion/garlic-monitor): every option of
# --help, the values of --events, --color, --output and --pid; and that
# make install and the Debian package put it where bash-completion looks.
. "$top_srcdir/tests/tap.sh"

M="$top_builddir/tools/garlic-monitor/garlic-monitor"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
command -v bash >/dev/null || skip_all "bash is not installed"

# complete WORD...: the completions bash offers when the cursor ends the
# last WORD, one a line (words as bash splits them: "--color=al" is
# "--color" "=" "al").
complete_words() {
	bash -c '
		. "$1"
		shift
		COMP_WORDS=("$@")
		COMP_CWORD=$(($# - 1))
		_garlic_monitor
		printf "%s\n" "${COMPREPLY[@]}"
	' complete "$top_srcdir/completion/garlic-monitor" "$M" "$@" 2>"$tmp/err"
}

# offers "WANT" WORD...: the completions are exactly WANT (space-separated, any order).
offers() {
	want=$1
	shift
	got=$(complete_words "$@" | sort | tr '\n' ' ')
	want=$(printf '%s\n' $want | sort | tr '\n' ' ')
	[ "$got" = "$want" ] && [ ! -s "$tmp/err" ] && return 0
	diag "for '$*': got '$got', want '$want' $(cat "$tmp/err")"
	return 1
}

every_option() {
	"$M" --help | grep -Eo -- '--[a-z][a-z0-9-]*' | sort -u >"$tmp/help"
	complete_words -- | sed 's/=$//' | sort -u >"$tmp/offered"
	[ -s "$tmp/help" ] && diff "$tmp/help" "$tmp/offered" >"$tmp/diff" && return 0
	sed 's/^/# /' "$tmp/diff"
	return 1
}
ok "-- offers every long option of --help" every_option
ok "--ev completes to --events" offers "--events" --ev
ok "--nu completes to --numeric" offers "--numeric" --nu
ok "--col completes to --color= (its value follows the =)" offers "--color=" --col
ok "--events e offers exec and exit" offers "exec exit" --events e
ok "--events offers every kind" \
	offers "fork exec uid gid sid ptrace comm coredump exit nonzero_exit all" --events ""
ok "-e fork,ex completes the last element of the list" offers "fork,exec fork,exit" -e fork,ex
ok "--color= offers auto, always, never" offers "auto always never" --color =
ok "--color=al completes to always" offers "always" --color = al
ok "--color alone takes no separate value" offers "" --color ""

touch "$tmp/events.log" "$tmp/evil.log" "$tmp/other"
ok "--output completes file names" offers "$tmp/events.log $tmp/evil.log" --output "$tmp/ev"
ok "--ready-file completes file names" offers "$tmp/other" --ready-file "$tmp/ot"
pid_offered() {
	complete_words --pid "$$" | grep -qx "$$"
}
ok "--pid offers running pids" pid_offered
ok "--count offers nothing" offers "" --count ""

# make install puts it into bashcompletiondir as "garlic-monitor", the
# name bash-completion loads for the command.
installs() {
	${MAKE:-make} -s -C "$top_builddir" install-bashcompletionDATA DESTDIR="$tmp/dest" \
		>"$tmp/install.out" 2>&1 || { sed 's/^/# /' "$tmp/install.out"; return 1; }
	found=$(find "$tmp/dest" -type f)
	case $found in
	"$tmp/dest"/*/bash-completion/completions/garlic-monitor)
		cmp -s "$found" "$top_srcdir/completion/garlic-monitor" && return 0 ;;
	esac
	diag "installed: $found"
	return 1
}
ok "make install puts it in bashcompletiondir as garlic-monitor" installs
ok "the Debian package installs it" \
	grep -qx 'usr/share/bash-completion/completions/garlic-monitor' \
	"$top_srcdir/debian/garlic-monitor.install"

done_testing
