#!/usr/bin/env bash
# Freed huge blocks are cached for reuse: a cut mapping's tail serves the
# next block with no page faulted in, and so does a cached mapping a block
# of the page heap's sizes fits, and a buffer grown in a cached mapping
# keeps room to grow, and one grown past its mapping moves into a cached
# mapping (no fresh pages), one it fits or a far bigger one, cut, where
# faults are dear (KEEL_FAULT_COST=high; with low it grows in place into
# fresh pages, and the cached mapping waits for another block); a full
# cache keeps its 256 newest mappings and unmaps the oldest; calloc still
# gives zeros, realloc chains keep their bytes, and the cache goes back to
# the OS on malloc_trim(0) (60 s decay: only the trim can do it) and, idle,
# within the default decay time; in a glibc and a musl program.
. "$TESTS/lib.sh"
# faults WHAT: the faults the line "WHAT faults N" of $out gives
faults() { echo "$out" | awk -v w="$1" '$1 == w { print $3 }'; }
for prog in "$BUILD/tests/shim/hugecache" "$BUILD/tests/musl/hugecache"; do
for mode in trim idle; do
	decay=
	[ "$mode" = trim ] && decay=60000
	out=$(KEEL_FAULT_COST=high KEEL_DECAY_MS=$decay LD_PRELOAD=$LIBKEEL \
		timeout 60 "$prog" $mode) || fail "$prog $mode: exit $?"
	echo "$prog $mode: $out"
	read -r _ base _ peak _ after _ ret <<<"$(echo "$out" | tail -1)"
	tail_faults=$(faults tail)
	[ -n "$tail_faults" ] && [ "$tail_faults" -lt 256 ] ||
		fail "$mode: a block in a cut mapping's tail faulted ${tail_faults:-?} of 1024 pages in"
	grow_faults=$(faults grow)
	[ -n "$grow_faults" ] && [ "$grow_faults" -lt 10 ] ||
		fail "$mode: a buffer grown in a cached mapping faulted ${grow_faults:-?} pages in"
	fit_faults=$(faults fit)
	[ -n "$fit_faults" ] && [ "$fit_faults" -lt 40 ] ||
		fail "$mode: a 600 KiB block faulted ${fit_faults:-?} of 150 pages in beside a cached mapping it fits"
	# move: beside a cached mapping it fits; bigmove: a far bigger one
	for m in move bigmove; do
		f=$(faults $m)
		[ -n "$f" ] && [ "$f" -lt 20 ] ||
			fail "$mode $m: a huge buffer grown past its mapping beside a cached one faulted ${f:-?} pages in"
	done
	[ "$peak" -ge $((base + 10240)) ] || fail "$mode: blocks not resident ($base -> $peak KiB)"
	[ "$after" -le $((base + 2048)) ] ||
		fail "$mode: cached huge blocks still resident: $after KiB, base $base KiB"
	[ "$mode" = trim ] && expect_eq "malloc_trim result" 1 "$ret"
done
# faults cheap: the grown buffer keeps its place, its 50 new pages fresh
out=$(KEEL_FAULT_COST=low LD_PRELOAD=$LIBKEEL timeout 60 "$prog" idle) ||
	fail "$prog idle, KEEL_FAULT_COST=low: exit $?"
echo "$prog idle, KEEL_FAULT_COST=low: $out"
for m in move bigmove; do
	f=$(faults $m)
	[ -n "$f" ] && [ "$f" -ge 40 ] ||
		fail "KEEL_FAULT_COST=low $m: a huge buffer grown past its mapping faulted ${f:-?} of its 50 new pages in: it moved"
done
# a cap of half the bytes in use (KEEL_DECAY_MS 8000 and up): the 256
# slots bind; 256 mappings of 1032 KiB stay cached of 264 freed
out=$(KEEL_DECAY_MS=60000 LD_PRELOAD=$LIBKEEL timeout 60 "$prog" full) ||
	fail "$prog full: exit $?"
echo "$prog full: $out"
full_kept=$(faults full)
[ -n "$full_kept" ] && [ "$full_kept" -gt $((255 * 1032)) ] &&
	[ "$full_kept" -lt $((257 * 1032)) ] ||
	fail "full: 264 freed 1 MiB blocks left ${full_kept:-?} KiB resident, not 256 of them"
done
exit 0
