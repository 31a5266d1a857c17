#!/usr/bin/env bash
# A storm of 5,000 signals neither kills nor wedges keel: the SIGTERM sent
# after it still reaches the child, which then exits 0. (Pending signals
# are delivered lowest number first, so TERM need not be the last line.)
. "$TESTS/lib.sh"; . "$TESTS/pid1/common.bash"
tmpdir
start_pid1 "$KEEL" -- "$H/sigrec" "$T/rec"
wait_file "$T/rec.ready"
for i in $(seq 1250); do
	kill -USR1 "$KPID"; kill -USR2 "$KPID"; kill -HUP "$KPID"; kill -WINCH "$KPID"
done 2>/dev/null
kill -TERM "$KPID"
wait "$UPID"; rc=$?
expect_eq "exit" 0 "$rc"
n=$(wc -l <"$T/rec")
echo "child recorded $n signals of 5001 sent (standard signals coalesce)"
grep -qx 15 "$T/rec" || fail "SIGTERM never reached the child"
exit 0
