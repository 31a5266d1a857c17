#!/usr/bin/env bash
# The settings libkeel.so reads reach it whether given to keel as a flag or
# as a variable, checked by their effect in a real preloaded program:
# --decay-ms / KEEL_DECAY_MS (0 returns a freed burst at once, 60000 keeps
# it), --stats / KEEL_STATS (the heap table at exit), --on-limit /
# KEEL_ON_LIMIT (the shim sees it; its effect under a real limit is
# tests/guard/guard_on_limit_fail.sh).
. "$TESTS/lib.sh"; . "$TESTS/pid1/common.bash"
decay=$BUILD/tests/shim/decay
# RSS (KiB) held 300 ms after a burst of about 12 MiB was freed, over the
# program's base and live data
kept() {
	local out base live
	out=$(as_pid1 "$@" "$decay" idle 300 60) || fail "$*: exit $?"
	read -r _ base _ _ _ _ _ live _ _ <<<"$(head -1 <<<"$out")"
	echo $(( $(tail -1 <<<"$out" | awk '{print $3}') - base - live ))
}
for form in flag variable; do
	if [ $form = flag ]; then
		fast=("$KEEL" --decay-ms 0 --)
		slow=("$KEEL" --decay-ms=60000 --)
		stats=("$KEEL" --stats --on-limit fail --)
	else
		fast=(env KEEL_DECAY_MS=0 "$KEEL" --)
		slow=(env KEEL_DECAY_MS=60000 "$KEEL" --)
		stats=(env KEEL_STATS=1 KEEL_ON_LIMIT=fail "$KEEL" --)
	fi
	f=$(kept "${fast[@]}")
	s=$(kept "${slow[@]}")
	echo "$form: 300 ms after the free, decay 0 holds $f KiB, decay 60000 $s KiB"
	[ "$f" -le 2048 ] || fail "$form: decay 0 did not return the burst ($f KiB)"
	[ "$s" -ge 8192 ] || fail "$form: decay 60000 returned the burst ($s KiB)"
	out=$(as_pid1 "${stats[@]}" sh -c 'echo "$KEEL_ON_LIMIT"; python3 -c "x = bytearray(10**7)"' 2>&1)
	expect_match "$form: the heap table at exit" "libkeel: total KiB: mapped" "$out"
	expect_match "$form: on-limit reaches the child" "^fail" "$out"
done
exit 0
