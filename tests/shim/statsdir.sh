#!/usr/bin/env bash
# KEEL_STATS_DIR: a shimmed process whose heap passed one segment publishes
# "<dir>/<pid>.<random>" (0644, no fd left open, removed at exit), serves a trim
# request from "<dir>/control" at once (its RSS falls although its decay is
# 60 s), and with KEEL_ON_LIMIT=fail refuses to take new memory while
# deny_growth is set. A small process (a shell) makes no file and no thread.
. "$TESTS/lib.sh"
tmpdir
ctl=$BUILD/tests/shim/control
D=$T/stats
mkdir -p "$D"
"$ctl" "$D" create || fail "cannot create the control file"
KEEL_STATS_DIR=$D KEEL_DECAY_MS=60000 LD_PRELOAD=$LIBKEEL \
	"$BUILD/tests/shim/decay" idle 2500 60 >"$T/out" &
pid=$!
for _ in $(seq 50); do grep -q '^t 0' "$T/out" && break; sleep 0.1; done
grep -q '^t 0' "$T/out" || fail "the program did not start"
f=$(echo "$D/$pid".*)
[ -f "$f" ] || fail "no statistics file $D/$pid.*"
expect_match "file name" "/$pid\\.[0-9a-f]{1,16}\$" "$f"
expect_eq "file mode" 644 "$(stat -c %a "$f")"
ls -l /proc/$pid/fd | grep -q "$D" && fail "a descriptor on $D stays open"
before=$("$ctl" "$D" read $pid) || fail "unreadable statistics"
echo "before: $before"
rss0=$(awk '{print $2 * 4}' /proc/$pid/statm)
after=$("$ctl" "$D" trim $pid) || fail "trim request not served"
rss1=$(awk '{print $2 * 4}' /proc/$pid/statm)
echo "after:  $after"
echo "rss $rss0 -> $rss1 KiB"
[[ $after =~ trims\ ([0-9]+)\ epoch_done\ 1 ]] || fail "trim not recorded"
[ "$rss1" -le $((rss0 - 2048)) ] || fail "RSS did not fall on the trim request"
wait $pid || fail "the program failed"
# the file of a process that exited normally goes away
KEEL_STATS_DIR=$D LD_PRELOAD=$LIBKEEL /usr/bin/python3 -c '
import os, sys
x = bytearray(10**8)
import glob
assert glob.glob(f"{sys.argv[1]}/{os.getpid()}.*"), "no file"' "$D" ||
	fail "python did not publish"
[ -z "$(ls "$D" | grep -v control)" ] || fail "files left: $(ls "$D")"
# a small process: no statistics file, no purger thread
out=$(KEEL_STATS_DIR=$D LD_PRELOAD=$LIBKEEL sh -c 'ls /proc/$$/task | wc -l; ls "$0"' "$D")
expect_eq "a shell's threads and the files it sees" "1
control" "$out"
# deny growth: a new huge mapping fails, a small block from existing
# memory still works
"$ctl" "$D" deny 1
out=$(KEEL_ON_LIMIT=fail KEEL_STATS_DIR=$D LD_PRELOAD=$LIBKEEL "$ctl" "$D" alloc 100000000)
expect_eq "huge allocation while denied" NULL "$out"
out=$(KEEL_ON_LIMIT=trim KEEL_STATS_DIR=$D LD_PRELOAD=$LIBKEEL "$ctl" "$D" alloc 100000000)
expect_eq "huge allocation with KEEL_ON_LIMIT=trim" allocated "$out"
"$ctl" "$D" deny 0
out=$(KEEL_ON_LIMIT=fail KEEL_STATS_DIR=$D LD_PRELOAD=$LIBKEEL "$ctl" "$D" alloc 100000000)
expect_eq "huge allocation after deny is lifted" allocated "$out"
# a control file keel did not make (another owner than its folder's, or
# writable by others) is ignored, with one warning: its deny_growth and
# trims cannot reach the process
"$ctl" "$D" deny 1
chown 1000 "$D/control"
out=$(KEEL_ON_LIMIT=fail KEEL_STATS_DIR=$D LD_PRELOAD=$LIBKEEL "$ctl" "$D" alloc 100000000 2>"$T/err")
expect_eq "a planted control file's deny_growth" allocated "$out"
expect_match "warning" "control is not keel's" "$(cat "$T/err")"
chown 0 "$D/control"
chmod 666 "$D/control"
out=$(KEEL_ON_LIMIT=fail KEEL_STATS_DIR=$D LD_PRELOAD=$LIBKEEL "$ctl" "$D" alloc 100000000 2>/dev/null)
expect_eq "a control file others can write" allocated "$out"
chmod 644 "$D/control"
out=$(KEEL_ON_LIMIT=fail KEEL_STATS_DIR=$D LD_PRELOAD=$LIBKEEL "$ctl" "$D" alloc 100000000)
expect_eq "keel's control file again" NULL "$out"
