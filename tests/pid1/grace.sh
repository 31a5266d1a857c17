#!/usr/bin/env bash
# After the child exits, a daemon that ignores SIGTERM gets SIGKILL once
# KEEL_GRACE is over; keel keeps the child's status.
. "$TESTS/lib.sh"; . "$TESTS/pid1/common.bash"
tmpdir
start=$(date +%s%N)
KEEL_GRACE=1s as_pid1 "$KEEL" -- sh -c \
	'(trap "" TERM; echo $$ >/dev/null; exec sleep 300) & sleep 0.2; exit 5'
rc=$?
ms=$(( ($(date +%s%N) - start) / 1000000 ))
echo "keel exited after ${ms} ms (grace 1 s, daemon ignores SIGTERM)"
expect_eq "status" 5 "$rc"
[ "$ms" -ge 1000 ] || fail "SIGKILL came before the grace period (${ms} ms)"
out=$(KEEL_GRACE=0 as_pid1 "$KEEL" -v -v -- sh -c \
	'(trap "" TERM; exec sleep 300) & sleep 0.2; exit 0' 2>&1); rc=$?
expect_eq "grace 0 status" 0 "$rc"
exit 0
