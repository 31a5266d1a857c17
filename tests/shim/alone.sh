#!/usr/bin/env bash
# A single-threaded program stays one as fork returns, and setns into a
# mount namespace and unshare(CLONE_NEWUSER), which the kernel refuses a
# process with more than one thread, succeed while the shim's purger
# thread runs, called by name or through syscall(): it steps aside and comes back, and gives memory back in the
# new namespace; in a glibc and a musl program, as PID 1 under keel (the
# purger then waits on keel's shared control file), in CPython calling
# unshare through ctypes as a program would, and in CPython 3.12 or later,
# where one is installed, forking with warnings on (it warns when a
# process that forked counts more than one thread).
. "$TESTS/lib.sh"
for prog in "$BUILD/tests/shim/alone" "$BUILD/tests/musl/alone"; do
	out=$(LD_PRELOAD=$LIBKEEL timeout 30 "$prog" 2>&1) ||
		fail "${prog##*/}: exit $?: $out"
	echo "$out"
done
out=$(as_pid1 timeout 30 "$KEEL_BIN" -- "$BUILD/tests/shim/alone" 2>&1) ||
	fail "under keel as PID 1: exit $?: $out"
echo "as PID 1: ${out//$'\n'/; }"
py=/usr/bin/python3
[ -x $py ] || { echo "no /usr/bin/python3: CPython not checked"; exit 0; }
out=$(LD_PRELOAD=$LIBKEEL timeout 30 $py -c '
import ctypes, os, time
libc = ctypes.CDLL(None, use_errno=True)
for i in range(4):
    x = [bytes(100000) for i in range(300)]; del x
time.sleep(0.3)
threads = len(os.listdir("/proc/self/task"))
if libc.unshare(0x10000000):
    print("threads", threads, "unshare:", os.strerror(ctypes.get_errno()))
    raise SystemExit(1)
print("threads", threads, "unshare(CLONE_NEWUSER) ok")
' 2>&1) || fail "python3: $out"
expect_match "python3" "^threads 2 unshare" "$out"
echo "python3: $out"
for py in python3.14 python3.13 python3.12 \
	/root/.pyenv/versions/3.1[2-9]*/bin/python3; do
	"$py" -c 'import sys; sys.exit(sys.version_info < (3, 12))' \
		>/dev/null 2>&1 || continue
	out=$(LD_PRELOAD=$LIBKEEL timeout 30 "$py" -W default -c '
import os, time
for i in range(4):
    x = [bytes(100000) for i in range(300)]; del x
time.sleep(0.3)
threads = len(os.listdir("/proc/self/task"))
pid = os.fork()
if pid == 0:
    os._exit(0)
os.waitpid(pid, 0)
print("threads", threads, "before fork")
' 2>&1) || fail "$py: $out"
	[[ $out != *multi-threaded* ]] || fail "$py warns: $out"
	expect_match "$py" "^threads 2 before fork$" "$out"
	echo "$py: no warning at fork with the purger running"
	break
done
