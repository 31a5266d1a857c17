#!/usr/bin/env bash
# The wake FIFO against a hostile app: keel as root on a real, read-only
# cgroup v1 limit (as in Docker), and two processes as uid 1000 that write
# to "wake" as fast as they can, after trying to read it (which would
# swallow others' wake-ups), remove it and rename it. keel must stay cheap
# (it looks at most once a millisecond: its CPU time over 2 s of flood is
# printed and must stay under a tenth), and the fast grower of
# fast_grower.sh, under the flood, must still get the idle process trimmed
# and the report out before the OOM kill.
. "$TESTS/lib.sh"
. "$TESTS/guard/cgroup-lib"
need python3
need setpriv
tmpdir
grower=$BUILD/tests/guard/grower
trimlat=$BUILD/tests/guard/trimlat
[ -x "$grower" ] && [ -x "$trimlat" ] || fail "test programs missing (make test-programs)"
trap 'cg_cleanup; [ -n "${KEEP:-}" ] || rm -rf "$T"' EXIT
chmod 755 "$T"
soft=$((90 << 20))
cg_make "keel-test-spam-$$" "" 100M

spam='
import errno, os, sys, time
w = sys.argv[1]
def attempt(what, fn):
    try:
        fn()
        print(what, "allowed", flush=True)
    except OSError as e:
        print(what, "denied" if e.errno in (errno.EACCES, errno.EPERM) else e, flush=True)
attempt("read", lambda: os.open(w, os.O_RDONLY | os.O_NONBLOCK))
attempt("unlink", lambda: os.unlink(w))
attempt("rename", lambda: os.rename(w, w + ".x"))
fd = os.open(w, os.O_WRONLY | os.O_NONBLOCK)
n, full, t0 = 0, 0, time.time()
while time.time() < t0 + 8:
    for i in range(1000):
        try:
            os.write(fd, b"x")
            n += 1
        except BlockingIOError:
            full += 1
    if int(time.time() - t0) != int(time.time() - t0 - 0.001):
        print("after %.0f s: %d bytes written, %d writes on a full pipe" %
              (time.time() - t0, n, full), flush=True)'

# keel's CPU time (user + system) in ms: /proc/1/stat fields 14 and 15
cg_keel_ro "$CG" KEEL_STATS_DIR="$T/stats" KEEL_DECAY_MS=60000 -- sh -c '
keel_cpu() { awk "{ print (\$14 + \$15) * 1000 / $(getconf CLK_TCK) }" /proc/1/stat; }
"$0" idle 24 > "$1/idle.out" &
for i in $(seq 100); do grep -qs ready "$1/idle.out" && break; sleep 0.05; done
f=$(echo "$KEEL_STATS_DIR/$!".*)
for i in 1 2; do
	setpriv --reuid 1000 --regid 1000 --clear-groups \
		/usr/bin/python3 -c "$4" "$KEEL_STATS_DIR/wake" > "$1/spam$i.out" 2>&1 &
done
sleep 0.5
c0=$(keel_cpu)
sleep 2
c1=$(keel_cpu)
echo "keel cpu ms over 2 s of flood: $(echo "$c1 - $c0" | bc)" > "$1/cpu.out"
"$2" watch "$f" > "$1/watch.out" &
sleep 0.2
exec "$2" grow 300 1048576 "$3/memory.usage_in_bytes" '"$soft"' > "$1/grow.out"' \
	"$trimlat" "$T" "$grower" "$CG" "$spam" >"$T/out" 2>"$T/err"
rc=$?
head -n 3 "$T/spam1.out"; tail -n 1 "$T/spam1.out"
cat "$T/cpu.out" "$T/grow.out" "$T/watch.out"
grep -v '^keel: report:  ' "$T/err" | cut -c1-200
for what in read unlink rename; do
	grep -q "^$what denied" "$T/spam1.out" || fail "the attacker could $what the FIFO"
done
cpu=$(sed -n 's/^keel cpu ms over 2 s of flood: \([0-9.]*\)/\1/p' "$T/cpu.out")
[ -n "$cpu" ] || fail "no CPU measurement"
awk -v c="$cpu" 'BEGIN { exit !(c < 200) }' || fail "keel used $cpu ms of CPU in 2 s of flood"
expect_eq "status (OOM-killed)" 137 "$rc"
grep -q '^trimmed ' "$T/watch.out" || fail "the idle process never served a trim"
n_report=$(grep -n '^{"keel":"memory-report"' "$T/err" | head -n1 | cut -d: -f1)
n_oom=$(grep -n '^keel: error: grower (pid [0-9]*) was killed by the OOM killer' "$T/err" | cut -d: -f1)
[ -n "$n_report" ] && [ -n "$n_oom" ] || fail "no report or no post-mortem"
[ "$n_report" -lt "$n_oom" ] || fail "the report came after the kill"
exit 0
