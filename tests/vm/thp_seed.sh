#!/usr/bin/env bash
# guard_seed_oom.sh's keel run with transparent huge pages "always", the
# default of Debian's kernel (and of other distributions' node kernels):
# keel's allocator must still keep the seed workload under 1.5x its live
# data (memory.max 48 MiB). Prints the cgroup's huge page counters.
. "$TESTS/vm/vm-lib"
echo always > /sys/kernel/mm/transparent_hugepage/enabled
cg_make "thp-seed-$$" "" 48M
ctr -C "$CG" KEEL_STATS_DIR=/tmp/stats -- "$BUILD/tests/bench/seed" 16 /tmp/samples 2 \
	> /tmp/out 2> /tmp/err
rc=$?
cut -c1-200 /tmp/err | grep -v '^keel: report:  '
echo "status $rc, peak $(($(cat "$CG/memory.peak") >> 20)) MiB, oom_kill $(cg_oom_kills "$CG"), $(grep -E '^(anon_thp|thp_fault_alloc|thp_collapse_alloc) ' "$CG/memory.stat" | tr '\n' ' ')"
[ "$rc" = 0 ] && [ "$(cg_oom_kills "$CG")" = 0 ] ||
	fail "with transparent huge pages always, keel's allocator is OOM-killed ($(sed -n 's/.*OOM killer at \(.*\)/at \1/p' /tmp/err | head -n 1))"
exit 0
