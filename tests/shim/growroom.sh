#!/usr/bin/env bash
# A huge buffer realloc grows in appends holds no room resident ahead of
# its end where faults are cheap (KEEL_FAULT_COST=low: the appends fault
# their pages in, at most the page being written is past the length), and
# 64 KiB populated ahead where they are dear (high: 16 pages). With auto,
# the heap report gives the price keel measured for a fresh page, close to
# the one the faultcost benchmark measures by other means (within 3x), and
# the policy that price picks (dear past 5 us). A glibc and a musl program.
. "$TESTS/lib.sh"
run() {	# run PROG COST: sets most (pages) and report (the heap report line)
	local err=$T/err
	out=$(KEEL_FAULT_COST=$2 KEEL_STATS=1 LD_PRELOAD=$LIBKEEL timeout 60 \
		"$1" 2>"$err") || fail "${1#$BUILD/tests/} $2: exit $?: $(cat "$err")"
	report=$(grep 'a fresh page costs' "$err")
	echo "${1#$BUILD/tests/} KEEL_FAULT_COST=$2: $out; $report"
	most=$(echo "$out" | sed -n 's/.*at most \([0-9]*\) pages.*/\1/p')
	[ -n "$most" ] || fail "${1#$BUILD/tests/} $2: no count: $out"
}
tmpdir
for prog in "$BUILD/tests/shim/growroom" "$BUILD/tests/musl/growroom"; do
	run "$prog" low
	[ "$most" -le 1 ] ||
		fail "KEEL_FAULT_COST=low: $most pages resident past the buffer's end"
	case $report in
	*"(KEEL_FAULT_COST=low): growing huge buffers fault their pages in") ;;
	*) fail "KEEL_FAULT_COST=low: report: $report" ;;
	esac
	run "$prog" high
	# where MADV_POPULATE_WRITE is refused, nothing is populated ahead
	if [ "$(KEEL_DECAY_MS=0 "$BUILD/tests/shim/populate" 1 | awk '{ print $6 }')" = 1 ]; then
		[ "$most" -ge 8 ] && [ "$most" -le 17 ] ||
			fail "KEEL_FAULT_COST=high: $most pages resident past the end, not the 16 populated ahead"
	fi
	case $report in
	*"(KEEL_FAULT_COST=high): growing huge buffers move into freed memory") ;;
	*) fail "KEEL_FAULT_COST=high: report: $report" ;;
	esac
	run "$prog" auto
	us=$(echo "$report" | sed -n 's/.*costs \([0-9]*\.[0-9]\) us .*/\1/p')
	[ -n "$us" ] || fail "auto: no price measured: $report"
	verdict=fault
	awk -v u="$us" 'BEGIN { exit !(u > 5.0) }' && verdict=move
	case $report in
	*"growing huge buffers fault their pages in") got=fault ;;
	*"growing huge buffers move into freed memory") got=move ;;
	*) fail "auto: report: $report" ;;
	esac
	[ "$got" = "$verdict" ] ||
		fail "auto: a fresh page at $us us, yet growing buffers $got"
	if [ "$verdict" = fault ]; then
		[ "$most" -le 1 ] || fail "auto ($us us): $most pages resident past the end"
	fi
done
# the price against the faultcost benchmark's: populate plus first touch
bench=$("$BUILD/tests/bench/faultcost") || fail "faultcost: exit $?"
echo "faultcost: $bench"
ref=$(echo "$bench" | awk '{ print $6 + $8 }')
awk -v u="$us" -v r="$ref" 'BEGIN { exit !(u >= r / 3 && u <= r * 3) }' ||
	fail "keel measured $us us a fresh page; faultcost: $ref us (populate plus first touch)"
exit 0
