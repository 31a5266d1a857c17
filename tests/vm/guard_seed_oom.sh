#!/usr/bin/env bash
# Issue 4's OOM experiment on a real cgroup v2: the seed's grow-copy-free
# workload (tests/bench/seed: receiver and worker threads, buffers grown by
# realloc appends, handed across threads, copied, sliced, freed) under the
# real keel as PID 1 in a cgroup namespace, memory.max 48 MiB, about 1.5x
# its live data in the VM (2 groups: ~30 MiB live under TCG, 16 s). glibc
# (KEEL_MALLOC=off) is OOM-killed and keel says so in plain words; keel's
# allocator stays under the limit and the run completes. SEED_OOM_RUNS
# runs per allocator (2).
. "$TESTS/vm/vm-lib"
runs=${SEED_OOM_RUNS:-2}
i=0
dmesg -c > /dev/null 2>&1
while [ $i -lt "$runs" ]; do
	i=$((i + 1))
	for m in off keel; do
		cg_make "seed-$m-$i" "" 48M
		ctr -C "$CG" KEEL_MALLOC=$m KEEL_STATS_DIR=/tmp/stats-$m-$i -- \
			"$BUILD/tests/bench/seed" 16 /tmp/samples-$m-$i 2 \
			> /tmp/out-$m-$i 2> /tmp/err-$m-$i
		rc=$?
		echo "$m $i status $rc peak $(($(cat "$CG/memory.peak") >> 20)) MiB oom_kill $(cg_oom_kills "$CG")" | tee -a /tmp/results
		awk '{ if ($2 > r) r = $2; if ($3 > l) l = $3 } END { if (NR) printf "  samples %d, peak RSS %.1f MiB, peak live %.1f MiB\n", NR, r / 1048576, l / 1048576 }' /tmp/samples-$m-$i
		grep -h 'OOM killer' /tmp/err-$m-$i | cut -c1-200
		# which tasks the kernel killed (a second kill after the seed
		# took keel's post-mortem line once): read, then cleared
		dmesg -c 2>/dev/null | grep -o 'Killed process [0-9]* ([^)]*)' |
			sed 's/^/  kernel: /'
	done
done
while read -r m i _ rc _ peak _ _ kills; do
	case $m in
	off)
		expect_eq "glibc run $i: status (137 = SIGKILL)" 137 "$rc"
		expect_eq "glibc run $i: OOM kills" 1 "$kills"
		grep -q '^keel: error: seed (pid 2) was killed by the OOM killer at 48 MiB; no heap statistics (not shimmed by keel)' /tmp/err-off-$i ||
			fail "no post-mortem line for glibc run $i" ;;
	keel)
		expect_eq "keel run $i: status" 0 "$rc"
		expect_eq "keel run $i: OOM kills" 0 "$kills"
		grep -q '^ops [0-9]* seconds' /tmp/out-keel-$i || fail "keel run $i did not finish" ;;
	esac
done < /tmp/results
exit 0
