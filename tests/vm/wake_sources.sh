#!/usr/bin/env bash
# The guard's wake-up sources on a real cgroup v2, measured: from the
# crossing of the soft limit (64 MiB, memory.max 256 MiB) by a growing
# process, the time until the trim is asked for (trim_epoch moves in the
# control file: the source's own latency), until an idle shimmed process
# served it (trim_epoch_done) and until its RSS fell by 2 MiB, with each
# source:
#   keel     the real keel: memory.current polled every 50 ms
#   events   memory.events, poll(POLLPRI)   } need memory.high at the soft
#   inotify  memory.events, inotify         } limit: the kernel notifies
#   psi      a PSI trigger on memory.pressure } only high/max/oom events
#   self     the shim's own check: one pread of memory.current per new
#            mapping (prototyped in the grower; keel's code unchanged)
# events and psi without memory.high are tried once each. The prototypes
# (tests/vm/wakelat.c) are keel's guard reduced to the wake-up: keel's
# control file, trim_epoch and the futex wake. Times are from the start of
# the 1 MiB step that crossed (one step: ~5 ms under TCG). WAKE_RUNS runs
# each (3). Asserts only that keel, events, inotify and self trim within
# 1 s.
. "$TESTS/vm/vm-lib"
runs=${WAKE_RUNS:-3}
soft=$((64 << 20))
wakelat=$BUILD/tests/vm/wakelat
trimlat=$BUILD/tests/guard/trimlat

# one SOURCE HIGH RUN: prints "SOURCE RUN epoch_ms rss_ms check_us"
one() {
	local src=$1 high=$2 run=$3 d=/tmp/w-$1-$2-$3 idle guard= line
	cg_make "wake-$src-$high-$run" "" 256M
	[ "$high" = high ] && echo $soft > "$CG/memory.high"
	mkdir -p "$d"
	if [ "$src" = keel ]; then
		ctr -C "$CG" KEEL_STATS_DIR="$d" KEEL_RSS_LIMIT=$soft KEEL_DECAY_MS=60000 -- dash -c '
"$0" idle 56 > "$1/idle.out" &
idle=$!
for i in $(seq 100); do grep -q ready "$1/idle.out" && break; sleep 0.1; done
sleep 0.5
"$2" hog $idle "$KEEL_STATS_DIR" /sys/fs/cgroup '$soft' 120
kill $idle' "$trimlat" "$d" "$wakelat" > "$d/hog.out" 2> "$d/err"
	else
		# the prototype guard watches from outside, as keel would
		"$wakelat" guard "$( [ $src = self ] && echo none || echo $src)" \
			"$d" "$CG" $soft > "$d/guard.out" 2>&1 &
		guard=$!
		wait_for "$d/guard.out" "guard ready" || fail "$src: the guard did not start: $(cat "$d/guard.out")"
		cg_spawn "$CG" env LD_PRELOAD="$LIBKEEL" KEEL_STATS_DIR="$d" KEEL_DECAY_MS=60000 \
			"$trimlat" idle 56 > "$d/idle.out"
		idle=$SPAWNED
		wait_for "$d/idle.out" ready || fail "$src: the idle process did not start"
		sleep 0.5
		cg_run "$CG" "$wakelat" hog $idle "$d" "$CG" $soft 120 \
			$( [ $src = self ] && echo self) > "$d/hog.out" 2>&1
		kill $idle $guard 2>/dev/null
		wait 2>/dev/null
	fi
	line=$(grep "^crossed " "$d/hog.out") || { head -n 20 "$d"/*.out "$d/err" >&2; fail "$src: no measurement"; }
	echo "$src $high $run $(echo "$line" | sed 's/.*request_ms=\([0-9.-]*\) trim_epoch_done_ms=\([0-9.-]*\) rss_drop_ms=\([0-9.-]*\) check_us=\([0-9.]*\).*/\1 \2 \3 \4/')"
	echo "    $line $(grep -h '^fired' "$d/guard.out" 2>/dev/null)" >&2
	rmdir "$CG" 2>/dev/null
}

: > /tmp/results
for src in keel events inotify psi self; do
	h=none
	case $src in events|inotify|psi) h=high ;; esac
	i=0
	while [ $i -lt "$runs" ]; do
		i=$((i + 1))
		one $src $h $i >> /tmp/results
	done
done
one events none 1 >> /tmp/results
one psi none 1 >> /tmp/results

echo "source memory.high run: crossing -> trim asked, -> trim_epoch_done, -> idle RSS down 2 MiB (ms); us per pread of memory.current"
cat /tmp/results
awk '{ k = $1 " (memory.high " ($2 == "high" ? "at the soft limit" : "not set") ")"
       if ($6 < 0) { never[k]++; next }
       n[k]++; sq[k] += $4; se[k] += $5; sr[k] += $6
       if (!(k in mn) || $4 < mn[k]) mn[k] = $4
       if ($4 > mx[k]) mx[k] = $4 }
     END { for (k in n) printf "summary: %s: trim asked after %.1f ms (%.1f-%.1f), served after %.1f ms, RSS down after %.1f ms, mean of %d runs%s\n", k, sq[k] / n[k], mn[k], mx[k], se[k] / n[k], sr[k] / n[k], n[k], never[k] ? ", never in " never[k] : ""
           for (k in never) if (!(k in n)) printf "summary: %s: no trim within 3 s (%d runs)\n", k, never[k] }' /tmp/results
check=$(awk '$1 == "self" && $7 != "" { s += $7; n++ } END { if (n) printf "%.1f", s / n }' /tmp/results)
echo "summary: the shim's check costs ${check} us per new mapping (one pread of memory.current)"
while read -r src high run asked epoch rss _; do
	case $src-$high in keel-none|events-high|inotify-high|self-none) ;; *) continue ;; esac
	awk -v a="$rss" 'BEGIN { exit !(a >= 0 && a < 1000) }' ||
		fail "$src run $run: RSS down after $rss ms"
done < /tmp/results
exit 0
