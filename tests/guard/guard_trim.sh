#!/usr/bin/env bash
# The guard on a real cgroup v1 limit: usage crossing the soft limit wakes
# an idle purger through the control file's futex (cgroup.event_control
# threshold, no polling), the purger returns its free memory, usage falls
# below the soft limit, and the report (JSON + text) names the process.
# Prints the measured crossing -> wake -> returned times (not asserted).
. "$TESTS/lib.sh"
. "$TESTS/guard/cgroup-lib"
need musl-gcc
tmpdir
drv=$("$TESTS/guard/build-driver") || fail "driver build failed"
purger=$BUILD/tests/guard/purger
[ -x "$purger" ] || fail "$purger missing (make test-programs)"
trap 'cg_cleanup; rm -rf "$T"' EXIT
chmod 755 "$T"
cg_make "keel-test-trim-$$" "" 64M

KEEL_STATS_DIR=$T/stats KEEL_RSS_LIMIT=32M KEEL_REPORT=stderr \
	cg_run "$CG" "$drv" guard 6 >"$T/drv.out" 2>"$T/drv.err" &
drv_pid=$!
for _ in $(seq 100); do [ -e "$T/stats/control" ] && break; sleep 0.05; done
[ -e "$T/stats/control" ] || { cat "$T/drv.err"; fail "no control file"; }
expect_eq "stats folder mode" 1777 "$(stat -c %a "$T/stats")"
expect_eq "control mode" 644 "$(stat -c %a "$T/stats/control")"
grep -q "threshold event" "$T/drv.err" || fail "v1 threshold event not used: $(cat "$T/drv.err")"

# an idle purger holding 20 MiB (below the soft limit), run as nobody like
# a non-root app user; then a second one whose 20 MiB cross the limit
cg_run "$CG" setpriv --reuid 65534 --regid 65534 --clear-groups \
	"$purger" "$T/stats" 20 >"$T/idle.out" 2>&1 &
for _ in $(seq 100); do grep -q '^ready' "$T/idle.out" && break; sleep 0.05; done
grep -q '^ready' "$T/idle.out" || fail "idle purger did not start: $(cat "$T/idle.out")"
sleep 0.3
grep -q '^trim' "$T/idle.out" && fail "trimmed below the soft limit"
PURGER_USAGE_FILE=$CG/memory.usage_in_bytes PURGER_SOFT=$((32 << 20)) \
	cg_run "$CG" "$purger" "$T/stats" 20 >"$T/cross.out" 2>&1 &
for _ in $(seq 100); do grep -q '^trim' "$T/idle.out" && break; sleep 0.05; done
sleep 0.1
cat "$T/idle.out" "$T/cross.out"
grep -q '^trim epoch=1 ' "$T/idle.out" || { cat "$T/drv.err"; fail "the idle purger was not asked to trim"; }
grep -q '^trim epoch=1 ' "$T/cross.out" || fail "the crossing purger was not asked to trim"
cross=$(sed -n 's/.*crossed at \([0-9]*\).*/\1/p' "$T/cross.out")
seen=$(sed -n 's/^trim .* seen at \([0-9]*\).*/\1/p' "$T/idle.out")
back=$(sed -n 's/^trim .* returned at \([0-9]*\).*/\1/p' "$T/idle.out")
[ "${cross:-0}" -gt 0 ] || fail "the crossing was not observed"
echo "measured: crossing -> idle purger awake $((seen - cross)) ms, -> its pages returned $((back - cross)) ms"

# usage fell below the soft limit after the trim
sleep 0.3
usage=$(cat "$CG/memory.usage_in_bytes")
echo "usage after trim: $usage"
[ "$usage" -lt $((32 << 20)) ] || fail "usage $usage still above the soft limit"

# the report: one JSON line naming the purger, and the readable form
for _ in $(seq 40); do grep -q '"memory-report"' "$T/drv.err" && break; sleep 0.05; done
cat "$T/drv.err"
ppid=$(pgrep -u 65534 -f "^$purger $T/stats" | head -n1)
json=$(grep '^{"keel":"memory-report"' "$T/drv.err" | head -n1)
[ -n "$json" ] || fail "no JSON report line"
python3 -c '
import json, sys
r = json.loads(sys.argv[1])
assert r["soft_limit"] == 32 << 20 and r["limit"] == 64 << 20, r
assert r["trigger_usage"] >= 32 << 20, r
assert r["usage"] < 32 << 20, r
assert len(r["processes"]) == 2, r
assert r["anon"] > 0, r
p = [x for x in r["processes"] if x["pid"] == int(sys.argv[2])]
assert p, r
assert p[0]["command"] == "purger", p
assert p[0]["returned"] == 20 << 20 and p[0]["free_resident"] == 0, p
' "$json" "$ppid" || fail "JSON report content"
grep -q "^keel: report: soft limit crossed, trimmed: usage" "$T/drv.err" ||
	fail "no readable report"
grep -q "^keel: report:   pid $ppid purger: rss" "$T/drv.err" ||
	fail "no process line in the report"
# rate limit: one report for one crossing
expect_eq "reports" 1 "$(grep -c '"memory-report"' "$T/drv.err")"
kill "$drv_pid" 2>/dev/null
wait "$drv_pid" 2>/dev/null
exit 0
