#!/usr/bin/env bash
# The guard keeps working when a process of keel's user has set keel's
# open-file limit to 0 (prlimit): keel's ppoll is refused, it waits for
# signals alone, and its guard, which waited for the cgroup's threshold
# event, looks at usage every 50 ms instead: the idle process is still
# trimmed when another pushes usage over the soft limit (a real cgroup v1
# limit, as guard_trim.sh), within 300 ms (46-55 ms here; with only the
# guard's once-a-second look at its limit, 735 ms). Its report still comes
# out, though it cannot open the files that would fill it. An orphan that
# keel reaps after the prlimit wakes keel's own loop, so that its ppoll is
# tried under the new limit (with nothing to wake it, keel's loop would
# sleep through the whole test, and only a race at the end would say so).
. "$TESTS/lib.sh"
. "$TESTS/guard/cgroup-lib"
need prlimit
trimlat_setup "keel-test-nofile-$$" 128M
soft=$((64 << 20))
cg_keel "$CG" KEEL_STATS_DIR="$T/stats" KEEL_RSS_LIMIT=64M KEEL_DECAY_MS=60000 \
	-- sh -c '
prlimit --pid 1 --nofile=0:0 || exit 9
(sleep 0.2 &)
sleep 1.5
'"$TRIMLAT_IDLE"'
sleep 0.5
"$0" hog $idle "$(echo "$KEEL_STATS_DIR/$idle".*)" "$2/memory.usage_in_bytes" '"$soft"' 120
echo "hog status $?"
sleep 0.5
kill $idle' "$prog" "$T" "$CG" >"$T/out" 2>"$T/err"
rc=$?
cat "$T/out"
grep -v "^keel: report:  " "$T/err"
expect_eq "keel status" 0 "$rc"
grep -q "waiting for signals alone" "$T/err" || fail "ppoll was not refused"
grep -q "hog status 0" "$T/out" || fail "the idle process was not trimmed"
rss_ms=$(sed -n 's/^crossed .*rss_drop_ms=\([0-9.]*\).*/\1/p' "$T/out")
awk -v a="$rss_ms" 'BEGIN { exit !(a != "" && a < 300) }' ||
	fail "the trim took ${rss_ms} ms: the guard did not poll"
# the report comes out, if with little in it: what it reads must be opened
grep -q "^keel: report: soft limit crossed, trimmed" "$T/err" || fail "no report"
