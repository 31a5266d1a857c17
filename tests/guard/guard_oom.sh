#!/usr/bin/env bash
# Live data that really exceeds a real cgroup v1 limit, under the real keel
# as PID 1: a shimmed Python keeps 1 MiB buffers it never frees. keel's
# report (JSON line + readable form) comes at the soft limit, before the
# kill; after the OOM kill keel says in plain words that the OOM killer
# did it, naming the process as it was when it died (started as sh, it
# exec'd python), with the last published heap statistics, and exits 137; the
# process's stats file is gone.
. "$TESTS/lib.sh"
. "$TESTS/guard/cgroup-lib"
need python3
tmpdir
trap 'cg_cleanup; rm -rf "$T"' EXIT
cg_make "keel-test-oom-$$" "" 64M

# started as sh, which execs python: the post-mortem names the process as
# it was when it died
cg_keel "$CG" KEEL_STATS_DIR="$T/stats" -- sh -c 'exec python3 -c "$0"' '
import time
keep = []
while True:
    keep.append(bytearray(b"\1") * (1 << 20))
    time.sleep(0.02)' >"$T/out" 2>"$T/err"
rc=$?
cut -c1-300 "$T/err"
expect_eq "status (SIGKILL)" 137 "$rc"
expect_eq "OOM kills" 1 "$(cg_oom_kills "$CG")"
n_report=$(grep -n '^{"keel":"memory-report"' "$T/err" | head -n1 | cut -d: -f1)
n_text=$(grep -n '^keel: report: .*soft limit 57.6 MiB, cgroup limit 64.0 MiB' "$T/err" | head -n1 | cut -d: -f1)
n_oom=$(grep -n '^keel: error: python3 (pid 2) was killed by the OOM killer at 64 MiB; heap: [0-9]* MiB in use, [0-9]* MiB free-resident$' "$T/err" | cut -d: -f1)
[ -n "$n_report" ] || fail "no JSON report before the kill"
[ -n "$n_text" ] || fail "no readable report"
[ -n "$n_oom" ] || fail "no post-mortem line with heap statistics"
[ "$n_report" -lt "$n_oom" ] && [ "$n_text" -lt "$n_oom" ] ||
	fail "the report came after the kill"
python3 -c '
import json, sys
r = json.loads(sys.argv[1])
assert r["limit"] == 64 << 20 and r["soft_limit"] == int(0.9 * (64 << 20)), r
p = [x for x in r["processes"] if x["pid"] == 2]
assert p and p[0]["command"] == "python3" and p[0]["in_use"] > 40 << 20, r
' "$(sed -n "${n_report}p" "$T/err")" || fail "JSON report content"
# the post-mortem: its own JSON line and the last heap statistics
grep -q '^{"keel":"oom-kill",.*"pid":2,"command":"python3","limit":67108864,"in_use":[1-9]' "$T/err" ||
	fail "no oom-kill JSON line"
grep -q '^keel: report:   last heap statistics of pid 2:' "$T/err" ||
	fail "no readable last heap statistics"
in_use=$(sed -n 's/.*killed by the OOM killer at 64 MiB; heap: \([0-9]*\) MiB in use.*/\1/p' "$T/err")
[ "$in_use" -ge 40 ] || fail "last heap statistics say only $in_use MiB in use"
# keel's instance folder goes with keel
expect_eq "statistics folders left" "" "$(ls "$T/stats")"
exit 0
