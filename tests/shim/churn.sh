#!/usr/bin/env bash
# Thread churn: 100,000 short-lived threads must not grow RSS (the cache of
# each exited thread is flushed by its pthread key destructor).
. "$TESTS/lib.sh"
out=$(LD_PRELOAD=$LIBKEEL timeout 100 "$BUILD/tests/shim/churn" 100000) ||
	fail "exit $?: $out"
echo "$out"
[[ $out =~ after\ [0-9]+:\ ([0-9]+)\ KiB,\ at\ end:\ ([0-9]+)\ KiB ]] ||
	fail "no result line"
early=${BASH_REMATCH[1]} late=${BASH_REMATCH[2]}
# 90,000 more threads may add at most 1 MiB (a leak of one cache per
# thread would add hundreds of MiB)
[ "$late" -le $((early + 1024)) ] || fail "RSS grew from $early to $late KiB"
