#!/usr/bin/env bash
# A full /dev/shm (Docker's is 64 MiB; PostgreSQL, Chromium and Python's
# multiprocessing fill it) crashes neither keel nor the application. Its
# files were extended with ftruncate, a hole, and the first store to a
# hole of a full tmpfs is SIGBUS: keel's control file ended PID 1 when
# /dev/shm was full as it started (status 135), and the shim's statistics
# file ended an application that filled it and then grew its heap past the
# 4 MiB where the shim publishes. Now each says so in one line and goes on.
. "$TESTS/lib.sh"; . "$TESTS/pid1/common.bash"
need python3
tmpdir
unshare --mount true 2>/dev/null || skip "unable to make a mount namespace here"
# a 1 MiB /dev/shm of the container's own, filled before or after keel starts
app='import sys
x = [bytearray(1000) for _ in range(10000)]	# 10 MB: the shim publishes
print("app ok", flush=True)
sys.exit(3)'
full_shm() {
	as_pid1 sh -c '
		mount -t tmpfs -o size=1m tmpfs /dev/shm || exit 99
		[ "$1" = before ] && dd if=/dev/zero of=/dev/shm/fill bs=4k 2>/dev/null
		shift
		exec "$@"' full "$@"
}

# full_case WHEN WARNING CMD...: the application ran to its end, its
# status came back, and the warning says why nothing was published
full_case() {
	local when=$1 warn=$2 rc
	shift 2
	full_shm "$when" "$@" >"$T/out" 2>"$T/err"
	rc=$?
	cat "$T/out" "$T/err"
	expect_eq "status, /dev/shm full $when keel started" 3 "$rc"
	expect_eq "the application ran" "app ok" "$(cat "$T/out")"
	grep -q "$warn" "$T/err" || fail "no warning ($when): $warn"
}

full_case before \
	"^keel: warning: unable to create /dev/shm/keel/.*/control: No space left on device" \
	"$KEEL" -- python3 -c "$app"
# filled by the application: the shim's own write fails
full_case after \
	"^libkeel: warning: unable to write /dev/shm/keel/.*: error 28; statistics not published" \
	"$KEEL" -- sh -c 'dd if=/dev/zero of=/dev/shm/fill bs=4k 2>/dev/null
exec python3 -c "$1"' sh "$app"
exit 0
