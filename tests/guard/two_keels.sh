#!/usr/bin/env bash
# Two keels that share one statistics base (the containers of a pod share
# /dev/shm) never share state. Keel A and keel B each run as PID 1 of their
# own PID namespace, in their own real cgroup, and each app is pid 2
# there. Each keel stats (entered with nsenter) shows its own app only;
# A's guard trims A's app and never B's; when A exits, its folder goes and
# B's stays. A third keel started inside A's PID namespace (a pod with
# shareProcessNamespace: not PID 1, a subreaper) gets its own folder too,
# and keel stats there shows both keels' processes, each under its keel.
. "$TESTS/lib.sh"
. "$TESTS/guard/cgroup-lib"
need python3
need nsenter
tmpdir
chmod 755 "$T"
trap 'cg_cleanup; [ -n "${KEEP:-}" ] || rm -rf "$T"' EXIT
cg_make "keel-test-podA-$$" "" 256M
CA=$CG
cg_make "keel-test-podB-$$" "" 256M
CB=$CG
base=$T/shm
export KEEL=$KEEL_BIN

# APP MIB NAME: holds MIB MiB in small blocks, says ready, waits for $T/NAME.go
# (bytes 1-250, not zeros: a split huge page's all-zero pages go to the
# kernel's zero page, and would not count as resident)
app() {
	echo "import os, time
hold = [bytearray(range(1, 251)) * 4 for i in range($1 * 1000)]
open('$T/$2.ready', 'w').write(str(os.getpid()))
while not os.path.exists('$T/$2.go'):
    time.sleep(0.05)
"
}
# the outside pid of the keel that is PID 1 of a namespace, in cgroup $1
keel_of() {
	local p
	for _ in $(seq 100); do
		for p in $(cat "$1/cgroup.procs"); do
			[ "$(readlink "/proc/$p/exe")" = "$KEEL_BIN" ] &&
				grep -q $'^NSpid:.*\t1$' "/proc/$p/status" &&
				{ echo "$p"; return; }
		done
		sleep 0.05
	done
}
wait_ready() {
	for _ in $(seq 200); do [ -f "$T/$1.ready" ] && return; sleep 0.05; done
	fail "$1 did not start"
}

cg_run "$CA" env -u KEEL_BIN -u KEEL_TOP KEEL_STATS_DIR="$base" \
	KEEL_RSS_LIMIT=96M unshare --pid --fork --mount-proc \
	"$KEEL_BIN" -- /usr/bin/python3 -c "$(app 20 a)" 2>"$T/a.err" &
ua=$!
cg_run "$CB" env -u KEEL_BIN -u KEEL_TOP KEEL_STATS_DIR="$base" \
	KEEL_RSS_LIMIT=96M unshare --pid --fork --mount-proc \
	"$KEEL_BIN" -- /usr/bin/python3 -c "$(app 60 b)" 2>"$T/b.err" &
ub=$!
wait_ready a
wait_ready b
ka=$(keel_of "$CA")
kb=$(keel_of "$CB")
[ -n "$ka" ] && [ -n "$kb" ] || fail "keel not found"
expect_eq "app A's pid in its namespace" 2 "$(cat "$T/a.ready")"
expect_eq "app B's pid in its namespace" 2 "$(cat "$T/b.ready")"
sleep 0.5
expect_eq "instance folders" 2 "$(ls "$base" | wc -l)"

rows() { # KEELPID: the processes with a heap, as keel stats --json from
	# inside that keel's namespaces shows them, one JSON object a line
	KEEL_STATS_DIR=$base nsenter -t "$1" -p -m "$KEEL_BIN" stats --json |
		python3 -c 'import json, sys
for r in json.loads(sys.stdin.read())["processes"]:
    if "in_use" in r:
        print(json.dumps(r))'
}
ra=$(rows "$ka")
rb=$(rows "$kb")
echo "A: ${ra:0:120}"
echo "B: ${rb:0:120}"
python3 -c '
import json, sys
a = [json.loads(l) for l in sys.argv[1].splitlines()]
b = [json.loads(l) for l in sys.argv[2].splitlines()]
assert len(a) == 1 and a[0]["pid"] == 2 and 15e6 < a[0]["in_use"] < 40e6, a
assert len(b) == 1 and b[0]["pid"] == 2 and 50e6 < b[0]["in_use"] < 90e6, b
' "$ra" "$rb" || fail "each keel stats must show its own app only"

# A's app crosses A's soft limit: A's guard trims A's app, not B's
cg_run "$CA" nsenter -t "$ka" -p -m /usr/bin/python3 -c '
import time
x = [bytearray(range(1, 251)) * 4 for i in range(90000)]
time.sleep(1)' &
hog=$!
sleep 2
wait $hog
trims() { rows "$1" | python3 -c 'import json, sys
print(sum(r["trims"] for r in map(json.loads, sys.stdin) if r["pid"] == 2))'; }
ta=$(trims "$ka")
tb=$(trims "$kb")
echo "trims: A's app $ta, B's app $tb"
[ "$ta" -ge 1 ] || fail "A's guard did not trim A's app: $(cat "$T/a.err")"
expect_eq "trims of B's app" 0 "$tb"

# a third keel in A's PID namespace: its own folder, keel stats shows both
KEEL_STATS_DIR=$base nsenter -t "$ka" -p -m "$KEEL_BIN" -- \
	/usr/bin/python3 -c "$(app 30 c)" 2>"$T/c.err" &
uc=$!
wait_ready c
sleep 0.3
expect_eq "instance folders with the third keel" 3 "$(ls "$base" | wc -l)"
rc_rows=$(rows "$ka")
echo "A's namespace: $(cut -c1-100 <<<"$rc_rows")"
python3 -c '
import json, sys
rows = [json.loads(l) for l in sys.argv[1].splitlines()]
keels = sorted(set(r["keel_pid"] for r in rows))
assert len(rows) == 2 and len(keels) == 2 and keels[0] == 1, rows
' "$rc_rows" || fail "keel stats in a shared PID namespace"
touch "$T/c.go"
wait "$uc" || fail "the third keel failed: $(cat "$T/c.err")"

# A exits: its folder goes, B's stays with B's file in it
touch "$T/a.go"
wait "$ua" || fail "keel A failed: $(cat "$T/a.err")"
expect_eq "folders once A is gone" 1 "$(ls "$base" | wc -l)"
[ -n "$(ls "$base"/*/ | grep -v control)" ] || fail "B's statistics file went with A"
touch "$T/b.go"
wait "$ub" || fail "keel B failed: $(cat "$T/b.err")"
expect_eq "folders once both are gone" 0 "$(ls "$base" | wc -l)"
exit 0
