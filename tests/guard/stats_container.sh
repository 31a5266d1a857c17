#!/usr/bin/env bash
# `keel stats` shows the whole container: the real keel as PID 1 of a PID
# namespace in a real cgroup v1 child (512 MiB, soft limit 120 MiB) starts
# a static program holding 50 MiB, a shimmed Python holding 80 MB, small
# shimmed processes (sh, sleep), a Python with the shim taken away, a
# program with its own malloc, and a process joins from outside (as docker
# exec does). keel stats, run in the container's cgroup and namespaces,
# must give every process a row with
# the right reason when it has no heap, sort by RSS, keep in use +
# free-resident within RSS, show the guard's trims, and have a header that
# adds up to the cgroup's usage; --json parses, --format prometheus obeys
# the text exposition grammar, --watch refreshes with timestamps, growth
# and a trend, and the exit statuses are 0, 1 and 2 as documented.
. "$TESTS/lib.sh"
. "$TESTS/guard/cgroup-lib"
need python3
need nsenter
need setpriv
HOLD=$BUILD/tests/guard/hold_static OWN=$BUILD/tests/pid1/ownmalloc
[ -x "$HOLD" ] && [ -x "$OWN" ] || fail "$HOLD or $OWN missing: run make test-programs"
tmpdir
chmod 755 "$T"
trap 'cg_cleanup; [ -n "${KEEP:-}" ] || rm -rf "$T"' EXIT
cg_make "keel-test-statsall-$$" "" 512M
# Python's blocks hold bytes 1-250, not zeros: a split huge page's all-zero pages
# go to the kernel's zero page, and would not count as resident.

cg_keel "$CG" KEEL_RSS_LIMIT=120M KEEL_STATS_DIR="$T/stats" -- sh -c '
T=$1 HOLD=$2 OWN=$3
"$HOLD" 50 > "$T/static" &
"$OWN" 120 > /dev/null &
echo $! > "$T/own"
/usr/bin/python3 -c "
import time
l = [bytearray(range(1, 251)) * 4 for i in range(80000)]
print(\"ready\", flush=True)
time.sleep(120)" > "$T/py" &
env -u LD_PRELOAD /usr/bin/python3 -c "import time; time.sleep(120)" &
echo $! > "$T/bare"
sleep 120 &
echo $! > "$T/sleep"
echo $$ > "$T/sh"
wait' sh "$T" "$HOLD" "$OWN" >"$T/out" 2>"$T/err" &
upid=$!
# keel, seen from outside: the process of the cgroup that is PID 1 of
# its namespace
kpid=
for _ in $(seq 100); do
	for p in $(cat "$CG/cgroup.procs"); do
		grep -q $'^NSpid:.*\t1$' "/proc/$p/status" 2>/dev/null &&
			kpid=$p && break
	done
	[ -n "$kpid" ] && break
	sleep 0.05
done
[ -n "$kpid" ] || fail "keel did not start: $(cat "$T/err")"
for _ in $(seq 200); do
	grep -q ready "$T/py" 2>/dev/null && grep -q ready "$T/static" 2>/dev/null && break
	sleep 0.05
done
grep -q ready "$T/py" || fail "the Python did not start: $(cat "$T/err")"
# a process joins from outside, as docker exec's do
( cg_run "$CG" nsenter -t "$kpid" -p -m sleep 120 & )
# the shim publishes on its purger's tick; the guard trims over 120 MiB
sleep 2
# a file that is no statistics file (bytes 0x02 of the right size: a
# Python's file's; all zeros would be a file a shim is still filling in),
# under the name of sh's pid
inst=$T/stats/$(ls "$T/stats")
size=$(stat -c %s "$(ls -d "$inst"/[0-9]*.* | head -n 1)")
head -c "$size" /dev/zero | tr '\0' '\002' > "$inst/$(cat "$T/sh").0123abcd"

# in the container: its cgroup, its PID and mount namespaces
inside() { cg_run "$CG" nsenter -t "$kpid" -p -m env KEEL_STATS_DIR="$T/stats" "$@"; }
inside "$KEEL_BIN" stats > "$T/text"; expect_eq "keel stats status" 0 $?
inside "$KEEL_BIN" stats --json > "$T/json"; expect_eq "--json status" 0 $?
inside "$KEEL_BIN" stats --format prometheus > "$T/prom"; expect_eq "prometheus status" 0 $?
inside "$KEEL_BIN" stats --classes > "$T/classes"; expect_eq "--classes status" 0 $?
inside setpriv --reuid 1000 --regid 1000 --clear-groups "$KEEL_BIN" stats --json \
	> "$T/json.user"; expect_eq "keel stats as uid 1000" 0 $?
inside ls /proc > "$T/procs"
cat "$T/text"

static_pid=$(awk '{print $2}' "$T/static")
python3 - "$T" "$static_pid" <<'EOF' || fail "keel stats --json: $(cut -c1-600 "$T/json")"
import json, os, sys
T, static_pid = sys.argv[1], int(sys.argv[2])
lines = open(T + "/json").read().splitlines()
assert len(lines) == 1, "one JSON line per refresh"
s = json.loads(lines[0])
rows = {r["pid"]: r for r in s["processes"]}
print("rows:", {p: (r["command"], r["rss"] >> 20, r.get("no_heap", "heap"))
                for p, r in rows.items()})
# the header adds up: memory.stat's parts make the cgroup's usage
MiB = 1 << 20
assert s["limit"] == 512 * MiB, s["limit"]
parts = s["anon"] + s["file"] + s["kernel"]
assert abs(s["usage"] - parts) < 0.05 * s["usage"], (s["usage"], parts)
# ...and the rows add up to the header: the processes' anonymous memory
# is the cgroup's process memory
assert abs(s["rss_anon"] - s["anon"]) < 0.05 * s["usage"], (s["rss_anon"], s["anon"])
assert s["rss_anon"] == sum(r["rss_anon"] for r in rows.values())
# the guard's state: the soft limit was crossed, so it trimmed
k = s["keels"][0]
assert k["keel_pid"] == 1 and k["soft_limit"] == 120 * MiB, k
assert k["trims"] >= 1 and k["last_trim"] > 0, k
# every process of the namespace has a row (but ls, which came after)
procs = {int(p) for p in open(T + "/procs").read().split() if p.isdigit()}
missing = procs - set(rows)
assert len(missing) <= 1, ("no row", missing)
def pid(name): return int(open(T + "/" + name).read())
def why(p): return rows[p].get("no_heap")
assert why(1) == "keel itself", rows[1]
assert why(static_pid) == "static binary", rows[static_pid]
assert rows[static_pid]["rss"] >= 50 * MiB, rows[static_pid]
assert why(pid("sh")) == "statistics rejected", rows[pid("sh")]
assert rows[pid("sh")]["rejected"] == "not a statistics file of this keel", rows[pid("sh")]
assert why(pid("sleep")) == "heap below the publishing threshold"
assert why(pid("bare")).startswith("not shimmed"), rows[pid("bare")]
assert why(pid("own")) == "own allocator", rows[pid("own")]
outsiders = [r for r in rows.values() if r["command"] == "sleep" and r["ppid"] == 0]
assert outsiders and outsiders[0]["no_heap"] == "not started by keel", outsiders
assert outsiders[0]["keel_pid"] == 0, outsiders
heaps = [r for r in rows.values() if "in_use" in r]
assert len(heaps) == 1 and heaps[0]["command"] == "python3", heaps
assert heaps[0]["in_use"] >= 80e6 and heaps[0]["keel_pid"] == 1, heaps
# terms: in use + free-resident never exceed RSS
for r in heaps:
    assert r["in_use"] + r["free_resident"] <= r["rss"], r
    assert r["in_use"] + r["free_resident"] <= r["rss_anon"], r
# sorted by RSS, largest first
rss = [r["rss"] for r in s["processes"]]
assert rss == sorted(rss, reverse=True), rss
# as uid 1000: the same rows, root's processes not readable
u = json.loads(open(T + "/json.user").read())
urows = {r["pid"]: r for r in u["processes"]}
assert set(rows) - set(urows) <= {max(rows)}, (set(rows), set(urows))
assert "in_use" in urows[heaps[0]["pid"]], urows[heaps[0]["pid"]]
assert urows[static_pid]["no_heap"] == "not readable by this user", urows[static_pid]
EOF

# the text: the header's lines, a row per process sorted by RSS, reasons
expect_match "timestamp" "^keel stats at [0-9]{4}-[0-9]{2}-[0-9]{2} [0-9:]{8} UTC$" "$(sed -n 1p "$T/text")"
expect_match "usage line" "^memory: usage [0-9.]+ MiB of limit 512.0 MiB \([0-9]+%\) \(cgroup v1\)$" "$(sed -n 2p "$T/text")"
expect_match "split line" "^  = [0-9.]+ [KMG]?i?B process memory \+ [0-9.]+ [KMG]?i?B page cache \+ [0-9.]+ [KMG]?i?B kernel" "$(sed -n 3p "$T/text")"
expect_match "guard line" "^keel pid 1: soft limit 120.0 MiB, [1-9][0-9]* trims? \(last [0-9]+s ago\)" "$(sed -n 4p "$T/text")"
expect_match "column header" "^ +PID COMMAND +RSS +PSS +IN-USE +FREE-RESIDENT +RETURNED +FRAG +THREADS  NOTE$" "$(sed -n 6p "$T/text")"
expect_match "static row" "^ +$static_pid hold_static +5[0-9.]+ MiB .* static binary$" "$(awk -v p="$static_pid" '$1 == p' "$T/text")"
sed -n '7,$p' "$T/text" | awk '{ v = $3; u = $4; m = u == "KiB" ? 1 : u == "MiB" ? 1024 : u == "GiB" ? 1048576 : 1 / 1024; print v * m }' > "$T/rss"
sort -g -r -c "$T/rss" || fail "text rows not sorted by RSS: $(cat "$T/rss")"
grep -q "size classes:" "$T/classes" && grep -qE "^ +1024 +[0-9]{5,} " "$T/classes" ||
	fail "--classes: no size class table: $(tail -n 5 "$T/classes")"

# Prometheus: every line is a comment (HELP or TYPE) or a sample, each
# family's TYPE comes once and before its samples
"$TESTS/promtext.py" "$T/prom" keel_cgroup_memory_usage_bytes keel_cgroup_oom_kills_total \
	keel_cgroup_memory_limit_bytes keel_process_rss_bytes \
	keel_heap_in_use_bytes keel_guard_trims_total keel_process_heap_published ||
	fail "prometheus format: $(head -n 20 "$T/prom")"
# ...and the checker itself refuses what breaks the grammar
printf 'keel_x{pid="1} 3\n' > "$T/bad.prom"
"$TESTS/promtext.py" "$T/bad.prom" 2>/dev/null && fail "promtext.py took a broken label"
printf '# TYPE a gauge\na 1\n# TYPE b gauge\nb 1\na 2\n' > "$T/bad.prom"
"$TESTS/promtext.py" "$T/bad.prom" 2>/dev/null && fail "promtext.py took a family split in two"

# --watch: JSON lines, one per refresh, growth from the second on; the
# text form with a timestamp per refresh and the trend columns
inside timeout 1.8 "$KEEL_BIN" stats --watch=0.5 --json > "$T/watch.json"
python3 - "$T/watch.json" <<'EOF' || fail "--watch --json: $(cut -c1-300 "$T/watch.json")"
import json, sys
snaps = [json.loads(l) for l in open(sys.argv[1])]
assert len(snaps) >= 3, len(snaps)
times = [s["time"] for s in snaps]
assert times == sorted(times) and times[-1] - times[0] >= 0.9, times
assert all("rss_growth_per_min" in r for r in snaps[-1]["processes"]), snaps[-1]
EOF
inside timeout 1.3 "$KEEL_BIN" stats -w 0.5 > "$T/watch.text"
expect_match "refreshes" "^[23]$" "$(grep -c '^keel stats at ' "$T/watch.text")"
grep -qE "^ +PID COMMAND .* GROWTH/MIN TREND +NOTE$" "$T/watch.text" ||
	fail "--watch text has no growth and trend: $(head -n 8 "$T/watch.text")"
grep -qE "^ +$static_pid hold_static .* [+-][0-9.]+ [KMG]?i?B [▁▂▃▄▅▆▇█]{2,}" "$T/watch.text" ||
	fail "--watch rows have no growth or trend: $(cat "$T/watch.text")"

# bad arguments: status 2 and one line naming the value
for args in "--watch 0" "--watch=abc" "--format xml" "--frobnicate" "-w 1 --format prometheus"; do
	# shellcheck disable=SC2086
	out=$("$KEEL_BIN" stats $args 2>&1); rc=$?
	expect_eq "status of keel stats $args" 2 "$rc"
	expect_eq "one line for keel stats $args" 1 "$(wc -l <<<"$out")"
	expect_match "message for $args" "^keel: fatal: stats: " "$out"
done
expect_match "--watch 0 names its value" "--watch 0: not a refresh period \(accepted: 0.1-3600 seconds\)" \
	"$("$KEEL_BIN" stats --watch 0 2>&1)"
"$KEEL_BIN" stats --help | grep -q "^usage: keel stats" || fail "keel stats --help"

# nothing readable (no /proc, so no cgroup either): status 1
unshare --mount --propagation private sh -c 'mount -t tmpfs none /proc && exec "$0" stats' \
	"$KEEL_BIN" > "$T/none" 2>&1
expect_eq "status with nothing to read" 1 $?
# no shimmed process at all: the figures, status 0
out=$(cg_run "$CG" env KEEL_MALLOC=off unshare --pid --fork --mount-proc "$KEEL_BIN" -- \
	sh -c '"$0" stats; echo "status $?"' "$KEEL_BIN" 2>&1)
expect_match "no shimmed process: status 0" "status 0$" "$out"
expect_match "no shimmed process: rows" "sh .* not shimmed" "$out"

kill "$upid" 2>/dev/null
exit 0
