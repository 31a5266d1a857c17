#!/usr/bin/env bash
# The report's processes without heap statistics are those charged to the
# guarded cgroup. Where keel is not PID 1 of its own namespace (a pod whose
# containers share one, docker run --pid=host) /proc shows other processes
# too: a bigger one outside the cgroup must not be listed as if it counted
# against this limit. Here keel runs as a subreaper in the host's PID
# namespace, in a real v1 cgroup; an unshimmed python3 inside it crosses the
# soft limit while a bigger python3 outside holds more.
. "$TESTS/lib.sh"
. "$TESTS/guard/cgroup-lib"
need python3
tmpdir
trap 'kill "$outside" 2>/dev/null; cg_cleanup; rm -rf "$T"' EXIT

python3 -c 'import sys, time
b = b"\1" * (120 << 20)
open(sys.argv[1], "w").close()
time.sleep(60)' "$T/outside.ready" &
outside=$!
for _ in $(seq 100); do [ -e "$T/outside.ready" ] && break; sleep 0.1; done
[ -e "$T/outside.ready" ] || fail "the process outside did not start"

cg_make "keel-test-reportcg-$$" "" 256M
cg_run "$CG" env -u KEEL_BIN -u KEEL_TOP KEEL_MALLOC=off KEEL_RSS_LIMIT=48M \
	KEEL_STATS_DIR="$T/stats" "$KEEL_BIN" -- python3 -c 'import time
b = b"\1" * (64 << 20)
time.sleep(0.5)' 2>"$T/err"
expect_eq "status" 0 "$?"
grep '^keel: report:' "$T/err"
r=$(grep -m1 '^{"keel":"memory-report"' "$T/err") || fail "no report"
python3 -c '
import json, sys
r = json.loads(sys.argv[1])
pids = [p["pid"] for p in r["processes"]]
assert int(sys.argv[2]) not in pids, "the process outside the cgroup is listed: %r" % r["processes"]
inside = [p for p in r["processes"] if p["command"] == "python3"]
assert inside and inside[0]["rss"] > 48 << 20, "the python3 inside is not listed: %r" % r["processes"]
# the child of keel: keel_pid names keel, its parent
assert inside[0]["keel_pid"] == inside[0]["ppid"] > 1, "keel_pid: %r" % inside[0]
' "$r" "$outside" || fail "report content"
exit 0
