#!/usr/bin/env bash
# A fast grower on a real cgroup v2 limit, under the real keel as PID 1 in
# a cgroup namespace: a shimmed program touches 1 MiB blocks as fast as the
# VM goes, beside an idle shimmed process. The VM is slower than a machine
# (TCG: 100-300 MiB/s), so the limit is scaled to the rate measured first:
# memory.max = half a second of growth, so the 10% between the soft limit
# and memory.max lasts 50 ms, as for 1 GiB/s in a 512 MiB container.
# Three runs: keel's report must be out, and the grower must have trimmed,
# before the OOM kill; three more with KEEL_ON_LIMIT=fail: the grower must
# get ENOMEM instead of the kill. (keel polls memory.current every 50 ms on
# v2, reports 50 ms after the trim and sets deny_growth 50 ms after it.)
. "$TESTS/vm/vm-lib"
runs=${FAST_RUNS:-3}
cg_make "fast-rate-$$" "" 512M
cg_run "$CG" "$BUILD/tests/vm/grow" 1024 0 64 > /tmp/rate
rate=$(sed -n 's/^grown 64 MiB in .* (\([0-9]*\) MiB\/s)$/\1/p' /tmp/rate)
[ -n "$rate" ] || fail "no rate: $(cat /tmp/rate)"
limit=$((rate / 2))
[ $limit -ge 64 ] || limit=64
echo "grower: $rate MiB/s; memory.max $limit MiB (10% = $((limit * 100 / rate)) ms of growth)"

late=0 killed=0 i=0
while [ $i -lt "$runs" ]; do
	i=$((i + 1))
	cg_make "fast-$i" "" ${limit}M
	ctr -C "$CG" KEEL_STATS_DIR=/tmp/s$i KEEL_DECAY_MS=60000 -- dash -c '
/build/tests/guard/trimlat idle 24 > /tmp/idle$0.out &
for i in $(seq 100); do grep -q ready /tmp/idle$0.out && break; sleep 0.1; done
sleep 0.5
exec /build/tests/vm/grow 1024 0 2000' $i > /tmp/out$i 2> /tmp/err$i
	rc=$?
	n_report=$(grep -n '^{"keel":"memory-report"' /tmp/err$i | head -n 1 | cut -d: -f1)
	n_oom=$(grep -n '^keel: error: .* was killed by the OOM killer' /tmp/err$i | head -n 1 | cut -d: -f1)
	trims=$(sed -n 's/^{"keel":"oom-kill",.*"trims":\([0-9]*\).*/\1/p' /tmp/err$i | head -n 1)
	crossed=$(sed -n 's/^keel: report: .*(\([0-9.]*\) MiB when it crossed).*/\1/p' /tmp/err$i | head -n 1)
	echo "trim run $i: status $rc, $(tail -n 1 /tmp/out$i), first report at line ${n_report:-none} (usage ${crossed:-?} MiB when keel saw the crossing), post-mortem at line ${n_oom:-none}, grower's trims ${trims:-none}"
	[ "$rc" = 137 ] && [ -n "$n_oom" ] || fail "run $i: the grower was not OOM-killed (status $rc)"
	[ -n "$n_report" ] && [ "$n_report" -lt "$n_oom" ] && [ "${trims:-0}" -ge 1 ] ||
		late=$((late + 1))
done
i=0
while [ $i -lt "$runs" ]; do
	i=$((i + 1))
	cg_make "fast-fail-$i" "" ${limit}M
	ctr -C "$CG" KEEL_STATS_DIR=/tmp/f$i KEEL_ON_LIMIT=fail -- \
		"$BUILD/tests/vm/grow" 1024 0 2000 > /tmp/fout$i 2> /tmp/ferr$i
	rc=$?
	echo "fail run $i: status $rc, OOM kills $(cg_oom_kills "$CG"), $(grep -E '^(ENOMEM|allocating)' /tmp/fout$i | tr '\n' ' ')$(tail -n 1 /tmp/fout$i)"
	grep -q '^ENOMEM after' /tmp/fout$i && [ "$rc" = 0 ] || killed=$((killed + 1))
done
echo "report after the kill in $late of $runs runs; OOM-killed under KEEL_ON_LIMIT=fail in $killed of $runs runs"
[ $late = 0 ] && [ $killed = 0 ] ||
	defect "a grower at $rate MiB/s in a $limit MiB cgroup (the soft limit's 10% margin lasts 50 ms, as 1 GiB/s in 512 MiB): report after the OOM kill in $late of $runs runs, OOM-killed despite KEEL_ON_LIMIT=fail in $killed of $runs (v2: memory.current polled every 50 ms, the report and deny_growth 50 ms after the trim)"
exit 0
