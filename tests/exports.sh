#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# Only garlic_* leaves the shared library, and the header, the version
# script and the library agree.
. "$top_srcdir/tests/tap.sh"

so="$top_builddir/lib/.libs/libgarlic.so"
[ -f "$so" ] || skip_all "no shared library built ($so)"
command -v nm >/dev/null || skip_all "nm is not installed"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

nm -D --defined-only "$so" | awk '{print $3}' | sed 's/@.*//' | sort -u >"$tmp/exported"
grep -E '^\s+garlic_[a-z_]+;' "$top_srcdir/lib/libgarlic.sym" | tr -d ' \t;' | sort -u >"$tmp/script"

only_garlic() {
	[ -s "$tmp/exported" ] || { diag "nm listed nothing"; return 1; }
	if grep -Ev '^(garlic_[a-z_]+|GARLIC_[0-9]+)$' "$tmp/exported" >"$tmp/strays"; then
		diag "exported but not garlic_*: $(tr '\n' ' ' <"$tmp/strays")"
		return 1
	fi
	grep -qx GARLIC_1 "$tmp/exported" || { diag "no GARLIC_1 version node"; return 1; }
}
ok "only garlic_* and the version node are exported" only_garlic
ok "every symbol in libgarlic.sym is exported" \
	sh -c "grep -v '^GARLIC_' '$tmp/exported' | diff - '$tmp/script'"
# Reads the library's exports rather than the version script, so that a
# symbol leaking past the script must be declared too.
declared() {
	grep -v '^GARLIC_' "$tmp/exported" >"$tmp/functions"
	[ -s "$tmp/functions" ] || { diag "nothing exported"; return 1; }
	while read -r sym; do
		grep -Eqs "[ *]$sym\(" "$top_srcdir"/include/garlic/*.h || {
			diag "$sym is exported but not declared in include/garlic/"
			return 1
		}
	done <"$tmp/functions"
}
ok "every exported function is declared in a public header" declared
ok "every symbol has the GARLIC_1 version" \
	sh -c "nm -D --defined-only '$so' | grep ' garlic_' | grep -v '@@GARLIC_1\$' | grep -q . && exit 1 || exit 0"
done_testing
