#!/usr/bin/env bash
# API conformance: the same program prints the observable semantics of
# every malloc call under glibc and under libkeel.so (must be identical),
# and its musl-linked build under libkeel.so (identical where musl has the
# call).
. "$TESTS/lib.sh"
tmpdir
prog=$BUILD/tests/shim/api
"$prog" >"$T/glibc" || fail "api under glibc exited $?"
LD_PRELOAD=$LIBKEEL "$prog" >"$T/keel" 2>"$T/err" || fail "api under keel exited $?"
diff -u "$T/glibc" "$T/keel" || fail "glibc and keel differ"
[ -s "$T/err" ] && fail "keel wrote to stderr: $(cat "$T/err")"
LD_PRELOAD=$LIBKEEL "$BUILD/tests/musl/api" >"$T/musl" || fail "musl api under keel exited $?"
grep -v '^g:' "$T/glibc" | diff -u - "$T/musl" || fail "musl under keel differs"
grep -q 'pvalloc(0): pointer 1 aligned 1' "$T/keel" || fail "pvalloc(0)"
echo "$(wc -l <"$T/keel") facts identical"
