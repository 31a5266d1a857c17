#!/usr/bin/env bash
# A process of keel's own user may lower keel's resource limits (prlimit:
# the kernel allows it between processes of one user). With its open-file
# limit at 0, keel's ppoll fails: it must not spin on the failure (it did:
# 190,000 warnings in 2 s, then the CPU limit the same process had set
# killed PID 1), and it keeps reaping and forwarding on signals alone.
. "$TESTS/lib.sh"; . "$TESTS/pid1/common.bash"
tmpdir
user_helper limiter
start_pid1 setpriv --reuid 1000 --regid 1000 --clear-groups \
	"$KEEL" -- "$T/limiter" "$T/res" 2>"$T/err"
# a failure leaves no PID 1 behind (its namespace ends with it)
trap 'kill -KILL "$KPID" 2>/dev/null; rm -rf "$T"' EXIT
for _ in $(seq 100); do
	grep -q . "$T/res" 2>/dev/null && break
	sleep 0.05
done
expect_eq "reaping with no open-file limit" reaped "$(head -n 1 "$T/res")"
# CPU time of keel over those 2.5 s, in clock ticks (a spin takes ~250)
read -r -a st < "/proc/$KPID/stat"
ticks=$((st[13] + st[14]))
[ "$ticks" -lt 50 ] || fail "keel used $ticks ticks of CPU: it spins"
kill -TERM "$KPID"
wait "$UPID"
expect_eq "status after SIGTERM" 0 "$?"
expect_eq "SIGTERM forwarded" term "$(tail -n 1 "$T/res")"
expect_eq "one warning" 1 "$(grep -c "waiting for signals alone" "$T/err")"
