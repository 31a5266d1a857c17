#!/usr/bin/env bash
# pods: the containers of a Kubernetes pod share the IPC namespace and
# /dev/shm (and with shareProcessNamespace one PID namespace). Two demo
# containers, B joining A's IPC (--ipc=container:A): the apps have pid 6 or
# 7 in their own namespaces, each `keel stats` shows its own app only,
# and the shared /dev/shm holds one folder per keel. A third container
# joining A's PID namespace too (--pid=container:A): its keel is no PID 1
# there, and `keel stats` in A shows both keels' apps, each under its keel.
TESTS=${TESTS:-$(cd "$(dirname "$0")/.." && pwd)}
. "$TESTS/images/docker-lib"
need_images

dstart a "${USER_RUN[@]}" --ipc=shareable -e DEMO_EVERY=1 keel-demo
wait_lines "$a" '^demo: t=' 2
dstart b "${USER_RUN[@]}" --ipc="container:$a" -e DEMO_EVERY=1 keel-demo
wait_lines "$b" '^demo: t=' 2
pa=$(docker logs "$a" 2>&1 | sed -n 's/^demo: pid \([0-9]*\),.*/\1/p')
pb=$(docker logs "$b" 2>&1 | sed -n 's/^demo: pid \([0-9]*\),.*/\1/p')
# runc makes the app pid 6 or 7: most often the same in both
echo "apps: pid $pa in A, pid $pb in B"

folders=$(docker exec "$a" ls /dev/shm/keel)
echo "/dev/shm/keel: $folders"
expect_eq "one folder per keel in the shared /dev/shm" 2 "$(wc -w <<<"$folders")"
# heaps KEEL_STATS_JSON: "KEEL_PID:PID" of each process with a heap
heaps() {
	python3 -c 'import json, sys
for r in json.loads(sys.argv[1])["processes"]:
    if "in_use" in r:
        print("%d:%d" % (r["keel_pid"], r["pid"]))' "$1"
}
for c in "$a:$pa" "$b:$pb"; do
	json=$(docker exec "${c%:*}" /keel stats --json 2>&1) ||
		fail "docker exec ${c%:*} /keel stats --json: exit $?: $json"
	echo "${c%:*}: $(heaps "$json" | tr '\n' ' ')"
	expect_eq "${c%:*}: its own app's heap only" "1:${c#*:}" "$(heaps "$json")"
done

# shareProcessNamespace: C's keel is a subreaper in A's PID namespace
dstart c "${USER_RUN[@]}" --ipc="container:$a" --pid="container:$a" \
	-e DEMO_EVERY=1 keel-demo
wait_lines "$c" '^demo: t=' 2
pc=$(docker logs "$c" 2>&1 | sed -n 's/^demo: pid \([0-9]*\),.*/\1/p')
json=$(docker exec "$a" /keel stats --json 2>&1) ||
	fail "keel stats in the shared PID namespace: exit $?: $json"
h=$(heaps "$json" | sort)
echo "A with C: heaps $(tr '\n' ' ' <<<"$h")"
expect_eq "heaps in the shared PID namespace" 2 "$(wc -l <<<"$h")"
grep -qx "1:$pa" <<<"$h" || fail "A's app is missing"
grep -qE "^[0-9]+:$pc$" <<<"$h" && ! grep -qx "1:$pc" <<<"$h" ||
	fail "C's app is missing, or not under C's keel"
table=$(docker exec "$a" /keel stats 2>&1)
echo "$table"
expect_match "C's table says whose it is" "keel pid [0-9]+:" "$table"
exit 0
