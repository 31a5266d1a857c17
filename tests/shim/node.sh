#!/usr/bin/env bash
# Node under libkeel.so: four worker threads churn Buffers (calloc'd by
# Buffer.alloc, each checked zeroed, then written), the main thread
# round-trips 100,000 objects through JSON and zlib (tests/shim/node.js).
# The sums must match the run under glibc. This is the program that
# showed huge pages split under a churning heap costing 1.3-2x
# (shim/hugepage.c).
. "$TESTS/lib.sh"
need node
a=$(timeout 60 node "$TESTS/shim/node.js" 2>&1) || fail "node under glibc: $a"
t0=$(date +%s.%N)
b=$(LD_PRELOAD=$LIBKEEL timeout 60 node "$TESTS/shim/node.js" 2>&1) ||
	fail "node under keel: $b"
t1=$(date +%s.%N)
expect_eq "sums" "$a" "$b"
printf 'node (4 workers churning Buffers, JSON, zlib): keel %.2f s\n' \
	"$(echo "$t1 - $t0" | bc)"
