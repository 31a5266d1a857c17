#!/usr/bin/env bash
# No process of keel's own user can take over PID 1: ptrace (which can stop
# it for good) and writes to its memory need CAP_SYS_PTRACE, which
# containers do not grant. As `docker run --user 1000` runs them (keel and
# the app both uid 1000), and as root without CAP_SYS_PTRACE (Docker's
# default capabilities). The application stays dumpable (debuggable).
. "$TESTS/lib.sh"; . "$TESTS/pid1/common.bash"
tmpdir
user_helper tracer
out=$(as_pid1 setpriv --reuid 1000 --regid 1000 --clear-groups \
	"$KEEL" -- "$T/tracer" 2>&1) || fail "as uid 1000: $out"
echo "$out"
out=$(as_pid1 setpriv --bounding-set -sys_ptrace --inh-caps -sys_ptrace \
	"$KEEL" -- "$T/tracer" 2>&1) || fail "as root without CAP_SYS_PTRACE: $out"
echo "$out"
