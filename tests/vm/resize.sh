#!/usr/bin/env bash
# In-place resize (Kubernetes InPlacePodVerticalScaling writes a new
# memory.max while the container runs): keel runs in a cgroup namespace with
# memory.max 256 MiB, an idle shimmed process holds free memory, and the
# limit is lowered to 96 MiB from outside. Within a second keel must guard
# the new limit: its control file's limit_bytes (what every shim reads)
# follows, and a process growing past 90% of the new limit gets its trim.
# Raising it (to 200 MiB) must be followed too.
. "$TESTS/vm/vm-lib"
cg_make "resize-$$" "" 256M
# keel's 90%, as cgroup_soft_limit rounds it
ninety() { echo $(($1 / 10 * 9 + $1 % 10 * 9 / 10)); }
new_soft=$(ninety $((96 << 20)))
ctr -C "$CG" KEEL_STATS_DIR=/tmp/stats KEEL_DECAY_MS=60000 -- dash -c '
/build/tests/guard/trimlat idle 56 > /tmp/idle.out &
idle=$!
for i in $(seq 100); do grep -q ready /tmp/idle.out && break; sleep 0.1; done
echo $idle > /tmp/idle.pid
# the resize happens now, from outside; then one second
while [ ! -f /tmp/resized ]; do sleep 0.05; done
sleep 1
/build/tests/guard/trimlat hog $idle "$(echo "$KEEL_STATS_DIR/$idle".*)" /sys/fs/cgroup/memory.current '"$new_soft"' 120
echo "hog status $?" > /tmp/hog.done
# the limit is raised now, from outside
while [ ! -f /tmp/finish ]; do sleep 0.05; done
kill $idle' > /tmp/out 2> /tmp/err &
wait_for /tmp/idle.pid . 200 || fail "the idle process did not start"
limit_bytes() { od -An -t u8 -j 24 -N 8 /tmp/stats/*/control | tr -d ' '; }
before=$(limit_bytes)
echo 96M > "$CG/memory.max"
touch /tmp/resized
sleep 1
after=$(limit_bytes)
wait_for /tmp/hog.done . 200 || fail "the hog did not finish"
echo 200M > "$CG/memory.max"
sleep 1
raised=$(limit_bytes)
touch /tmp/finish
wait
cat /tmp/out /tmp/hog.done
grep -v '^keel: report:  ' /tmp/err | cut -c1-200
echo "control limit_bytes: $before at 256 MiB, $after 1 s after memory.max became 96 MiB, $raised 1 s after it became 200 MiB"
expect_eq "soft limit at the start" "$(ninety $((256 << 20)))" "$before"
followed=yes
[ "$after" = "$new_soft" ] || followed=no
[ "$raised" = "$(ninety $((200 << 20)))" ] || followed=no
grep -q 'hog status 0' /tmp/hog.done || followed=no
[ $followed = yes ] ||
	fail "a new memory.max is not followed within a second: limit_bytes $after after 256 -> 96 MiB, $raised after raising to 200 MiB"
exit 0
