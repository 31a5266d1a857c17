#!/usr/bin/env bash
# The real keel as PID 1 finds its limit on a real cgroup v1: a child of
# our own memory cgroup with memory.limit_in_bytes, and a grandchild
# without one (the walk up finds the parent's); KEEL_RSS_LIMIT as a share,
# as bytes, off, and a bad value (exit 2, one line, nothing started); no
# limit anywhere means no guard.
. "$TESTS/lib.sh"
. "$TESTS/guard/cgroup-lib"
tmpdir
trap 'cg_cleanup; rm -rf "$T"' EXIT
cg_make "keel-test-v1-$$" "" 64M
top=$CG
cg_make inner "$top"
inner=$CG
cg_make "keel-test-v1-free-$$"
free=$CG

# keel_info DIR [VAR=VALUE...]: keel's info lines for a trivial app
keel_info() {
	local d=$1
	shift
	cg_keel "$d" KEEL_VERBOSITY=2 KEEL_STATS_DIR="$T/stats" "$@" -- true 2>&1
}

out=$(keel_info "$top")
echo "$out"
expect_match "default soft limit (90%) on the cgroup's limit" \
	"memory guard: soft limit 60397977 bytes of 67108864 \\(cgroup v1, threshold event, checked at growth\\)" "$out"
out=$(keel_info "$inner" KEEL_RSS_LIMIT=50%)
expect_match "walk up to the parent's limit, 50%" \
	"soft limit 33554432 bytes of 67108864 \\(cgroup v1" "$out"
out=$(keel_info "$inner" KEEL_RSS_LIMIT=40M)
expect_match "bytes" "soft limit 41943040 bytes of 67108864" "$out"
out=$(keel_info "$top" KEEL_RSS_LIMIT=off)
expect_match "off" "memory guard: no limit to guard" "$out"
out=$(keel_info "$free")
expect_match "no limit in the tree" "memory guard: no limit to guard" "$out"

out=$(cg_keel "$top" KEEL_RSS_LIMIT=12Q -- sh -c 'echo started' 2>&1); rc=$?
expect_eq "bad KEEL_RSS_LIMIT status" 2 "$rc"
expect_eq "bad KEEL_RSS_LIMIT: one line" 1 "$(printf '%s\n' "$out" | wc -l)"
expect_match "bad KEEL_RSS_LIMIT message" "^keel: fatal: KEEL_RSS_LIMIT=12Q: " "$out"

# the limit keel guards is in the control file every shim maps
cg_keel "$top" KEEL_STATS_DIR="$T/s2" KEEL_RSS_LIMIT=48M -- \
	sh -c 'cp "$KEEL_STATS_DIR/control" "$0"' "$T/control" 2>/dev/null
limit=$(python3 -c 'import struct, sys; print(struct.unpack_from("<Q", open(sys.argv[1], "rb").read(), 24)[0])' "$T/control")
expect_eq "control limit_bytes" $((48 << 20)) "$limit"
exit 0
