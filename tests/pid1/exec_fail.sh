#!/usr/bin/env bash
# PROGRAM not found: 127; found but not executable: 126; one message each.
# An executable without "#!" runs under /bin/sh, found by path or in PATH,
# with its arguments (glibc's execvp and tini do this; musl's does not).
. "$TESTS/lib.sh"; . "$TESTS/pid1/common.bash"
tmpdir
err=$(as_pid1 "$KEEL" -- /nonexistent/prog 2>&1 >/dev/null); rc=$?
expect_eq "not found" 127 "$rc"
expect_match "message" "unable to exec /nonexistent/prog: No such file" "$err"
# the name is the user's: escaped, so the message stays one line
err=$(as_pid1 "$KEEL" -- $'/nonexistent/a\nkeel: b' 2>&1 >/dev/null); rc=$?
expect_eq "not found, a newline in the name" 127 "$rc"
expect_eq "one line" 1 "$(wc -l <<<"$err")"
expect_match "escaped" '^keel: error: unable to exec /nonexistent/a\\nkeel: b: No such file' "$err"
err=$(as_pid1 "$KEEL" -- no-such-program-keel 2>&1 >/dev/null); rc=$?
expect_eq "not in PATH" 127 "$rc"
printf 'data\n' >"$T/notexec"
chmod 644 "$T/notexec"
err=$(as_pid1 "$KEEL" -- "$T/notexec" 2>&1 >/dev/null); rc=$?
expect_eq "not executable" 126 "$rc"
expect_match "message" "Permission denied" "$err"
printf 'echo "ran $0 with $*"\n' >"$T/script"
chmod 755 "$T/script"
out=$(as_pid1 "$KEEL" -- "$T/script" a 'b c' 2>&1); rc=$?
expect_eq "script without #!" 0 "$rc"
expect_eq "script output" "ran $T/script with a b c" "$out"
out=$(PATH=/nonexistent:$T:$PATH as_pid1 "$KEEL" -- script x 2>&1); rc=$?
expect_eq "script in PATH" 0 "$rc"
expect_eq "script in PATH output" "ran $T/script with x" "$out"
exit 0
