#!/usr/bin/env bash
# gcc (cc1 is an allocation-heavy program) compiles a real C file under
# libkeel.so: the object file must be identical to the one built under
# glibc.
. "$TESTS/lib.sh"
need gcc
tmpdir
cd "$KEEL_TOP" || fail "no source tree"
objs() {	# objs DIR: every shim and init source, optimized
	mkdir -p "$1"
	for f in shim/*.c common/*.c tests/shim/stress.c tests/shim/seed.c; do
		gcc -O2 -g0 -fPIC -I. -c -o "$1/$(echo "$f" | tr / _).o" "$f" ||
			return 1
	done
}
t0=$(date +%s.%N)
objs "$T/glibc" || fail "gcc under glibc failed"
t1=$(date +%s.%N)
LD_PRELOAD=$LIBKEEL objs "$T/keel" || fail "gcc under keel failed"
t2=$(date +%s.%N)
diff -r "$T/glibc" "$T/keel" || fail "object files differ"
printf 'gcc -O2 on %d files: glibc %.2f s, keel %.2f s, objects identical\n' \
	"$(ls "$T/keel" | wc -l)" "$(echo "$t1 - $t0" | bc)" "$(echo "$t2 - $t1" | bc)"
