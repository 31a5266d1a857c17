#!/usr/bin/env bash
# guard_trim.sh's idle process with transparent huge pages "always" (the
# default of Debian's kernel) and with "madvise": after keel's trim its RSS
# must be as low under "always" as under "madvise" (within 2 MiB).
. "$TESTS/vm/vm-lib"
soft=$((64 << 20))

# trim MODE: prints the idle process's RSS in bytes after the trim
trim() {
	echo "$1" > /sys/kernel/mm/transparent_hugepage/enabled
	cg_make "thp-trim-$1" "" 128M
	ctr -C "$CG" KEEL_STATS_DIR=/tmp/stats-$1 KEEL_RSS_LIMIT=64M KEEL_DECAY_MS=60000 -- dash -c '
/build/tests/guard/trimlat idle 56 > /tmp/idle.out &
idle=$!
for i in $(seq 100); do grep -q ready /tmp/idle.out && break; sleep 0.1; done
sleep 0.5
echo "before: $(grep -E "^(Rss|AnonHugePages)" /proc/$idle/smaps_rollup | tr -s " \n" " ")"
/build/tests/guard/trimlat hog $idle "$(echo "$KEEL_STATS_DIR/$idle".*)" /sys/fs/cgroup/memory.current '"$soft"' 120
sleep 0.2
echo "after: $(grep -E "^(Rss|AnonHugePages)" /proc/$idle/smaps_rollup | tr -s " \n" " ")"
echo "rss_after $(($(cut -d" " -f2 /proc/$idle/statm) * 4096))"
kill $idle' > /tmp/out-$1 2> /tmp/err-$1
	sed "s/^/$1: /" /tmp/out-$1 >&2
	grep -q '^crossed .*trim_epoch_done_ms=[0-9]' /tmp/out-$1 ||
		fail "$1: the idle process did not serve the trim"
	sed -n 's/^rss_after //p' /tmp/out-$1
}

madvise=$(trim madvise)
always=$(trim always)
echo "idle RSS after the trim: $((madvise >> 10)) KiB with madvise, $((always >> 10)) KiB with always"
[ "$always" -le $((madvise + (2 << 20))) ] ||
	fail "with transparent huge pages always, the idle process keeps $(((always - madvise) >> 10)) KiB more after a trim than with madvise"
exit 0
