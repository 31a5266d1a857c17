#!/usr/bin/env bash
# A huge page that costs more CPU time to back than 512 small pages is
# the last keel asks for in 10 s (shim/hugepage.c). In a virtual machine
# that reports free memory to its host, 2 MiB blocks left free for a few
# seconds go back to the host, and backing one again took 4.7 ms where it
# takes 0.09: after 3 s with none freed, a glibc and a musl program grow
# a 64 MiB heap; keel must report one slow huge page, not one for each of
# the 24 it would have asked for (and every byte is checked). Where huge
# pages stay cheap (no such host), there is nothing to see: skipped.
. "$TESTS/lib.sh"
tmpdir
thp=/sys/kernel/mm/transparent_hugepage
grep -q '\[never\]' "$thp/enabled" 2>/dev/null &&
	skip "transparent huge pages are not offered here"
seen=0
for prog in "$BUILD/tests/shim/hugepages" "$BUILD/tests/musl/hugepages"; do
	name=${prog#$BUILD/tests/}
	sleep 3	# the host takes back what the last program freed
	out=$(KEEL_STATS=1 LD_PRELOAD=$LIBKEEL timeout 60 "$prog" 64 \
		2>"$T/stats") || fail "$name: exit $?: $out $(cat "$T/stats")"
	slow=$(slow_hugepages "$T/stats")
	echo "$name: $out; slow huge pages: $slow"
	[ "$slow" != 0 ] || continue
	seen=1
	expect_eq "$name: slow huge pages backed" 1 "$slow"
done
[ "$seen" = 1 ] || skip "huge pages were no slower than small ones here"
exit 0
