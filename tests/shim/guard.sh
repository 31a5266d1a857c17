#!/usr/bin/env bash
# The guard's check at growth, shim side, without keel: a control file that
# names a soft limit and a usage file (a plain file here, so the test sets
# usage), and a stand-in for keel on the wake FIFO. A huge allocation
# (a new mapping, so the check runs) under and over the soft limit:
# - under: no wake-up, no wait;
# - over, KEEL_ON_LIMIT=trim: one wake-up, the allocation waits for the
#   answer only, and at most 250 ms when no answer comes;
# - over, KEEL_ON_LIMIT=fail: ENOMEM; back under, allowed again;
# - no one reading the FIFO, or a FIFO keel's user does not own: no wait;
# - a usage file that cannot be read: no check.
. "$TESTS/lib.sh"
tmpdir
ctl=$BUILD/tests/shim/control
D=$T/stats
mkdir -p "$D"
"$ctl" "$D" create || fail "cannot create the control file"
soft=$((64 << 20))
"$ctl" "$D" limit $soft "$T/usage"
shimmed() { KEEL_STATS_DIR=$D LD_PRELOAD=$LIBKEEL "$@"; }
# timed: "allocated|NULL ERRNO MS"
alloc() { shimmed env KEEL_ON_LIMIT=$1 "$ctl" "$D" timed 100000000; }
ms() { echo "$1" | cut -d' ' -f3; }

echo $((soft / 2)) > "$T/usage"
out=$(alloc fail)
expect_match "under the soft limit, fail" "^allocated 0 " "$out"

# over, with a keel that answers at once
echo $((soft + (1 << 20))) > "$T/usage"
"$ctl" "$D" serve 3000 > "$T/serve.out" &
sp=$!
for _ in $(seq 50); do grep -q serving "$T/serve.out" && break; sleep 0.05; done
out=$(alloc trim)
echo "over, trim, answered: $out"
expect_match "over the soft limit, trim" "^allocated 0 " "$out"
[ "$(ms "$out")" -lt 200 ] || fail "waited $(ms "$out") ms for an answer given at once"
out=$(alloc fail)
echo "over, fail, answered: $out"
expect_match "over the soft limit, fail" "^NULL 12 " "$out"
wait $sp
# one: keel then says it trimmed at this usage, and is not woken again
expect_eq "wake-ups" "served 1" "$(tail -n1 "$T/serve.out")"

# over, a reader that never answers: the wait is bounded
"$ctl" "$D" limit $soft "$T/usage"	# trim_usage 0: keel has to act
sleep 3 <>"$D/wake" &
hold=$!
out=$(alloc trim)
echo "over, trim, never answered: $out"
expect_match "unanswered" "^allocated 0 " "$out"
t=$(ms "$out")
[ "$t" -ge 200 ] && [ "$t" -lt 400 ] || fail "waited $t ms for no answer (bound: 250 ms, once)"
kill $hold 2>/dev/null; wait $hold 2>/dev/null

# no reader, or a FIFO that is not keel's user's: no wait at all
out=$(alloc trim)
echo "over, trim, no reader: $out"
[ "$(ms "$out")" -lt 100 ] || fail "waited $(ms "$out") ms with no reader"
chown 1000 "$D/wake"
sleep 3 <>"$D/wake" &
hold=$!
out=$(alloc trim)
echo "over, trim, a FIFO of another user: $out"
[ "$(ms "$out")" -lt 100 ] || fail "waited $(ms "$out") ms on a FIFO of another user"
kill $hold 2>/dev/null; wait $hold 2>/dev/null

# fail: refused while over, allowed once back under (one process, started
# under the limit: started over it, it could not take a second segment,
# and CPython's start needs two)
echo $((soft / 2)) > "$T/usage"
out=$(shimmed env KEEL_ON_LIMIT=fail python3 -c '
import sys
u = sys.argv[1]
open(u, "w").write(str(int(sys.argv[2]) + (1 << 20)))
try:
    x = bytearray(100000000)
    print("over: allocated")
except MemoryError:
    print("over: MemoryError")
open(u, "w").write(str(int(sys.argv[2]) // 2))
x = bytearray(100000000)
print("under again: allocated")' "$T/usage" $soft 2>&1)
echo "$out"
expect_eq "fail, over then under" "over: MemoryError
under again: allocated" "$out"

# a usage file that cannot be read: no check, growth goes on
echo $((soft + (1 << 20))) > "$T/usage"
chmod 000 "$T/usage"
out=$(setpriv --reuid 1000 --regid 1000 --clear-groups env KEEL_STATS_DIR=$D \
	LD_PRELOAD=$LIBKEEL KEEL_ON_LIMIT=fail "$ctl" "$D" timed 100000000 2>/dev/null)
expect_match "unreadable usage, fail" "^allocated 0 " "$out"
exit 0
