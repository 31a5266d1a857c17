#!/usr/bin/env bash
# signals: `docker kill -s SIG` signals PID 1, keel: it forwards each to the
# app of the demo image (HUP, INT, USR1, USR2, QUIT, WINCH, in that order,
# one at a time), which handles them and keeps running; docker stop's SIGTERM
# then ends it and the app's own exit status (0) is the container's.
TESTS=${TESTS:-$(cd "$(dirname "$0")/.." && pwd)}
. "$TESTS/images/docker-lib"
need_images

sigs=(HUP INT USR1 USR2 QUIT WINCH)
prog='
import signal, sys, time
def on(n, f):
    print("got " + signal.Signals(n).name, flush=True)
    if n == signal.SIGTERM:
        sys.exit(0)
for s in sys.argv[1:] + ["TERM"]:
    signal.signal(getattr(signal, "SIG" + s), on)
print("ready", flush=True)
while True:
    time.sleep(1)'
dstart c "${USER_RUN[@]}" keel-demo python3 -c "$prog" "${sigs[@]}"
wait_log "$c" '^ready$'
for s in "${sigs[@]}"; do
	docker kill -s "$s" "$c" >/dev/null || fail "docker kill -s $s"
	wait_log "$c" "^got SIG$s\$" 10
done
docker stop "$c" >/dev/null || fail "docker stop"
docker logs "$c"
expect_eq "what the app saw" "$(printf 'got SIG%s\n' "${sigs[@]}" TERM)" \
	"$(docker logs "$c" 2>&1 | grep '^got ')"
expect_eq "exit status" 0 "$(docker inspect -f '{{.State.ExitCode}}' "$c")"
exit 0
