#!/usr/bin/env bash
# A burst freed is kept for the decay time: a program frees 200 MiB of
# 64 KiB blocks at once (almost all it had in use, as a garbage-collected
# runtime frees its native buffers after a collection) and takes as much
# again 300 ms later (tests/shim/burst.c). The free memory is far over
# the cap the decay allows steady churn (1/8 of the bytes in use at
# KEEL_DECAY_MS=2000), but the program had it in use within the decay, so
# it stays: the second pass reuses its pages (about 15 faults; 50,400,
# every page, with the library before). Past the decay it is gone: taken
# again 700 ms after the free at KEEL_DECAY_MS=200, every page faults.
# A glibc and a musl program.
. "$TESTS/lib.sh"
run() {	# run PROG DECAY WAIT_MS: sets pages, faults
	out=$(KEEL_DECAY_MS=$2 LD_PRELOAD=$LIBKEEL timeout 60 "$1" 200 "$3") ||
		fail "${1#$BUILD/tests/} at $2 ms: exit $?: $out"
	[[ $out =~ ^pages\ ([0-9]+)\ faults\ ([0-9]+)$ ]] ||
		fail "${1#$BUILD/tests/}: $out"
	pages=${BASH_REMATCH[1]} faults=${BASH_REMATCH[2]}
	echo "${1#$BUILD/tests/}, decay $2 ms, taken again after $3 ms: $faults faults for $pages pages"
}
for prog in "$BUILD/tests/shim/burst" "$BUILD/tests/musl/burst"; do
	run "$prog" 2000 300
	[ "$faults" -lt $((pages / 10)) ] ||
		fail "${prog##*/}: the burst was not kept for the decay"
	run "$prog" 200 700
	[ "$faults" -gt $((pages / 2)) ] ||
		fail "${prog##*/}: the burst was kept past the decay"
done
