#!/usr/bin/env bash
# Huge pages under the heap (shim/hugepage.c) are charged to the cgroup
# whole: a purge of part of one unmapped its pages (VmRSS fell) while the
# kernel kept the huge page charged until memory pressure split it. A
# glibc program in a child memory cgroup grows its heap to 64 MiB (56 MiB
# of it in huge pages), frees three blocks in four and trims: the cgroup's
# usage must follow VmRSS down (measured: VmRSS 18 MiB, usage 17 MiB;
# with no split before the purge, usage stayed at 47 MiB). Where the
# kernel offers no huge pages the same bound holds with none used.
. "$TESTS/lib.sh"
. "$TESTS/guard/cgroup-lib"
prog=$BUILD/tests/shim/hugepages
[ -x "$prog" ] || fail "$prog missing (make test-programs)"
errf=$(mktemp /tmp/keel-test.XXXXXX)
trap 'cg_cleanup; rm -f "$errf"' EXIT
cg_make "keel-test-hugepages-$$"
for setting in on off; do
	# 2 MiB blocks a virtual machine's host still backs (thpwarm.c)
	[ "$setting" = off ] || "$BUILD/tests/shim/thpwarm" 96
	out=$(cg_run "$CG" env KEEL_HUGEPAGES=$setting KEEL_STATS=1 \
		LD_PRELOAD="$LIBKEEL" timeout 60 "$prog" 64 \
		"$CG/memory.usage_in_bytes" 2>"$errf") ||
		fail "KEEL_HUGEPAGES=$setting: exit $?: $out $(cat "$errf")"
	echo "KEEL_HUGEPAGES=$setting: $out"
	[ "$setting" = off ] ||
		slow=$(slow_hugepages "$errf")
	read -r _ _ _ _ _ huge _ rss _ usage <<<"$out"
	[ "$usage" -le $((rss + 8 * 1024)) ] ||
		fail "KEEL_HUGEPAGES=$setting: the cgroup's usage is $usage KiB after the trim, VmRSS $rss KiB"
	[ "$setting" = on ] && huge_on=$huge
done
thp=/sys/kernel/mm/transparent_hugepage
if grep -qE '\[(always|madvise)\]' "$thp/enabled" 2>/dev/null &&
	[ "$(cat "$thp/hpage_pmd_size" 2>/dev/null)" = 2097152 ]; then
	# keel stops at a huge page slower than small ones (hugepage_slow.sh)
	[ "$huge_on" -ge $((16 * 1024)) ] || [ "$slow" != 0 ] ||
		fail "only $huge_on KiB in huge pages: the test measured nothing"
	[ "$slow" = 0 ] || echo "huge pages slower than small ones here"
else
	echo "transparent huge pages are not offered here: none was used"
fi
exit 0
