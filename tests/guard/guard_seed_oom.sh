#!/usr/bin/env bash
# Issue 4's OOM experiment: the seed's grow-copy-free workload (threads,
# buffers grown by realloc appends, handed across threads, copied, freed;
# ~60 MiB live) under the real keel as PID 1 in a real cgroup v1 with a
# 96 MiB limit (~1.5x live), three times per allocator. Measured here:
# glibc and jemalloc reach ~2x live and are OOM-killed (keel says so in
# plain words), keel's allocator stays under the limit and the run
# completes. Asserted: glibc killed with the post-mortem line, keel
# completed without an OOM kill; jemalloc is reported, not asserted.
. "$TESTS/lib.sh"
. "$TESTS/guard/cgroup-lib"
tmpdir
seed=$BUILD/tests/bench/seed
[ -x "$seed" ] || fail "$seed missing (make test-programs)"
[ -f "$LIBKEEL" ] || fail "no $LIBKEEL"
jemalloc=/usr/lib/x86_64-linux-gnu/libjemalloc.so.2
trap 'cg_cleanup; rm -rf "$T"' EXIT
limit=96M
runs=${SEED_OOM_RUNS:-3}

# run NAME KEEL_MALLOC: prints "NAME status max_usage_MiB oom_kills"
run() {
	local name=$1 malloc=$2 i=$3
	cg_make "keel-test-seed-$name-$i-$$" "" $limit
	cg_keel "$CG" KEEL_MALLOC="$malloc" KEEL_STATS_DIR="$T/stats-$name-$i" -- \
		"$seed" 8 "$T/samples-$name-$i" 4 >"$T/out-$name-$i" 2>"$T/err-$name-$i"
	echo "$name $? $(( $(cat "$CG/memory.max_usage_in_bytes") >> 20 )) $(cg_oom_kills "$CG")"
}

for i in $(seq "$runs"); do
	run glibc off "$i"
	[ -f "$jemalloc" ] && run jemalloc "$jemalloc" "$i"
	run keel keel "$i"
done > "$T/results"
cat "$T/results"
for f in "$T"/samples-*; do
	python3 -c '
import sys
r = [list(map(float, l.split())) for l in open(sys.argv[1]) if len(l.split()) == 3]
if r:
    print("%s: %d samples, peak RSS %.1f MiB, peak live %.1f MiB" % (sys.argv[1].split("/")[-1],
          len(r), max(x[1] for x in r) / 2**20, max(x[2] for x in r) / 2**20))' "$f"
done
grep -h 'OOM killer\|^keel: report: ' "$T"/err-* | sort | uniq -c | cut -c1-200

while read -r name status peak kills; do
	case $name in
	glibc)
		expect_eq "glibc run: status (137 = SIGKILL)" 137 "$status"
		expect_eq "glibc run: OOM kills" 1 "$kills" ;;
	keel)
		expect_eq "keel run: status" 0 "$status"
		expect_eq "keel run: OOM kills" 0 "$kills" ;;
	esac
done < "$T/results"
for f in "$T"/err-glibc-*; do
	grep -q '^keel: error: seed (pid 2) was killed by the OOM killer at 96 MiB' "$f" ||
		fail "no post-mortem line for the glibc run: $(cat "$f")"
done
for f in "$T"/out-keel-*; do
	grep -q '^ops [0-9]* seconds' "$f" || fail "keel run did not finish: $(cat "$f")"
done
exit 0
