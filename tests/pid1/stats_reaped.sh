#!/usr/bin/env bash
# The statistics files of processes keel itself reaps are swept, in a
# storm and after it. Orphans (a double fork, so keel reaps them) publish
# their heaps (past 4 MiB) and exit with os._exit, which leaves the file.
# A storm of 20 reaps asks for one sweep, not 20 (the reaper posts again
# only once that sweep has started); a round of 3 after the storm's sweep
# must still be swept: its files may not wait for a reap that never comes.
# The orphans live past the sweep their new files asked for (inotify), so
# only a sweep after their reap removes the files. Counts the files while
# they live, then those of dead processes 1.4 s after their exit.
. "$TESTS/lib.sh"; . "$TESTS/pid1/common.bash"
need python3
tmpdir
out=$(KEEL_STATS_DIR=$T/s as_pid1 "$KEEL" -- /usr/bin/python3 -c '
import os, time
folder = os.environ["KEEL_STATS_DIR"]
def orphans(n):
    for _ in range(n):
        if os.fork() == 0:
            if os.fork() == 0:
                x = [bytearray(1000) for _ in range(6000)]
                # past the sweep the new file asked for (inotify): only
                # a sweep after the reap removes it
                time.sleep(1.6)
                os._exit(0)
            os._exit(0)
        os.wait()
def stale():
    n = 0
    for f in os.listdir(folder):
        if f in ("control", "wake"):
            continue
        pid = f.split(".")[0]	# files are named PID.RANDOM
        if pid.isdigit() and not os.path.exists("/proc/" + pid):
            n += 1
    return n
seen = []
for n in (20, 3):
    orphans(n)
    time.sleep(1)
    seen.append(len(os.listdir(folder)) - 1)	# alive, published
    time.sleep(3)	# dead at 1.6 s, swept within a second
    seen.append(stale())
print(*seen)' 2>&1)
rc=$?
echo "files of the 20 alive, stale after their exit; of the 3 alive, stale: $out"
expect_eq "status" 0 "$rc"
read -r -a n <<<"$out"
[ ${#n[@]} = 4 ] || fail "no counts: $out"
# the orphans published: without that the test proves nothing
[ "${n[0]}" -ge 10 ] && [ "${n[2]}" -ge 2 ] ||
	fail "the orphans published no statistics: $out"
expect_eq "stale files after the storm" 0 "${n[1]}"
expect_eq "stale files after the round that followed" 0 "${n[3]}"
exit 0
