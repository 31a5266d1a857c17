#!/usr/bin/env bash
# stop: `docker stop` of an app that leaves SIGTERM at its default action:
# keel as PID 1 (the demo image's entrypoint) forwards it, the app dies of
# it, and the container exits 143 at once; side by side, in the same run,
# `docker run --init` (Docker's tini) and no init at all (the app as PID 1
# ignores SIGTERM: docker stop waits its 10 s and SIGKILLs, 137). Times are
# printed; the only bound is keel < 5 s.
TESTS=${TESTS:-$(cd "$(dirname "$0")/.." && pwd)}
. "$TESTS/images/docker-lib"
need_images

prog='import time; print("ready", flush=True); time.sleep(120)'
declare -A secs code
for init in keel tini none; do
	case $init in
	keel) dstart c "${USER_RUN[@]}" keel-demo python3 -c "$prog" ;;
	tini) dstart c "${USER_RUN[@]}" --init --entrypoint python3 keel-demo -c "$prog" ;;
	none) dstart c "${USER_RUN[@]}" --entrypoint python3 keel-demo -c "$prog" ;;
	esac
	wait_log "$c" '^ready$'
	start=$(now)
	docker stop "$c" >/dev/null || fail "docker stop ($init)"
	secs[$init]=$(elapsed "$start")
	code[$init]=$(docker inspect -f '{{.State.ExitCode}}' "$c")
	printf 'docker stop, %-4s as PID 1: %5s s, exit %s\n' "$init" "${secs[$init]}" "${code[$init]}"
	docker rm "$c" >/dev/null
done
expect_eq "exit status with keel" 143 "${code[keel]}"
expect_eq "exit status with --init (tini)" 143 "${code[tini]}"
expect_eq "exit status with no init (SIGKILL after 10 s)" 137 "${code[none]}"
[ "$(echo "${secs[keel]} < 5" | bc)" = 1 ] ||
	fail "docker stop took ${secs[keel]} s with keel (no init: ${secs[none]} s)"
exit 0
