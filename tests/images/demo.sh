#!/usr/bin/env bash
# demo: the demo image as its header says users run it (`docker run --rm
# --read-only --user 1000 -m 256m keel-demo`, plus no swap and no network):
# the service runs with keel's allocator preloaded, prints its RSS lines,
# and `docker stop` reaches it through keel (the app handles SIGTERM and
# finishes: exit status 0). Measured, not asserted: the same run with glibc's
# malloc (-e KEEL_MALLOC=off), the cgroup's peak usage, the app's peak RSS
# and how many messages it moved.
TESTS=${TESTS:-$(cd "$(dirname "$0")/.." && pwd)}
. "$TESTS/images/docker-lib"
need_images
secs=${DEMO_RUN_SECONDS:-8}

peak='cat /sys/fs/cgroup/memory/memory.max_usage_in_bytes 2>/dev/null ||
	cat /sys/fs/cgroup/memory.peak 2>/dev/null'
declare -A cg_peak rss_peak msgs
for malloc in keel off; do
	dstart c "${USER_RUN[@]}" -e KEEL_MALLOC="$malloc" -e DEMO_EVERY=1 keel-demo
	wait_log "$c" '^demo: pid [0-9]+, 8 connections, preload='
	line=$(docker logs "$c" 2>&1 | grep '^demo: pid')
	if [ "$malloc" = keel ]; then
		expect_match "the app's LD_PRELOAD" 'preload=/proc/self/fd/[0-9]+$' "$line"
	else
		expect_match "the app's LD_PRELOAD with KEEL_MALLOC=off" 'preload=$' "$line"
	fi
	wait_lines "$c" '^demo: t=' "$secs" $((secs + 20))
	p=$(docker exec "$c" sh -c "$peak") && cg_peak[$malloc]=$((p >> 20))
	start=$(now)
	docker stop "$c" >/dev/null || fail "docker stop"
	echo "docker stop (KEEL_MALLOC=$malloc): $(elapsed "$start") s"
	docker logs "$c" >"$T/out" 2>"$T/err"
	cat "$T/out" "$T/err"
	expect_eq "exit status after docker stop" 0 "$(docker inspect -f '{{.State.ExitCode}}' "$c")"
	grep -q '^demo: SIGTERM, stopping$' "$T/out" || fail "the app never saw SIGTERM"
	grep -q '^demo: done after' "$T/out" || fail "the app did not finish"
	n=$(grep -c '^demo: t=' "$T/out")
	[ "$n" -ge "$secs" ] || fail "expected $secs RSS lines, got $n"
	rss_peak[$malloc]=$(sed -n 's/^demo: done.*peak rss=//p' "$T/out")
	msgs[$malloc]=$(sed -n 's/^demo: done after [0-9]*s, \([0-9]*\) messages.*/\1/p' "$T/out")
	# keel as uid 1000 in a read-only container: nothing to complain about
	expect_eq "keel's messages" "" "$(grep '^keel' "$T/err")"
done
echo "measured over ${secs} s under -m 256m: cgroup peak keel ${cg_peak[keel]:-?} MiB," \
	"glibc ${cg_peak[off]:-?} MiB; the app's peak RSS keel ${rss_peak[keel]}, glibc ${rss_peak[off]};" \
	"messages keel ${msgs[keel]}, glibc ${msgs[off]}"
exit 0
