#!/usr/bin/env bash
# Every catchable signal sent to keel (PID 1) reaches the child, including
# the job-control ones and SIGRTMIN as glibc numbers it (34: musl keeps
# 32-34 for itself and its sigfillset leaves them out), and keel itself
# neither dies nor stops.
. "$TESTS/lib.sh"; . "$TESTS/pid1/common.bash"
tmpdir
start_pid1 "$KEEL" -- "$H/sigrec" "$T/rec"
wait_file "$T/rec.ready"
sigs="HUP INT QUIT USR1 USR2 PIPE ALRM WINCH URG CONT TSTP TTIN TTOU XCPU PWR RTMIN RTMIN+1 RTMAX"
want=
for s in $sigs; do
	kill -s "$s" "$KPID" || fail "kill -$s"
	want+="$(kill -l "$s" 2>/dev/null || echo x) "
	n=$(wc -l <"$T/rec")
	for _ in $(seq 100); do
		[ "$(wc -l <"$T/rec")" -gt "$n" ] 2>/dev/null && break
		[ "$(wc -l <"$T/rec")" -ge "$(echo $want | wc -w)" ] && break
		sleep 0.02
	done
done
grep -q . /proc/$KPID/stat || fail "keel is gone"
state=$(awk '{print $3}' /proc/$KPID/stat)
[ "$state" = T ] && fail "keel stopped itself"
kill -TERM "$KPID"
wait "$UPID"; rc=$?
expect_eq "exit after SIGTERM" 0 "$rc"
got=$(tr '\n' ' ' <"$T/rec")
exp=""
for s in $sigs TERM; do
	case $s in
	RTMIN+1) n=$(( $(kill -l RTMIN) + 1 )) ;;
	RTMAX) n=$(kill -l RTMAX) ;;
	*) n=$(kill -l "$s") ;;
	esac
	exp+="$n "
done
expect_eq "signals recorded in order" "$exp" "$got"
exit 0
