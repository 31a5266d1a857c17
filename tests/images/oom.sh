#!/usr/bin/env bash
# oom: the demo image's app keeps 1 MiB buffers past `-m 64m` (read-only,
# uid 1000, no swap): keel's memory report comes at its soft limit (the
# image's KEEL_RSS_LIMIT=90%), the kernel kills the app, `docker inspect`
# says OOMKilled, the exit status is 137, and `docker logs` holds keel's
# post-mortem: "python3 (pid N) was killed by the OOM killer at 64 MiB" with
# the app's last heap statistics.
TESTS=${TESTS:-$(cd "$(dirname "$0")/.." && pwd)}
. "$TESTS/images/docker-lib"
need_images

prog='
import time
keep = []
while True:
    keep.append(bytearray(b"\1") * (1 << 20))
    time.sleep(0.02)'
dstart c --read-only --user 1000 -m 64m --memory-swap 64m --network none \
	keel-demo python3 -c "$prog"
rc=$(timeout 60 docker wait "$c") || fail "the container still runs after 60 s"
docker logs "$c" >"$T/out" 2>"$T/err"
cut -c1-200 "$T/err"
expect_eq "exit status" 137 "$rc"
expect_eq "docker inspect: OOMKilled" true "$(docker inspect -f '{{.State.OOMKilled}}' "$c")"
n_report=$(grep -n '^keel: report: .*soft limit 57.6 MiB, cgroup limit 64.0 MiB' "$T/err" | head -n1 | cut -d: -f1)
n_oom=$(grep -nE '^keel: error: python3 \(pid [0-9]+\) was killed by the OOM killer at 64 MiB; heap: [0-9]+ MiB in use, [0-9]+ MiB free-resident$' "$T/err" | cut -d: -f1)
[ -n "$n_oom" ] || fail "no post-mortem line in docker logs"
[ -n "$n_report" ] || fail "no memory report in docker logs"
[ "$n_report" -lt "$n_oom" ] || fail "the report came after the kill"
grep -qE '^\{"keel":"oom-kill",.*"command":"python3","limit":67108864,"in_use":[1-9]' "$T/err" ||
	fail "no oom-kill JSON line"
in_use=$(sed -n 's/.*killed by the OOM killer at 64 MiB; heap: \([0-9]*\) MiB in use.*/\1/p' "$T/err")
[ "$in_use" -ge 40 ] || fail "last heap statistics say only $in_use MiB in use"
exit 0
