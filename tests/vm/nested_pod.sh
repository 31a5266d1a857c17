#!/usr/bin/env bash
# Nested cgroups as Kubernetes makes them on cgroup v2 (systemd driver):
# kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod<uid>.slice
# /cri-containerd-<id>.scope. keel takes the tightest memory.max on the
# path it can read:
#  - the whole tree visible (no cgroup namespace, /sys/fs/cgroup read-only):
#    the pod's limit with none on the container's cgroup; the tighter of
#    the two when both are set;
#  - the container's own cgroup namespace (containerd's default on v2):
#    the pod's cgroup is above the namespace root and cannot be read, so
#    only the container's own limit is seen (none: no guard, which keel
#    says; KEEL_RSS_LIMIT in bytes still works).
. "$TESTS/vm/vm-lib"
cg_make kubepods.slice
cg_make kubepods-burstable.slice "$CG"
cg_make kubepods-burstable-pod0f3c.slice "$CG" 64M
pod=$CG
cg_make cri-containerd-8e1a.scope "$pod"
ctr=$CG

soft_of() {
	local ns=$1
	shift
	ctr $ns "$ctr" KEEL_VERBOSITY=2 KEEL_STATS_DIR=/tmp/stats "$@" -- true 2>&1 |
		sed -n 's/.*memory guard: \(.*\)/\1/p'
}

out=$(ctr "$ctr" -- cat /proc/self/cgroup)
expect_eq "the path without a namespace" \
	"0::/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod0f3c.slice/cri-containerd-8e1a.scope" "$out"
out=$(soft_of "")
echo "pod 64 MiB, container none, whole tree: $out"
expect_match "the pod's limit" "soft limit 60397977 bytes of 67108864 \(cgroup v2" "$out"
out=$(soft_of -C)
echo "pod 64 MiB, container none, container's namespace: $out"
expect_match "the pod's limit is out of sight" "^no limit to guard" "$out"
out=$(soft_of -C KEEL_RSS_LIMIT=40M)
echo "  with KEEL_RSS_LIMIT=40M: $out"
expect_match "bytes without a visible limit" "soft limit 41943040 bytes of 0 \(cgroup v2" "$out"

echo 96M > "$ctr/memory.max"
out=$(soft_of "")
echo "pod 64 MiB, container 96 MiB, whole tree: $out"
expect_match "the pod's tighter limit" "soft limit 60397977 bytes of 67108864" "$out"
out=$(soft_of -C)
echo "pod 64 MiB, container 96 MiB, container's namespace: $out"
expect_match "the container's own limit" "soft limit 90596966 bytes of 100663296" "$out"

echo 48M > "$ctr/memory.max"
out=$(soft_of "")
echo "pod 64 MiB, container 48 MiB, whole tree: $out"
expect_match "the container's tighter limit" "soft limit 45298483 bytes of 50331648" "$out"
out=$(soft_of -C)
echo "pod 64 MiB, container 48 MiB, container's namespace: $out"
expect_match "the container's tighter limit" "soft limit 45298483 bytes of 50331648" "$out"

# the pod's limit reached, seen from the container with the whole tree:
# the kill happens in the container's cgroup, and keel explains it
echo max > "$ctr/memory.max"
ctr "$ctr" KEEL_STATS_DIR=/tmp/s2 -- "$BUILD/tests/vm/grow" 1024 20000 200 > /tmp/out 2> /tmp/err
rc=$?
grep -v '^keel: report:  ' /tmp/err | cut -c1-200
expect_eq "status at the pod's limit (SIGKILL)" 137 "$rc"
grep -q '^keel: report: .*cgroup limit 64.0 MiB' /tmp/err || fail "no report at the pod's limit"
grep -q '^keel: error: grow (pid 2) was killed by the OOM killer at 64 MiB' /tmp/err ||
	fail "no post-mortem at the pod's limit"
exit 0
