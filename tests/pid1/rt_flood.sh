#!/usr/bin/env bash
# A process in the container can queue real-time signals to PID 1 as fast
# as it likes (they do not coalesce, unlike the storm.sh ones): with two
# such processes sending SIGRTMIN to PID 1 in a loop, keel still reaps 200
# orphans that exit at once (within the helper's 10 s), and the main child
# (which ignores the forwarded signal) still exits 0. keel reads at most 8
# signalfd buffers per wake-up, then reaps and runs its guard.
. "$TESTS/lib.sh"; . "$TESTS/pid1/common.bash"
need bash
out=$(timeout 60 unshare --pid --fork --mount-proc "$KEEL" -- bash -c '
	trap "" RTMIN
	for i in 1 2; do
		(while :; do kill -s RTMIN 1; done) 2>/dev/null &
	done
	sleep 0.5
	"$1" 200; rc=$?
	kill %1 %2
	exit $rc' flood "$H/orphans"); rc=$?
expect_eq "orphans reaped under a SIGRTMIN flood: $out" 0 "$rc"
expect_eq "zombies" "zombies: 0" "$out"
exit 0
