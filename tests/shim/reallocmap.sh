#!/usr/bin/env bash
# A block realloc grows past 256 KiB moves to a mapping of its own with its
# bytes; with no room left to map (RLIMIT_AS), its growth comes from the
# page heap instead of failing; below 256 KiB a block that must move takes
# a quarter of its size again and keeps its run through shrinks to half of
# it; a growing buffer past 1 MiB reserves room to grow into in place and
# takes it along when it moves (not checked under transparent huge pages
# "always", where there is none); in a heap over 256 MiB, where free
# resident memory is scarce, a buffer leaves the page heap past 64 KiB
# already, and with 8,192 huge blocks in use (mappings the kernel caps)
# not even past 256 KiB; in a glibc and a musl program.
. "$TESTS/lib.sh"
for prog in "$BUILD/tests/shim/reallocmap" "$BUILD/tests/musl/reallocmap"; do
	out=$(KEEL_DECAY_MS=60000 LD_PRELOAD=$LIBKEEL timeout 20 "$prog" 2>&1) ||
		fail "${prog##*/}: exit $?: $out"
	echo "${prog##*/}: $out"
	out=$(LD_PRELOAD=$LIBKEEL timeout 20 "$prog" scarce 2>&1) ||
		fail "${prog##*/} scarce: exit $?: $out"
	echo "${prog##*/}: $out"
done
exit 0
