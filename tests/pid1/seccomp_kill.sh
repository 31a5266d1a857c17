#!/usr/bin/env bash
# KEEL_SECCOMP_ACTION=kill under the real keel as PID 1: the app's denied
# call kills it with SIGSYS, keel says in plain words that seccomp did it
# and which setting denied the call, and exits 159 (128 + SIGSYS). A
# SIGSYS that did not come from keel's filter is not blamed on it.
. "$TESTS/lib.sh"; . "$TESTS/pid1/common.bash"
need python3
py='
import ctypes
print("before", flush=True)
ctypes.CDLL(None).mount(b"none", b"/proc", b"proc", 0, None)
print("after", flush=True)'
out=$(KEEL_SECCOMP=default KEEL_SECCOMP_ACTION=kill as_pid1 "$KEEL" -- \
	/usr/bin/python3 -c "$py" 2>&1)
rc=$?
echo "$out"
expect_eq "status (128 + SIGSYS)" 159 "$rc"
grep -q '^before$' <<<"$out" || fail "the app did not run"
grep -q '^after$' <<<"$out" && fail "the app survived its denied call"
expect_match "message" "keel: error: python3 \\(pid 2\\) was killed by seccomp \\(SIGSYS\\): it made a system call KEEL_SECCOMP=default denies" "$out"

out=$(KEEL_SECCOMP_DENY=mount KEEL_SECCOMP_ACTION=kill as_pid1 "$KEEL" -- \
	/usr/bin/python3 -c "$py" 2>&1)
expect_eq "status with KEEL_SECCOMP_DENY" 159 "$?"
expect_match "message names KEEL_SECCOMP_DENY" "killed by seccomp \\(SIGSYS\\): it made a system call KEEL_SECCOMP_DENY=mount denies" "$out"

# given as flags, the message quotes the flags
out=$(as_pid1 "$KEEL" --seccomp strict --seccomp-deny mount --seccomp-action kill -- \
	/usr/bin/python3 -c "$py" 2>&1)
expect_eq "status with flags" 159 "$?"
expect_match "message quotes the flags" "killed by seccomp \\(SIGSYS\\): it made a system call --seccomp strict or --seccomp-deny mount denies" "$out"

# a child of the app is killed too (the filter is inherited) and named
out=$(KEEL_SECCOMP=default KEEL_SECCOMP_ACTION=kill as_pid1 "$KEEL" -- \
	sh -c '/usr/bin/python3 -c "$0"; echo "child status $?"' "$py" 2>&1)
echo "$out"
expect_eq "app status" 0 "$?"
grep -q '^child status 159$' <<<"$out" || fail "the app's child was not killed"

# SIGSYS sent by kill(2) with no filter: not seccomp's doing
out=$(as_pid1 "$KEEL" -- sh -c 'kill -SYS $$' 2>&1)
expect_eq "status of kill -SYS" 159 "$?"
grep -q 'seccomp' <<<"$out" && fail "blamed seccomp without a filter: $out"
expect_match "plain SIGSYS message" "keel: error: sh \\(pid 2\\) was killed by SIGSYS \\(bad system call\\)" "$out"
exit 0
