#!/usr/bin/env bash
# PROGRAM not found: 127; found but not executable: 126; one message each.
. "$TESTS/lib.sh"; . "$TESTS/pid1/common.bash"
tmpdir
err=$(as_pid1 "$KEEL" -- /nonexistent/prog 2>&1 >/dev/null); rc=$?
expect_eq "not found" 127 "$rc"
expect_match "message" "unable to exec /nonexistent/prog: No such file" "$err"
err=$(as_pid1 "$KEEL" -- no-such-program-keel 2>&1 >/dev/null); rc=$?
expect_eq "not in PATH" 127 "$rc"
printf 'data\n' >"$T/notexec"
chmod 644 "$T/notexec"
err=$(as_pid1 "$KEEL" -- "$T/notexec" 2>&1 >/dev/null); rc=$?
expect_eq "not executable" 126 "$rc"
expect_match "message" "Permission denied" "$err"
exit 0
