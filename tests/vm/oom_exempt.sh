#!/usr/bin/env bash
# PID 1 with CAP_SYS_RESOURCE (root in the guest) sets its own OOM score to
# -1000 after the spawn, so a second OOM kill while the application's pages
# are still being freed cannot take keel and its post-mortem with it; the
# application keeps the score it was started with (0 here).
. "$TESTS/vm/vm-lib"
cg_make "exempt-$$" "" 64M
out=$(ctr -C "$CG" -- sh -c 'sleep 0.3; cat /proc/1/oom_score_adj /proc/self/oom_score_adj' | tr '\n' ' ')
expect_eq "PID 1's and the application's OOM scores" "-1000 0 " "$out"
exit 0
