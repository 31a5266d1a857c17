/* API conformance: prints the observable semantics of every malloc entry
 * point, one fact per line. The same program runs under glibc and under
 * libkeel.so and the outputs must be identical. Lines that start with "g:"
 * use calls musl does not have and are left out of the musl comparison. */
#include <errno.h>
#include <malloc.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int aligned(void *p, size_t a)
{
	return ((uintptr_t)p % a) == 0;
}

/* usable size is at least n and every byte of it can be written */
static int usable_ok(void *p, size_t n)
{
	size_t u = malloc_usable_size(p);
	if (u < n)
		return 0;
	memset(p, 0xa5, u);
	return 1;
}

static void check_malloc(void)
{
	void *a = malloc(0), *b = malloc(0);
	printf("malloc(0): %s, unique %d\n", a ? "pointer" : "NULL", a != b);
	free(a);
	free(b);
	int al = 1, us = 1;
	for (size_t n = 1; n < 300000; n = n * 5 / 4 + 1) {
		void *p = malloc(n);
		if (n >= 16 && !aligned(p, 16))
			al = 0;
		if (!usable_ok(p, n))
			us = 0;
		free(p);
	}
	printf("malloc: aligned to 16 for n >= 16: %d, usable writable: %d\n",
	       al, us);
	errno = 0;
	void *p = malloc(SIZE_MAX);
	printf("malloc(SIZE_MAX): %s errno %s\n", p ? "pointer" : "NULL",
	       errno == ENOMEM ? "ENOMEM" : "other");
	errno = 0;
	p = malloc(SIZE_MAX / 2);
	printf("malloc(SIZE_MAX/2): %s errno %s\n", p ? "pointer" : "NULL",
	       errno == ENOMEM ? "ENOMEM" : "other");
	printf("malloc_usable_size(NULL): %zu\n", malloc_usable_size(NULL));
	free(NULL);
	printf("free(NULL): ok\n");
}

static void check_errno(void)
{
	size_t sizes[] = { 24, 5000, 40000, 200000, 3 << 20 };
	for (int i = 0; i < 5; i++) {
		void *p = malloc(sizes[i]);
		memset(p, 1, sizes[i]);
		errno = 1234;
		free(p);
		printf("free(%zu) keeps errno: %d\n", sizes[i], errno == 1234);
	}
}

static void check_calloc(void)
{
	errno = 0;
	void *p = calloc(SIZE_MAX / 2, 3);
	printf("calloc overflow: %s errno %s\n", p ? "pointer" : "NULL",
	       errno == ENOMEM ? "ENOMEM" : "other");
	int zero = 1;
	size_t sizes[] = { 1, 40, 1000, 5000, 40000, 300000, 2 << 20 };
	for (int round = 0; round < 3; round++) {
		for (int i = 0; i < 7; i++) {
			unsigned char *q = malloc(sizes[i]);
			memset(q, 0xff, sizes[i]);
			free(q);
			q = calloc(1, sizes[i]);
			for (size_t j = 0; j < sizes[i]; j++)
				if (q[j])
					zero = 0;
			free(q);
		}
	}
	printf("calloc zeroes reused memory: %d\n", zero);
	p = calloc(0, 10);
	printf("calloc(0,10): %s\n", p ? "pointer" : "NULL");
	free(p);
}

static void check_realloc(void)
{
	void *p = realloc(NULL, 100);
	printf("realloc(NULL,100): %s\n", p ? "pointer" : "NULL");
	errno = 0;
	void *q = realloc(p, 0);
	printf("realloc(p,0): %s\n", q ? "pointer" : "NULL");
	/* a chain through every regime keeps the contents */
	unsigned char *b = NULL;
	size_t len = 0;
	int kept = 1;
	for (size_t n = 1; n < (8u << 20); n = n * 3 / 2 + 7) {
		b = realloc(b, n);
		for (size_t j = 0; j < len && j < n; j++)
			if (b[j] != (unsigned char)(j * 7 + 3))
				kept = 0;
		for (size_t j = len; j < n; j++)
			b[j] = (unsigned char)(j * 7 + 3);
		len = n;
	}
	for (size_t n = len; n > 10; n = n / 3) {
		b = realloc(b, n);
		for (size_t j = 0; j < n; j++)
			if (b[j] != (unsigned char)(j * 7 + 3))
				kept = 0;
	}
	free(b);
	printf("realloc chain keeps contents: %d\n", kept);
	p = malloc(100);
	errno = 0;
	q = realloc(p, SIZE_MAX / 2);
	printf("realloc huge fail: %s errno %s, old intact %d\n",
	       q ? "pointer" : "NULL", errno == ENOMEM ? "ENOMEM" : "other",
	       usable_ok(p, 100));
	free(p);
	errno = 0;
	p = reallocarray(NULL, SIZE_MAX / 2, 3);
	printf("reallocarray overflow: %s errno %s\n", p ? "pointer" : "NULL",
	       errno == ENOMEM ? "ENOMEM" : "other");
	p = reallocarray(NULL, 10, 10);
	printf("reallocarray(10,10): usable %d\n", usable_ok(p, 100));
	free(p);
}

static void check_aligned(void)
{
	size_t aligns[] = { 8, 16, 32, 64, 256, 4096, 8192, 65536, 1 << 20,
			    2 << 20 };
	size_t sizes[] = { 1, 100, 5000, 70000, 3 << 20 };
	for (int i = 0; i < 10; i++) {
		int ok = 1, ok2 = 1, ok3 = 1;
		for (int j = 0; j < 5; j++) {
			void *p = NULL;
			int r = posix_memalign(&p, aligns[i], sizes[j]);
			if (r || !aligned(p, aligns[i]) ||
			    !usable_ok(p, sizes[j]))
				ok = 0;
			free(p);
			p = memalign(aligns[i], sizes[j]);
			if (!p || !aligned(p, aligns[i]) ||
			    !usable_ok(p, sizes[j]))
				ok2 = 0;
			free(p);
			p = aligned_alloc(aligns[i], sizes[j]);
			if (!p || !aligned(p, aligns[i]) ||
			    !usable_ok(p, sizes[j]))
				ok3 = 0;
			free(p);
		}
		printf("align %zu: posix_memalign %d memalign %d aligned_alloc %d\n",
		       aligns[i], ok, ok2, ok3);
	}
	size_t bad[] = { 0, 3, 4, 24, 100 };
	for (int i = 0; i < 5; i++) {
		void *p = (void *)1;
		int r = posix_memalign(&p, bad[i], 10);
		printf("posix_memalign(%zu): %s, out untouched %d\n", bad[i],
		       r == EINVAL ? "EINVAL" : r ? "other" : "0",
		       p == (void *)1);
	}
	void *p = memalign(24, 100);
	printf("memalign(24): %s aligned to 32 %d\n", p ? "pointer" : "NULL",
	       p && aligned(p, 32));
	free(p);
	p = valloc(100);
	printf("valloc: page aligned %d usable %d\n", aligned(p, 4096),
	       usable_ok(p, 100));
	free(p);
}

#ifdef __GLIBC__
static void check_glibc_only(void)
{
	void *p = pvalloc(0);
	/* glibc 2.36 gives a minimum chunk here, keel a whole page (what
	 * the manual promises): only the shared facts are printed */
	printf("g: pvalloc(0): pointer %d aligned %d\n", p != NULL,
	       aligned(p, 4096));
	free(p);
	p = pvalloc(5000);
	printf("g: pvalloc(5000): aligned %d usable >= 8192 %d\n",
	       aligned(p, 4096), usable_ok(p, 8192));
	free(p);
	printf("g: mallopt: M_MXFAST(64) %d M_MXFAST(1000) %d M_TRIM_THRESHOLD %d M_MMAP_THRESHOLD %d M_ARENA_MAX %d M_CHECK_ACTION %d\n",
	       mallopt(M_MXFAST, 64), mallopt(M_MXFAST, 1000),
	       mallopt(M_TRIM_THRESHOLD, 1 << 20),
	       mallopt(M_MMAP_THRESHOLD, 1 << 20), mallopt(M_ARENA_MAX, 2),
	       mallopt(M_CHECK_ACTION, 3));
	struct mallinfo2 a = mallinfo2();
	void *v[100];
	for (int i = 0; i < 100; i++)
		v[i] = malloc(100000);
	void *h = malloc(10 << 20);
	memset(h, 1, 10 << 20);
	struct mallinfo2 b = mallinfo2();
	printf("g: mallinfo2: uordblks grew by >= 5 MB: %d, hblkhd >= 10 MiB: %d, arena >= uordblks: %d\n",
	       b.uordblks - a.uordblks >= (5u << 20), b.hblkhd >= (10u << 20),
	       b.arena >= b.uordblks);
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
	struct mallinfo c = mallinfo();
#pragma GCC diagnostic pop
	printf("g: mallinfo: hblkhd >= 10 MiB: %d\n", c.hblkhd >= (10 << 20));
	for (int i = 0; i < 100; i++)
		free(v[i]);
	free(h);
}
#endif

int main(void)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	check_malloc();
	check_errno();
	check_calloc();
	check_realloc();
	check_aligned();
#ifdef __GLIBC__
	check_glibc_only();
#endif
	return 0;
}
