#!/usr/bin/env bash
# Memory freed below the recent peak in use stays resident past the early
# purge's grace: 32 MiB freed and written again after a pause of 100 ms
# (the grace is 20 ms at KEEL_DECAY_MS=5000; the peak is remembered for at
# least 500 ms) takes few page faults, not one per page as when everything
# over max(8 MiB, in-use/8) was purged, in a glibc and in a musl program.
. "$TESTS/lib.sh"
for prog in "$BUILD/tests/shim/swing" "$BUILD/tests/musl/swing"; do
	out=$(KEEL_DECAY_MS=5000 LD_PRELOAD=$LIBKEEL timeout 20 "$prog" 100) ||
		fail "$prog: exit $?: $out"
	echo "${prog##*/tests/}: $out"
	[[ $out =~ :\ ([0-9]+)\ page\ faults\ for\ ([0-9]+)\ pages ]] ||
		fail "no result: $out"
	(( BASH_REMATCH[1] < BASH_REMATCH[2] / 4 )) ||
		fail "${prog##*/}: ${BASH_REMATCH[1]} page faults to write ${BASH_REMATCH[2]} pages: the freed runs were purged"
done
