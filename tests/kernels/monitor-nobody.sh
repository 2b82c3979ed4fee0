#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# garlic-monitor as an unprivileged user (uid and gid 65534, no groups,
# no capabilities). On a kernel before 6.6 the proc connector refuses it:
# the monitor must exit 1 and say why. From 6.6 on it listens and prints
# an event. Needs root to drop to that user; TAP on stdout.
. "$top_srcdir/tests/tap.sh"

[ "$(id -u)" = 0 ] || skip_all "needs root to become another user"
command -v setpriv >/dev/null || skip_all "setpriv (util-linux) is not installed"

M="$top_builddir/tools/garlic-monitor/garlic-monitor"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
chmod 755 "$tmp"
release=$(uname -r)
major=${release%%.*}
minor=${release#*.}
minor=${minor%%[!0-9]*}

# Something to report while the monitor listens.
( for i in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20; do
	sleep 0.25
	/bin/true
done ) &
marker=$!
setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all \
	--bounding-set=-all timeout 20 "$M" --count 1 >"$tmp/out" 2>&1
rc=$?
kill "$marker" 2>/dev/null
wait "$marker" 2>/dev/null
sed 's/^/# /' "$tmp/out"

if [ "$major" -lt 6 ] || { [ "$major" -eq 6 ] && [ "$minor" -lt 6 ]; }; then
	ok "before 6.6 ($release): exits 1" [ "$rc" -eq 1 ]
	ok "before 6.6: names the missing permission" grep -q 'CAP_NET_ADMIN' "$tmp/out"
else
	ok "from 6.6 on ($release): listens as nobody" [ "$rc" -eq 0 ]
	ok "from 6.6 on: printed an event" [ -s "$tmp/out" ]
fi
done_testing
