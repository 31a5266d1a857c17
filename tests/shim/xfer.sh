#!/usr/bin/env bash
# Blocks freed by another thread wait in the transfer cache, holding their
# spans' pages, until a thread takes them: when none does, the purger must
# give them back (idle, KEEL_DECAY_MS=200; busy: while a trickle of the
# same classes goes in and out at the top) and malloc_trim at once, so
# VmRSS comes back within 2 MiB of where it was before 32 MiB of blocks
# were allocated; the parked blocks count as free in mallinfo2. In a
# glibc and a musl program (musl has no mallinfo2: that check is glibc's).
. "$TESTS/lib.sh"
for prog in "$BUILD/tests/shim/xfer" "$BUILD/tests/musl/xfer"; do
	for mode in idle busy trim; do
		out=$(KEEL_DECAY_MS=200 LD_PRELOAD=$LIBKEEL timeout 20 "$prog" $mode) ||
			fail "${prog##*/} $mode: exit $?"
		echo "${prog#$BUILD/tests/} $mode: $out"
		read -r _ base _ full _ freed _ after _ _ _ more _ <<<"$out"
		[ "$full" -ge $((base + 30000)) ] ||
			fail "$mode: the blocks were never resident ($base -> $full KiB)"
		# busy: the trickle's own blocks and the batches it keeps
		# moving (up to 16 per class) stay: 3 MiB of them
		slack=2048
		[ $mode = busy ] && slack=4096
		[ "$after" -le $((base + slack)) ] ||
			fail "$mode: VmRSS $after KiB, not back near $base KiB: freed blocks still hold pages"
		[ "${more#-}" -le 65536 ] ||
			fail "$mode: $more bytes more in use after every block was freed"
	done
done
