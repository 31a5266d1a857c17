#!/usr/bin/env bash
# exit_status: docker run's exit status is the app's, through keel as PID 1
# of the demo image: its code, 128+N when it died of signal N, 127 when the
# command does not exist and 126 when it cannot be run (tini's codes), each
# with keel's one line saying why.
TESTS=${TESTS:-$(cd "$(dirname "$0")/.." && pwd)}
. "$TESTS/images/docker-lib"
need_images

check() {
	local want=$1 out rc
	shift
	out=$(docker run --rm "${USER_RUN[@]}" keel-demo "$@" 2>&1); rc=$?
	printf '%-32s -> %s %s\n' "$*" "$rc" "$out"
	expect_eq "exit status of '$*'" "$want" "$rc"
	LAST=$out
}
check 0 true
check 3 sh -c 'exit 3'
check 143 sh -c 'kill -TERM $$'
check 139 sh -c 'kill -SEGV $$'
check 137 python3 -c 'import os, signal; os.kill(os.getpid(), signal.SIGKILL)'
check 127 no-such-program
expect_eq "message" "keel: error: unable to exec no-such-program: No such file or directory" "$LAST"
check 126 /etc/passwd
expect_eq "message" "keel: error: unable to exec /etc/passwd: Permission denied" "$LAST"
exit 0
