#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# garlic-monitor.service passes systemd-analyze verify, alone and with
# the fleet drop-ins of docs/fleet/; it is Type=notify with a watchdog
# and keeps its hardening. (The monitor's side of it: monitor-notify.sh;
# its --journal entries: monitor-journal.sh, monitor-journal-remote.sh.)
. "$top_srcdir/tests/tap.sh"

M="$top_builddir/tools/garlic-monitor/garlic-monitor"
unit="$top_builddir/tools/garlic-monitor/garlic-monitor.service"
fleet="$top_srcdir/docs/fleet"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

ok "the unit runs garlic-monitor --journal, hardened" sh -c "
	grep -q '^ExecStart=.*/garlic-monitor --journal\$' '$unit' &&
	grep -q '^NoNewPrivileges=yes' '$unit' && grep -q '^ProtectSystem=strict' '$unit' &&
	grep -q '^RestrictAddressFamilies=AF_NETLINK AF_UNIX\$' '$unit' &&
	grep -q '^DynamicUser=yes' '$unit' && grep -q '^CapabilityBoundingSet=CAP_NET_ADMIN\$' '$unit'"
ok "the unit is Type=notify with WatchdogSec= and restarts on failure" sh -c "
	grep -q '^Type=notify\$' '$unit' && grep -q '^WatchdogSec=[1-9]' '$unit' &&
	grep -q '^Restart=on-failure\$' '$unit'"
ok "the metrics drop-in keeps --journal and names the metrics options" sh -c "
	grep -q '^ExecStart=\$' '$fleet/garlic-monitor.service.d/node-exporter-metrics.conf' &&
	grep -q '^ExecStart=/usr/bin/garlic-monitor --journal --metrics-file /run/garlic-monitor/[^ ]*\\.prom --metrics-interval [0-9]' \
		'$fleet/garlic-monitor.service.d/node-exporter-metrics.conf'"

if ! command -v systemd-analyze >/dev/null; then
	skip "systemd-analyze verify" "no systemd-analyze here"
	done_testing
	exit $?
fi
# verified UNIT-FILE: systemd-analyze verify says nothing about the unit
# or its drop-ins (it reads UNIT.d/ beside the file).
verified() {
	systemd-analyze verify --man=no "$1" >"$tmp/verify" 2>&1 ||
		{ diag "$(cat "$tmp/verify")"; return 1; }
	! grep -i "$(basename "$1")" "$tmp/verify" | grep -qv "^$" ||
		{ diag "$(cat "$tmp/verify")"; return 1; }
}
# verify wants the ExecStart binary to exist: point it at the build.
bin=$(cd "$(dirname "$M")" && pwd)/garlic-monitor
mkdir "$tmp/alone" "$tmp/fleet" "$tmp/fleet/garlic-monitor.service.d"
sed "s|^ExecStart=[^ ]*|ExecStart=$bin|" "$unit" >"$tmp/alone/garlic-monitor.service"
ok "systemd-analyze verify garlic-monitor.service" verified "$tmp/alone/garlic-monitor.service"
cp "$tmp/alone/garlic-monitor.service" "$tmp/fleet/"
for f in "$fleet"/garlic-monitor.service.d/*.conf; do
	sed "s|^ExecStart=/usr/bin/garlic-monitor|ExecStart=$bin|" "$f" \
		>"$tmp/fleet/garlic-monitor.service.d/$(basename "$f")"
done
ok "... with the fleet drop-ins (central journal, node_exporter metrics)" \
	verified "$tmp/fleet/garlic-monitor.service"
# The check must see a drop-in's mistakes, or it proves nothing.
echo "NoSuchSetting=1" >>"$tmp/fleet/garlic-monitor.service.d/central-journal.conf"
not_verified() {
	! verified "$1" >/dev/null
}
ok "... and a wrong setting in a drop-in is caught" not_verified "$tmp/fleet/garlic-monitor.service"
upload=/lib/systemd/system/systemd-journal-upload.service
if [ -f "$upload" ]; then
	mkdir "$tmp/upload" "$tmp/upload/systemd-journal-upload.service.d"
	cp "$upload" "$tmp/upload/"
	cp "$fleet/systemd-journal-upload.service.d/hardening.conf" \
		"$tmp/upload/systemd-journal-upload.service.d/"
	ok "systemd-journal-upload.service with the fleet's hardening verifies" \
		verified "$tmp/upload/systemd-journal-upload.service"
else
	skip "systemd-journal-upload.service with the fleet's hardening" \
		"no $upload (Debian package systemd-journal-remote)"
fi
done_testing
