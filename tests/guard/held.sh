#!/usr/bin/env bash
# A process that holds a lock keel needs, with a page fault that never ends
# (tests/guard/holder.c: a userfaultfd page nobody fills), holds whichever
# thread of keel asks for that lock next: the wake FIFO's (keel's read of
# it) or the statistics folder's (keel's sweep of a dead process's file).
# That must be the guard's thread, never the one that forwards signals and
# reaps: with the holder in place and a thread of keel seen in state D,
# SIGTERM to keel still reaches the application, which exits 0, and keel
# ends the holder and exits 0 itself, its folder removed. Before the guard
# had a thread of its own, keel stayed in D and the SIGTERM never arrived.
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
	cg_keel "$CG" KEEL_STATS_DIR="$T/stats.$mode" KEEL_RSS_LIMIT=64M -- \
		sh -c 'trap "echo term >> $0/res; exit 0" TERM
"$1" "$2" > "$0/out" 2>&1 &
wait' "$T" "$holder" "$mode" 2>"$T/err.$mode" &
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
	cat "$T/err.$mode" >&2
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
