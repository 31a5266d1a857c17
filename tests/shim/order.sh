#!/usr/bin/env bash
# Blocks allocated one after another lie in ascending address order, each
# right after the one before, but where a refill moves to another span: in
# a glibc and in a musl program. Handed out downwards (the order a carve
# that pushes each block on a list gives), jq walked its parsed objects
# against the prefetcher: 12% more CPU time. Allocated again after a
# shuffled free, three in four lie within a page of the one before (a
# span's free list): batches handed out in the order of the frees put
# fewer than 2 in 100 there, and the tree benchmark's rebuilds took 1.2-1.7
# times as long.
. "$TESTS/lib.sh"
for prog in "$BUILD/tests/shim/order" "$BUILD/tests/musl/order"; do
	out=$(LD_PRELOAD=$LIBKEEL timeout 20 "$prog") ||
		fail "${prog##*/}: exit $?: $out"
	echo "$out"
	while read -r _ size n _ total _ _ _ _ _ _ _ _ _ near _; do
		# at least 90%: a span of 16 KiB holds 40 blocks of 392 bytes
		(( n * 10 >= total * 9 )) ||
			fail "${prog#$BUILD/tests/}: size ${size%:}: only $n of $total blocks follow the one before"
		(( near * 4 >= total * 3 )) ||
			fail "${prog#$BUILD/tests/}: size ${size%:}: after a shuffled free only $near of $total blocks lie near the one before"
	done <<<"$out"
done
