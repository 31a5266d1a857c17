#!/usr/bin/env bash
# PID 1 against a hostile app. A root keel guards a real cgroup v1 limit,
# with a private /dev/shm (so the default statistics folder), and starts a
# root Python that holds a known heap, and an attacker as uid 1000
# (hostile.py) that plants FIFOs, links to /proc/1/mem and /etc/shadow,
# 16 GiB sparse files, garbage, 10,000 junk entries, spoofed copies of
# root's statistics with 1 TiB in use, and copies it truncates and rewrites
# with an odd sequence, all under names of live pids, while it crosses the
# soft limit again and again. keel must survive it all: report, answer
# `keel stats` (inside, as uid 1000, and from nsenter) with root's true
# figures, forward SIGTERM and exit with the main child's status; root's
# heap stays intact and published.
. "$TESTS/lib.sh"
. "$TESTS/guard/cgroup-lib"
need python3
need setpriv
need nsenter
tmpdir
chmod 755 "$T"
trap 'cg_cleanup; [ -n "${KEEP:-}" ] || rm -rf "$T"' EXIT
cg_make "keel-test-hostile-$$" "" 512M

export KEEL=$KEEL_BIN TESTS
# the container: new mount namespace with its own /dev/shm, keel as PID 1
cg_run "$CG" env -u KEEL_BIN -u KEEL_TOP KEEL_RSS_LIMIT=160M \
	unshare --pid --fork --mount-proc sh -c '
mount -t tmpfs -o mode=1777,size=64m tmpfs /dev/shm || exit 99
exec "$@"' sh "$KEEL_BIN" -- sh -c '
T=$1
root_py="import hashlib, os, signal, sys, time
data = [os.urandom(1000) for i in range(40000)]
digest = hashlib.sha256(b\"\".join(data)).hexdigest()
print(\"ready\", os.getpid(), flush=True)
signal.signal(signal.SIGUSR1, lambda *a: None)
signal.pause()
ok = hashlib.sha256(b\"\".join(data)).hexdigest() == digest
print(\"intact\" if ok else \"CORRUPT\", flush=True)"
/usr/bin/python3 -c "$root_py" > "$T/root.out" 2>&1 &
r=$!
for i in $(seq 200); do grep -q ready "$T/root.out" && break; sleep 0.05; done
echo "$r" > "$T/rootpid"
setpriv --reuid 1000 --regid 1000 --clear-groups \
	/usr/bin/python3 "$TESTS/guard/hostile.py" "$KEEL_STATS_DIR" 8 "$r" \
	> "$T/attacker.out" 2>&1 &
a=$!
for i in $(seq 600); do grep -q planted "$T/attacker.out" && break; sleep 0.05; done
sleep 2
# keel stats inside, as root and as the attacker s user, while it attacks
timeout 20 "$KEEL" stats > "$T/stats.root" 2>&1; echo $? > "$T/stats.root.rc"
timeout 20 setpriv --reuid 1000 --regid 1000 --clear-groups \
	"$KEEL" stats --json > "$T/stats.user" 2>&1; echo $? > "$T/stats.user.rc"
echo stats-done > "$T/phase"
wait $a
kill -USR1 $r
wait $r
trap "exit 42" TERM
echo waiting > "$T/phase"
sleep 60 & wait $!
exit 1' sh "$T" >"$T/out" 2>"$T/err" &
upid=$!

# from the host, into the container's namespaces, while it is attacked:
# keel is the process running build/keel that is pid 1 in its namespace
kpid=
for _ in $(seq 100); do
	for p in /proc/[0-9]*; do
		[ "$(readlink "$p/exe")" = "$KEEL_BIN" ] &&
			grep -q $'^NSpid:.*\t1$' "$p/status" 2>/dev/null &&
			kpid=${p#/proc/} && break
	done
	[ -n "$kpid" ] && break
	sleep 0.1
done
[ -n "$kpid" ] || fail "keel did not start: $(cat "$T/err")"
for _ in $(seq 300); do [ -f "$T/phase" ] && break; sleep 0.1; done
start=$(date +%s.%N)
timeout 20 nsenter -t "$kpid" -p -m "$KEEL_BIN" stats > "$T/stats.nsenter" 2>&1
echo "nsenter keel stats: status $?, $(echo "$(date +%s.%N) - $start" | bc) s"
for _ in $(seq 300); do grep -q waiting "$T/phase" 2>/dev/null && break; sleep 0.1; done
grep -q waiting "$T/phase" || fail "the app did not get through the attack: $(cat "$T/attacker.out" "$T/root.out")"
kill -TERM "$kpid"
wait "$upid"
rc=$?
grep -v '^keel: report:  \|^{"keel"' "$T/err" | head -n 20
echo "reports: $(grep -c '^{"keel":"memory-report"' "$T/err")"
expect_eq "keel's status (the main child's)" 42 "$rc"
cat "$T/attacker.out"
grep -q "attacker done" "$T/attacker.out" || fail "the attacker did not finish"
expect_eq "root's heap" intact "$(tail -n1 "$T/root.out")"
grep -q '^{"keel":"memory-report"' "$T/err" || fail "no report while attacked"
rootpid=$(cat "$T/rootpid")

# keel stats: root's true row, no spoofed one, in every way it was run
cat "$T/stats.root"
expect_eq "keel stats as root" 0 "$(cat "$T/stats.root.rc")"
expect_eq "keel stats as uid 1000" 0 "$(cat "$T/stats.user.rc")"
for f in stats.root stats.nsenter; do
	row=$(awk -v p="$rootpid" '$1 == p' "$T/$f")
	# RSS, PSS (unreadable from outside the namespace), in use
	expect_match "$f: root's row" "^ +$rootpid python3 +[0-9.]+ MiB +(-|[0-9.]+ MiB) +[3-5][0-9.]+ MiB" "$row"
	grep -q TiB "$T/$f" && fail "$f shows a spoofed figure: $(cat "$T/$f")"
done
python3 -c '
import json, sys
snaps = [json.loads(l) for l in open(sys.argv[1]) if l.startswith("{")]
assert len(snaps) == 1, snaps
rows = snaps[0]["processes"]
root = [r for r in rows if r["pid"] == int(sys.argv[2])]
assert len(root) == 1, rows
assert 30e6 < root[0]["in_use"] < 100e6, root
assert all(r.get("in_use", 0) < 1 << 36 for r in rows), rows
' "$T/stats.user" "$rootpid" || fail "keel stats --json as uid 1000: $(cat "$T/stats.user")"
exit 0
