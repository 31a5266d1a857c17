#!/usr/bin/env bash
# The real keel as PID 1 finds its limit on a real cgroup v2, through the
# container's view: a cgroup namespace rooted at the container's cgroup and
# /sys/fs/cgroup mounted read-only, as Docker and Kubernetes do
# (/proc/self/cgroup says "0::/"). memory.max as the limit, KEEL_RSS_LIMIT
# as a share, bytes, off and a bad value (exit 2, one line, nothing
# started), "max" means no guard; the same cgroup seen without a namespace
# (the whole tree, read-only); limit_bytes in the control file.
. "$TESTS/vm/vm-lib"
cg_make "limit-$$" "" 64M
top=$CG
cg_make "free-$$" "" max
free=$CG

# keel_info DIR [-C] [VAR=VALUE...]: keel's info lines for a trivial app
keel_info() {
	local d=$1 ns=
	shift
	[ "$1" = -C ] && { ns=-C; shift; }
	ctr $ns "$d" KEEL_VERBOSITY=2 KEEL_STATS_DIR=/tmp/stats "$@" -- true 2>&1
}

out=$(ctr -C "$top" -- cat /proc/self/cgroup)
expect_eq "the container's /proc/self/cgroup" "0::/" "$out"
out=$(ctr -C "$top" -- sh -c 'echo 1G > /sys/fs/cgroup/memory.max' 2>&1)
expect_match "/sys/fs/cgroup is read-only" "Read-only file system" "$out"

out=$(keel_info "$top" -C)
echo "$out"
expect_match "default soft limit (90%) of memory.max" \
	"memory guard: soft limit 60397977 bytes of 67108864 \(cgroup v2, polling every 50 ms" "$out"
out=$(keel_info "$top" -C KEEL_RSS_LIMIT=50%)
expect_match "50%" "soft limit 33554432 bytes of 67108864 \(cgroup v2" "$out"
out=$(keel_info "$top" -C KEEL_RSS_LIMIT=40M)
expect_match "bytes" "soft limit 41943040 bytes of 67108864" "$out"
out=$(keel_info "$top" -C KEEL_RSS_LIMIT=off)
expect_match "off" "memory guard: no limit to guard" "$out"
out=$(keel_info "$free" -C)
expect_match "memory.max is max" "memory guard: no limit to guard" "$out"
# without a cgroup namespace keel sees the whole tree and its own path
out=$(keel_info "$top")
expect_match "no cgroup namespace" \
	"soft limit 60397977 bytes of 67108864 \(cgroup v2, polling every 50 ms" "$out"

out=$(ctr -C "$top" KEEL_RSS_LIMIT=12Q -- sh -c 'echo started' 2>&1)
rc=$?
expect_eq "bad KEEL_RSS_LIMIT status" 2 "$rc"
expect_eq "bad KEEL_RSS_LIMIT: one line" 1 "$(printf '%s\n' "$out" | wc -l)"
expect_match "bad KEEL_RSS_LIMIT message" "^keel: fatal: KEEL_RSS_LIMIT=12Q: " "$out"

# the limit keel guards is in the control file every shim maps
ctr -C "$top" KEEL_STATS_DIR=/tmp/s2 KEEL_RSS_LIMIT=48M -- \
	sh -c 'cp "$KEEL_STATS_DIR/control" /tmp/control'
expect_eq "control limit_bytes" $((48 << 20)) "$(od -An -t u8 -j 24 -N 8 /tmp/control | tr -d ' ')"
exit 0
