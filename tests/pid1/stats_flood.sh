#!/usr/bin/env bash
# A process that plants 100,000 files in keel's statistics folder (anyone
# may create there) does not hold the guard's thread: keel sweeps the
# folder in steps of 20 ms, so between two steps the thread trims and
# reports as before. Before, one pass read the whole folder: 0.3-0.5 s
# here for 100,000 files, 4 s for 400,000, with no trim meanwhile, and at
# exit the thread, still sweeping or removing them, outlived keel's wait
# for it ("did not end within 100 ms (a process holds it in the kernel)",
# a wrong reason; the removal now stops after 50 ms, the wait is 400 ms).
. "$TESTS/lib.sh"; . "$TESTS/pid1/common.bash"
need python3
tmpdir
KEEL_VERBOSITY=3 as_pid1 "$KEEL" -- python3 -c '
import os, time
d = os.environ["KEEL_STATS_DIR"]
for i in range(100000):
    os.close(os.open(d + "/junk%d" % i, os.O_CREAT | os.O_WRONLY, 0o644))
time.sleep(1.5)	# the watch (1 s after start) sees the folder
for i in range(5):	# each new file asks for a sweep
    open(d + "/more%d" % i, "w").close()
    time.sleep(0.3)
raise SystemExit(3)' >"$T/out" 2>"$T/err"
rc=$?
grep -E "swept|did not end|removed in" "$T/err" | sort | uniq -c | sort -rn | head -5
expect_eq "status" 3 "$rc"
grep -q "statistics folder swept in .*; the rest in the next step" "$T/err" ||
	fail "the sweep of 100000 planted files went in one pass"
grep -q "did not end within" "$T/err" &&
	fail "keel took its busy thread for one a process holds in the kernel"
exit 0
