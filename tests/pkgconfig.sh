#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# An outside program builds against an installed copy through pkg-config
# and receives an event.
. "$top_srcdir/tests/tap.sh"

command -v pkg-config >/dev/null || skip_all "pkg-config is not installed"
command -v cc >/dev/null || skip_all "no C compiler"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# The .pc files were made for configure's prefix: point them at this one
# (--define-variable would move libnl's prefix as well).
installed() {
	make -C "$top_builddir" install prefix="$tmp/prefix" >"$tmp/install.log" 2>&1 &&
		sed -i "s|^prefix=.*|prefix=$tmp/prefix|" "$tmp"/prefix/lib/pkgconfig/*.pc
}
ok "make install to a temporary prefix" installed

export PKG_CONFIG_PATH="$tmp/prefix/lib/pkgconfig"
pc() {
	pkg-config "$@" garlic
}
ok "pkg-config finds garlic" pc --exists
ok "pkg-config names no GLib" sh -c "! pkg-config --cflags --libs --static garlic | grep -q glib"

# The outside program: not the tree's headers, only what was installed.
cat >"$tmp/prog.c" <<'PROG'
#include <stdio.h>
#include <garlic/garlic.h>

static int on_event(const struct garlic_event *ev, void *userdata)
{
	printf("%s %d\n", garlic_event_name(ev->type), ev->exit.process_pid);
	return 1;
}

int main(void)
{
	struct garlic *g;
	int r = garlic_open(&g, GARLIC_EVENT_EXIT, on_event, NULL);

	if (r < 0) {
		fprintf(stderr, "%s\n", garlic_strerror(r));
		return 77;
	}
	puts("ready");
	fflush(stdout);
	r = garlic_receive(g);
	garlic_close(g);
	return r == 1 ? 0 : 1;
}
PROG
compiled() {
	# A sanitizer build's library needs the sanitizer runtime in the program too.
	cc -Wall -Werror $GARLIC_SANITIZER_FLAGS -o "$tmp/prog" "$tmp/prog.c" $(pc --cflags --libs)
}
ok "an outside program compiles and links with pkg-config --cflags --libs" compiled

received() {
	LD_LIBRARY_PATH="$tmp/prefix/lib" "$tmp/prog" >"$tmp/out" 2>"$tmp/err" &
	prog=$!
	for _ in $(seq 100); do
		grep -q ready "$tmp/out" 2>/dev/null && break
		sleep 0.05
	done
	# Exits of our own children until the program has one.
	for _ in $(seq 100); do
		kill -0 "$prog" 2>/dev/null || break
		/bin/true
		sleep 0.02
	done
	wait "$prog"
	rc=$?
	[ "$rc" = 77 ] && diag "cannot listen: $(cat "$tmp/err")"
	[ "$rc" = 0 ] && grep -q '^exit [0-9]' "$tmp/out"
}
ok "it receives an exit event" received

# The libnl integration is a module of its own: plain users get no libnl flags.
ok "pkg-config --cflags garlic names no libnl" sh -c "! pkg-config --cflags garlic | grep -q libnl"
cat >"$tmp/nlprog.c" <<'PROG'
#include <netlink/netlink.h>
#include <netlink/socket.h>
#include <garlic/libnl.h>

static int on_event(const struct garlic_event *ev, void *userdata)
{
	return 0;
}

int main(void)
{
	struct nl_sock *sk = nl_socket_alloc();
	struct garlic *g = NULL;
	int r = garlic_attach(&g, sk, NULL, on_event, NULL);

	garlic_close(g);
	nl_socket_free(sk);
	return r < 0;
}
PROG
nl_compiled() {
	cc -Wall -Werror $GARLIC_SANITIZER_FLAGS -o "$tmp/nlprog" "$tmp/nlprog.c" \
		$(pkg-config --cflags --libs garlic-libnl)
}
ok "a libnl program compiles and links with pkg-config garlic-libnl" nl_compiled
ok "it attaches garlic to its own libnl socket" sh -c "LD_LIBRARY_PATH='$tmp/prefix/lib' '$tmp/nlprog'"

done_testing
