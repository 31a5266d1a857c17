#!/usr/bin/env bash
# stats: `docker exec <c> /keel stats` in the running demo image (run as users
# run it: read-only, uid 1000, 256 MiB) shows the whole container, as the
# image's user (1000, exec's default) and as root (docker exec -u 0): a
# header whose parts add up to the cgroup's usage, a row for every process
# (the app with its heap, keel, the exec'd ones with their reasons), sorted
# by RSS, in use + free-resident within RSS; --json parses, --format
# prometheus obeys the exposition grammar, --watch refreshes.
TESTS=${TESTS:-$(cd "$(dirname "$0")/.." && pwd)}
. "$TESTS/images/docker-lib"
need_images

dstart c "${USER_RUN[@]}" -e DEMO_EVERY=1 keel-demo
wait_log "$c" '^demo: pid [0-9]+'
pid=$(docker logs "$c" 2>&1 | sed -n 's/^demo: pid \([0-9]*\),.*/\1/p')
echo "the app is pid $pid in the container"
# the shim publishes once its heap passes 4 MiB, on its purger's tick
wait_lines "$c" '^demo: t=' 2
# a second process exec'd into the container, not started by keel
docker exec -d "$c" sleep 60

for user in 1000 0; do
	table=$(docker exec -u "$user" "$c" /keel stats 2>&1) ||
		fail "docker exec -u $user /keel stats: exit $?: $table"
	echo "--- docker exec -u $user $c /keel stats"
	echo "$table"
	expect_match "the header's usage line (uid $user)" \
		'^memory: usage [0-9.]+ MiB of limit 256.0 MiB \([0-9]+%\) \(cgroup v[12]\)$' \
		"$(sed -n 2p <<<"$table")"
	expect_match "the header's keel line (uid $user)" \
		'^keel pid 1: soft limit 230.4 MiB, [0-9]+ trims' "$(sed -n 4p <<<"$table")"
	expect_match "the table's header (uid $user)" \
		'^ +PID COMMAND +RSS +PSS +IN-USE +FREE-RESIDENT +RETURNED +FRAG +THREADS  NOTE$' \
		"$(sed -n 6p <<<"$table")"
	row=$(grep -E "^ *$pid python3 " <<<"$table") ||
		fail "uid $user: keel stats has no row for python3 (pid $pid)"
	# RSS, PSS (root without CAP_SYS_PTRACE, as in Docker, may not read
	# the app's), in use...; threads: 8 connections, 2 workers, main, the
	# shim's purger
	expect_match "the python3 row (uid $user)" \
		"^ *$pid python3 +[0-9.]+ [KMG]iB +(-|[0-9.]+ [KMG]iB) +[0-9.]+ [KMG]iB .* 1[0-3](  [0-9.]+ [KMG]?i?B counted in use but not resident)?$" "$row"
	expect_match "keel's row (uid $user)" "^ +1 keel .* keel itself$" "$(grep -E '^ +1 keel ' <<<"$table")"
	grep -qE "^ +[0-9]+ sleep .* not started by keel$" <<<"$table" ||
		fail "uid $user: the exec'd sleep has no row saying it was not started by keel"

	docker exec -u "$user" "$c" /keel stats --json > "$T/json" 2>"$T/json.err" ||
		fail "docker exec -u $user /keel stats --json: exit $?: $(cat "$T/json.err")"
	docker exec -u "$user" "$c" ls /proc > "$T/procs"
	python3 - "$T/json" "$T/procs" "$pid" <<'EOF' || fail "uid $user: keel stats --json: $(cut -c1-400 "$T/json")"
import json, sys
lines = open(sys.argv[1]).read().splitlines()
assert len(lines) == 1, lines
s = json.loads(lines[0])
rows = {r["pid"]: r for r in s["processes"]}
app = rows[int(sys.argv[3])]
print("usage %d MiB = anon %d + file %d + kernel %d MiB; rows: anon %d MiB, RSS %d MiB; app: RSS %d MiB, in use %d MiB"
      % tuple(x >> 20 for x in (s["usage"], s["anon"], s["file"], s["kernel"],
                                s["rss_anon"], s["rss"], app["rss"], app["in_use"])))
MiB = 1 << 20
assert s["limit"] == 256 * MiB, s["limit"]
# the header adds up to the cgroup's usage, and the rows to the header
parts = s["anon"] + s["file"] + s["kernel"]
assert abs(s["usage"] - parts) < 0.05 * s["usage"], (s["usage"], parts)
assert abs(s["rss_anon"] - s["anon"]) < 0.05 * s["usage"], (s["rss_anon"], s["anon"])
# every process has a row (but ls, which came after)
procs = {int(p) for p in open(sys.argv[2]).read().split() if p.isdigit()}
assert len(procs - set(rows)) <= 1, ("no row", procs - set(rows))
assert app["command"] == "python3" and app["keel_pid"] == 1, app
assert app["in_use"] > 0 and app["in_use"] + app["free_resident"] <= app["rss"], app
rss = [r["rss"] for r in s["processes"]]
assert rss == sorted(rss, reverse=True), rss
assert abs(s["keels"][0]["soft_limit"] - 256 * MiB * 0.9) < MiB, s["keels"]
EOF
done

docker exec "$c" /keel stats --format prometheus > "$T/prom" ||
	fail "keel stats --format prometheus: exit $?"
"$TESTS/promtext.py" "$T/prom" keel_cgroup_memory_usage_bytes \
	keel_cgroup_memory_limit_bytes keel_process_rss_bytes \
	keel_heap_in_use_bytes || fail "prometheus: $(head -n 20 "$T/prom")"

# a real screen of --watch: three refreshes a second apart
docker exec "$c" timeout 2.5 /keel stats --watch 1 > "$T/watch"
echo "--- docker exec $c /keel stats --watch 1"
cat "$T/watch"
expect_match "refreshes" "^3$" "$(grep -c '^keel stats at ' "$T/watch")"
grep -qE "^ *$pid python3 .* [+-][0-9.]+ [KMG]?i?B [^ ]{3}" "$T/watch" ||
	fail "--watch: no growth and trend for the app"
exit 0
