# SPDX-License-Identifier: LGPL-2.1-or-later
# Sourced by the journal tests: gives the test a journal of its own, so
# that it runs the same whether or not a journald runs on the machine,
# and can take it away. The test re-runs itself in a private mount
# namespace (unshare -m) with empty file systems over the journal's
# socket directory and storage; there it starts, stops and removes its
# own systemd-journald. The machine's journal is never touched.
. "$top_srcdir/tests/tap.sh"

JOURNALD=${JOURNALD:-/lib/systemd/systemd-journald}
journald=

# journal_namespace SCRIPT: call first, before any other set-up; the
# script goes on inside the namespace (it is run again there).
journal_namespace() {
	if [ "${GARLIC_JOURNAL_NS:-}" != 1 ]; then
		command -v unshare >/dev/null ||
			skip_all "no unshare(1): the test cannot have a journal of its own"
		command -v journalctl >/dev/null || skip_all "no journalctl to read the journal with"
		[ -x "$JOURNALD" ] || skip_all "no $JOURNALD"
		unshare -m --propagation private true 2>/dev/null ||
			skip_all "no private mount namespace here (unshare -m failed)"
		GARLIC_JOURNAL_NS=1 exec unshare -m --propagation private ${SHELL:-/bin/sh} "$1"
	fi
	for d in /run/systemd/journal /run/log/journal /var/log/journal; do
		mkdir -p "$d" && mount -t tmpfs -o mode=0755 garlic-test "$d" ||
			{ echo "Bail out! cannot mount a private $d"; exit 1; }
	done
}

# journald_start: a journald that takes entries, with the socket the
# monitor writes to; returns once an entry sent to it can be read back.
journald_start() {
	rm -f /run/systemd/journal/socket
	"$JOURNALD" </dev/null >/dev/null 2>&1 &
	journald=$!
	jn_probe="garlic-journal-probe-$$-$journald"
	jn_i=0
	while [ $jn_i -lt 600 ]; do
		if [ -S /run/systemd/journal/socket ]; then
			echo "$jn_probe" | systemd-cat -t garlic-test 2>/dev/null
			journalctl --no-pager -q -t garlic-test 2>/dev/null | grep -q "$jn_probe" &&
				return 0
		fi
		kill -0 "$journald" 2>/dev/null || break
		sleep 0.05
		jn_i=$((jn_i + 1))
	done
	echo "Bail out! $JOURNALD did not start or give back an entry"
	exit 1
}

# journald_stop: the journald ends and leaves its socket, as a crashed
# one does (connecting to it is refused).
journald_stop() {
	[ -n "$journald" ] || return 0
	kill "$journald" 2>/dev/null
	wait "$journald" 2>/dev/null
	journald=
}

# journal_remove: no journal at all, as on a machine without journald.
journal_remove() {
	journald_stop
	rm -rf /run/systemd/journal/*
}

# journal_json FILE MATCHES...: the journal's entries that match, as
# journalctl -o json lines, into FILE.
journal_json() {
	jj_file=$1
	shift
	journalctl --no-pager -q -o json "$@" >"$jj_file" 2>/dev/null
}

# journal_wait FILE MATCHES...: waits (30 s at most) until an entry
# matches, leaving them in FILE.
journal_wait() {
	jw_i=0
	while [ $jw_i -lt 600 ]; do
		journal_json "$@" && [ -s "$1" ] && return 0
		sleep 0.05
		jw_i=$((jw_i + 1))
	done
	return 1
}
