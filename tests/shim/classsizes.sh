#!/usr/bin/env bash
# Every request from 0 B to 32 KiB gets the smallest size class that holds
# it, in a glibc and a musl program (classsizes.c): the class of sizes up
# to 1 KiB comes from a table, whose every entry this checks against the
# rule computed apart.
. "$TESTS/lib.sh"
for prog in "$BUILD/tests/shim/classsizes" "$BUILD/tests/musl/classsizes"; do
	out=$(LD_PRELOAD=$LIBKEEL timeout 20 "$prog") ||
		fail "${prog#$BUILD/tests/}: exit $?: $out"
	[[ $out == "sizes 32769" ]] || fail "${prog#$BUILD/tests/}: $out"
	echo "${prog#$BUILD/tests/}: $out"
done
