#!/usr/bin/env bash
# Freed huge blocks are cached for reuse: a cut mapping's tail serves the
# next block with no page faulted in, and so does a cached mapping a block
# of the page heap's sizes fits, and a buffer grown in a cached mapping
# keeps room to grow; a full cache keeps its 32 newest mappings and
# unmaps the oldest; calloc still gives zeros, realloc
# chains keep their bytes, and the cache goes back to the OS on
# malloc_trim(0) (60 s decay: only the trim can do it) and, idle, within
# the default decay time; in a glibc and a musl program.
. "$TESTS/lib.sh"
for prog in "$BUILD/tests/shim/hugecache" "$BUILD/tests/musl/hugecache"; do
for mode in trim idle; do
	decay=
	[ "$mode" = trim ] && decay=60000
	out=$(KEEL_DECAY_MS=$decay LD_PRELOAD=$LIBKEEL timeout 60 \
		"$prog" $mode) || fail "$prog $mode: exit $?"
	echo "$prog $mode: $out"
	read -r _ base _ peak _ after _ ret <<<"$(echo "$out" | tail -1)"
	tail_faults=$(echo "$out" | awk '$1 == "tail" { print $3 }')
	[ -n "$tail_faults" ] && [ "$tail_faults" -lt 256 ] ||
		fail "$mode: a block in a cut mapping's tail faulted ${tail_faults:-?} of 1024 pages in"
	grow_faults=$(echo "$out" | awk '$1 == "grow" { print $3 }')
	[ -n "$grow_faults" ] && [ "$grow_faults" -lt 10 ] ||
		fail "$mode: a buffer grown in a cached mapping faulted ${grow_faults:-?} pages in"
	fit_faults=$(echo "$out" | awk '$1 == "fit" { print $3 }')
	[ -n "$fit_faults" ] && [ "$fit_faults" -lt 40 ] ||
		fail "$mode: a 600 KiB block faulted ${fit_faults:-?} of 150 pages in beside a cached mapping it fits"
	# 32 mappings of 1540 KiB stay cached of 40 freed (49280 KiB)
	full_kept=$(echo "$out" | awk '$1 == "full" { print $3 }')
	[ -n "$full_kept" ] && [ "$full_kept" -gt $((31 * 1540)) ] &&
		[ "$full_kept" -lt $((33 * 1540)) ] ||
		fail "$mode: 40 freed 1.5 MiB blocks left ${full_kept:-?} KiB resident, not 32 of them"
	[ "$peak" -ge $((base + 10240)) ] || fail "$mode: blocks not resident ($base -> $peak KiB)"
	[ "$after" -le $((base + 2048)) ] ||
		fail "$mode: cached huge blocks still resident: $after KiB, base $base KiB"
	[ "$mode" = trim ] && expect_eq "malloc_trim result" 1 "$ret"
done
done
exit 0
