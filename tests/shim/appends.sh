#!/usr/bin/env bash
# Huge buffers grown by appends across threads, handed to another thread,
# shrunk, grown again and freed (tests/shim/appends.c): every byte held
# and malloc_usable_size covering each request, at the default decay
# (freed mappings reused with resident pages past the request), with a
# decay of 0 (nothing cached), and where faults are dear (buffers move
# into freed memory); in a glibc and a musl program.
. "$TESTS/lib.sh"
for prog in "$BUILD/tests/shim/appends" "$BUILD/tests/musl/appends"; do
	for env in KEEL_DECAY_MS=500 KEEL_DECAY_MS=0 KEEL_FAULT_COST=high; do
		out=$(env "$env" LD_PRELOAD=$LIBKEEL timeout 100 "$prog" 4 80 2>&1) ||
			fail "${prog#$BUILD/tests/} $env: exit $?: $out"
		echo "${prog#$BUILD/tests/} $env: $out"
	done
done
exit 0
