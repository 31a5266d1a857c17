#!/usr/bin/env bash
# A large request no resident free run holds reuses the biggest one and
# faults in only the rest: after a 400 KiB block is freed, writing a new
# 480 KiB block (120 pages) takes about 20 page faults, not 120, in a
# glibc and in a musl program. (With decay and cap out of the way: nothing
# is purged in between.)
. "$TESTS/lib.sh"
for prog in "$BUILD/tests/shim/reuse" "$BUILD/tests/musl/reuse"; do
	out=$(KEEL_DECAY_MS=60000 LD_PRELOAD=$LIBKEEL timeout 20 "$prog") ||
		fail "$prog: exit $?: $out"
	echo "$out"
	[[ $out =~ :\ ([0-9]+)\ page\ faults ]] || fail "no result: $out"
	(( BASH_REMATCH[1] < 60 )) ||
		fail "${prog##*/}: ${BASH_REMATCH[1]} page faults to write 120 pages: resident pages were not reused"
done
