#!/usr/bin/env bash
# The pages of partly used spans that no live block touches go back to the
# OS, here in a class above a page (tests/shim/pageholes.sh: classes of a
# page or less): by the purger once idle for KEEL_DECAY_MS, and by
# malloc_trim(0) at once (with a 60 s decay, only the trim can have done
# it), in a glibc and a musl program. 2000 blocks of 20 KiB, 7 in 8 freed,
# one live per span: at first RSS kept all 39 MiB; with the pages inside
# each free block returned, the live blocks and the first page of each
# free one (about 5 + 7 MiB); now the live blocks and the pages they share
# (5 + 0.5 MiB). The program checks that live
# blocks kept their bytes and that the returned blocks serve again. Also
# with process_madvise refused (a range at a time) and, where the kernel
# takes it, with madvise refused (batches only).
. "$TESTS/lib.sh"
check() {	# check PROG MODE DECAY [WRAPPER ARG...]
	out=$(KEEL_DECAY_MS=$3 LD_PRELOAD=$LIBKEEL timeout 30 "${@:4}" "$1" "$2") ||
		fail "${1##*/} $2: exit $?: $out"
	echo "${1#$BUILD/tests/} $2: $out"
	read -r _ _ base _ full _ freed _ after _ live <<<"$out"
	[ "$freed" -ge $((base + 30000)) ] ||
		fail "${1##*/} $2: the free blocks were not resident ($freed KiB)"
	[ "$after" -le $((base + live + 3000)) ] ||
		fail "${1##*/} $2: RSS $after KiB after the frees, base $base + live $live KiB: holes were not returned"
}
for prog in "$BUILD/tests/shim/holes" "$BUILD/tests/musl/holes"; do
	check "$prog" idle 200
	check "$prog" trim 60000
done
deny=$BUILD/tests/shim/deny
check "$BUILD/tests/shim/holes" idle 200 "$deny" process_madvise
if "$deny" probe; then
	check "$BUILD/tests/shim/holes" idle 200 "$deny" madvise
	check "$BUILD/tests/musl/holes" trim 60000 "$deny" madvise
fi
