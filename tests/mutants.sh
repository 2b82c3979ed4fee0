#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# Mutation check: a library broken on purpose must fail the tests.
#
#   tests/mutants.sh            (from a configured and built source tree)
#
# Copies the built tree once, then for each mutant changes one line of
# lib/ with sed, rebuilds only the test programs below, and runs them
# with GARLIC_REQUIRE_LIVE=1 (a skip is a failure). A mutant that passes
# them all survived: some test does not look where it should. A sed that
# no longer matches (lib/ was rewritten) fails too, so that no mutant
# is silently disarmed: update its pattern. Prints a table; exits 1 if
# any mutant survived or could not be made, or if the unmutated copy
# does not pass. Run by .ci/run (as root, where the live tests can run),
# not by make check.
set -u
top=$(pwd)
if [ ! -f "$top/lib/handle.c" ] || [ ! -f "$top/Makefile" ]; then
	echo "mutants.sh: run it from a configured, built source tree" >&2
	exit 2
fi
programs="tests/test-parse tests/test-filter tests/test-subscribe tests/test-live tests/test-loop tests/test-capture tests/test-capture-ring tests/test-libnl tests/test-process"

# name|file|sed expression; each changes exactly one line.
mutants='ack-match|lib/subscribe.c|s/a\.ack == ack + 1)/a.ack == ack + 2)/
parse-data-offset|lib/wire.c|s/memcpy(ev->raw, p + GARLIC_OFF_DATA, copy);/memcpy(ev->raw, p + GARLIC_OFF_DATA + 4, copy);/
parse-short-data|lib/wire.c|s/if (data_len < needed_data_len(what))/if (data_len + 4 < needed_data_len(what))/
filter-byte-order|lib/filter.c|s/emit(&b, BPF_JMP | BPF_JSET | BPF_K, htonl(by_bit),/emit(\&b, BPF_JMP | BPF_JSET | BPF_K, by_bit,/
loss-overrun-count|lib/loss.c|s/^\([[:space:]]*\)g->counters\.overruns++;/\1;/
loss-lost-count|lib/loss.c|s/g->counters\.lost += lost;/g->counters.lost += 0;/
capture-not-prompt|lib/receive.c|s/^\tgarlic_capture_drain(g);$/\t;/
capture-exited-kept|lib/capture.c|s/bool exited = saw_exited(p);/bool exited = saw_exited(p) \&\& 0;/
capture-ring-fixed|lib/capture.c|s/if (n >= CAPTURE_SLOTS_MAX)/if (n >= CAPTURE_SLOTS_FIRST)/
capture-name-unchecked|lib/capture.c|s/^\t\tif (maybe_later(p, q)) {/\t\tif (maybe_later(p, q) \&\& 0) {/
capture-exiting-replaced|lib/capture.c|s/if (s->ok \&\& !saw_exited(\&s->buf->proc) \&\&/if (s->ok \&\&/
capture-stale-kept|lib/capture.c|s/if (s->used \&\& ev->timestamp_ns < s->timestamp_ns + CAPTURE_STALE_NS)/if (s->used)/
budget-fd-shows-socket|lib/receive.c|s/^\t\tgarlic_loop_fd_watch_socket(&g->loop, false);/\t\tgarlic_loop_fd_watch_socket(\&g->loop, true);/
ids-pidfd-reused|lib/process-pidfd.c|s/if (!err && faccessat(r->dirfd, "stat", F_OK, 0) < 0)/if (0)/
pinned-unproved|lib/process-pidfd.c|s/if (ioctl(r->pidfd, GARLIC_PIDFD_GET_INFO, \&info) < 0)/if (ioctl(r->pidfd, GARLIC_PIDFD_GET_INFO, \&info) < 0 \&\& 0)/
comm-newline-kept|lib/process-parse.c|s/if (n > 0 \&\& s\[n - 1\] == .\\n.)/if (0)/'

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
tree=$work/tree
mkdir "$tree"
# Timestamps kept: make rebuilds only what a mutant touches.
tar -C "$top" --exclude=./.git -cf - . | tar -C "$tree" -xf -
build() {
	make -C "$tree" -j2 $programs >"$work/build.log" 2>&1
}

# run_all: the programs, the first failure named in $killer.
run_all() {
	killer=
	for p in $programs; do
		if ! (cd "$tree" && GARLIC_REQUIRE_LIVE=1 top_builddir="$tree" top_srcdir="$tree" \
			timeout 300 sh tests/run-test.sh "$p" >"$work/run.log" 2>&1); then
			killer=${p#tests/}
			return 1
		fi
	done
	return 0
}

status=0
if ! build; then
	tail -20 "$work/build.log"
	echo "mutants.sh: the unmutated copy does not build"
	exit 1
fi
if ! run_all; then
	tail -20 "$work/run.log"
	echo "mutants.sh: the unmutated copy fails $killer: no mutant can be judged"
	exit 1
fi

printf '%-20s %-16s %s\n' mutant file result
printf '%s\n' "$mutants" | while IFS='|' read -r name file expr; do
	cp "$tree/$file" "$work/original"
	sed -i "$expr" "$tree/$file"
	changed=$(diff "$work/original" "$tree/$file" | grep -c '^>')
	if [ "$changed" != 1 ]; then
		result="NOT APPLIED: the pattern matched $changed lines, not 1"
		echo 1 >"$work/bad"
	elif ! build; then
		result="NOT BUILT: $(grep -m1 'error' "$work/build.log")"
		echo 1 >"$work/bad"
	elif run_all; then
		result="SURVIVED: every test passed"
		echo 1 >"$work/bad"
	else
		result="killed by $killer"
	fi
	printf '%-20s %-16s %s\n' "$name" "$file" "$result"
	cp -p "$work/original" "$tree/$file"
	touch "$tree/$file"
done
[ -e "$work/bad" ] && status=1
[ $status = 0 ] && echo "every mutant was killed" || echo "mutants.sh: FAILED"
exit $status
