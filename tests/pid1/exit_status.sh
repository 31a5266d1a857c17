#!/usr/bin/env bash
# keel exits with the child's status, 128+N for death by signal N, and -e
# maps listed codes to 0.
. "$TESTS/lib.sh"; . "$TESTS/pid1/common.bash"
for code in 0 1 7 255; do
	as_pid1 "$KEEL" -- sh -c "exit $code"
	expect_eq "exit $code" "$code" "$?"
done
as_pid1 "$KEEL" -- sh -c 'kill -KILL $$'
expect_eq "killed by SIGKILL" 137 "$?"
as_pid1 "$KEEL" -- sh -c 'kill -SEGV $$'
expect_eq "killed by SIGSEGV" 139 "$?"
as_pid1 "$KEEL" -e 7 -- sh -c 'exit 7'
expect_eq "-e 7" 0 "$?"
as_pid1 "$KEEL" -e 143 -- sh -c 'kill -TERM $$'
expect_eq "-e 143 after SIGTERM" 0 "$?"
KEEL_REMAP_EXIT=3,7 as_pid1 "$KEEL" -- sh -c 'exit 3'
expect_eq "KEEL_REMAP_EXIT=3,7" 0 "$?"
as_pid1 "$KEEL" -e 7 -- sh -c 'exit 8'
expect_eq "-e 7 leaves 8" 8 "$?"
exit 0
