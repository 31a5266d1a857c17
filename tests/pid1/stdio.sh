#!/usr/bin/env bash
# Large output passes through keel's child unchanged, and stdin reaches it.
. "$TESTS/lib.sh"; . "$TESTS/pid1/common.bash"
tmpdir
head -c 20000000 /dev/urandom >"$T/big"
as_pid1 "$KEEL" -- cat "$T/big" >"$T/out" 2>"$T/err"
expect_eq "exit" 0 "$?"
cmp "$T/big" "$T/out" || fail "20 MB of stdout differ"
out=$(printf 'in put' | as_pid1 "$KEEL" -- cat)
expect_eq "stdin" "in put" "$out"
[ -s "$T/err" ] && fail "unexpected stderr: $(cat "$T/err")"
exit 0
