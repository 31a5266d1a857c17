#!/usr/bin/env bash
# A program whose main thread calls pthread_exit ends with its last thread
# (CPython's test_threading hung on this): libkeel.so's purger, started by
# the worker's frees, must see that it is the last thread and end, in a
# glibc and a musl program. The purger's tick is at most 1 s.
. "$TESTS/lib.sh"
for prog in "$BUILD/tests/shim/mainexit" "$BUILD/tests/musl/mainexit"; do
	start=$(date +%s%N)
	out=$(KEEL_DECAY_MS=100 LD_PRELOAD=$LIBKEEL timeout -k 2 20 "$prog")
	rc=$?
	ms=$((($(date +%s%N) - start) / 1000000))
	echo "${prog#$BUILD/}: $out, exit $rc after $ms ms"
	# 124: ended by SIGTERM; 137: only SIGKILL ended it (the purger
	# blocks signals, and a zombie main takes none)
	[ "$rc" != 124 ] && [ "$rc" != 137 ] || fail "${prog##*/}: still running after 20 s: the purger kept the process alive"
	[ "$rc" = 0 ] || fail "${prog##*/}: exit $rc"
	# main, the worker and the purger: otherwise this proves nothing
	[[ $out =~ threads:\ ([0-9]+) ]] && (( BASH_REMATCH[1] >= 3 )) ||
		fail "${prog##*/}: the purger never started ($out)"
done
