#!/usr/bin/env bash
# cgroup.c against a real cgroup v1 limit: a child of our own memory cgroup
# with memory.limit_in_bytes, a grandchild without one (the walk up finds
# the parent's), and live usage that follows a process's allocation.
. "$TESTS/lib.sh"
. "$TESTS/guard/cgroup-lib"
need musl-gcc
need python3
tmpdir
drv=$("$TESTS/guard/build-driver") || fail "driver build failed"
trap 'cg_cleanup; rm -rf "$T"' EXIT
cg_make "keel-test-v1-$$" "" 64M
top=$CG
cg_make inner "$top"
inner=$CG

out=$(cg_run "$top" "$drv" cgroup) || fail "driver: $out"
echo "$out"
expect_match "version" "^version=1 " "$out"
expect_match "limit" " limit=67108864 " "$out"
expect_match "dir" "dir=$top\$" "$out"

out=$(cg_run "$inner" "$drv" cgroup) || fail "driver: $out"
echo "$out"
expect_match "walk to parent limit" " limit=67108864 " "$out"
expect_match "inner dir" "dir=$inner\$" "$out"

# live usage: a process holding 40 MiB in the inner cgroup
cg_run "$inner" python3 -c '
import sys, time
b = bytearray(40 << 20)
for i in range(0, len(b), 4096): b[i] = 1
print("ready", flush=True)
time.sleep(20)' > "$T/hold" &
for _ in $(seq 100); do grep -q ready "$T/hold" && break; sleep 0.05; done
out=$(cg_run "$inner" "$drv" cgroup) || fail "driver: $out"
echo "$out"
usage=$(sed -n 's/.* usage=\([0-9]*\) .*/\1/p' <<<"$out")
kernel=$(cat "$inner/memory.usage_in_bytes")
echo "usage $usage, kernel now says $kernel"
[ "$usage" -ge $((40 << 20)) ] || fail "usage $usage below the 40 MiB held"
[ "$usage" -le $((64 << 20)) ] || fail "usage $usage above the limit"
exit 0
