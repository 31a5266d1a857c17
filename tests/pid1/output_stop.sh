#!/usr/bin/env bash
# keel's output never stops PID 1: stderr is shared with the application,
# which can suspend the terminal (tcflow, as Ctrl-S does) or fill a pipe
# nobody drains. keel's warnings then wait at most 20 ms and are dropped,
# reaping goes on, and the next line that gets through counts them.
. "$TESTS/lib.sh"; . "$TESTS/pid1/common.bash"
need script
[ -x "$H/outstop" ] || fail "$H/outstop missing: run make test-programs"
tmpdir
out=$(timeout 30 script -qec \
	"unshare --pid --fork --mount-proc $KEEL -w -- $H/outstop tty $T/tty" \
	/dev/null </dev/null | tr -d '\r')
expect_eq "reaping with the terminal stopped" reaped "$(cat "$T/tty")"
expect_match "the dropped lines counted" "keel: warning: 2 lines of keel's output dropped" "$out"
expect_match "output again" "keel: warning: reaped zombie" "$out"
# a pipe read only after 3 s
timeout 30 unshare --pid --fork --mount-proc "$KEEL" -w -- \
	"$H/outstop" pipe "$T/pipe" 2>&1 | { sleep 3; cat >/dev/null; }
expect_eq "reaping with stderr full" reaped "$(cat "$T/pipe")"
# keel as the app's user (docker run -t --user 1000): the terminal is
# root's, so keel opens it again as its controlling terminal
user_helper outstop
out=$(timeout 30 script -qec \
	"unshare --pid --fork --mount-proc setpriv --reuid 1000 --regid 1000 --clear-groups $KEEL -w -- $T/outstop tty $T/tty1000" \
	/dev/null </dev/null | tr -d '\r')
expect_eq "reaping with the terminal stopped, as uid 1000" reaped "$(cat "$T/tty1000")"
expect_match "the dropped lines counted, as uid 1000" "keel: warning: 2 lines of keel's output dropped" "$out"
