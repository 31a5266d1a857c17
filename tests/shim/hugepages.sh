#!/usr/bin/env bash
# A heap that grows past 16 MiB gets each new segment's 2 MiB halves as
# transparent huge pages (shim/hugepage.c), where the kernel offers them:
# a glibc and a musl program grow to 64 MiB in blocks of 4-100 KB. Asked
# of it: at least half of the heap in huge pages (measured 56 of 64 MiB:
# the first 16 MiB fault page by page), page faults at most 2/5 of those
# with KEEL_HUGEPAGES=off (3,550 against 17,030), VmRSS at most 6 MiB
# more (3.4 more: the segment being filled); with KEEL_HUGEPAGES=off, and
# for a heap of 8 MiB, no huge page at all. Every byte is checked. Where
# the kernel's setting is "never", no huge page either. A heap that has
# just given memory back (three blocks in four freed, malloc_trim) and
# grows by 64 MiB again takes none for that growth: one split later would
# cost more than it saves (shim/hugepage.c); nor does one that frees a
# block in four as it grows.
. "$TESTS/lib.sh"
tmpdir
thp=/sys/kernel/mm/transparent_hugepage
offered=1
grep -q '\[never\]' "$thp/enabled" 2>/dev/null && offered=0
[ -r "$thp/enabled" ] || offered=0
[ "$(cat "$thp/hpage_pmd_size" 2>/dev/null)" = 2097152 ] || offered=0
always=0
grep -q '\[always\]' "$thp/enabled" 2>/dev/null && always=1

# run PROG "MIB [MODE]" [VAR=VALUE...]: sets out, faults, rss, huge (KiB)
# and slow (huge pages keel found slower than small ones, then stopped
# asking for: hugepage_slow.sh)
run() {
	local err=$T/stats
	# shellcheck disable=SC2086 # MIB and MODE: two words
	out=$(env "${@:3}" KEEL_STATS=1 LD_PRELOAD=$LIBKEEL timeout 60 "$1" $2 \
		2>"$err") ||
		fail "${1#$BUILD/tests/} $2${3:+ ${*:3}}: exit $?: $out $(cat "$err")"
	slow=$(slow_hugepages "$err")
	echo "${1#$BUILD/tests/} $2${3:+ ${*:3}}: $out (slow huge pages: $slow)"
	read -r _ faults _ rss _ huge _ <<<"$out"
	[ "$huge" -ge 0 ] || skip "no AnonHugePages in /proc/self/smaps_rollup"
}
for prog in "$BUILD/tests/shim/hugepages" "$BUILD/tests/musl/hugepages"; do
	name=${prog#$BUILD/tests/}
	run "$prog" 64 KEEL_HUGEPAGES=off
	off_faults=$faults off_rss=$rss
	# under THP "always" the program's own mappings may get some
	[ "$always" = 1 ] || [ "$huge" = 0 ] ||
		fail "$name: $huge KiB in huge pages with KEEL_HUGEPAGES=off"
	# 2 MiB blocks a virtual machine's host still backs (thpwarm.c)
	"$BUILD/tests/shim/thpwarm" 96
	run "$prog" 64
	if [ "$offered" = 0 ]; then
		[ "$huge" = 0 ] || fail "$name: $huge KiB in huge pages where the kernel offers none"
		continue
	fi
	[ "$rss" -le $((off_rss + 6 * 1024)) ] ||
		fail "$name: VmRSS $rss KiB with huge pages, $off_rss KiB without"
	if [ "$slow" -gt 0 ]; then
		# a virtual machine's host had taken the free 2 MiB blocks
		# back: keel stopped at the first that cost more than small
		# pages, and the heap grew in those (hugepage_slow.sh)
		echo "$name: huge pages slower than small ones here: not counted"
	else
		[ "$huge" -ge $((64 * 1024 / 2)) ] ||
			fail "$name: only $huge KiB of a 64 MiB heap in huge pages"
		if [ "$faults" -ge 0 ] && [ "$off_faults" -ge 0 ]; then
			[ "$faults" -le $((off_faults * 2 / 5)) ] ||
				fail "$name: $faults page faults with huge pages, $off_faults without"
		fi
	fi
	run "$prog" 8
	[ "$always" = 1 ] || [ "$huge" = 0 ] ||
		fail "$name: $huge KiB in huge pages for a heap of 8 MiB"
	# the regrowth right after memory went back (musl has no malloc_trim:
	# its keel-preloaded program resolves keel's)
	"$BUILD/tests/shim/thpwarm" 96
	run "$prog" "64 regrow"
	regrown=${out##* }
	[ "$always" = 1 ] || [ "$regrown" -le 0 ] ||
		fail "$name: $regrown KiB of huge pages for a heap growing right after it gave memory back"
	run "$prog" "64 churn"
	[ "$always" = 1 ] || [ "$huge" = 0 ] ||
		fail "$name: $huge KiB of huge pages for a heap that frees as it grows"
done
[ "$offered" = 1 ] || echo "transparent huge pages are not offered here: none was used"
exit 0
