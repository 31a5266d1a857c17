#!/usr/bin/env bash
# The child starts with an empty signal mask and default dispositions,
# even though keel blocks nearly everything and its caller ignored some.
. "$TESTS/lib.sh"; . "$TESTS/pid1/common.bash"
exp=$'SigBlk:\t0000000000000000\nSigIgn:\t0000000000000000\nnon-default: 0'
out=$(as_pid1 "$KEEL" -- "$H/sigstate")
expect_eq "as PID 1" "$exp" "$out"
out=$(trap '' INT QUIT USR1; "$KEEL" -- "$H/sigstate")
expect_eq "not PID 1, caller ignored signals" "$exp" "$out"
# 34 is a real-time signal to glibc but reserved by musl, whose sigaction
# refuses it: keel must still give the child its default.
ign34='import os, signal, sys; signal.signal(34, signal.SIG_IGN); os.execvp(sys.argv[1], sys.argv[1:])'
out=$(python3 -c "$ign34" unshare --pid --fork --mount-proc "$KEEL" -- "$H/sigstate")
expect_eq "caller ignored signal 34" "$exp" "$out"
exit 0
