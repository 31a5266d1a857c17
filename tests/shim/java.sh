#!/usr/bin/env bash
# The JVM under keel as PID 1 (tests/shim/KeelJava.java): its native
# memory is malloc's. Eight threads churn direct buffers, each checked
# zeroed, written, checked again by the thread that frees it, and zlib's
# state behind Deflater and Inflater: the sums must match the run under
# glibc. Children that ProcessBuilder starts carry the allocator. 256 MiB
# of direct buffers, dropped and collected, go back to the OS within 2 s.
# keel stats, run inside, shows the JVM's native heap. SIGTERM to keel
# reaches the JVM, which runs its shutdown hooks and exits 143, and keel
# exits with it, as `docker stop` would see.
. "$TESTS/lib.sh"
need java
need javac
need nsenter
tmpdir
javac -d "$T" "$TESTS/shim/KeelJava.java" 2>&1 || fail "javac"
jvm=(java -Xmx256m -XX:MaxDirectMemorySize=1g -cp "$T" KeelJava)
# keel1 SECONDS ARGS...: keel as PID 1 of a new PID namespace, running ARGS
keel1() {
	timeout "$1" unshare --pid --fork --mount-proc "$KEEL_BIN" -- "${@:2}"
}

a=$(timeout 120 "${jvm[@]}" churn 2>&1) || fail "churn under glibc: $a"
t0=$(date +%s.%N)
b=$(keel1 120 "${jvm[@]}" churn 2>"$T/err") ||
	fail "churn under keel: $b $(cat "$T/err")"
t1=$(date +%s.%N)
expect_match "churn" "^sums( [0-9]+){8}$" "$a"
expect_eq "churn sums" "$a" "$b"
printf 'java churn (8 threads, direct buffers, zlib): keel %.2f s\n' \
	"$(echo "$t1 - $t0" | bc)"

out=$(keel1 60 "${jvm[@]}" spawn 2>"$T/err") ||
	fail "spawn: $out $(cat "$T/err")"
[ "$(grep -c '^child [1-9][0-9]* exit 0$' <<<"$out")" = 3 ] ||
	fail "a child of the JVM without libkeel.so: $out"
echo "java spawn: ${out//$'\n'/; }"

out=$(keel1 60 "${jvm[@]}" giveback 2>"$T/err") ||
	fail "giveback: $out $(cat "$T/err")"
read -r _ peak _ after _ left <<<"$out"
[[ $peak =~ ^[0-9]+$ && $after =~ ^[0-9]+$ ]] || fail "giveback: $out"
[ "$left" -le $((1 << 20)) ] ||
	fail "the JVM still holds $left bytes of direct buffers: $out"
# 256 MiB freed: at least 200 MiB of it back
[ $((peak - after)) -ge $((200 << 10)) ] ||
	fail "256 MiB of direct buffers freed, RSS $peak -> $after KiB"
echo "java giveback: RSS $((peak >> 10)) MiB at the peak, $((after >> 10)) MiB 2 s after the buffers were collected"

keel1 60 "${jvm[@]}" term >"$T/term.out" 2>"$T/err" &
job=$!
for i in $(seq 300); do
	grep -q '^ready$' "$T/term.out" && break
	sleep 0.1
done
grep -q '^ready$' "$T/term.out" ||
	fail "the JVM never got ready: $(cat "$T/term.out" "$T/err")"
keel=$(pgrep -f "^$KEEL_BIN -- java .*KeelJava term\$") ||
	fail "no keel found"
# keel stats from inside the container sees the JVM's native heap
stats=$(nsenter -t "$keel" -p -m "$KEEL_BIN" stats 2>&1) ||
	fail "keel stats: $stats"
row=$(grep -E '^ +2 java ' <<<"$stats") || fail "no java in keel stats: $stats"
u=" +[0-9.]+ ([KMG]i)?B"
[[ $row =~ ^\ +2\ java$u$u$u ]] ||
	fail "keel stats shows no heap for the JVM: $row"
echo "java in keel stats: $row"
kill -TERM $keel
wait $job
rc=$?
expect_eq "exit status after SIGTERM" 143 $rc
grep -q '^shutdown hook ran$' "$T/term.out" ||
	fail "no shutdown hook: $(cat "$T/term.out")"
echo "java term: the shutdown hook ran, exit 143"
