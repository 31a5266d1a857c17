#!/usr/bin/env bash
# keel stats reads "<dir>/<pid>" files written by live processes (a stand-in
# publisher with the real layout and seqlock until libkeel.so publishes),
# including one run as a non-root user; skips dead pids and bad files.
. "$TESTS/lib.sh"
need musl-gcc
need setpriv
tmpdir
drv=$("$TESTS/guard/build-driver") || fail "driver build failed"
pub=$BUILD/tests/guard/publish
[ -x "$pub" ] || fail "$pub missing (make test-programs)"
dir=$T/stats
mkdir -m 1777 "$dir"
chmod 755 "$T"
pids=()
trap 'kill "${pids[@]}" 2>/dev/null; wait 2>/dev/null; rm -rf "$T"' EXIT

"$pub" "$dir" 300 190 > "$T/ready.root" & pids+=($!); root_pid=$!
setpriv --reuid 65534 --regid 65534 --clear-groups "$pub" "$dir" 40 2 \
	> "$T/ready.user" & pids+=($!); user_pid=$!
"$pub" "$dir" 1 1 bad-magic > "$T/ready.bad" & pids+=($!); bad_pid=$!
"$pub" "$dir" 1 1 bad-version > "$T/ready.badv" & pids+=($!)
for f in root user bad badv; do
	for _ in $(seq 100); do grep -q ready "$T/ready.$f" && break; sleep 0.05; done
	grep -q ready "$T/ready.$f" || fail "publisher $f did not start"
done
# a file left by a process that is gone
cp "$dir/$root_pid" "$dir/999999"
echo junk > "$dir/control"

[ "$(stat -c %U "$dir/$user_pid")" = nobody ] || fail "user publisher file not owned by nobody"

out=$(KEEL_STATS_DIR=$dir "$drv" stats) || fail "keel stats failed: $out"
echo "$out"
rows=$(printf '%s\n' "$out" | tail -n +2 | wc -l)
expect_eq "rows (root + user publishers only)" 2 "$rows"
expect_match "header" "PID +COMMAND +RSS +IN-USE +FREE-RESIDENT +RETURNED +FRAG" "$out"
root_row=$(printf '%s\n' "$out" | awk -v p="$root_pid" '$1 == p')
expect_match "root row" "publish +[0-9.]+ [KM]iB +300.0 MiB +190.0 MiB +7.0 MiB +1.63 +3" "$root_row"
user_row=$(printf '%s\n' "$out" | awk -v p="$user_pid" '$1 == p')
expect_match "user row" "40.0 MiB +2.0 MiB +7.0 MiB +1.05" "$user_row"

# the same as the non-root user itself
out=$(KEEL_STATS_DIR=$dir setpriv --reuid 65534 --regid 65534 --clear-groups "$drv" stats) ||
	fail "keel stats as nobody failed"
expect_eq "rows as nobody" 3 "$(printf '%s\n' "$out" | wc -l)"

json=$(KEEL_STATS_DIR=$dir "$drv" stats --json) || fail "--json failed"
echo "$json"
expect_eq "json lines" 2 "$(printf '%s\n' "$json" | wc -l)"
printf '%s\n' "$json" | python3 -c '
import json, sys
rows = {r["pid"]: r for r in map(json.loads, sys.stdin)}
r = rows['"$root_pid"']
assert r["in_use"] == 300 << 20, r
assert r["free_resident"] == 190 << 20, r
assert r["fragmentation"] == 1.63, r
assert r["rss"] > 0 and r["threads"] == 3, r
assert r["classes"][0]["size"] == 64, r
assert rows['"$user_pid"']["in_use"] == 40 << 20
' || fail "json content"

# --watch refreshes: at least two tables in 1.5 s
out=$(KEEL_STATS_DIR=$dir timeout 1.5 "$drv" stats --watch=0.5)
expect_eq "watch refreshes >= 2" 1 "$(( $(printf '%s\n' "$out" | grep -c '^ *PID') >= 2 ))"

# bad arguments: exit 2 with one line
err=$("$drv" stats --frobnicate 2>&1); rc=$?
expect_eq "bad argument status" 2 "$rc"
expect_match "bad argument message" "^keel: fatal: stats: unknown argument: --frobnicate" "$err"
expect_eq "one line" 1 "$(printf '%s\n' "$err" | wc -l)"
"$drv" stats --watch=abc 2>/dev/null; expect_eq "bad watch status" 2 "$?"

# nothing published: exit 1
mkdir "$T/empty"
KEEL_STATS_DIR=$T/empty "$drv" stats >/dev/null 2>&1; expect_eq "empty status" 1 "$?"
exit 0
