#!/usr/bin/env bash
# keel sets its own oom_score_adj to -1000 where it may (CAP_SYS_RESOURCE)
# once the application is forked, so the OOM killer never takes PID 1 (and
# with it the whole container) while the application keeps the value keel
# was started with. Without the capability (Docker's default set) keel
# keeps its value too, says why at -v -v, and runs as before. The OOM kill
# itself is tests/vm/oom_protect.sh's, on a real cgroup v2 controller.
. "$TESTS/lib.sh"; . "$TESTS/pid1/common.bash"
tmpdir
need setpriv
# CMD... started at oom_score_adj 500 (raising it needs no privilege)
at500() { sh -c 'echo 500 > /proc/self/oom_score_adj && exec "$@"' at500 "$@"; }
# the scores the application sees, once keel's is -1000 or after 2 s
# shellcheck disable=SC2016
scores='i=0
	while [ "$(cat /proc/1/oom_score_adj)" != -1000 ] && [ $i -lt 20 ]; do
		sleep 0.1; i=$((i + 1))
	done
	echo "app $(cat /proc/self/oom_score_adj) keel $(cat /proc/1/oom_score_adj)"'

out=$(at500 setpriv --bounding-set -sys_resource --inh-caps -sys_resource \
	unshare --pid --fork --mount-proc "$KEEL" -v -v -- sh -c "$scores" 2>"$T/err")
expect_eq "status without CAP_SYS_RESOURCE" 0 "$?"
expect_eq "scores without CAP_SYS_RESOURCE" "app 500 keel 500" "$out"
expect_eq "why" 1 "$(grep -c '^keel: info: oom_score_adj left as it was: Permission denied$' "$T/err")"

# with whatever this machine's root holds: -1000 where it has the capability
caps=$(sed -n 's/^CapEff:[[:space:]]*//p' /proc/self/status)
if [ $(( 0x${caps:-0} >> 24 & 1 )) = 1 ]; then	# bit 24: CAP_SYS_RESOURCE
	want="app 500 keel -1000"
else
	want="app 500 keel 500"
fi
out=$(at500 unshare --pid --fork --mount-proc "$KEEL" -- sh -c "$scores" 2>"$T/err")
expect_eq "status" 0 "$?"
expect_eq "scores" "$want" "$out"
expect_eq "nothing said at the default verbosity" "" "$(cat "$T/err")"
