#!/usr/bin/env bash
# keel does not forward a signal it raised itself (SIGPIPE, SIGXFSZ from
# its own writes: self_signal.sh). A process may queue a signal naming
# any sender (rt_sigqueueinfo, with a code below 0): one that names PID 1
# must still be forwarded, or a process could make keel swallow a signal
# (a standard one pending at keel takes no second copy).
. "$TESTS/lib.sh"; . "$TESTS/pid1/common.bash"
[ -x "$H/forge" ] || fail "$H/forge missing: run make test-programs"
out=$(as_pid1 "$KEEL" -- "$H/forge" 2>&1)
expect_eq "a signal naming PID 1 as its sender" forwarded "$out"
