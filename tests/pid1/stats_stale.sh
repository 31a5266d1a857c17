#!/usr/bin/env bash
# Statistics of processes that are gone do not pile up: five rounds of
# four Python multiprocessing workers, which publish (their heaps pass
# 4 MiB) and exit without removing their files (os._exit), reaped by
# Python, not by keel. keel sweeps them when new files appear, so the
# folder holds the live processes and at most the last round's dead ones,
# never all rounds' (before the sweep: 5, 9, 13, 17, 21 files).
. "$TESTS/lib.sh"; . "$TESTS/pid1/common.bash"
need python3
tmpdir
out=$(KEEL_STATS_DIR=$T/s as_pid1 "$KEEL" -- /usr/bin/python3 -c '
import multiprocessing as mp, os, time
def work():
    x = [bytearray(1000) for _ in range(10000)]
    time.sleep(0.2)
    os._exit(0)
counts = []
for r in range(5):
    procs = [mp.Process(target=work) for _ in range(4)]
    for p in procs:
        p.start()
    for p in procs:
        p.join()
    time.sleep(1.2)
    counts.append(len(os.listdir(os.environ["KEEL_STATS_DIR"])) - 1)
print(*counts)' 2>&1)
rc=$?
echo "files after each round: $out"
expect_eq "status" 0 "$rc"
read -r -a n <<<"$out"
[ ${#n[@]} = 5 ] || fail "no counts: $out"
for c in "${n[@]}"; do
	[ "$c" -le 6 ] || fail "the folder grows: $out"
done
exit 0
