#!/usr/bin/env bash
# Where preloading cannot work, keel does not try: a static executable gets
# one info line (at -v); a program defining its own malloc, or linking an
# allocator library (Debian's redis-server links libjemalloc.so.2, whose
# mallocx and sdallocx it could call on blocks keel's malloc made) or a
# sanitizer's runtime (ASan's, TSan's), gets a warning; a 32-bit program one
# info line; none gets LD_PRELOAD, and a sanitized or 32-bit program a
# shimmed shell starts does not either.
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
# A program linked with a library named as jemalloc's: that its soname is
# in DT_NEEDED is what counts; so is tcmalloc's; an ordinary library is not.
echo 'int lib_answer(void) { return 42; }' >"$T/lib.c"
printf '%s\n' '#include <stdio.h>' '#include <stdlib.h>' \
	'int lib_answer(void);' \
	'int main(void) { const char *v = getenv("LD_PRELOAD"); printf("[%s] %d\n", v ? v : "", lib_answer()); return 0; }' \
	>"$T/linked.c"
for so in libjemalloc.so.2 libtcmalloc_minimal.so.4 libplain.so.1; do
	gcc -shared -fPIC -o "$T/$so" -Wl,-soname,$so "$T/lib.c" || fail "gcc $so"
	gcc -o "$T/linked" "$T/linked.c" -Wl,--no-as-needed "$T/$so" \
		-Wl,-rpath,"$T" || fail "gcc linked $so"
	out=$(as_pid1 "$KEEL" -- "$T/linked" 2>"$T/err")
	if [ "$so" = libplain.so.1 ]; then
		expect_match "$so: preloaded" "^\[.*libkeel.so.*\] 42$" "$out"
		[ -s "$T/err" ] && fail "$so: not quiet: $(cat "$T/err")"
		continue
	fi
	expect_eq "$so: no LD_PRELOAD" "[] 42" "$out"
	expect_eq "$so: one warning" 1 "$(grep -c "keel: warning: .*linked links $so, an allocator of its own: not injecting the allocator" "$T/err")"
done
# Found through PATH like execvp.
out=$(PATH=$H:$PATH as_pid1 "$KEEL" -- ownmalloc 2>/dev/null)
expect_eq "through PATH" "LD_PRELOAD=[]" "$out"

# A 32-bit program (or another machine's): its loader would refuse the
# 64-bit library with an error line in every such process, so none is
# preloaded, from keel or from a shimmed shell; the shell's other children
# still have it. Built with binutils alone: an i386 PIE that only exits.
if [ -e /lib/ld-linux.so.2 ]; then
	printf '%s\n' '.globl _start' '_start:' 'mov $1, %eax' \
		'xor %ebx, %ebx' 'int $0x80' >"$T/m32.s"
	as --32 -o "$T/m32.o" "$T/m32.s" &&
		ld -m elf_i386 -pie -dynamic-linker /lib/ld-linux.so.2 \
			-o "$T/m32" "$T/m32.o" || fail "as/ld: 32-bit program"
	out=$(as_pid1 "$KEEL" -v -- "$T/m32" 2>&1) || fail "32-bit: $out"
	expect_match "32-bit: one info line" \
		"keel: info: .*m32 is a 32-bit or another machine's executable: the allocator cannot be injected into it" "$out"
	for mode in init exec; do
		out=$(KEEL_MODE=$mode as_pid1 "$KEEL" -- sh -c "$T/m32 && $T/m32 && grep -c libkeel /proc/self/maps" 2>&1)
		expect_match "32-bit from a shimmed shell ($mode mode)" '^[1-9][0-9]*$' "$out"
	done
	out=$(LD_PRELOAD=$LIBKEEL sh -c "exec $T/m32" 2>&1)
	expect_eq "32-bit from a shell with LD_PRELOAD" "" "$out"
	# keel stats says why it has no heap: one that waits for a signal
	printf '%s\n' '.globl _start' '_start:' 'mov $29, %eax' 'int $0x80' \
		'mov $1, %eax' 'xor %ebx, %ebx' 'int $0x80' >"$T/m32p.s"
	as --32 -o "$T/m32p.o" "$T/m32p.s" &&
		ld -m elf_i386 -pie -dynamic-linker /lib/ld-linux.so.2 \
			-o "$T/m32p" "$T/m32p.o" || fail "as/ld: 32-bit pause"
	out=$(as_pid1 "$KEEL" -- sh -c "$T/m32p & sleep 0.5; $KEEL stats; kill \$!" 2>&1)
	expect_match "32-bit in keel stats" "m32p .* 32-bit binary" "$out"
else
	echo "no 32-bit loader (libc6-i386): 32-bit program not checked"
fi

# Sanitizer builds: ASan refuses to start when a library is preloaded
# before its runtime, so a program linking libasan (gcc's default) gets no
# shim: from keel, and from a shimmed shell that starts it (the shim's exec
# wrapper drops itself from LD_PRELOAD for that child only), the library
# preloaded from a file or from keel's memfd (exec mode).
printf '%s\n' '#include <stdio.h>' '#include <stdlib.h>' \
	'int main(void) { char *p = malloc(16); p[0] = 7; printf("sanitized %d\n", p[0]); free(p); return 0; }' \
	>"$T/san.c"
for san in address thread; do
	gcc -fsanitize=$san -o "$T/san-$san" "$T/san.c" 2>/dev/null ||
		{ echo "no -fsanitize=$san here: not checked"; continue; }
	out=$(as_pid1 "$KEEL" -- "$T/san-$san" 2>"$T/err")
	expect_eq "$san: runs" "sanitized 7" "$out"
	expect_match "$san: warning" "keel: warning: .*san-$san links lib[a-z]san\.so[.0-9]*, an allocator of its own: not injecting the allocator" "$(cat "$T/err")"
	for mode in init exec; do
		out=$(KEEL_MODE=$mode as_pid1 "$KEEL" -- sh -c "$T/san-$san; cd $T && PATH=$T:\$PATH san-$san; grep -c libkeel /proc/self/maps" 2>&1)
		expect_match "$san from a shimmed shell ($mode mode)" \
			$'^sanitized 7\nsanitized 7\n[1-9][0-9]*$' "$out"
	done
	out=$(LD_PRELOAD=$LIBKEEL sh -c "exec $T/san-$san" 2>&1)
	expect_eq "$san from a shell with LD_PRELOAD" "sanitized 7" "$out"
	# env(1) calls libc's execvp: the shim searches PATH as it does,
	# past a folder of the same name
	mkdir -p "$T/shadow/san-$san"
	out=$(PATH=$T/shadow:$T:$PATH LD_PRELOAD=$LIBKEEL env "san-$san" 2>&1)
	expect_eq "$san through execvp" "sanitized 7" "$out"
done
exit 0
