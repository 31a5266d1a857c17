#!/usr/bin/env bash
# On a terminal the child gets its own process group and the foreground,
# and SIGTSTP/SIGCONT sent to keel reach the child without stopping keel.
. "$TESTS/lib.sh"; . "$TESTS/pid1/common.bash"
need script
tmpdir
out=$(timeout 20 script -qec "$KEEL -- $H/tty" /dev/null </dev/null | tr -d '\r')
expect_match "foreground" "foreground=yes" "$out"
expect_match "own group" "own-group=yes" "$out"
out=$(timeout 20 script -qec "unshare --pid --fork --mount-proc $KEEL -- $H/tty" /dev/null </dev/null | tr -d '\r')
expect_match "foreground as PID 1" "foreground=yes" "$out"
# Without a terminal nothing fails.
out=$("$KEEL" -- "$H/tty" </dev/null)
expect_match "no terminal" "foreground=no" "$out"
# Stop and continue the child (default actions) through keel.
start_pid1 "$KEEL" -- sleep 30
for _ in $(seq 100); do
	C=$(cat /proc/$KPID/task/$KPID/children 2>/dev/null); [ -n "$C" ] && break
	sleep 0.05
done
C=${C%% *}
kill -TSTP "$KPID"
for _ in $(seq 100); do
	[ "$(awk '{print $3}' /proc/$C/stat)" = T ] && break; sleep 0.05
done
expect_eq "child stopped" T "$(awk '{print $3}' /proc/$C/stat)"
[ "$(awk '{print $3}' /proc/$KPID/stat)" = T ] && fail "keel stopped itself"
kill -CONT "$KPID"
for _ in $(seq 100); do
	[ "$(awk '{print $3}' /proc/$C/stat)" != T ] && break; sleep 0.05
done
[ "$(awk '{print $3}' /proc/$C/stat)" = T ] && fail "child not continued"
kill -TERM "$KPID"
wait "$UPID"
expect_eq "status after SIGTERM" 143 "$?"
exit 0
