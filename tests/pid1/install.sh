#!/usr/bin/env bash
# make install honours PREFIX and DESTDIR: keel, libkeel.so where keel
# looks for it, and the man page; the installed keel runs as PID 1 and
# preloads the installed library, and man reads the installed page.
. "$TESTS/lib.sh"
tmpdir
top=$(dirname "$TESTS")
make -s -C "$top" install DESTDIR="$T/dest" PREFIX=/opt/k >/dev/null || fail "make install"
for f in bin/keel lib/keel/libkeel.so share/man/man1/keel.1; do
	[ -f "$T/dest/opt/k/$f" ] || fail "make install put nothing at PREFIX/$f"
done
cmp -s "$top/docs/keel.1" "$T/dest/opt/k/share/man/man1/keel.1" || fail "installed man page differs from docs/keel.1"
[ "$(stat -c %a "$T/dest/opt/k/bin/keel")" = 755 ] || fail "keel mode"
[ "$(stat -c %a "$T/dest/opt/k/share/man/man1/keel.1")" = 644 ] || fail "man page mode"
# the installed keel preloads the installed library (its folders are root's)
chmod 755 "$T" "$T/dest"
out=$(as_pid1 "$T/dest/opt/k/bin/keel" -- sh -c 'echo "$LD_PRELOAD"') || fail "installed keel: exit $?"
expect_eq "LD_PRELOAD" "$T/dest/opt/k/lib/keel/libkeel.so" "$out"
if command -v man >/dev/null; then
	page=$(MANPATH="$T/dest/opt/k/share/man" MANWIDTH=80 man keel 2>/dev/null) || fail "man keel: exit $?"
	for section in NAME SYNOPSIS OPTIONS "KEEL STATS" ENVIRONMENT FILES "EXIT STATUS" EXAMPLES "SEE ALSO"; do
		grep -q "^$section\$" <<<"$page" || fail "man keel has no $section section"
	done
	grep -q -- "-p, --pdeathsig SIG" <<<"$page" || fail "man keel: --pdeathsig without its argument"
fi
# MANDIR alone moves the page
make -s -C "$top" install DESTDIR="$T/d2" PREFIX=/usr MANDIR=/usr/share/man >/dev/null || fail "make install MANDIR"
[ -f "$T/d2/usr/share/man/man1/keel.1" ] || fail "MANDIR ignored"
exit 0
