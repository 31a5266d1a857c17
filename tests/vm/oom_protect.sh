#!/usr/bin/env bash
# keel out of the OOM killer's choice (init/oomprotect.c): started at
# oom_score_adj 1000, the score the OOM killer takes first (raising it
# needs no privilege), keel sets its own to -1000 (the VM's root has
# CAP_SYS_RESOURCE) and the application keeps 1000. Then the application's
# child, at -999, grows past memory.max (48 MiB): the OOM killer must take
# the application, whose score is the whole limit, and never keel, whose
# score would be the same 1000 without the protection; keel reports the
# kill in plain words and exits 137.
. "$TESTS/vm/vm-lib"
cg_make "oomp-$$" "" 48M
echo 1000 > /proc/self/oom_score_adj || fail "raising this shell's oom_score_adj"
dmesg -c > /dev/null 2>&1
# shellcheck disable=SC2016
ctr -C "$CG" KEEL_MALLOC=off -- sh -c '
	i=0
	while [ "$(cat /proc/1/oom_score_adj)" != -1000 ] && [ $i -lt 50 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	echo "app $(cat /proc/self/oom_score_adj) keel $(cat /proc/1/oom_score_adj)"
	sh -c "echo -999 > /proc/self/oom_score_adj && exec $0 1024 0 200 60000"
	echo "the application lived on"' "$BUILD/tests/vm/grow" \
	> /tmp/out 2> /tmp/err
rc=$?
victims=$(dmesg -c 2>/dev/null | grep -o 'Killed process [0-9]* ([^)]*)')
cat /tmp/out
grep -v '^grow: ' /tmp/err | cut -c1-200
printf '%s\n' "$victims" | sed 's/^/  kernel: /'
expect_eq "scores" "app 1000 keel -1000" "$(head -n 1 /tmp/out)"
expect_eq "status (SIGKILL)" 137 "$rc"
grep -q '^keel: error: sh (pid 2) was killed by the OOM killer at 48 MiB' /tmp/err ||
	fail "no post-mortem line from keel"
printf '%s\n' "$victims" | grep -q '(sh)$' || fail "the OOM killer did not take the application"
printf '%s\n' "$victims" | grep -q '(keel)$' && fail "the OOM killer took keel"
exit 0
