#!/usr/bin/env bash
# Out of address space from the first allocation on (RLIMIT_AS at the
# process's size plus 0 to 40 MiB, in steps of 250 KiB; RLIMIT_DATA, which
# the heap's mappings count against, likewise): every block malloc
# hands out is a block of the heap that free, realloc and
# malloc_usable_size take back, none is lost or refused as foreign, once
# all are freed about as many can be taken again, and big blocks freed give
# their address space to small ones (the cached free mappings go back); in
# a glibc and a musl program.
. "$TESTS/lib.sh"
for run in "shim/nomap as" "musl/nomap as" "shim/nomap data" \
	"musl/nomap data"; do
	read -r prog limit <<<"$run"
	most=0
	for extra in $(seq 0 250 40000); do
		out=$(LD_PRELOAD=$LIBKEEL timeout 20 "$BUILD/tests/$prog" \
			"$limit" "$extra" 2>&1) ||
			fail "$run at +$extra KiB: exit $?: $out"
		[[ $out != *libkeel* ]] ||
			fail "$run at +$extra KiB: the heap complained: $out"
		n=${out#blocks }
		n=${n%% *}
		((n > most)) && most=$n
	done
	# the sweep reached limits where blocks could be had at all
	((most > 20)) || fail "$run: at most $most blocks at any limit"
	echo "$run: up to $most blocks, no block lost or refused"
done
