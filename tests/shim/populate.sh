#!/usr/bin/env bash
# A buffer that realloc grows has its new pages mapped in one system call
# (MADV_POPULATE_WRITE, shim/populate.c), not faulted in one by one as the
# program appends: appends of 500-1500 bytes up to 64 KiB-8 MiB, 256 MiB in
# all (65,837 pages), take about 215 page faults, 89,000 with the call
# refused; every byte is checked. KEEL_DECAY_MS=0, so that every buffer
# grows into fresh pages (at the default each takes the pages of the one
# freed before it, and faults less either way: 12,700 refused, about 60
# not). A glibc and a musl program. Where the call is refused (a
# kernel before 5.14, a seccomp filter: deny populate), the appends fault
# as before and nothing else changes. Page faults are counted by the perf
# event; where perf events are not allowed, only the bytes are checked.
# Under transparent huge pages "always" a fault maps 2 MiB: there the
# refused case is not expected to fault more. KEEL_FAULT_COST=high: where
# faults are cheap a huge buffer's appends fault their pages in, by design
# (growroom.sh).
. "$TESTS/lib.sh"
run() {	# run PROG [WRAPPER ARG...]: sets pages, faults, populate
	out=$(KEEL_FAULT_COST=high KEEL_DECAY_MS=0 LD_PRELOAD=$LIBKEEL \
		timeout 60 "${@:2}" "$1") ||
		fail "${1#$BUILD/tests/} ${*:2}: exit $?: $out"
	echo "${1#$BUILD/tests/} ${*:2}: $out"
	read -r _ pages _ faults _ populate <<<"$out"
}
for prog in "$BUILD/tests/shim/populate" "$BUILD/tests/musl/populate"; do
	run "$prog"
	[ "$populate" = 1 ] || skip "this kernel has no MADV_POPULATE_WRITE"
	[ "$faults" -ge 0 ] || skip "perf events are not allowed here"
	[ "$faults" -le $((pages / 64)) ] ||
		fail "${prog##*/}: $faults page faults for $pages pages appended"
	run "$prog" "$BUILD/tests/shim/deny" populate
	# under transparent huge pages "always" one fault maps 2 MiB
	grep -q '\[always\]' /sys/kernel/mm/transparent_hugepage/enabled \
		2>/dev/null && continue
	[ "$faults" -ge $((pages / 4)) ] ||
		fail "${prog##*/} with populate refused: only $faults page faults for $pages pages: the test measures nothing"
done
exit 0
