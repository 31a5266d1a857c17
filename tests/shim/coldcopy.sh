#!/usr/bin/env bash
# realloc's moves of big blocks whose bytes have left the cache (past
# 64 MiB of big blocks handed out since; copied with stores that bypass
# the cache): 24 buffers grown side by side to 1-3 MiB in appends that end
# anywhere in a page, 100 MiB taken and freed between their moves,
# every byte checked after every move; in a glibc and a musl program.
. "$TESTS/lib.sh"
for prog in "$BUILD/tests/shim/coldcopy" "$BUILD/tests/musl/coldcopy"; do
	out=$(LD_PRELOAD=$LIBKEEL timeout 60 "$prog" 2>&1) ||
		fail "${prog##*/tests/}: exit $?: $out"
	echo "${prog##*/tests/}: $out"
	moves=${out##*: }
	[[ $moves =~ ^[0-9]+$ ]] && (( moves > 0 )) ||
		fail "${prog##*/tests/}: no block of 64 KiB or more moved: the test checks nothing"
done
exit 0
