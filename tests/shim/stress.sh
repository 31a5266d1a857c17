#!/usr/bin/env bash
# Multithreaded stress with content verification (cross-thread frees,
# heavy-tailed sizes, realloc chains) under libkeel.so, glibc- and
# musl-linked.
. "$TESTS/lib.sh"
out=$(LD_PRELOAD=$LIBKEEL timeout 100 "$BUILD/tests/shim/stress" 8 40000) ||
	fail "glibc program: exit $?: $out"
expect_match "glibc program" "ok$" "$out"
out=$(LD_PRELOAD=$LIBKEEL timeout 100 "$BUILD/tests/musl/stress" 4 20000) ||
	fail "musl program: exit $?: $out"
expect_match "musl program" "ok$" "$out"
echo "$out"
