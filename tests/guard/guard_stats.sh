#!/usr/bin/env bash
# `keel stats` inside a live container: the real keel as PID 1 in a real
# cgroup v1 starts an app that runs a shimmed Python as root and another
# as uid 1000 (gosu-style: setpriv, then exec python); `keel stats` run in
# the container (as docker exec would) prints a row per process, the
# shimmed ones with their heaps, --json one object with every process, and
# a bad argument exits 2 with one line.
. "$TESTS/lib.sh"
. "$TESTS/guard/cgroup-lib"
need python3
need setpriv
tmpdir
chmod 755 "$T"
trap 'cg_cleanup; [ -n "${KEEP:-}" ] || rm -rf "$T"' EXIT
cg_make "keel-test-stats-$$" "" 512M

# Python's blocks hold bytes 1-250, not zeros: a split huge page's
# all-zero pages go to the kernel's zero page, and would not count as
# resident.
cg_keel "$CG" KEEL_STATS_DIR="$T/stats" -- sh -c '
hold="import time
l = [bytearray(range(1, 251)) * 4 for i in range(100000)]
import os
print(\"ready\", os.getpid(), flush=True)
time.sleep(30)"
/usr/bin/python3 -c "$hold" > "$1/h1" &
r=$!
# uid 1000 from its start (a fresh pid made by uid 1000); setpriv itself
# runs without the shim, see the gosu-style case below
env -u LD_PRELOAD setpriv --reuid 1000 --regid 1000 --clear-groups \
	sh -c "LD_PRELOAD=$LD_PRELOAD /usr/bin/python3 -c \"\$0\" & wait" "$hold" > "$1/h2" 2>"$1/h2.err" &
u=$!
# gosu-style: the shimmed setpriv changes uid, then execs python
setpriv --reuid 1000 --regid 1000 --clear-groups /usr/bin/python3 -c "$hold" > "$1/h3" 2>"$1/h3.err" &
g=$!
for i in $(seq 200); do grep -q ready "$1/h1" && grep -q ready "$1/h2" && break; sleep 0.05; done
sleep 0.5
echo "$r $(cut -d" " -f2 "$1/h2") $g" > "$1/pids"
"$0" stats > "$1/table"; echo $? > "$1/table.rc"
"$0" stats --json > "$1/json"; echo $? > "$1/json.rc"
env -u LD_PRELOAD setpriv --reuid 1000 --regid 1000 --clear-groups "$0" stats > "$1/table.user" 2>&1
"$0" stats --frobnicate > "$1/bad" 2>&1; echo $? > "$1/bad.rc"
ls -ln "$KEEL_STATS_DIR" > "$1/ls"
kill $r $u $g 2>/dev/null; exit 0' "$KEEL_BIN" "$T" >"$T/out" 2>"$T/err"
rc=$?; cat "$T/err"
expect_eq "keel status" 0 "$rc"
cat "$T/table" "$T/ls"
read -r rpid upid gpid < "$T/pids"
expect_eq "keel stats status" 0 "$(cat "$T/table.rc")"
expect_eq "keel stats --json status" 0 "$(cat "$T/json.rc")"
expect_match "header" "PID +COMMAND +RSS +PSS +IN-USE +FREE-RESIDENT +RETURNED +FRAG +THREADS" "$(grep PID "$T/table")"
# RSS, PSS, in use, free-resident, returned, fragmentation, threads (the
# main one and the shim's purger)
heap_row() { echo "^ +$1 python3 +[0-9.]+ MiB +[0-9.]+ MiB +9[0-9.]+ MiB +[0-9.]+ [KM]?i?B +[0-9.]+ [KM]?i?B +1\.[0-9]{2} +2$"; }
row=$(awk -v p="$rpid" '$1 == p' "$T/table")
expect_match "root python row" "$(heap_row "$rpid")" "$row"
row=$(awk -v p="$upid" '$1 == p' "$T/table")
expect_match "uid 1000 python row" "$(heap_row "$upid")" "$row"
expect_eq "owner of the uid 1000 app's file" 1000 "$(awk -v p="$upid" 'index($NF, p ".") == 1 { print $3 }' "$T/ls")"
python3 -c '
import json, sys
lines = open(sys.argv[1]).read().splitlines()
assert len(lines) == 1, lines
rows = {r["pid"]: r for r in json.loads(lines[0])["processes"]}
for pid in sys.argv[2:]:
    r = rows[int(pid)]
    assert r["command"] == "python3", r
    assert r["in_use"] >= 100000 * 1000, r
    assert r["rss"] >= r["in_use"] + r["free_resident"], r
    assert 1.0 <= r["fragmentation"] < 1.5, r
    assert r["classes"] and r["heap_threads"] == 1, r
' "$T/json" "$rpid" "$upid" || fail "--json content"
# the bad argument: exit 2, one line
expect_eq "bad argument status" 2 "$(cat "$T/bad.rc")"
expect_eq "bad argument: one line" 1 "$(wc -l < "$T/bad")"
expect_match "bad argument message" "^keel: fatal: stats: unknown argument: --frobnicate" "$(cat "$T/bad")"
# as a non-root user keel stats reads the same files
grep -q "^ *$rpid python3 " "$T/table.user" && grep -q "^ *$upid python3 " "$T/table.user" ||
	fail "keel stats as uid 1000: $(cat "$T/table.user")"

# the gosu-style app: the shimmed setpriv changes user before its heap
# grows (no purger thread, no file yet), then python publishes "<pid>"
grep -q ready "$T/h3" || { cat "$T/h3.err"; fail "the shimmed setpriv did not start python"; }
row=$(awk -v p="$gpid" '$1 == p' "$T/table")
expect_match "gosu-style python row" "$(heap_row "$gpid")" "$row"
expect_eq "owner of the gosu-style app's file" 1000 "$(awk -v p="$gpid" 'index($NF, p ".") == 1 { print $3 }' "$T/ls")"
exit 0
