#!/usr/bin/env bash
# reap: in the demo image, orphans end up with PID 1, keel, which reaps them:
# grandchildren the app left behind (its child exited first) and processes
# a `docker exec` left in the background. Once they exit, the container has
# no zombie and only keel and the app remain.
TESTS=${TESTS:-$(cd "$(dirname "$0")/.." && pwd)}
. "$TESTS/images/docker-lib"
need_images

# the app: 20 children that each leave a grandchild, which waits for
# /dev/shm/go (the root is read-only; /dev/shm is the container's tmpfs)
prog='
import os, time
for i in range(20):
    if os.fork() == 0:
        if os.fork() == 0:
            while not os.path.exists("/dev/shm/go"):
                time.sleep(0.05)
            os._exit(0)
        os._exit(0)
    os.wait()
print("ready", flush=True)
time.sleep(120)'
# processes in the container: "pid state ppid comm", one per line (a
# process may exit between the glob and the read: the braces put the
# failed redirection's message in /dev/null too, and the list still ends 0)
procs='for p in /proc/[0-9]*; do
	{ read -r pid comm state ppid _ <"$p/stat"; } 2>/dev/null && echo "$pid $state $ppid $comm"
done; true'
dstart c "${USER_RUN[@]}" keel-demo python3 -c "$prog"
wait_log "$c" '^ready$'
# docker exec returns when its output closes: the waiters write elsewhere
docker exec "$c" sh -c 'for i in 1 2 3 4 5; do
	sh -c "until [ -e /dev/shm/go ]; do sleep 0.05; done" >/dev/null 2>&1 &
done' || fail "docker exec of the background waiters"
list=$(docker exec "$c" sh -c "$procs") || fail "docker exec of the process list"
# reparented to keel: the app (its child) and its 20 orphans, the 5 waiters
expect_eq "python3 processes whose parent is keel" 21 "$(grep -c '^[0-9]* . 1 (python3)$' <<<"$list")"
expect_eq "sh processes whose parent is keel" 5 "$(grep -c '^[0-9]* . 1 (sh)$' <<<"$list")"
docker exec "$c" touch /dev/shm/go || fail "docker exec touch /dev/shm/go"
# keel, the app, and the listing shell (its parent is outside, ppid 0)
for _ in $(seq 50); do
	list=$(docker exec "$c" sh -c "$procs") || fail "docker exec of the process list"
	left=$(awk '{ print $4 }' <<<"$list" | sort | tr '\n' ' ' | sed 's/ $//')
	[ "$left" = "(keel) (python3) (sh)" ] && break
	sleep 0.1
done
echo "$list"
! grep -q '^[0-9]* Z ' <<<"$list" || fail "zombies in the container"
expect_eq "processes left" "(keel) (python3) (sh)" "$left"
exit 0
