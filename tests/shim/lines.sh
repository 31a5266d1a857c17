#!/usr/bin/env bash
# Two threads' small blocks never share a cache line (each thread refills
# from its own arena's spans), in a glibc and in a musl program. Under one
# shared set of spans, the second thread's blocks fill the first one's
# holes: hundreds of shared lines.
. "$TESTS/lib.sh"
for prog in "$BUILD/tests/shim/lines" "$BUILD/tests/musl/lines"; do
	out=$(LD_PRELOAD=$LIBKEEL timeout 20 "$prog") ||
		fail "${prog##*/}: exit $?: $out"
	echo "$out"
	[[ $out =~ ^lines:\ ([0-9]+)\ of ]] || fail "no result: $out"
	expect_eq "${prog#$BUILD/tests/}: lines shared by two threads" 0 \
		"${BASH_REMATCH[1]}"
done
