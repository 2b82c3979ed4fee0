#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# garlic-monitor.service passes systemd-analyze verify, and --journal
# entries reach the journal with their fields (where a journal runs).
. "$top_srcdir/tests/tap.sh"

M="$top_builddir/tools/garlic-monitor/garlic-monitor"
unit="$top_builddir/tools/garlic-monitor/garlic-monitor.service"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

if command -v systemd-analyze >/dev/null && [ -f "$unit" ]; then
	# verify wants the ExecStart binary to exist: point it at the build.
	sed "s|^ExecStart=[^ ]*|ExecStart=$(cd "$(dirname "$M")" && pwd)/garlic-monitor|" "$unit" \
		>"$tmp/garlic-monitor.service"
	verified() {
		systemd-analyze verify --man=no "$tmp/garlic-monitor.service" >"$tmp/verify" 2>&1 ||
			{ diag "$(cat "$tmp/verify")"; return 1; }
		! grep -i "garlic-monitor.service" "$tmp/verify" | grep -qv "^$" ||
			{ diag "$(cat "$tmp/verify")"; return 1; }
	}
	ok "systemd-analyze verify garlic-monitor.service" verified
fi
ok "the unit runs garlic-monitor --journal, hardened" sh -c "
	grep -q '^ExecStart=.*/garlic-monitor --journal\$' '$unit' &&
	grep -q '^NoNewPrivileges=yes' '$unit' && grep -q '^ProtectSystem=strict' '$unit' &&
	grep -q '^RestrictAddressFamilies=AF_NETLINK AF_UNIX' '$unit'"

if ! "$M" --journal --duration 0.1 >"$tmp/out" 2>&1; then
	if grep -q "not built in" "$tmp/out"; then
		ok "--journal says it is not built in" grep -q "configure found no libsystemd" "$tmp/out"
		done_testing
		exit $?
	fi
fi
# The socket alone is not enough: one left by a journald that is gone
# refuses every entry.
if ! command -v journalctl >/dev/null || [ ! -S /run/systemd/journal/socket ] ||
	! pgrep -x systemd-journal >/dev/null; then
	diag "no journal runs here: --journal entries not checked"
	done_testing
	exit $?
fi
if ! why=$("$top_builddir/tests/env-check" connector); then
	skip "--journal entries" "$why"
	done_testing
	exit $?
fi
# The journal must take and give back an entry of ours before the
# monitor's entries can be looked for in it.
probe="garlic-service-probe-$$"
echo "$probe" | systemd-cat -t garlic-test 2>/dev/null
journal_works() {
	for _ in $(seq 30); do
		journalctl --no-pager -q -t garlic-test 2>/dev/null | grep -q "$probe" && return 0
		sleep 0.1
	done
	return 1
}
if ! journal_works; then
	diag "the journal here does not give back what is sent to it: --journal entries not checked"
	done_testing
	exit $?
fi
"$M" --journal --events exit --latency 0 --duration 30 \
	--ready-file "$tmp/ready" >"$tmp/mon.err" 2>&1 &
mon=$!
subscribed() {
	for _ in $(seq 600); do
		[ -s "$tmp/ready" ] && return 0
		kill -0 $mon 2>/dev/null || break
		sleep 0.05
	done
	echo "Bail out! garlic-monitor --journal did not start: $(cat "$tmp/mon.err")"
	exit 1
}
subscribed
sh -c "exit 9" &
child=$!
wait $child
found() {
	for _ in $(seq 30); do
		journalctl --no-pager -o json GARLIC_EVENT=exit GARLIC_PID=$child >"$tmp/j" 2>/dev/null
		grep -q '"GARLIC_EXIT_CODE" *: *"2304"' "$tmp/j" && return 0
		sleep 0.1
	done
	return 1
}
ok "journalctl GARLIC_EVENT=exit finds the exit with its fields" found
kill -INT $mon
ok "the monitor stops with status 0" wait $mon
ok "MESSAGE is the human line" grep -q 'exit 9' "$tmp/j"
done_testing
