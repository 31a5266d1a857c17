#!/usr/bin/env bash
# setuid()/setgid() in a process where the shim's purger thread runs must
# not hang (libc signals every thread and waits for each), glibc and musl.
. "$TESTS/lib.sh"
for p in "$BUILD/tests/shim/setxid" "$BUILD/tests/musl/setxid"; do
	out=$(LD_PRELOAD=$LIBKEEL timeout 20 "$p"); rc=$?
	[ $rc = 124 ] && fail "$p hangs in setuid()"
	[ $rc = 0 ] || fail "$p: exit $rc"
	echo "$out"
	expect_match "purger running" "with [2-9] threads" "$out"
done
