# Shared by the tests/pid1 scripts (sourced after lib.sh): the keel binary
# without the runner's own KEEL_* variables, the helper programs, and a way
# to start keel as PID 1 in the background and learn its outside pid.
KEEL=${KEEL_BIN:?}
# The runner's own KEEL_BIN, KEEL_TOP... would get "unknown variable"
# warnings, and a caller's settings must not leak into a test.
for v in $(compgen -e | grep '^KEEL_'); do unset "$v"; done
H=$BUILD/tests/pid1
for p in sigrec sigstate orphans family tty ownmalloc; do
	[ -x "$H/$p" ] || fail "$H/$p missing: run make test-programs"
done

# start_pid1 CMD...: runs CMD as PID 1 in the background; sets UPID (the
# unshare process) and KPID (keel, seen from outside).
start_pid1() {
	unshare --pid --fork --mount-proc "$@" &
	UPID=$!
	KPID=
	for _ in $(seq 100); do
		KPID=$(cat /proc/$UPID/task/$UPID/children 2>/dev/null)
		KPID=${KPID%% *}
		[ -n "$KPID" ] && return 0
		sleep 0.05
	done
	fail "keel did not start"
}

# wait_file FILE: waits up to 10 s for FILE to exist.
wait_file() {
	for _ in $(seq 200); do
		[ -e "$1" ] && return 0
		sleep 0.05
	done
	fail "$1 did not appear"
}

# nofile CMD...: runs CMD as PID 1 where no file system can hold a copy of
# libkeel.so, as in `docker run --read-only`: /, /run, /tmp and /dev
# read-only, /dev/shm noexec. Exits 77 (skip) when mounts cannot change here.
nofile() {
	unshare --mount --pid --fork --mount-proc sh -c '
		for m in / /run /tmp /dev; do
			mountpoint -q "$m" || continue
			mount -o remount,bind,ro "$m" || exit 77
		done
		mount --bind /dev/shm /dev/shm &&
			mount -o remount,bind,noexec,nosuid,nodev /dev/shm || exit 77
		exec "$@"' nofile "$@"
}
nofile true 2>/dev/null || skip "unable to make a read-only mount namespace here"

# user_helper NAME (after tmpdir): a copy of helper NAME in $T that uid
# 1000 can run, with $T open to it; skips without root or setpriv.
user_helper() {
	[ "$(id -u)" = 0 ] || skip "needs root (setpriv)"
	need setpriv
	[ -x "$H/$1" ] || fail "$H/$1 missing: run make test-programs"
	chmod 777 "$T"
	cp "$H/$1" "$T/$1"
}
