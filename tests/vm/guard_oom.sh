#!/usr/bin/env bash
# Live data that really exceeds a real cgroup v2 memory.max (64 MiB),
# under the real keel as PID 1 in a cgroup namespace: a shimmed program
# keeps 1 MiB blocks it never frees, 20 ms apart. keel's report (JSON line
# + readable form) comes at the soft limit, before the kill; after the OOM
# kill keel reads oom_kill from memory.events and says in plain words that
# the OOM killer took the program, with its last heap statistics, and
# exits 137; the program's stats file is gone.
. "$TESTS/vm/vm-lib"
cg_make "oom-$$" "" 64M
ctr -C "$CG" KEEL_STATS_DIR=/tmp/stats -- "$BUILD/tests/vm/grow" 1024 20000 200 \
	> /tmp/out 2> /tmp/err
rc=$?
cut -c1-300 /tmp/err
echo "memory.events: $(tr '\n' ' ' < "$CG/memory.events")"
expect_eq "status (SIGKILL)" 137 "$rc"
expect_eq "OOM kills in memory.events" 1 "$(cg_oom_kills "$CG")"
n_report=$(grep -n '^{"keel":"memory-report"' /tmp/err | head -n 1 | cut -d: -f1)
n_text=$(grep -n '^keel: report: .*soft limit 57.6 MiB, cgroup limit 64.0 MiB' /tmp/err | head -n 1 | cut -d: -f1)
n_oom=$(grep -n '^keel: error: grow (pid 2) was killed by the OOM killer at 64 MiB; heap: [0-9]* MiB in use, [0-9]* MiB free-resident$' /tmp/err | cut -d: -f1)
[ -n "$n_report" ] || fail "no JSON report before the kill"
[ -n "$n_text" ] || fail "no readable report"
[ -n "$n_oom" ] || fail "no post-mortem line with heap statistics"
[ "$n_report" -lt "$n_oom" ] && [ "$n_text" -lt "$n_oom" ] ||
	fail "the report came after the kill"
json=$(sed -n "${n_report}p" /tmp/err)
expect_eq "JSON limit" $((64 << 20)) "$(json_get "$json" limit)"
expect_eq "JSON soft_limit" 60397977 "$(json_get "$json" soft_limit)"
p=$(printf '%s\n' "$json" | sed 's/{"pid"/\n{"pid"/g' | grep '^{"pid":2,.*"command":"grow"')
[ -n "$p" ] || fail "the report does not name grow (pid 2): $json"
[ "$(json_get "$p" in_use)" -gt $((40 << 20)) ] || fail "grow's in_use in the report: $p"
# the post-mortem: its own JSON line and the last heap statistics
grep -q '^{"keel":"oom-kill",.*"pid":2,"command":"grow","limit":67108864,"in_use":[1-9]' /tmp/err ||
	fail "no oom-kill JSON line"
grep -q '^keel: report:   last heap statistics of pid 2:' /tmp/err ||
	fail "no readable last heap statistics"
in_use=$(sed -n 's/.*killed by the OOM killer at 64 MiB; heap: \([0-9]*\) MiB in use.*/\1/p' /tmp/err)
[ "$in_use" -ge 40 ] || fail "last heap statistics say only $in_use MiB in use"
# keel's instance folder went with keel
expect_eq "statistics folders left" "" "$(ls /tmp/stats)"
exit 0
