#!/usr/bin/env bash
# A process that loaded another allocator library gets its allocations
# from that library, not from keel (shim/route.c): a program linked with
# jemalloc, tcmalloc or mimalloc mallocs and reallocs blocks, then sizes
# and frees them with the library's own calls (sallocx and sdallocx,
# tc_malloc_size and tc_free, mi_usable_size and mi_free), and frees with
# free() blocks the library's own calls made. With keel's malloc in place
# the library sized keel's blocks as 8 bytes and free() called its blocks
# foreign. Also started from a script under keel as PID 1 (the shell gets
# the shim, the program inherits it); a program that links none still gets
# keel's allocator, also with an allocator preloaded after keel's.
. "$TESTS/lib.sh"
need gcc
tmpdir
cat >"$T/route.c" <<'C'
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <malloc.h>
#if defined(JE)
size_t sallocx(const void *p, int flags);
void sdallocx(void *p, size_t n, int flags);
void *mallocx(size_t n, int flags);
#define OWN_SIZE(p) sallocx(p, 0)
#define OWN_FREE(p, n) sdallocx(p, n, 0)
#define OWN_ALLOC(n) mallocx(n, 0)
#elif defined(TC)
size_t tc_malloc_size(void *p);
void tc_free(void *p);
void *tc_malloc(size_t n);
#define OWN_SIZE(p) tc_malloc_size(p)
#define OWN_FREE(p, n) tc_free(p)
#define OWN_ALLOC(n) tc_malloc(n)
#elif defined(MI)
size_t mi_usable_size(const void *p);
void mi_free(void *p);
void *mi_malloc(size_t n);
#define OWN_SIZE(p) mi_usable_size(p)
#define OWN_FREE(p, n) mi_free(p)
#define OWN_ALLOC(n) mi_malloc(n)
#else
#define OWN_SIZE(p) malloc_usable_size(p)
#define OWN_FREE(p, n) free(p)
#define OWN_ALLOC(n) malloc(n)
#endif
#define CHECK(c) do { if (!(c)) { printf("FAIL %d: %s\n", i, #c); return 1; } } while (0)
int main(void)
{
	for (int i = 0; i < 20000; i++) {
		size_t n = 1 + (size_t)i * 7919 % 300000;
		char *p = malloc(n);
		CHECK(p && OWN_SIZE(p) >= n && malloc_usable_size(p) >= n);
		memset(p, 1, n);
		p = realloc(p, n + 5000);
		CHECK(p && p[n - 1] == 1 && OWN_SIZE(p) >= n + 5000);
		OWN_FREE(p, n + 5000);
		char *q = OWN_ALLOC(n);
		CHECK(q && malloc_usable_size(q) >= n);
		memset(q, 2, n);
		q = realloc(q, n / 2 + 1);
		CHECK(q && q[n / 2] == 2);
		free(q);
		char *z = calloc(n, 1);
		CHECK(z && !z[0] && !z[n - 1] && OWN_SIZE(z) >= n);
		OWN_FREE(z, n);
		void *a = 0;
		CHECK(!posix_memalign(&a, 4096, n) && !((uintptr_t)a & 4095));
		CHECK(OWN_SIZE(a) >= n);
		free(a);
		char *s = strdup("route");
		CHECK(s && OWN_SIZE(s) >= 6);
		OWN_FREE(s, 6);
	}
	puts("ok");
	return 0;
}
C
gcc -O1 -o "$T/plain" "$T/route.c" || fail "gcc plain"
out=$(KEEL_STATS=1 LD_PRELOAD=$LIBKEEL "$T/plain" 2>"$T/err") ||
	fail "plain: $out $(cat "$T/err")"
expect_eq "plain under keel" ok "$out"
grep -q "is loaded: allocations go to it" "$T/err" &&
	fail "plain: keel stepped aside: $(cat "$T/err")"
grep -q "libkeel: total KiB" "$T/err" || fail "plain: no heap report"
found=0
for kind in JE:libjemalloc.so.2 TC:libtcmalloc_minimal.so.4 MI:libmimalloc.so.2; do
	macro=${kind%%:*} so=${kind#*:}
	lib=$(ldconfig -p | awk -v so="$so" '$1 == so { print $NF; exit }')
	[ -n "$lib" ] || continue
	found=$((found + 1)) any=$lib any_so=$so
	gcc -O1 -D$macro -o "$T/$macro" "$T/route.c" -Wl,--no-as-needed \
		"$lib" || fail "gcc $so"
	out=$(KEEL_STATS=1 LD_PRELOAD=$LIBKEEL "$T/$macro" 2>"$T/err") ||
		fail "$so: exit $?: $out $(cat "$T/err")"
	expect_eq "$so under keel" ok "$out"
	expect_eq "$so: keel steps aside" 1 "$(grep -c "libkeel: $so is loaded: allocations go to it, not to keel" "$T/err")"
	grep -q "libkeel: error" "$T/err" && fail "$so: $(cat "$T/err")"
	# through a script, keel as PID 1: the shell has the shim, and so
	# has the program it starts
	out=$(env $(compgen -e | grep '^KEEL_' | sed 's/^/-u /') \
		timeout 60 unshare --pid --fork --mount-proc "$KEEL_BIN" -- \
		sh -c "exec $T/$macro" 2>"$T/err") ||
		fail "$so from a script under keel: $out $(cat "$T/err")"
	expect_eq "$so from a script under keel" ok "$out"
	[ -s "$T/err" ] && fail "$so from a script: not quiet: $(cat "$T/err")"
done
[ "$found" -gt 0 ] || skip "no jemalloc, tcmalloc or mimalloc library here"
# an allocator preloaded after keel (an old LD_PRELOAD left in place) is
# never called: keel stays the allocator of a program that links none
out=$(KEEL_STATS=1 LD_PRELOAD="$LIBKEEL:$any" "$T/plain" 2>"$T/err") ||
	fail "plain with $any preloaded after keel: $out $(cat "$T/err")"
expect_eq "plain with $any_so preloaded after keel" ok "$out"
grep -q "is loaded: allocations go to it" "$T/err" &&
	fail "$any_so preloaded after keel: keel stepped aside: $(cat "$T/err")"
grep -q "libkeel: total KiB" "$T/err" || fail "$any_so preloaded: no heap report"
echo "allocators checked: $found"
