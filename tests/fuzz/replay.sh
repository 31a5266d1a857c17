#!/usr/bin/env bash
# Replays the seed corpus and every regression input through each fuzz
# harness, built without libFuzzer (with SANITIZER=, under the sanitizers):
# what a fuzzer once found stays found, in a plain test run.
. "$TESTS/lib.sh"
for src in "$TESTS"/fuzz/fuzz_*.c; do
	name=${src##*/fuzz_}
	name=${name%.c}
	prog=$BUILD/tests/fuzz/fuzz_$name
	[ -x "$prog" ] || fail "$prog is not built (make test-programs)"
	dirs=()
	for d in corpus regressions; do
		[ -d "$TESTS/fuzz/$d/$name" ] && dirs+=("$TESTS/fuzz/$d/$name")
	done
	[ ${#dirs[@]} -gt 0 ] || fail "fuzz_$name: no tests/fuzz/corpus/$name"
	out=$("$prog" "${dirs[@]}" 2>&1) || fail "fuzz_$name: $out"
	echo "fuzz_$name: $out"
done
