#!/usr/bin/env bash
# A full /dev/shm (Docker's is 64 MiB; PostgreSQL, Chromium and Python's
# multiprocessing fill it) crashes neither keel nor the application. Its
# files were extended with ftruncate, a hole, and the first store to a
# hole of a full tmpfs is SIGBUS: keel's control file ended PID 1 when
# /dev/shm was full as it started (status 135), and the shim's statistics
# file ended an application that filled it and then grew its heap past the
# 4 MiB where the shim publishes. Now keel takes /run/keel when /dev/shm
# is full (one line when every default is), and the shim says so in one
# line and goes on.
. "$TESTS/lib.sh"; . "$TESTS/pid1/common.bash"
need python3
tmpdir
unshare --mount true 2>/dev/null || skip "unable to make a mount namespace here"
# a 1 MiB /dev/shm of the container's own, filled before or after keel
# starts; for "all", /run/keel and /tmp/keel of its own too (not /run or
# /tmp whole: the build may be under them), filled with it
app='import os, sys
x = [bytearray(1000) for _ in range(10000)]	# 10 MB: the shim publishes
d = os.environ.get("KEEL_STATS_DIR")
print("app ok", os.path.dirname(d) if d else "none",
      bool(d) and os.path.exists(d + "/control"), flush=True)
sys.exit(3)'
full_shm() {
	as_pid1 sh -c '
		mount -t tmpfs -o size=1m tmpfs /dev/shm || exit 99
		full=/dev/shm
		if [ "$1" = all ]; then
			for d in /run/keel /tmp/keel; do
				mkdir -p -m 1777 $d &&
				mount -t tmpfs -o size=1m tmpfs $d || exit 99
			done
			full="/dev/shm /run/keel /tmp/keel"
		fi
		if [ "$1" != after ]; then
			for d in $full; do
				dd if=/dev/zero of=$d/fill bs=4k 2>/dev/null
			done
		fi
		shift
		exec "$@"' full "$@"
}

# full_case WHEN WANT WARNING CMD...: the application ran to its end with
# the statistics folder WANT, its status came back, and the warning (if
# any) says why nothing was published
full_case() {
	local when=$1 want=$2 warn=$3 rc
	shift 3
	full_shm "$when" "$@" >"$T/out" 2>"$T/err"
	rc=$?
	cat "$T/out" "$T/err"
	expect_eq "status, /dev/shm full $when keel started" 3 "$rc"
	expect_eq "the application ran" "app ok $want" "$(cat "$T/out")"
	if [ -n "$warn" ]; then
		grep -q "$warn" "$T/err" || fail "no warning ($when): $warn"
	else
		[ ! -s "$T/err" ] || fail "a warning ($when): $(cat "$T/err")"
	fi
}

full_case before "/run/keel True" "" "$KEEL" -- python3 -c "$app"
full_case all "none False" \
	"^keel: warning: unable to create a statistics folder in /dev/shm/keel, /run/keel or /tmp/keel (/tmp/keel: its control file: No space left on device); keel stats and trims are off" \
	"$KEEL" -- python3 -c "$app"
# filled by the application: the shim's own write fails
full_case after "/dev/shm/keel True" \
	"^libkeel: warning: unable to write /dev/shm/keel/.*: error 28; statistics not published" \
	"$KEEL" -- sh -c 'dd if=/dev/zero of=/dev/shm/fill bs=4k 2>/dev/null
exec python3 -c "$1"' sh "$app"
exit 0
