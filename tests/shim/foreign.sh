#!/usr/bin/env bash
# free/realloc/malloc_usable_size of pointers the heap does not own are
# refused with one message each on stderr; the heap stays intact.
. "$TESTS/lib.sh"
tmpdir
out=$(LD_PRELOAD=$LIBKEEL timeout 20 "$BUILD/tests/shim/foreign" 2>"$T/err") ||
	fail "exit $?: $out $(cat "$T/err")"
expect_eq "result" "foreign: realloc NULL, usable 0, heap intact 1" "$out"
expect_eq "free messages" 3 "$(grep -c 'libkeel: error: free(0x[0-9a-f]*): not a block of this heap; ignored' "$T/err")"
expect_eq "realloc messages" 1 "$(grep -c 'libkeel: error: realloc(0x[0-9a-f]*): not a block of this heap; ignored' "$T/err")"
cat "$T/err"
