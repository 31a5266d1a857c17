#!/usr/bin/env bash
# A daemon that exits on SIGTERM gets the chance to (it records it), and
# keel then exits at once instead of waiting out a long grace period.
. "$TESTS/lib.sh"; . "$TESTS/pid1/common.bash"
tmpdir
start=$(date +%s%N)
KEEL_GRACE=60 timeout 30 unshare --pid --fork --mount-proc "$KEEL" -- sh -c \
	"sh -c 'trap \"echo flushed >$T/daemon; exit 0\" TERM; while :; do sleep 0.1; done' & sleep 0.3; exit 3"
rc=$?
ms=$(( ($(date +%s%N) - start) / 1000000 ))
echo "keel exited after ${ms} ms with a 60 s grace period"
expect_eq "status" 3 "$rc"
expect_eq "daemon got SIGTERM" flushed "$(cat "$T/daemon" 2>/dev/null)"
exit 0
