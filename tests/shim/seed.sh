#!/usr/bin/env bash
# The seed's grow-copy-free pattern (DESIGN.md): receiver threads grow
# buffers by realloc appends, copy slices, workers free them. RSS over the
# bytes the program holds must stay low and flat; glibc ends near 2x here.
. "$TESTS/lib.sh"
out=$(LD_PRELOAD=$LIBKEEL timeout 110 "$BUILD/tests/shim/seed" 1.5 2000) ||
	fail "exit $?: $out"
echo "$out"
[[ $out =~ ratio\ ([0-9.]+)\ max-ratio\ ([0-9.]+) ]] || fail "no result line"
ratio=${BASH_REMATCH[1]} max=${BASH_REMATCH[2]}
awk -v r="$ratio" -v m="$max" 'BEGIN { exit !(r < 1.3 && m < 1.3) }' ||
	fail "RSS/live $ratio (max $max) is not below 1.3"
