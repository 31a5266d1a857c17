#!/usr/bin/env bash
# A process that holds a lock keel needs, with a page fault that never ends
# (tests/guard/holder.c: a userfaultfd page nobody fills), holds whichever
# thread of keel asks for that lock next: the wake FIFO's (keel's read of
# it), the statistics folder's (keel's sweep of a dead process's file) or
# that of the pipe keel shares with the application as stderr (a line keel
# writes: here "reaped zombie", with KEEL_WARN_ON_REAP). That must be the
# guard's thread, never the one that forwards signals and reaps: with the
# holder in place and a thread of keel seen in state D, SIGTERM to keel
# still reaches the application, which exits 0, and keel ends the holder
# and exits 0 itself, its folder removed. Before the guard had a thread of
# its own, keel stayed in D and the SIGTERM never arrived.
. "$TESTS/lib.sh"
. "$TESTS/guard/cgroup-lib"
tmpdir
holder=$BUILD/tests/guard/holder
[ -x "$holder" ] || fail "$holder missing (make test-programs)"
trap 'cg_cleanup; [ -n "${KEEP:-}" ] || rm -rf "$T"' EXIT

# held MODE: one run; keel's stderr in $T/err.MODE
held() {
	local mode=$1 kpid= upid state rc p
	rm -f "$T/res" "$T/out"
	mkdir -p "$T/stats.$mode"
	# keel's stderr a pipe, the application's too (as under Docker); the
	# holder's own in a file but in stderr mode
	cg_keel "$CG" KEEL_STATS_DIR="$T/stats.$mode" KEEL_RSS_LIMIT=64M \
		KEEL_WARN_ON_REAP=1 -- \
		sh -c 'trap "echo term >> $0/res; exit 0" TERM
if [ "$2" = stderr ]; then "$1" "$2" > "$0/out" &
else "$1" "$2" > "$0/out" 2>&1 &
fi
wait' "$T" "$holder" "$mode" 2> >(cat > "$T/err.$mode") &
	upid=$!
	for _ in $(seq 200); do
		grep -q holding "$T/out" 2>/dev/null && break
		grep -q "userfaultfd:" "$T/out" 2>/dev/null &&
			skip "userfaultfd refused here: $(cat "$T/out")"
		sleep 0.05
	done
	grep -q holding "$T/out" 2>/dev/null || fail "$mode: the holder did not start: $(cat "$T/out" 2>/dev/null)"
	# keel: the process in the cgroup named keel (the first one, PID 1)
	for p in $(cat "$CG/cgroup.procs"); do
		[ "$(cat "/proc/$p/comm" 2>/dev/null)" = keel ] && kpid=$p && break
	done
	[ -n "$kpid" ] || fail "$mode: keel not found in $CG"
	# the hold is real: a thread of keel waits in the kernel
	state=
	for _ in $(seq 100); do
		state=$(cat /proc/"$kpid"/task/*/stat 2>/dev/null | awk '$3 == "D"')
		[ -n "$state" ] && break
		sleep 0.05
	done
	[ -n "$state" ] || fail "$mode: no thread of keel was held: the test holds nothing"
	kill -TERM "$kpid"
	for _ in $(seq 200); do
		kill -0 "$upid" 2>/dev/null || break
		sleep 0.05
	done
	kill -0 "$upid" 2>/dev/null && fail "$mode: keel did not exit within 10 s of SIGTERM: held (wchan $(cat /proc/"$kpid"/task/*/wchan | tr '\0' ' '))"
	wait "$upid"
	rc=$?
	sleep 0.2	# cat's last lines
	grep -v '^ *$' "$T/err.$mode" >&2
	expect_eq "$mode: SIGTERM reached the application" term "$(cat "$T/res" 2>/dev/null)"
	expect_eq "$mode: keel's status" 0 "$rc"
	grep -q "did not end within" "$T/err.$mode" &&
		fail "$mode: the guard's thread was still held at the end"
	[ -z "$(ls -A "$T/stats.$mode")" ] || fail "$mode: the statistics folder was left: $(ls -R "$T/stats.$mode")"
	echo "$mode: held keel's thread ($(echo "$state" | awk '{print $1}')), SIGTERM forwarded, keel exited 0"
}

cg_make "keel-test-held-$$" "" 256M
held fifo
held folder
held stderr
grep -q "reaped zombie" "$T/err.stderr" ||
	fail "stderr: keel's line about the reap never came out"
