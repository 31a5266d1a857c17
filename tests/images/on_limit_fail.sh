#!/usr/bin/env bash
# on_limit_fail: `docker run -e KEEL_ON_LIMIT=fail -m 128m` of the demo image
# (read-only, uid 1000, no swap, the image's KEEL_RSS_LIMIT=90%): an app that
# keeps allocating past the soft limit gets MemoryError (ENOMEM from the
# shim) instead of the OOM killer, sheds its load, allocates again and exits
# 0; docker inspect shows no OOM kill. (oom.sh is the same app without fail.)
TESTS=${TESTS:-$(cd "$(dirname "$0")/.." && pwd)}
. "$TESTS/images/docker-lib"
need_images

prog=$(cat "$TESTS/guard/shed_load.py")
dstart c --read-only --user 1000 -m 128m --memory-swap 128m --network none \
	-e KEEL_ON_LIMIT=fail keel-demo python3 -c "$prog"
rc=$(timeout 60 docker wait "$c") || fail "the container still runs after 60 s"
docker logs "$c" >"$T/out" 2>"$T/err"
cat "$T/out"; grep -v -e '^keel: report:  ' -e '^{' "$T/err" | cut -c1-200
expect_eq "exit status" 0 "$rc"
expect_eq "docker inspect: OOMKilled" false "$(docker inspect -f '{{.State.OOMKilled}}' "$c")"
n=$(sed -n 's/^MemoryError after \([0-9]*\) MiB$/\1/p' "$T/out")
[ -n "$n" ] || fail "no MemoryError"
# the soft limit is 115.2 MiB of 128
[ "$n" -ge 80 ] && [ "$n" -le 127 ] || fail "MemoryError after $n MiB (soft limit 115.2 MiB, limit 128 MiB)"
grep -q '^allocating again: ok$' "$T/out" || fail "growth still denied below the limit"
exit 0
