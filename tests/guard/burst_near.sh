#!/usr/bin/env bash
# Near the limit a burst freed goes back at once: the real keel as PID 1
# on a real cgroup v1 limit of 256 MiB (soft limit 230 MiB), a program
# frees 200 MiB of 64 KiB blocks and takes as much again 300 ms later
# (tests/shim/burst.c, KEEL_DECAY_MS=2000). Its heap grew to within a
# quarter of the soft limit, so what it frees past the cap's small share
# goes back once free for KEEL_DECAY_MS/32 and the second pass faults its
# pages in again; under 2 GiB the burst stays for the decay, as with no
# limit (tests/shim/burst.sh), and is reused.
. "$TESTS/lib.sh"
. "$TESTS/guard/cgroup-lib"
tmpdir
prog=$BUILD/tests/shim/burst
[ -x "$prog" ] || fail "$prog missing (make test-programs)"
trap 'cg_cleanup; rm -rf "$T"' EXIT

run() {	# run LIMIT: sets pages, faults
	local out
	cg_make "keel-test-burst-$1-$$" "" "$1"
	out=$(cg_keel "$CG" KEEL_DECAY_MS=2000 KEEL_STATS_DIR="$T/stats" \
		-- "$prog" 200 300 2>"$T/err") ||
		fail "burst under $1: $out $(cat "$T/err")"
	[[ $out =~ ^pages\ ([0-9]+)\ faults\ ([0-9]+)$ ]] ||
		fail "burst under $1: $out"
	pages=${BASH_REMATCH[1]} faults=${BASH_REMATCH[2]}
	echo "limit $1: $faults faults for $pages pages taken again"
}
run 256M
[ "$faults" -gt $((pages / 2)) ] ||
	fail "near the limit the burst was kept: $faults faults"
run 2G
[ "$faults" -lt $((pages / 10)) ] ||
	fail "far from the limit the burst was not kept: $faults faults"
