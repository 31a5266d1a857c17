#!/usr/bin/env bash
# Bad KEEL_* values: one line on stderr naming the variable, the value and
# what is accepted; the default is used and the program runs.
. "$TESTS/lib.sh"
err=$(KEEL_DECAY_MS=-5 LD_PRELOAD=$LIBKEEL /bin/echo hello 2>&1 >/dev/null)
expect_eq "decay message" \
	"libkeel: warning: KEEL_DECAY_MS=-5: not a duration (accepted: 0-60000); using 500" "$err"
# the value is quoted escaped: one line, whatever it holds
err=$(KEEL_DECAY_MS=$'5\nlibkeel: \e[1m' LD_PRELOAD=$LIBKEEL /bin/true 2>&1)
expect_eq "escaped value" \
	'libkeel: warning: KEEL_DECAY_MS=5\nlibkeel: \x1b[1m: not a duration (accepted: 0-60000); using 500' "$err"
out=$(KEEL_DECAY_MS=-5 LD_PRELOAD=$LIBKEEL /bin/echo hello 2>/dev/null)
expect_eq "program output" hello "$out"
err=$(KEEL_STATS=maybe KEEL_ON_LIMIT=explode LD_PRELOAD=$LIBKEEL /bin/true 2>&1)
expect_eq "message count" 2 "$(echo "$err" | wc -l)"
expect_match "stats message" "KEEL_STATS=maybe: not a boolean" "$err"
expect_eq "limit message, in keel's own words" \
	"libkeel: warning: KEEL_ON_LIMIT=explode: not an accepted value (accepted: trim|fail); using trim" \
	"$(grep ON_LIMIT <<<"$err")"
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
expect_match "released column" "libkeel: +class +blocks +in use KiB +free KiB +released KiB" "$err"
expect_match "returned and released totals" "libkeel: total KiB: .*, free resident [0-9]+, returned [0-9]+, released [0-9]+$" "$err"

# stats_table SECTION TEXT: from the table after the line "--- SECTION"
# (the whole text when SECTION is empty), "SUM TOTAL B U R L": the rows'
# released KiB summed, the total's, and the 208-byte class's blocks, in-use
# KiB and released KiB, and the large row's released KiB.
stats_table() {
	awk -v want="$1" '
		want == "" { sec = "" }
		/^--- / { sec = $2; next }
		sec != want || !/^libkeel:/ || $2 == "class" { next }
		$3 == "KiB:" { total = $NF; next }
		{ sum += $NF }
		$2 == "208" { b = $3; u = $4; r = $NF }
		$2 == "large" { l = $NF }
		END { print sum + 0, total + 0, b == "" ? "none" : b,
			    u == "" ? "none" : u, r + 0, l + 0 }' <<<"$2"
}
read -r sum total _ <<<"$(stats_table "" "$err")"
expect_eq "exit table: rows add up to the released total" "$total" "$sum"

# 100k blocks of 200 bytes (the 208-byte class), freed and trimmed: that
# class's row shows them released; then large blocks, the large row.
err=$(LD_PRELOAD=$LIBKEEL "$BUILD/tests/shim/classstats" 2>&1)
read -r sum total b u r l <<<"$(stats_table small "$err")"
expect_eq "small phase: 208-byte blocks in use" 0 "$b"
expect_eq "small phase: 208-byte KiB in use" 0 "$u"
(( r >= 100000 * 208 / 1024 )) ||
	fail "small phase: 208-byte class released $r KiB: $err"
expect_eq "small phase: rows add up to the released total" "$total" "$sum"
r_small=$r l_small=$l
read -r sum total b u r l <<<"$(stats_table large "$err")"
(( l - l_small >= 200 * 64 )) ||
	fail "large phase: large row released $l KiB (had $l_small): $err"
expect_eq "large phase: 208-byte class released (cumulative)" "$r_small" "$r"
expect_eq "large phase: rows add up to the released total" "$total" "$sum"
