#!/usr/bin/env bash
# make dist: a source tarball of the committed tree and its sha256, which
# sha256sum -c accepts; the tree in it builds with make alone, and the
# keel it builds runs as PID 1 and reports the same version.
. "$TESTS/lib.sh"
tmpdir
top=$(dirname "$TESTS")
git -C "$top" rev-parse HEAD >/dev/null 2>&1 || skip "not a git checkout: make dist archives HEAD"
tarball=$(make -s -C "$top" dist) || fail "make dist"
case $tarball in /*) ;; *) tarball=$top/$tarball ;; esac
[ -f "$tarball" ] || fail "make dist printed '$tarball', which is no file"
[ -f "$tarball.sha256" ] || fail "no $tarball.sha256"
(cd "$(dirname "$tarball")" && sha256sum -c --quiet "$(basename "$tarball").sha256") ||
	fail "sha256sum -c"
name=$(basename "$tarball" .tar.gz)
tar -C "$T" -xzf "$tarball" || fail "tar"
for f in Makefile LICENSE README.md init/main.c shim/libkeel.map docs/keel.1 packaging/deb/build; do
	[ -f "$T/$name/$f" ] || fail "$name/$f is not in the tarball"
done
[ ! -e "$T/$name/build" ] || fail "the tarball holds build/"
make -s -C "$T/$name" -j2 >"$T/make.log" 2>&1 || { tail -n 20 "$T/make.log"; fail "make in the unpacked tree"; }
expect_eq "version" "$("$KEEL_BIN" --version)" "$("$T/$name/build/keel" --version)"
out=$(as_pid1 "$T/$name/build/keel" -- sh -c 'exit 3'); rc=$?
expect_eq "exit status through the tarball's keel" 3 "$rc"
exit 0
