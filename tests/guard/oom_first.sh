#!/usr/bin/env bash
# A program that keel cannot trim (not shimmed) jumps from under the soft
# limit past the cgroup limit in a few milliseconds, so the OOM killer
# often strikes before the report is due (50 ms after the trim). keel then
# writes no report: it would show the victim without memory while its
# pages are still charged, and reading every process's files and writing
# it charge more at the limit, where the kernel may pick a second victim.
# A report that comes before the kill is right and stays: it lists the
# unshimmed python3 by its RSS. Every report says the OOM kills so far: 0.
# The grower is not keel's child (sh waits for it): keel sees the kill in
# the cgroup's counter only. keel stats, run in the container after the
# kill, counts it (text, JSON and Prometheus).
. "$TESTS/lib.sh"
. "$TESTS/guard/cgroup-lib"
need python3
tmpdir
trap 'cg_cleanup; rm -rf "$T"' EXIT

first=0
for i in 1 2 3 4 5; do
	cg_make "keel-test-oomfirst-$$-$i" "" 64M
	cg_keel "$CG" KEEL_MALLOC=off KEEL_VERBOSITY=3 -- \
		sh -c 'python3 -c "b = b\"\\1\" * (200 << 20)"; echo "python3: $?"
"$0" stats >"$1.txt"; "$0" stats --json >"$1.json"
"$0" stats --format prometheus >"$1.prom"; sleep 0.3' "$KEEL_BIN" "$T/stats" \
		>"$T/out" 2>"$T/err"
	rc=$?
	grep -E 'memory guard: (usage|the OOM)|^keel: report: ' "$T/err" | cut -c1-160
	expect_eq "status" 0 "$rc"
	expect_eq "python3's status" "python3: 137" "$(cat "$T/out")"
	expect_eq "OOM kills" 1 "$(cg_oom_kills "$CG")"
	grep -q '^memory: usage .* (cgroup v1), 1 OOM kill so far$' "$T/stats.txt" ||
		fail "keel stats does not count the OOM kill: $(head -n 2 "$T/stats.txt")"
	grep -q '^{"keel":"stats",.*"limit":67108864,"oom_kills":1,' "$T/stats.json" ||
		fail "keel stats --json does not count the OOM kill"
	grep -qx 'keel_cgroup_oom_kills_total 1' "$T/stats.prom" ||
		fail "keel stats --format prometheus does not count the OOM kill"
	grep -q '^keel: debug: memory guard: the OOM killer came first: no report' "$T/err" &&
		first=$((first + 1))
	grep '^{"keel":"memory-report"' "$T/err" | while read -r r; do
		python3 -c '
import json, sys
r = json.loads(sys.argv[1])
assert r["oom_kills"] == 0, "a report after the kill: %r" % r
p = [x for x in r["processes"] if x["command"] == "python3"]
assert not p or p[0]["no_heap"] == "not published", r
' "$r" || exit 1
	done || fail "a report after the OOM kill"
	cg_cleanup
	CG_MADE=()
done
echo "the OOM killer came first in $first of 5 runs"
exit 0
