#!/usr/bin/env bash
# A program that uses each size class once (48 blocks, 16 B to 4 KiB, 49
# KiB asked) may grow by at most 512 KiB, in a glibc and a musl program:
# a thread cache's first refill of a class takes a page's worth of blocks,
# not 16 KiB of them (each is written: 840 and 672 KiB before; glibc's own
# heap grows by 304 and musl's by 128 KiB here). The free resident memory
# the heap reports (mallinfo2) may not grow by more than VmRSS did: the
# blocks of a new span past what the refill carved were never written
# (before, it reported the spans' whole capacity, 540 KiB, for 324-428 KiB
# of growth).
. "$TESTS/lib.sh"
for prog in "$BUILD/tests/shim/classonce" "$BUILD/tests/musl/classonce"; do
	out=$(LD_PRELOAD=$LIBKEEL timeout 20 "$prog") || fail "${prog##*/}: exit $?: $out"
	echo "${prog#$BUILD/tests/}: $out"
	[[ $out =~ ^grew\ (-?[0-9]+)\ KiB\ .*free-resident\ (-?[0-9]+)\ KiB ]] ||
		fail "no result: $out"
	grew=${BASH_REMATCH[1]} reported=${BASH_REMATCH[2]}
	(( grew <= 512 )) ||
		fail "${prog#$BUILD/tests/}: VmRSS grew by $grew KiB for 49 KiB of blocks"
	(( reported >= 0 && reported <= grew )) ||
		fail "${prog#$BUILD/tests/}: free resident memory grew by $reported KiB by the heap's count, VmRSS by $grew"
done
