#!/usr/bin/env bash
# The real keel as PID 1 on a real cgroup v1 limit: an idle shimmed
# process frees 3/4 of 56 MiB of 64000-byte blocks (long decay: what the
# dirty cap lets it keep, about 6 MiB, stays resident); another
# process pushes usage over the soft limit. keel's threshold event wakes the
# idle one's purger through the control file, it returns its pages, usage
# falls, and the report (JSON + readable) names it. Prints the measured
# crossing -> trim_epoch_done and -> RSS down 2 MiB times; the bound asserted
# (1 s) is generous on purpose, the real numbers are in the output.
. "$TESTS/lib.sh"
. "$TESTS/guard/cgroup-lib"
[ -f "$LIBKEEL" ] || fail "no $LIBKEEL"
trimlat_setup "keel-test-trim-$$" 128M
soft=$((64 << 20))

cg_keel "$CG" KEEL_STATS_DIR="$T/stats" KEEL_RSS_LIMIT=64M KEEL_DECAY_MS=60000 \
	KEEL_VERBOSITY=2 -- sh -c "$TRIMLAT_IDLE"'
sleep 0.5
f=$(echo "$KEEL_STATS_DIR/$idle".*)
cp "$f" "$1/before" 2>/dev/null
"$0" hog $idle "$f" "$2/memory.usage_in_bytes" '"$soft"' 120
echo "hog status $?"
sleep 0.5
cat "$2/memory.usage_in_bytes" > "$1/usage.after"
kill $idle' "$prog" "$T" "$CG" >"$T/out" 2>"$T/err"
rc=$?
cat "$T/out"
grep -v '^keel: report:  ' "$T/err"
expect_eq "keel status" 0 "$rc"
grep -q "cgroup v1, threshold event" "$T/err" || fail "v1 threshold event not used"
line=$(grep '^crossed ' "$T/out") || fail "no measurement"
grep -q "hog status 0" "$T/out" || fail "the idle process did not trim or its RSS did not drop"
epoch_ms=$(sed 's/.*trim_epoch_done_ms=\([0-9.]*\).*/\1/' <<<"$line")
rss_ms=$(sed 's/.*rss_drop_ms=\([0-9.]*\).*/\1/' <<<"$line")
echo "measured: crossing -> idle trim_epoch_done ${epoch_ms} ms, -> idle RSS down 2 MiB ${rss_ms} ms"
awk -v a="$rss_ms" 'BEGIN { exit !(a < 1000) }' || fail "RSS drop took ${rss_ms} ms"
after=$(cat "$T/usage.after")
echo "usage after the trim: $((after >> 20)) MiB (soft limit 64 MiB)"
[ "$after" -lt "$soft" ] || fail "usage $after still above the soft limit"

# the report: one JSON line naming the idle process, and the readable form
json=$(grep '^{"keel":"memory-report"' "$T/err" | head -n1)
[ -n "$json" ] || fail "no JSON report line"
python3 -c '
import json, sys
r = json.loads(sys.argv[1])
assert r["soft_limit"] == 64 << 20 and r["limit"] == 128 << 20, r
assert r["trigger_usage"] >= 64 << 20, r
assert r["anon"] > 0, r
p = [x for x in r["processes"] if x["command"] == "trimlat"]
assert p, r
idle = max(p, key=lambda x: x["returned"])
assert idle["returned"] >= 4 << 20 and idle["trims"] >= 1, idle
assert idle["free_resident"] < 2 << 20, idle
' "$json" || fail "JSON report content"
grep -q "^keel: report: soft limit crossed, trimmed: usage" "$T/err" ||
	fail "no readable report"
grep -q "^keel: report:   pid [0-9]* trimlat: rss" "$T/err" ||
	fail "no process line in the readable report"
expect_eq "reports for one crossing" 1 "$(grep -c '"memory-report"' "$T/err")"
exit 0
