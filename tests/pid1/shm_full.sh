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

full_shm before "$KEEL" -- python3 -c "$app" >"$T/out1" 2>"$T/err1"
rc=$?
cat "$T/out1" "$T/err1"
expect_eq "status, /dev/shm full at start" 3 "$rc"
expect_eq "the application ran" "app ok" "$(cat "$T/out1")"
grep -q "^keel: warning: unable to create /dev/shm/keel/.*/control: No space left on device" "$T/err1" ||
	fail "keel did not say why it has no control file"

full_shm after "$KEEL" -- sh -c '
dd if=/dev/zero of=/dev/shm/fill bs=4k 2>/dev/null
exec python3 -c "$1"' sh "$app" >"$T/out2" 2>"$T/err2"
rc=$?
cat "$T/out2" "$T/err2"
expect_eq "status, /dev/shm filled by the application" 3 "$rc"
expect_eq "the application ran" "app ok" "$(cat "$T/out2")"
grep -q "^libkeel: warning: unable to write /dev/shm/keel/.*: error 28; statistics not published" "$T/err2" ||
	fail "the shim did not say why it did not publish"
exit 0
