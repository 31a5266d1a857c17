#!/usr/bin/env bash
# A fork costs the pages its handlers write (copied on write, in parent
# and child): the child of a program whose 16 threads allocated (an arena
# each) may fault at most 15 pages more than without the library. Locking
# all 16 arenas' classes at fork made it 77-82 more (330 us a fork against
# 130); with each lock beside its class, 16-27 more under musl; with the
# locks packed on one page (shim/kl_heap.h), 0-1 under glibc, 7-11 under
# musl (the handlers' code pages among them).
. "$TESTS/lib.sh"
for prog in "$BUILD/tests/shim/forkcow" "$BUILD/tests/musl/forkcow"; do
	plain=$(timeout 20 "$prog" 16 20) || fail "${prog##*/}: exit $? without the library"
	keel=$(LD_PRELOAD=$LIBKEEL timeout 20 "$prog" 16 20) || fail "${prog##*/}: exit $?"
	echo "${prog#$BUILD/tests/}: without the library $plain, with it $keel"
	extra=$(( ${keel#faults } - ${plain#faults } ))
	[ "$extra" -le 15 ] ||
		fail "${prog#$BUILD/tests/}: a fork's child faulted $extra pages more than without the library"
done
