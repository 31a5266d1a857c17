#!/usr/bin/env bash
# Bad KEEL_* values: one line on stderr naming the variable, the value and
# what is accepted; the default is used and the program runs.
. "$TESTS/lib.sh"
err=$(KEEL_DECAY_MS=-5 LD_PRELOAD=$LIBKEEL /bin/echo hello 2>&1 >/dev/null)
expect_eq "decay message" \
	"libkeel: warning: KEEL_DECAY_MS=-5: not a duration (accepted: 0-60000); using 500" "$err"
out=$(KEEL_DECAY_MS=-5 LD_PRELOAD=$LIBKEEL /bin/echo hello 2>/dev/null)
expect_eq "program output" hello "$out"
err=$(KEEL_STATS=maybe KEEL_ON_LIMIT=explode LD_PRELOAD=$LIBKEEL /bin/true 2>&1)
expect_eq "message count" 2 "$(echo "$err" | wc -l)"
expect_match "stats message" "KEEL_STATS=maybe: not a boolean" "$err"
expect_match "limit message" "KEEL_ON_LIMIT=explode: not a policy \(accepted: trim, fail\)" "$err"
for ok in "KEEL_DECAY_MS=0" "KEEL_DECAY_MS=250ms" "KEEL_DECAY_MS=2s" "KEEL_DECAY_MS=" "KEEL_STATS=off"; do
	err=$(env "$ok" LD_PRELOAD=$LIBKEEL /bin/true 2>&1)
	expect_eq "$ok is silent" "" "$err"
done
# KEEL_STATS=1: the per-class table on stderr at exit, stdout untouched
# (coreutils close stderr at exit and dash leaves by _exit: a test
# program that returns from main)
out=$(KEEL_STATS=1 LD_PRELOAD=$LIBKEEL "$BUILD/tests/shim/churn" 2 2>"${TMPDIR:-/tmp}/keel-stats.$$")
err=$(cat "${TMPDIR:-/tmp}/keel-stats.$$"); rm -f "${TMPDIR:-/tmp}/keel-stats.$$"
expect_match "stdout" "^churn: 2 threads" "$out"
expect_match "stats table" "libkeel: +class +blocks" "$err"
expect_match "stats total" "libkeel: total KiB: mapped [0-9]+, in use [0-9]+" "$err"
