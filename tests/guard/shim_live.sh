#!/usr/bin/env bash
# With the real libkeel.so: `keel stats` reads a live Python's published
# heap (as root and as nobody), and the guard on a real cgroup v1 limit
# makes an idle shimmed Python return its freed heap when another process
# pushes usage over the soft limit. KEEL_STATS_DIR reaches the child
# through the environment guard_init sets.
. "$TESTS/lib.sh"
. "$TESTS/guard/cgroup-lib"
need musl-gcc
need python3
need setpriv
tmpdir
chmod 755 "$T"
drv=$("$TESTS/guard/build-driver") || fail "driver build failed"
[ -f "$LIBKEEL" ] || skip "no $LIBKEEL"
trap 'cg_cleanup; kill $pids 2>/dev/null; rm -rf "$T"' EXIT
pids=

# 1. keel stats against live shimmed processes, one of them as nobody
mkdir -m 1777 "$T/s"
hold='import time
l = [bytearray(1000) for i in range(100000)]
print("ready", flush=True)
time.sleep(30)'
KEEL_STATS_DIR=$T/s LD_PRELOAD=$LIBKEEL python3 -c "$hold" >"$T/h1" &
pids="$pids $!"; p1=$!
# preloaded only after the switch to nobody (see the note on gosu-style
# entrypoints in docs/memory-guard.md)
setpriv --reuid 65534 --regid 65534 --clear-groups \
	env KEEL_STATS_DIR="$T/s" LD_PRELOAD="$LIBKEEL" python3 -c "$hold" >"$T/h2" &
pids="$pids $!"; p2=$!
for _ in $(seq 100); do grep -q ready "$T/h1" && grep -q ready "$T/h2" && break; sleep 0.05; done
[ -e "$T/s/$p1" ] || skip "libkeel.so does not publish statistics yet"
sleep 0.3
json=$(KEEL_STATS_DIR=$T/s "$drv" stats --json) || fail "keel stats failed"
printf '%s\n' "$json" | cut -c1-300
printf '%s\n' "$json" | python3 -c '
import json, sys
rows = {r["pid"]: r for r in map(json.loads, sys.stdin)}
for pid in map(int, sys.argv[1:]):
    r = rows[pid]
    assert r["command"] == "python3", r
    assert r["in_use"] >= 100000 * 1000, r
    assert r["rss"] >= r["in_use"], r
    assert 1.0 <= r["fragmentation"] < 2.0, r
' "$p1" "$p2" || fail "live statistics"
[ "$(stat -c %U "$T/s/$p2")" = nobody ] || fail "not written by nobody"
out=$(KEEL_STATS_DIR=$T/s setpriv --reuid 65534 --regid 65534 --clear-groups "$drv" stats) ||
	fail "keel stats as nobody"
echo "$out"
expect_eq "rows as nobody" 3 "$(printf '%s\n' "$out" | wc -l)"
kill $pids 2>/dev/null; wait 2>/dev/null; pids=

# 2. the guard trims an idle shimmed process on a real limit (how much it
# returns depends on the shim's decay; the trim itself is what is checked)
cg_make "keel-test-shim-$$" "" 256M
echo 0 > "$CG/memory.swappiness" 2>/dev/null
KEEL_STATS_DIR=$T/g KEEL_RSS_LIMIT=120M KEEL_DECAY_MS=60000 \
	cg_run "$CG" "$drv" guard 10 env LD_PRELOAD="$LIBKEEL" python3 -c '
import time
l = [bytearray(1000) for i in range(80000)]
del l
print("freed", flush=True)
time.sleep(30)' >"$T/drv.out" 2>"$T/drv.err" &
pids="$!"
for _ in $(seq 100); do grep -q freed "$T/drv.out" && break; sleep 0.05; done
dp=$(pgrep -f "guard_drv guard 10" | head -n1)
child=$(pgrep -P "$dp" | head -n1)
[ -n "$child" ] || fail "no child: $(cat "$T/drv.err")"
[ -e "$T/g/$child" ] || fail "the child did not publish in KEEL_STATS_DIR=$T/g"
sleep 0.3
before=$(cat "$CG/memory.usage_in_bytes")
KEEL_STATS_DIR=$T/g "$drv" stats --json > "$T/before"
# a plain process (not shimmed) takes usage over 120 MiB
cg_run "$CG" python3 -c '
import time
b = bytearray(100 << 20)
for i in range(0, len(b), 4096): b[i] = 1
time.sleep(2)' &
for _ in $(seq 60); do grep -q '"memory-report"' "$T/drv.err" && break; sleep 0.05; done
KEEL_STATS_DIR=$T/g "$drv" stats --json > "$T/after"
cat "$T/drv.err"
echo "usage before the hog: $before"
python3 -c '
import json, sys
def row(f):
    r = [json.loads(l) for l in open(f)]
    return [x for x in r if x["pid"] == int(sys.argv[3])][0]
keys = ("in_use", "free_resident", "returned", "trims", "trim_epoch")
b, a = row(sys.argv[1]), row(sys.argv[2])
print("before:", {k: b[k] for k in keys})
print("after: ", {k: a[k] for k in keys})
assert b["trims"] == 0 and b["trim_epoch"] == 0, b
assert a["trims"] >= 1 and a["trim_epoch"] == 1, a
' "$T/before" "$T/after" "$child" || fail "the shimmed process did not trim"
grep -q '^{"keel":"memory-report"' "$T/drv.err" || fail "no report"
exit 0
