#!/usr/bin/env bash
# -p SIG: keel gets SIG when its parent dies, and forwards it like any
# other signal, so the app sees the shutdown.
. "$TESTS/lib.sh"; . "$TESTS/pid1/common.bash"
tmpdir
sh -c '"$1" -p SIGUSR2 -- "$2" "$3" & echo $! >"$4"; sleep 0.5' sh \
	"$KEEL" "$H/sigrec" "$T/rec" "$T/kpid"
wait_file "$T/rec.ready"
for _ in $(seq 100); do
	grep -q . "$T/rec" && break
	sleep 0.05
done
expect_eq "forwarded parent-death signal" "$(kill -l USR2)" "$(head -n 1 "$T/rec")"
kpid=$(cat "$T/kpid")
kill -TERM "$kpid"
for _ in $(seq 100); do
	kill -0 "$kpid" 2>/dev/null || break
	sleep 0.05
done
kill -0 "$kpid" 2>/dev/null && fail "keel did not exit after SIGTERM"
expect_eq "then SIGTERM" 15 "$(tail -n 1 "$T/rec")"
exit 0
