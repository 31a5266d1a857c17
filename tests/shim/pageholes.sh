#!/usr/bin/env bash
# The pages of partly used spans that no live block touches go back to
# the OS, here in classes of a page or less whose spans have several
# pages (tests/shim/holes.sh: classes above a page): by
# the purger once idle for KEEL_DECAY_MS, and by malloc_trim(0) at once
# (with a 60 s decay, only the trim can have done it), in a glibc and a
# musl program. 20000 blocks of 520 B-4 KiB (47 MiB), 6 in 7 freed at
# random: before, RSS kept 38 MiB of them (every span with a live block,
# whole); now 16-17 MiB. Three rounds of refilling every slot, checking
# every byte and thinning again run over spans with pages returned (their
# parked blocks come back on the list). Also with process_madvise refused
# (a range at a time).
. "$TESTS/lib.sh"
check() {	# check PROG MODE DECAY [WRAPPER ARG...]
	out=$(KEEL_DECAY_MS=$3 LD_PRELOAD=$LIBKEEL timeout 60 "${@:4}" "$1" "$2") ||
		fail "${1##*/} $2: exit $?: $out"
	echo "${1#$BUILD/tests/} $2: ${out//$'\n'/; }"
	expect_match "${1##*/} $2" "pageholes: ok$" "$out"
	read -r _ _ base _ full _ freed _ after _ live <<<"$out"
	[ "$freed" -ge $((base + 40000)) ] ||
		fail "${1##*/} $2: the free blocks were not resident ($freed KiB)"
	# half of what the blocks took: the spans alone kept 80% of it
	[ $((after - base)) -le $(((full - base) / 2)) ] ||
		fail "${1##*/} $2: RSS $after KiB after the frees (base $base, with the blocks $full, live $live): the free pages of partly used spans were not returned"
}
for prog in "$BUILD/tests/shim/pageholes" "$BUILD/tests/musl/pageholes"; do
	check "$prog" idle 200
	check "$prog" trim 60000
done
check "$BUILD/tests/shim/pageholes" idle 200 "$BUILD/tests/shim/deny" process_madvise
