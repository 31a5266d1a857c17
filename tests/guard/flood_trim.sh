#!/usr/bin/env bash
# A process that keeps planting files in keel's statistics folder (anyone
# may create there) does not hold the guard's thread off its trims: the
# sweeps that new files ask for go in steps of 20 ms, and the report reads
# the folder for 250 ms at most, and says so. guard_trim.sh's case (an
# idle shimmed process holding free memory, another pushing usage over
# the soft limit) with 200,000 planted files and one more every 50 ms:
# before, each sweep read them all (about 1 s here) once a second, the
# trim waited for the sweep under way, and each report read them all too.
# The planter runs outside the cgroup (its files' inodes, charged to it,
# would cross the soft limit themselves), the folder is a tmpfs of the
# test's own. The bound asserted (1 s) is guard_trim.sh's, generous on
# purpose: the numbers are in the output.
. "$TESTS/lib.sh"
. "$TESTS/guard/cgroup-lib"
need python3
trimlat_setup "keel-test-flood-$$" 128M
soft=$((64 << 20))
mkdir "$T/stats"
cat > "$T/planter.py" <<'PY'
import glob, os, sys, time
base, flag = sys.argv[1], sys.argv[2]
for _ in range(200):
    found = glob.glob(base + "/*/control")
    if found:
        break
    time.sleep(0.05)
d = os.path.dirname(found[0])
for i in range(200000):
    os.close(os.open(d + "/junk%d" % i, os.O_CREAT | os.O_WRONLY, 0o644))
open(flag, "w").close()
for i in range(600):	# each new file asks for a sweep
    open(d + "/more%d" % i, "w").close()
    time.sleep(0.05)
PY

env -u KEEL_BIN KEEL_STATS_DIR="$T/stats" KEEL_RSS_LIMIT=64M \
	KEEL_DECAY_MS=60000 KEEL_VERBOSITY=2 \
	unshare --pid --fork --mount-proc sh -c '
	cg=$1 stats=$2 planter=$3 keel=$4 flag=$5
	shift 5
	mount -t tmpfs -o size=64m tmpfs "$stats" || exit 99
	python3 "$planter" "$stats" "$flag" &
	echo 0 > "$cg/cgroup.procs" && exec "$keel" -- "$@"' \
	flood "$CG" "$T/stats" "$T/planter.py" "$KEEL_BIN" "$T/planted" \
	sh -c "$TRIMLAT_IDLE"'
for i in $(seq 600); do [ -e "$1/planted" ] && break; sleep 0.1; done
sleep 1.5
f=$(echo "$KEEL_STATS_DIR/$idle".*)
"$0" hog $idle "$f" "$2/memory.usage_in_bytes" '"$soft"' 120
echo "hog status $?"
sleep 1	# the report, 50 ms after the trim and 250 ms at most
kill $idle' "$prog" "$T" "$CG" >"$T/out" 2>"$T/err"
rc=$?
cat "$T/out"
grep -v '^keel: report:   \|^{' "$T/err" | grep -v "statistics folder: .* rejected"
grep '^keel: report:   the statistics folder' "$T/err"
expect_eq "keel status" 0 "$rc"
[ -e "$T/planted" ] || fail "the planter did not plant"
line=$(grep '^crossed ' "$T/out") || fail "no measurement"
grep -q "hog status 0" "$T/out" || fail "the idle process did not trim or its RSS did not drop"
rss_ms=$(sed 's/.*rss_drop_ms=\([0-9.]*\).*/\1/' <<<"$line")
echo "measured: crossing -> idle RSS down 2 MiB ${rss_ms} ms, 200,000 files planted"
awk -v a="$rss_ms" 'BEGIN { exit !(a < 1000) }' || fail "RSS drop took ${rss_ms} ms"
grep -q "^keel: report: soft limit crossed, trimmed: usage" "$T/err" ||
	fail "no readable report"
grep -q "^keel: report:   the statistics folder was not read to its end in 250 ms" "$T/err" ||
	fail "the report read all 200,000 files"
grep -q '^{"keel":"memory-report",.*\],"heaps_cut":true}$' "$T/err" ||
	fail "the JSON report does not say its list of heaps was cut"
exit 0
