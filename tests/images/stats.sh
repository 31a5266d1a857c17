#!/usr/bin/env bash
# stats: `docker exec <c> /keel stats` in the running demo image (run as users
# run it: read-only, uid 1000, 256 MiB) lists the app: a table row and a
# --json object for the python3 process, with heap bytes in use, both as the
# image's user (1000, exec's default) and as root (docker exec -u 0).
TESTS=${TESTS:-$(cd "$(dirname "$0")/.." && pwd)}
. "$TESTS/images/docker-lib"
need_images

dstart c "${USER_RUN[@]}" -e DEMO_EVERY=1 keel-demo
wait_log "$c" '^demo: pid [0-9]+'
pid=$(docker logs "$c" 2>&1 | sed -n 's/^demo: pid \([0-9]*\),.*/\1/p')
echo "the app is pid $pid in the container"
# the shim publishes once its heap passes 4 MiB, on its purger's tick
wait_log "$c" '^demo: t=2s'

for user in 1000 0; do
	table=$(docker exec -u "$user" "$c" /keel stats 2>&1) ||
		fail "docker exec -u $user /keel stats: exit $?: $table"
	echo "--- docker exec -u $user $c /keel stats"
	echo "$table"
	expect_match "the table's header (uid $user)" \
		'^ +PID COMMAND +RSS +IN-USE +FREE-RESIDENT +RETURNED +FRAG +THREADS' \
		"$(head -n 1 <<<"$table")"
	row=$(grep -E "^ *$pid python3 " <<<"$table") ||
		fail "uid $user: keel stats has no row for python3 (pid $pid)"
	# RSS, in use: sizes; threads: the demo's 8 connections, 2 workers, main
	expect_match "the python3 row (uid $user)" \
		"^ *$pid python3 +[0-9.]+ [KMG]iB +[0-9.]+ [KMG]iB .* 1[01]$" "$row"
	json=$(docker exec -u "$user" "$c" /keel stats --json 2>&1) ||
		fail "docker exec -u $user /keel stats --json: exit $?: $json"
	line=$(grep "[{,]\"pid\":$pid," <<<"$json") ||
		fail "uid $user: keel stats --json has no object for pid $pid: $(cut -c1-200 <<<"$json")"
	expect_match "the python3 object (uid $user)" \
		'"command":"python3","rss":[1-9][0-9]*,"in_use":[1-9][0-9]*,' "$line"
done
exit 0
