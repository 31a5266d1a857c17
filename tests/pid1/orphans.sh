#!/usr/bin/env bash
# Double-forked orphans are reaped by keel as PID 1: 1,000 of them that
# all exit at the same moment leave no zombie.
. "$TESTS/lib.sh"; . "$TESTS/pid1/common.bash"
out=$(as_pid1 "$KEEL" -- "$H/orphans" 1000); rc=$?
expect_eq "orphans: $out" 0 "$rc"
expect_eq "zombies" "zombies: 0" "$out"
out=$(as_pid1 "$KEEL" -- sh -c '(sleep 0.2 &) ; sleep 1; ps -eo stat= | grep -c "^Z" || true')
expect_eq "sh double fork" 0 "$out"
exit 0
