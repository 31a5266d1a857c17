#!/usr/bin/env bash
# A fork costs the pages its handlers write (copied on write, in parent
# and child): the child of a program whose 8 threads allocated may fault
# at most 40 pages more than without the library. Locking all 16 arenas'
# classes at fork made it 77-82 more (330 us a fork against 130).
. "$TESTS/lib.sh"
for prog in "$BUILD/tests/shim/forkcow" "$BUILD/tests/musl/forkcow"; do
	plain=$(timeout 20 "$prog" 8 20) || fail "${prog##*/}: exit $? without the library"
	keel=$(LD_PRELOAD=$LIBKEEL timeout 20 "$prog" 8 20) || fail "${prog##*/}: exit $?"
	echo "${prog#$BUILD/tests/}: without the library $plain, with it $keel"
	extra=$(( ${keel#faults } - ${plain#faults } ))
	[ "$extra" -le 40 ] ||
		fail "${prog#$BUILD/tests/}: a fork's child faulted $extra pages more than without the library"
done
