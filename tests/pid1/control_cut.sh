#!/usr/bin/env bash
# A process of keel's own user (root, as most containers run) cuts keel's
# control file short: keel's next store to its mapping of it was SIGBUS,
# which ended PID 1 and the container (status 135, the application killed
# with it). Now keel replaces the mapping with memory of its own, says so
# once, and goes on supervising: the application runs to its end and its
# status comes back. The wake-up written after the cut makes keel store
# into the file at once (it answers every wake-up there). A SIGBUS sent to
# PID 1 first is no fault: taken for one, it reset keel's handler and the
# cut that followed ended PID 1 again.
. "$TESTS/lib.sh"; . "$TESTS/pid1/common.bash"
tmpdir
KEEL_STATS_DIR=$T/s KEEL_RSS_LIMIT=64M as_pid1 "$KEEL" -- sh -c '
kill -BUS 1
sleep 0.2
: > "$KEEL_STATS_DIR/control"
echo wake > "$KEEL_STATS_DIR/wake"
sleep 0.5
echo alive
exit 3' >"$T/out" 2>"$T/err"
rc=$?
cat "$T/out"
grep -v "^keel: report" "$T/err" | grep -v '"memory-report"'
expect_eq "status" 3 "$rc"
expect_eq "the application lived on" alive "$(cat "$T/out")"
expect_eq "one warning" 1 "$(grep -c "^keel: warning: .*/control was cut short by another process" "$T/err")"
exit 0
