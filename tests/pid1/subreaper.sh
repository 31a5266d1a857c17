#!/usr/bin/env bash
# Not PID 1: keel registers as a child subreaper (saying so at info level),
# orphans of its child come to it and are reaped, and at the end it stops
# its own descendants only.
. "$TESTS/lib.sh"; . "$TESTS/pid1/common.bash"
tmpdir
sleep 300 &
outsider=$!
out=$("$KEEL" -v -v -- sh -c \
	'sh -c "sleep 5 & echo \$!" >'"$T"'/pid; sleep 0.3
	 awk "{print \$4}" /proc/$(cat '"$T"'/pid)/stat; echo $PPID' 2>"$T/err")
rc=$?
expect_eq "status" 0 "$rc"
set -- $out
expect_eq "orphan's parent is keel" "$2" "$1"
grep -q "info: not PID 1: registered as a child subreaper" "$T/err" ||
	fail "no info message: $(cat "$T/err")"
orphan=$(cat "$T/pid")
[ -e "/proc/$orphan" ] && ! grep -q '^State:.*Z' "/proc/$orphan/status" &&
	fail "descendant $orphan outlived keel"
kill -0 "$outsider" || fail "keel signalled a process outside its tree"
kill "$outsider"
exit 0
