#!/usr/bin/env bash
# PID 1 confines itself (KEEL_SECCOMP_SELF=on, the default): while the app
# runs, keel's /proc status says a seccomp filter is on (mode 2) with
# no_new_privs, and keel still does its work (forwards a signal, reaps an
# orphan, exits with the status); =off leaves it unconfined. That a call
# outside keel's list is refused with EPERM without killing PID 1 is
# proven by the unit test seccomp_self (tests/unit/test_seccomp_self.c):
# nothing keel does on its own can be made to make such a call here.
. "$TESTS/lib.sh"; . "$TESTS/pid1/common.bash"
out=$(as_pid1 "$KEEL" -- sh -c '
grep -E "^(Seccomp|NoNewPrivs):" /proc/1/status
sleep 0.2 &
trap "echo got TERM; exit 3" TERM
kill -TERM 1
sleep 5 & wait $!' 2>&1)
rc=$?
echo "$out"
grep -q '^Seccomp:[[:space:]]*2$' <<<"$out" || fail "keel is not confined: $out"
grep -q '^NoNewPrivs:[[:space:]]*1$' <<<"$out" || fail "no_new_privs not set"
grep -q '^got TERM$' <<<"$out" || fail "keel did not forward SIGTERM while confined"
expect_eq "status while confined" 3 "$rc"
grep -q 'seccomp refused keel' <<<"$out" && fail "keel's own call was refused: $out"

out=$(KEEL_SECCOMP_SELF=off as_pid1 "$KEEL" -- grep '^Seccomp:' /proc/1/status 2>&1)
expect_match "KEEL_SECCOMP_SELF=off" '^Seccomp:[[:space:]]*0$' "$out"
exit 0
