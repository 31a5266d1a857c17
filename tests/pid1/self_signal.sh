#!/usr/bin/env bash
# keel forwards no signal it raised itself: its own write to a closed
# stderr (a log pipe whose reader went away) raises SIGPIPE in keel, which
# must not reach the application. The app still gets the default SIGPIPE
# for its own writes, and a SIGPIPE sent to keel from outside is forwarded.
. "$TESTS/lib.sh"; . "$TESTS/pid1/common.bash"
tmpdir
# -w warns about the reaped orphan after the reader of stderr is gone
( as_pid1 "$KEEL" -w -- sh -c \
	'(sleep 0.5 &); sleep 2; echo survived > "$0"' "$T/f" 2>&1
  echo $? > "$T/rc" ) | true
wait
expect_eq "status" 0 "$(cat "$T/rc")"
[ -f "$T/f" ] || fail "the application was killed (no file)"
# the app's own broken pipe: default action, 128+13
( as_pid1 "$KEEL" -- sh -c 'sleep 0.3; exec yes' | true
  echo "${PIPESTATUS[0]}" > "$T/rc2" )
expect_eq "app's own SIGPIPE" 141 "$(cat "$T/rc2")"
# a SIGPIPE from outside reaches the app
start_pid1 "$KEEL" -- "$H/sigrec" "$T/rec"
wait_file "$T/rec.ready"
kill -PIPE "$KPID"
sleep 0.3
kill -TERM "$KPID"
wait "$UPID"
grep -qx 13 "$T/rec" || fail "SIGPIPE from outside not forwarded: $(cat "$T/rec")"
exit 0
