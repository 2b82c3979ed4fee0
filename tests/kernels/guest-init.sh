#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# The init of a check-kernels guest (see check-kernels.sh), in two stages.
#
# Stage 1, as /init of the busybox initramfs: loads the 9p and overlay
# modules listed in /modules, mounts the host's root (read-only, over
# virtio-9p) with a tmpfs overlay on top so that tests can write, and
# runs stage 2 chrooted there: the guest then runs the host's own build
# tree and libraries. Prints the result and powers off.
#
# Stage 2 (argument "run", inside the chroot, the host's shell and
# tools): mounts /proc, /sys and /dev, runs the live test programs
# and shell tests, prints every TAP line prefixed with the program's
# name and ends with one line the host parses:
#   GARLIC-KERNEL-RESULT <uname -r> passed=N failed=N skipped=N seconds=N
#
# The kernel passes the unknown name=value words of its command line to
# init as environment variables: garlic_build, garlic_src (the build and
# source trees, absolute), garlic_tests (what to run: "live", "shell" or
# both, comma-separated) and garlic_timeout (seconds per program).

if [ "${1:-}" != run ]; then
	# Stage 1: busybox only.
	export PATH=/bin
	mkdir -p /proc /sys /dev /host /rw /root
	mount -t proc proc /proc
	mount -t sysfs sys /sys
	mount -t devtmpfs dev /dev
	while read -r mod; do
		insmod "/modules/$mod" || echo "GARLIC-KERNEL-ERROR insmod $mod failed"
	done </modules/order
	# loose caching: the host tree does not change while the guest runs,
	# and every uncached lookup is a round trip through the emulator.
	if ! mount -t 9p -o trans=virtio,version=9p2000.L,ro,cache=loose,msize=512000 \
		hostroot /host; then
		echo "GARLIC-KERNEL-ERROR cannot mount the host's root over 9p"
		poweroff -f
	fi
	mount -t tmpfs -o mode=0755 rw /rw
	mkdir -p /rw/upper /rw/work
	if ! mount -t overlay -o lowerdir=/host,upperdir=/rw/upper,workdir=/rw/work \
		overlay /root; then
		echo "GARLIC-KERNEL-ERROR cannot put an overlay on the host's root"
		poweroff -f
	fi
	chroot /root /bin/sh "$garlic_src/tests/kernels/guest-init.sh" run
	echo "GARLIC-KERNEL-DONE rc=$?"
	poweroff -f
fi

# Stage 2: the host's userland.
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
export HOME=/root LANG=C.UTF-8
export top_builddir="$garlic_build" top_srcdir="$garlic_src"
export G_DEBUG=fatal-warnings
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev
mkdir -p /dev/pts /dev/shm
mount -t devpts devpts /dev/pts
mount -t tmpfs tmp /dev/shm
# cgroup v2, as systemd mounts it: the snapshots' cgroup field is tested.
mount -t cgroup2 cgroup2 /sys/fs/cgroup 2>/dev/null ||
	echo "GARLIC-KERNEL-NOTE no cgroup2 hierarchy could be mounted"
# /tmp stays the overlay (writable, the host's below it): a build tree
# under the host's /tmp, as a CI clone may be, must stay visible. The
# tests' own files go to a tmpfs of their own.
mount -t tmpfs -o mode=0755 run /run
mkdir -p /run/tmp && chmod 1777 /run/tmp
export TMPDIR=/run/tmp
ulimit -c 0
cd "$top_builddir" || exit 1

passed=0
failed=0
skipped=0
start=$(date +%s)

# run NAME COMMAND...: runs one TAP program with a time limit, prints its
# lines prefixed "NAME: " and adds its counts. A plan longer than the
# lines seen (a crash, a bail out) counts the missing ones as failed, and
# a failing exit status counts at least one failure.
run() {
	name=$1
	shift
	log=/tmp/garlic-$(basename "$name").log
	t0=$(date +%s)
	timeout -k 5 "${garlic_timeout:-300}" "$@" >"$log" 2>&1 </dev/null
	rc=$?
	sed "s|^|$name: |" "$log"
	counts=$(awk -v rc="$rc" '
		/^ok / { if (/# [Ss][Kk][Ii][Pp]/) s++; else p++; next }
		/^not ok / { f++; next }
		/^1\.\.[0-9]+/ {
			plan = substr($1, 4) + 0
			if (plan == 0 && /# [Ss][Kk][Ii][Pp]/) s++
		}
		END {
			if (plan > p + f + s) f += plan - (p + f + s)
			if (rc != 0 && rc != 77 && f == 0) f = 1
			printf "%d %d %d\n", p, f, s
		}' "$log")
	set -- $counts
	echo "GARLIC-KERNEL-PROGRAM $name rc=$rc passed=$1 failed=$2 skipped=$3 seconds=$(($(date +%s) - t0))"
	passed=$((passed + $1))
	failed=$((failed + $2))
	skipped=$((skipped + $3))
}

echo "GARLIC-KERNEL-START $(uname -r)"
case ",${garlic_tests:-live,shell}," in
*,live,*)
	for p in test-live test-loop test-libnl test-taskstats test-process test-capture; do
		run "$p" "$top_builddir/tests/$p" --tap
	done
	run monitor-nobody /bin/sh "$top_srcdir/tests/kernels/monitor-nobody.sh"
	;;
esac
case ",${garlic_tests:-live,shell}," in
*,shell,*)
	for s in "$top_srcdir"/tests/examples.sh "$top_srcdir"/tests/monitor-*.sh; do
		[ "$s" = "$top_srcdir/tests/monitor-common.sh" ] && continue
		run "$(basename "$s")" /bin/sh "$s"
	done
	;;
esac
echo "GARLIC-KERNEL-RESULT $(uname -r) passed=$passed failed=$failed skipped=$skipped seconds=$(($(date +%s) - start))"
