#!/usr/bin/env bash
# A limit changed while the container runs (Kubernetes' in-place resize
# writes a new limit): the real keel as PID 1 on a real cgroup v1 limit of
# 256 MiB, an idle shimmed process holding free memory, and the limit
# lowered to 96 MiB from outside. Within a second keel guards the new
# limit: the control file's limit_bytes (what every shim reads) follows,
# the threshold event moves with it (a process growing past 90% of the new
# limit gets its trim), and a raise to 200 MiB is followed too.
. "$TESTS/lib.sh"
. "$TESTS/guard/cgroup-lib"
trimlat_setup "keel-test-resize-$$" 256M
# keel's 90%, as cgroup_soft_limit rounds it
ninety() { echo $(($1 / 10 * 9 + $1 % 10 * 9 / 10)); }
new_soft=$(ninety $((96 << 20)))

cg_keel "$CG" KEEL_STATS_DIR="$T/stats" KEEL_DECAY_MS=60000 KEEL_VERBOSITY=2 \
	-- sh -c "$TRIMLAT_IDLE"'
echo $idle > "$1/idle.pid"
while [ ! -f "$1/resized" ]; do sleep 0.05; done
sleep 1
"$0" hog $idle "$(echo "$KEEL_STATS_DIR/$idle".*)" "$2/memory.usage_in_bytes" '"$new_soft"' 120
echo "hog status $?" > "$1/hog.done"
while [ ! -f "$1/finish" ]; do sleep 0.05; done
kill $idle' "$prog" "$T" "$CG" >"$T/out" 2>"$T/err" &
keel=$!
for _ in $(seq 200); do [ -s "$T/idle.pid" ] && break; sleep 0.05; done
[ -s "$T/idle.pid" ] || fail "the idle process did not start: $(cat "$T/err")"
limit_bytes() { od -An -t u8 -j 24 -N 8 "$T"/stats/*/control | tr -d ' '; }
before=$(limit_bytes)
echo 96M > "$CG/memory.limit_in_bytes" || fail "lowering the limit"
touch "$T/resized"
sleep 1.2
after=$(limit_bytes)
for _ in $(seq 200); do [ -s "$T/hog.done" ] && break; sleep 0.05; done
echo 200M > "$CG/memory.limit_in_bytes" || fail "raising the limit"
sleep 1.2
raised=$(limit_bytes)
touch "$T/finish"
wait $keel
rc=$?
cat "$T/out" "$T/hog.done"
grep -v '^keel: report:  ' "$T/err"
echo "control limit_bytes: $before at 256 MiB, $after 1.2 s after the limit became 96 MiB, $raised 1.2 s after it became 200 MiB"
expect_eq "keel status" 0 "$rc"
grep -q "cgroup v1, threshold event" "$T/err" || fail "v1 threshold event not used"
expect_eq "soft limit at the start" "$(ninety $((256 << 20)))" "$before"
expect_eq "soft limit after lowering" "$new_soft" "$after"
expect_eq "soft limit after raising" "$(ninety $((200 << 20)))" "$raised"
grep -q "hog status 0" "$T/hog.done" ||
	fail "no trim at 90% of the lowered limit"
grep -q "memory guard: the cgroup limit is now 100663296 bytes: soft limit $new_soft bytes" "$T/err" ||
	fail "keel did not say the limit changed"
grep -q "unable to move the usage threshold event" "$T/err" &&
	fail "the threshold event was not moved"
exit 0
