#!/usr/bin/env bash
# Where preloading cannot work, keel does not try: a static executable gets
# one info line (at -v), a program defining its own malloc gets a warning;
# neither gets LD_PRELOAD.
. "$TESTS/lib.sh"; . "$TESTS/pid1/common.bash"
need musl-gcc
tmpdir
cat >"$T/st.c" <<'C'
#include <stdio.h>
#include <stdlib.h>
int main(void) { const char *v = getenv("LD_PRELOAD"); printf("[%s]\n", v ? v : ""); return 0; }
C
musl-gcc -static -o "$T/static" "$T/st.c" || fail "musl-gcc"
out=$(as_pid1 "$KEEL" -v -- "$T/static" 2>"$T/err")
expect_eq "static: no LD_PRELOAD" "[]" "$out"
expect_eq "static: one info line" 1 "$(grep -c 'info: .*static executable: the allocator cannot be injected' "$T/err")"
out=$(as_pid1 "$KEEL" -- "$T/static" 2>"$T/err")
[ -s "$T/err" ] && fail "static at default verbosity is not quiet: $(cat "$T/err")"
out=$(as_pid1 "$KEEL" -- "$H/ownmalloc" 2>"$T/err")
expect_eq "own malloc: no LD_PRELOAD" "LD_PRELOAD=[]" "$out"
expect_match "own malloc: warning" "keel: warning: .*ownmalloc defines its own malloc" "$(cat "$T/err")"
# Found through PATH like execvp.
out=$(PATH=$H:$PATH as_pid1 "$KEEL" -- ownmalloc 2>/dev/null)
expect_eq "through PATH" "LD_PRELOAD=[]" "$out"
exit 0
