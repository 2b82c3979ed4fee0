#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# Every public header stands alone, is C99-clean under -pedantic, builds as
# C++, and <garlic/garlic.h> needs no libnl header to be found.
. "$top_srcdir/tests/tap.sh"

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
inc="$top_srcdir/include"

# compiles CC FLAGS... HEADER: a file holding only #include <HEADER>.
compiles() {
	cc=$1
	shift
	header=$(eval echo \${$#})
	printf '#include <%s>\nint main(void) { return 0; }\n' "$header" >"$tmp/t.c"
	set -- $(echo "$@" | sed "s|$header\$||")
	$cc "$@" -I"$inc" -c "$tmp/t.c" -o "$tmp/t.o" 2>"$tmp/err" || {
		diag "$(head -5 "$tmp/err")"
		return 1
	}
}

for h in garlic/garlic.h garlic/taskstats.h garlic/libnl.h garlic/process.h; do
	ok "$h: gcc -std=c99 -pedantic" compiles gcc -std=c99 -pedantic -Wall -Wextra -Werror "$h"
	if command -v clang >/dev/null; then
		ok "$h: clang -std=c99 -pedantic" compiles clang -std=c99 -pedantic -Wall -Wextra -Werror "$h"
	fi
	if command -v g++ >/dev/null; then
		cp "$tmp/t.c" "$tmp/t.cc" 2>/dev/null
		ok "$h: g++ -std=c++11 -pedantic" compiles "g++ -x c++" -std=c++11 -pedantic -Wall -Wextra -Werror "$h"
	fi
done

# The event union's members, and GARLIC_OPEN_OPTS(), in strict C99.
uses_api() {
	cat >"$tmp/u.c" <<'C'
#include <garlic/garlic.h>
int main(void)
{
	struct garlic_open_opts o = GARLIC_OPEN_OPTS(.events = GARLIC_EVENT_EXEC);
	struct garlic_event ev = { 0 };
	ev.fork.child_pid = 1;
	return (int)o.events + ev.exit.process_pid + (int)ev.raw[0];
}
C
	gcc -std=c99 -pedantic -Wall -Wextra -Werror -Wno-missing-field-initializers \
		-I"$inc" -c "$tmp/u.c" -o "$tmp/u.o" 2>"$tmp/err" || { diag "$(head -5 "$tmp/err")"; return 1; }
}
ok "event members and GARLIC_OPEN_OPTS() in strict C99" uses_api
ok "garlic.h includes no libnl header" sh -c "! grep -q '#include <netlink' '$inc/garlic/garlic.h' '$inc/garlic/taskstats.h'"
done_testing
