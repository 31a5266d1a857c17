#!/usr/bin/env bash
# The guard without keel's allocator, on a real cgroup v1 limit: with
# KEEL_MALLOC=libjemalloc.so.2 (what people copy from an old LD_PRELOAD)
# the app maps jemalloc, not libkeel.so, and keel still reports when usage
# crosses the soft limit. Messages about KEEL_RSS_LIMIT quote the user's
# own text (1G, not 1073741824).
. "$TESTS/lib.sh"
. "$TESTS/guard/cgroup-lib"
need python3
ls /usr/lib/*/libjemalloc.so.2 >/dev/null 2>&1 || skip "libjemalloc2 is not installed"
tmpdir
trap 'cg_cleanup; rm -rf "$T"' EXIT
cg_make "keel-test-other-$$" "" 128M

# 80 MiB of written memory over a 64 MiB soft limit, held a second
cg_keel "$CG" KEEL_STATS_DIR="$T/stats" KEEL_MALLOC=libjemalloc.so.2 \
	KEEL_RSS_LIMIT=64M -- python3 -c '
import time
maps = open("/proc/self/maps").read()
print("jemalloc" if "libjemalloc.so.2" in maps else "no jemalloc",
      "libkeel" if "libkeel" in maps else "no libkeel", flush=True)
hold = bytes(b"\1") * (80 << 20)
time.sleep(1)' >"$T/out" 2>"$T/err"
rc=$?
cut -c1-300 "$T/err"
expect_eq "keel status" 0 "$rc"
expect_eq "the app's allocator" "jemalloc no libkeel" "$(cat "$T/out")"
grep -q '^{"keel":"memory-report"' "$T/err" || fail "no JSON report"
grep -q '^keel: report: .*soft limit 64.0 MiB, cgroup limit 128.0 MiB' "$T/err" ||
	fail "no readable report"

# a soft limit above the cgroup's: the warning says what the user wrote
# (the runner's own KEEL_* variables, KEEL_TOP and in CI
# KEEL_IMAGES_REQUIRED, get warnings of their own: left aside)
for given in "KEEL_RSS_LIMIT=1G" "--rss-limit 1G"; do
	if [ "${given:0:2}" = -- ]; then
		cg_run "$CG" env -u KEEL_BIN unshare --pid --fork --mount-proc "$KEEL_BIN" \
			--rss-limit 1G -- true 2>"$T/err"
	else
		cg_keel "$CG" "$given" -- true 2>"$T/err"
	fi
	expect_eq "$given: the warning" \
		"keel: warning: $given: above the cgroup limit of 134217728 bytes; the OOM killer may act first" \
		"$(grep -v '^keel: warning: KEEL_[A-Z_]*: unknown variable' "$T/err")"
done
exit 0
