#!/usr/bin/env bash
# KEEL_SECCOMP=default under the real keel as PID 1: while the app runs,
# mount and umount2 fail with EPERM in it (root, who could otherwise do
# them), across its exec and in its children (the filter is inherited);
# =strict also denies unshare; with KEEL_SECCOMP=off unshare works;
# KEEL_SECCOMP_DENY adds a call.
. "$TESTS/lib.sh"; . "$TESTS/pid1/common.bash"
need python3
py='
import ctypes, os, sys
libc = ctypes.CDLL(None, use_errno=True)
def call(name, *args):
    r = getattr(libc, name)(*args)
    return "ok" if r == 0 else os.strerror(ctypes.get_errno())
print("unshare", call("unshare", 0x20000))
print("mount", call("mount", b"none", b"/proc", b"proc", 0, None))
print("umount2", call("umount2", b"/nonexistent", 0))
print("getppid", os.getppid())
if len(sys.argv) > 1:
    sys.stdout.flush()
    os.execv(sys.executable, [sys.executable, "-c", sys.argv[1]])
'
out=$(KEEL_SECCOMP=default as_pid1 "$KEEL" -- /usr/bin/python3 -c "$py" "$py" 2>&1)
rc=$?
echo "$out"
expect_eq "status" 0 "$rc"
expect_eq "unshare allowed by default" 2 "$(grep -c '^unshare ok$' <<<"$out")"
expect_eq "mount denied" 2 "$(grep -c '^mount Operation not permitted$' <<<"$out")"
expect_eq "umount2 denied" 2 "$(grep -c '^umount2 Operation not permitted$' <<<"$out")"

# a child of the app (fork + exec of another program) inherits the filter
out=$(KEEL_SECCOMP=default as_pid1 "$KEEL" -- sh -c '/usr/bin/python3 -c "$0"; echo "child done"' "$py" 2>&1)
echo "$out"
grep -q '^getppid 2$' <<<"$out" || fail "the python was not the app's child"
grep -q '^mount Operation not permitted$' <<<"$out" || fail "the app's child is not filtered"

out=$(KEEL_SECCOMP=strict as_pid1 "$KEEL" -- /usr/bin/python3 -c "$py" 2>&1)
echo "$out"
grep -q '^unshare Operation not permitted$' <<<"$out" || fail "strict does not deny unshare"

# the control: without a filter root may unshare (mount namespace only)
out=$(KEEL_SECCOMP=off as_pid1 "$KEEL" -- /usr/bin/python3 -c "$py" 2>&1)
echo "$out"
grep -q '^unshare ok$' <<<"$out" || fail "unshare fails even without a filter: $out"

# KEEL_SECCOMP_DENY adds a call an ordinary program makes
out=$(KEEL_SECCOMP_DENY=getppid as_pid1 "$KEEL" -- /usr/bin/python3 -c '
import ctypes, os
libc = ctypes.CDLL(None, use_errno=True)
r = libc.syscall(110)
print("getppid", r, os.strerror(ctypes.get_errno()))' 2>&1)
echo "$out"
expect_eq "KEEL_SECCOMP_DENY=getppid" "getppid -1 Operation not permitted" "$out"
exit 0
