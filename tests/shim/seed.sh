#!/usr/bin/env bash
# The seed's grow-copy-free pattern (DESIGN.md): receiver threads grow
# buffers by realloc appends, copy slices, workers free them. RSS over the
# bytes the program holds must stay low and flat. In the steady state of 4
# million appends: keel 1.12-1.13x (1.21x before the dirty cap went from
# 1/8 to 1/32 of the bytes in use), glibc 1.33-1.36x, jemalloc 1.37-1.39x,
# mimalloc 1.44-1.48x (no peer passes).
. "$TESTS/lib.sh"
out=$(LD_PRELOAD=$LIBKEEL timeout 110 "$BUILD/tests/shim/seed" 4 2000) ||
	fail "exit $?: $out"
echo "$out"
[[ $out =~ samples\ ([0-9]+).*ratio\ ([0-9.]+)\ max-ratio\ ([0-9.]+) ]] ||
	fail "no result line"
samples=${BASH_REMATCH[1]} ratio=${BASH_REMATCH[2]} max=${BASH_REMATCH[3]}
# 50 when the receivers keep pace; a steady state needs a few
((samples >= 20)) || fail "$samples samples before the first receiver ended"
awk -v r="$ratio" -v m="$max" 'BEGIN { exit !(r < 1.3 && m < 1.3) }' ||
	fail "RSS/live $ratio (max $max) is not below 1.3"
