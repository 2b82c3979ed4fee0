#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# make check-kernels: boots Debian's own kernel packages in QEMU and runs
# the live tests inside each guest against the tree just built.
#
#   check-kernels.sh [VERSION...]        e.g. 6.1 6.12 (default: $KERNELS)
#
# Environment: top_builddir and top_srcdir (absolute; make sets them),
# KERNELS_CACHE (where the packages are downloaded and unpacked; default
# $top_builddir/kernels-cache), KERNELS_TESTS ("live", "shell" or
# "live,shell"; default live), KERNELS_TIMEOUT (seconds per guest),
# KERNELS_PROGRAM_TIMEOUT (seconds per test program in the guest).
#
# For each version it takes the newest generic amd64 kernel the
# configured apt sources offer (linux-image-VERSION*-amd64-unsigned),
# fetches it with apt-get download and unpacks it with dpkg-deb -x:
# nothing is installed on the host. The cache keeps the kernel image and
# the modules the guest needs, per package name (a new package release
# has a new name). A busybox initramfs loads the 9p and
# overlay modules from the package and runs tests/kernels/guest-init.sh,
# which mounts this machine's root read-only over virtio-9p with a tmpfs
# overlay and runs the tests there. TCG, not KVM: on some hosts /dev/kvm
# exists but guests fail to start. Prints a table, kernel x (passed,
# failed, skipped, seconds); exits 1 on any failure or a guest that did
# not report.
set -u

top_builddir=${top_builddir:-$PWD}
top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
cache=${KERNELS_CACHE:-$top_builddir/kernels-cache}
tests=${KERNELS_TESTS:-live}
guest_timeout=${KERNELS_TIMEOUT:-600}
program_timeout=${KERNELS_PROGRAM_TIMEOUT:-300}
[ $# -gt 0 ] || set -- ${KERNELS:-6.1 6.12}

# The modules the guest loads, after those they need; built-in ones are
# simply absent from the package.
want_modules="virtio_pci 9pnet_virtio 9p overlay"

die() {
	echo "check-kernels: $*" >&2
	exit 2
}

for tool in qemu-system-x86_64 apt-get apt-cache dpkg-deb cpio gzip xz; do
	command -v "$tool" >/dev/null || die "$tool is needed"
done
busybox=$(command -v busybox) || die "busybox (busybox-static) is needed"
LC_ALL=C ldd "$busybox" 2>&1 | grep -q 'not a dynamic executable' ||
	die "$busybox is not static: install busybox-static"
case $top_builddir$top_srcdir in
*[[:space:]]*) die "the build and source paths must not contain spaces (the kernel command line carries them)" ;;
esac
[ -x "$top_builddir/tests/test-live" ] ||
	die "build the tests first (make check-kernels does)"

# package VERSION: the newest linux-image-VERSION.*-amd64-unsigned that
# apt can fetch (generic flavour: not cloud, not rt).
package() {
	local v=${1//./\\.} names
	names=$(apt-cache pkgnames "linux-image-$1" |
		grep -E "^linux-image-$v[.-][0-9][0-9.+a-z-]*[0-9]-amd64-unsigned\$" |
		grep -Ev -- '-(cloud|rt)-amd64-unsigned$')
	[ -n "$names" ] || return 1
	# Listed is not fetchable: keep those with a candidate version.
	apt-cache policy $names | awk '
		/^[^ ].*:$/ { name = substr($0, 1, length($0) - 1) }
		/^  Candidate:/ && $2 != "(none)" { print name }' |
		sort -V | tail -1
}

# The package has no modules.dep (depmod writes it on install): read
# each module's "depends=" from its .modinfo section instead.
unpack_module() {
	case $1 in
	*.xz) xz -dc "$1" ;;
	*.zst) zstd -qdc "$1" ;;
	*.gz) gzip -dc "$1" ;;
	*) cat "$1" ;;
	esac
}

# load_order NAME: prints NAME's module file after those it needs,
# each once; built-in modules (no file) print nothing.
load_order() {
	local m=${1//-/_} path d
	case " $loaded " in *" $m "*) return ;; esac
	loaded+=" $m"
	path=$(awk -v m="$m" '{ n = $0; sub(".*/", "", n); sub("\\.ko.*", "", n);
		gsub("-", "_", n); if (n == m) { print; exit } }' "$modlist")
	[ -n "$path" ] || return 0
	for d in $(unpack_module "$path" | tr '\0' '\n' | sed -n 's/^depends=//p' | tr ',' ' '); do
		load_order "$d"
	done
	echo "$path"
}

# prepare VERSION: fetches and unpacks the package, builds the initramfs;
# sets $kernel and $initrd.
prepare() {
	local pkg deb dir tmp kdir root m name modlist loaded
	pkg=$(package "$1")
	if [ -z "$pkg" ] && [ "$(id -u)" = 0 ]; then
		apt-get update >/dev/null 2>&1
		pkg=$(package "$1")
	fi
	[ -n "$pkg" ] || {
		echo "check-kernels: no linux-image-$1.*-amd64-unsigned in the configured apt sources" >&2
		return 1
	}
	mkdir -p "$cache"
	# Kept: the kernel and the modules the guest loads, a few MB (the
	# package unpacks to 100-400 MB).
	dir=$cache/$pkg
	if [ ! -e "$dir/ready" ]; then
		echo "check-kernels: downloading $pkg"
		tmp=$(mktemp -d "$cache/tmp.XXXXXX")
		# apt's sandbox user may not write here: said on stderr, harmless.
		(cd "$tmp" && apt-get download "$pkg" >"$tmp/apt.log" 2>&1) || {
			cat "$tmp/apt.log" >&2
			rm -rf "$tmp"
			return 1
		}
		dpkg-deb -x "$tmp"/*.deb "$tmp/x" || { rm -rf "$tmp"; return 1; }
		kdir=$(ls -d "$tmp"/x/lib/modules/* "$tmp"/x/usr/lib/modules/* 2>/dev/null | head -1)
		rm -rf "$dir"
		mkdir -p "$dir/modules"
		cp "$(ls "$tmp"/x/boot/vmlinuz-* | head -1)" "$dir/vmlinuz"
		modlist=$tmp/modlist
		find "$kdir/kernel" -name '*.ko*' >"$modlist"
		loaded=
		for m in $want_modules; do
			load_order "$m"
		done >"$tmp/order"
		# The guest's busybox may not read compressed modules.
		while read -r m; do
			name=$(basename "$m")
			unpack_module "$m" >"$dir/modules/${name%.ko*}.ko"
			echo "${name%.ko*}.ko" >>"$dir/modules/order"
		done <"$tmp/order"
		rm -rf "$tmp"
		touch "$dir/ready"
	fi
	kernel=$dir/vmlinuz
	initrd=$dir/initrd.gz
	# Rebuilt every time: guest-init.sh may have changed.
	root=$(mktemp -d)
	mkdir -p "$root/bin"
	cp "$busybox" "$root/bin/busybox"
	"$busybox" --list | while read -r m; do
		[ "$m" = busybox ] || ln -s busybox "$root/bin/$m"
	done
	cp "$top_srcdir/tests/kernels/guest-init.sh" "$root/init"
	chmod 755 "$root/init"
	cp -r "$dir/modules" "$root/modules"
	(cd "$root" && find . | cpio -o -H newc --quiet | gzip -1) >"$initrd"
	rm -rf "$root"
}

# boot VERSION: runs the guest, its serial console in $log.
boot() {
	timeout -k 5 "$guest_timeout" qemu-system-x86_64 \
		-accel tcg,thread=multi -cpu max -m 2G -smp 2 \
		-nographic -no-reboot \
		-kernel "$kernel" -initrd "$initrd" \
		-append "console=ttyS0 panic=-1 quiet garlic_build=$top_builddir garlic_src=$top_srcdir garlic_tests=$tests garlic_timeout=$program_timeout" \
		-virtfs local,path=/,mount_tag=hostroot,security_model=passthrough,readonly=on,multidevs=remap \
		</dev/null >"$log" 2>&1
}

status=0
table=
total_p=0
total_f=0
total_s=0
for v in "$@"; do
	log=$top_builddir/tests/kernels/check-kernels-$v.log
	mkdir -p "$(dirname "$log")"
	t0=$(date +%s)
	if ! prepare "$v"; then
		table+=$(printf '%-24s %7s %7s %7s %8s  %s' "$v" - 1 - - "no kernel package")$'\n'
		total_f=$((total_f + 1))
		status=1
		continue
	fi
	echo "check-kernels: booting $(basename "$(dirname "$kernel")") (log: $log)"
	boot
	secs=$(($(date +%s) - t0))
	tr -d '\r' <"$log" | grep -E '^[a-z0-9.-]+: (not )?ok |GARLIC-KERNEL-(PROGRAM|ERROR)' |
		grep -E 'not ok|GARLIC-KERNEL-ERROR|failed=[1-9]|# SKIP|# skip' | sed 's/^/  /'
	result=$(tr -d '\r' <"$log" | grep -a '^GARLIC-KERNEL-RESULT ' | tail -1)
	if [ -z "$result" ]; then
		echo "check-kernels: the $v guest did not report; the end of its console:"
		tail -30 "$log" | sed 's/^/  /'
		table+=$(printf '%-24s %7s %7s %7s %8s  %s' "$v" - 1 - "$secs" "no result")$'\n'
		total_f=$((total_f + 1))
		status=1
		continue
	fi
	read -r _ release p f s _ <<<"$result"
	p=${p#passed=}
	f=${f#failed=}
	s=${s#skipped=}
	table+=$(printf '%-24s %7d %7d %7d %8d' "$release" "$p" "$f" "$s" "$secs")$'\n'
	total_p=$((total_p + p))
	total_f=$((total_f + f))
	total_s=$((total_s + s))
	[ "$f" -eq 0 ] || status=1
done

echo
printf '%-24s %7s %7s %7s %8s\n' kernel passed failed skipped seconds
printf '%s' "$table"
echo "check-kernels: $total_p passed, $total_f failed, $total_s skipped"
exit $status
