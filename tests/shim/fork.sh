#!/usr/bin/env bash
# fork() while other threads allocate: every child allocates, checks and
# exits 0; a lock left held across fork shows as a timeout.
. "$TESTS/lib.sh"
out=$(LD_PRELOAD=$LIBKEEL timeout 100 "$BUILD/tests/shim/forkstress" 300 4)
rc=$?
[ $rc = 124 ] && fail "deadlock: timed out"
[ $rc = 0 ] || fail "exit $rc: $out"
out=$(LD_PRELOAD=$LIBKEEL timeout 100 "$BUILD/tests/musl/forkstress" 100 3)
rc=$?
[ $rc = 124 ] && fail "musl: deadlock: timed out"
[ $rc = 0 ] || fail "musl: exit $rc: $out"
echo "$out"
