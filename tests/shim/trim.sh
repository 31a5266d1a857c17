#!/usr/bin/env bash
# malloc_trim(0) returns free memory at once (here with a 60 s decay, so
# only the trim can have done it) and says so with 1.
. "$TESTS/lib.sh"
out=$(KEEL_DECAY_MS=60000 LD_PRELOAD=$LIBKEEL timeout 60 \
	"$BUILD/tests/shim/decay" trim 0 60) || fail "exit $?"
echo "$out"
read -r _ base _ peak _ freed _ live _ ret <<<"$(echo "$out" | head -1)"
now=$(echo "$out" | tail -1 | awk '{print $3}')
expect_eq "malloc_trim result" 1 "$ret"
[ "$freed" -ge $((now + 2048)) ] || fail "trim released nothing ($freed -> $now KiB)"
[ "$now" -le $((base + live * 110 / 100 + 1024)) ] ||
	fail "RSS $now KiB not near base $base + live $live KiB after trim"
