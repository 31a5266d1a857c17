#!/usr/bin/env bash
# dumb-init's extras: -r FROM:TO rewrites a forwarded signal (TO 0 drops
# it), and --exec / KEEL_MODE=exec becomes PROGRAM instead of staying.
# Real-time signals are named as Docker and glibc number them: RTMIN+3 is
# 37 (systemd's halt), where musl's own SIGRTMIN+3 would be 38.
. "$TESTS/lib.sh"; . "$TESTS/pid1/common.bash"
tmpdir
start_pid1 "$KEEL" -r USR1:USR2 -r HUP:0 -r QUIT:SIGRTMIN+3 --rewrite=INT:TERM \
	-- "$H/sigrec" "$T/rec"
wait_file "$T/rec.ready"
kill -USR1 "$KPID"; sleep 0.2
kill -HUP "$KPID"; sleep 0.2
kill -QUIT "$KPID"; sleep 0.2
kill -INT "$KPID"
wait "$UPID"
expect_eq "status" 0 "$?"
expect_eq "rewritten" "$(kill -l USR2) 37 15" "$(tr '\n' ' ' <"$T/rec" | sed 's/ $//')"
# exec mode: PROGRAM takes keel's pid, with the allocator injected.
out=$("$KEEL" --exec -- sh -c 'echo $$ $PPID; xargs -0 -n1 </proc/$$/environ | grep ^LD_PRELOAD=')
set -- $out
expect_eq "same process (keel was replaced)" "$$" "$2"
expect_match "LD_PRELOAD in exec mode" "^LD_PRELOAD=" "$3"
out=$(KEEL_MODE=exec "$KEEL" sh -c 'exit 4'); rc=$?
expect_eq "KEEL_MODE=exec status" 4 "$rc"
exit 0
