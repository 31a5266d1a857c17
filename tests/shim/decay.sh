#!/usr/bin/env bash
# RSS tracks live bytes in an idle process: after a burst is freed, the
# program sleeps without calling the allocator, and VmRSS must come back
# near live within about twice KEEL_DECAY_MS (jemalloc and mimalloc keep
# their peak here). Two bursts: a big one (over the dirty cap, purged by
# the freeing thread) and a small one (under it, left to the purger). The
# pages go back in batches (process_madvise) or, where a seccomp filter or
# an old kernel refuses that, a range at a time (madvise): both are run.
. "$TESTS/lib.sh"
check() {	# check BURST MARGIN_KIB [WRAPPER ARG...]
	out=$(KEEL_DECAY_MS=300 LD_PRELOAD=$LIBKEEL timeout 60 "${@:3}" \
		"$BUILD/tests/shim/decay" idle 800 "$1") || fail "exit $?"
	echo "$out" | head -1
	read -r _ base _ peak _ freed _ live _ _ <<<"$(echo "$out" | head -1)"
	last=$(echo "$out" | tail -1 | awk '{print $3}')
	echo "burst $1: rss after free $freed KiB, after 800 ms $last KiB, base+live $((base + live)) KiB"
	[ "$last" -le $((base + live * 110 / 100 + $2)) ] ||
		fail "burst $1: RSS $last KiB did not come back near base $base + live $live KiB"
}
check 3000 4096
check 60 1024
# the small burst must actually have been resident first
[ "$freed" -ge $((last + 2048)) ] || fail "small burst: nothing to purge ($freed -> $last)"
deny=$BUILD/tests/shim/deny
echo "process_madvise refused:"
check 3000 4096 "$deny" process_madvise
check 60 1024 "$deny" process_madvise
if "$deny" probe; then
	echo "madvise refused (only the batches can return pages):"
	check 3000 4096 "$deny" madvise
	check 60 1024 "$deny" madvise
else
	echo "this kernel refuses process_madvise on itself: batches not checked"
fi
