/* Aligned allocation conformance: every aligned entry point at every
 * power-of-two alignment up to 64 MiB with the sizes around it, many
 * blocks live at once; invalid and impossible requests; and RSS that stays
 * flat while an aligned block is taken and freed over and over.
 * Usage: aligned grid|errors|rss (built for glibc and for musl). */
#define _GNU_SOURCE
#include <errno.h>
#include <stdarg.h>
#include <malloc.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "rss.h"

#define AL_PAGE 4096ul
#define AL_MAX_SHIFT 26		/* 64 MiB */
#define AL_FULL_MAX (1ul << 20)	/* blocks up to this are kept to the end */
#define AL_MAX_LIVE 1024

enum al_entry { AL_POSIX, AL_ALIGNED, AL_MEMALIGN, AL_VALLOC, AL_PVALLOC };
static const char *al_name[] = { "posix_memalign", "aligned_alloc",
				 "memalign", "valloc", "pvalloc" };

struct al_block {
	unsigned char *p;
	size_t n, usable, align;
	unsigned char pat;
	enum al_entry e;
};

static struct al_block live[AL_MAX_LIVE];
static int nlive, failures;
static unsigned long checked;

static void al_fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static void al_fail(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fputs("aligned: ", stdout);
	vprintf(fmt, ap);
	putchar('\n');
	va_end(ap);
	if (++failures > 50) {
		puts("aligned: too many failures");
		exit(1);
	}
}

#ifdef __GLIBC__
#define AL_NENTRY 5
#else
#define AL_NENTRY 4	/* musl has no pvalloc */
#endif

/* One request through entry point e; NULL on failure, errno set (from
 * posix_memalign's result too). */
static void *al_take(enum al_entry e, size_t align, size_t n)
{
	void *p = 0;
	int r;
	switch (e) {
	case AL_POSIX:
		r = posix_memalign(&p, align, n);
		if (r) {
			errno = r;
			return 0;
		}
		return p;
	case AL_ALIGNED:
		return aligned_alloc(align, n);
	case AL_MEMALIGN:
		return memalign(align, n);
	case AL_VALLOC:
		return valloc(n);
#ifdef __GLIBC__
	case AL_PVALLOC:
		return pvalloc(n);
#endif
	default:
		return 0;
	}
}

/* Every page of the usable range is written (protection is per page, so a
 * byte per page proves the page writable); blocks up to AL_FULL_MAX are
 * written whole, bigger ones at both ends and once per page between, which
 * keeps the test's RSS near the sum of the blocks it holds. */
static void al_fill(struct al_block *b)
{
	size_t u = b->usable;
	if (u <= AL_FULL_MAX) {
		memset(b->p, b->pat, u);
		return;
	}
	memset(b->p, b->pat, AL_PAGE);
	memset(b->p + u - AL_PAGE, b->pat, AL_PAGE);
	for (size_t off = AL_PAGE; off < u - AL_PAGE; off += AL_PAGE)
		b->p[off] = b->pat;
}

static int al_intact(const struct al_block *b)
{
	size_t u = b->usable;
	if (u <= AL_FULL_MAX) {
		for (size_t i = 0; i < u; i++)
			if (b->p[i] != b->pat)
				return 0;
		return 1;
	}
	for (size_t i = 0; i < AL_PAGE; i++)
		if (b->p[i] != b->pat || b->p[u - AL_PAGE + i] != b->pat)
			return 0;
	for (size_t off = AL_PAGE; off < u - AL_PAGE; off += AL_PAGE)
		if (b->p[off] != b->pat)
			return 0;
	return 1;
}

static void al_describe(const struct al_block *b, char *buf, size_t cap)
{
	snprintf(buf, cap, "%s(align %zu, size %zu) = %p, usable %zu",
		 al_name[b->e], b->align, b->n, (void *)b->p, b->usable);
}

static int al_by_address(const void *x, const void *y)
{
	const struct al_block *a = x, *b = y;
	return a->p < b->p ? -1 : a->p > b->p;
}

/* No two live blocks share a byte (a block of usable size 0 still owns
 * its address: two of them at one address are a failure too), and every
 * live block still holds its pattern. */
static void al_check_live(void)
{
	char d1[160], d2[160];
	qsort(live, nlive, sizeof(live[0]), al_by_address);
	for (int i = 0; i < nlive; i++) {
		const struct al_block *b = &live[i];
		if (!al_intact(b)) {
			al_describe(b, d1, sizeof(d1));
			al_fail("%s: its bytes were overwritten", d1);
		}
		if (i == 0)
			continue;
		const struct al_block *a = &live[i - 1];
		size_t len = a->usable ? a->usable : 1;
		if (a->p + len > b->p) {
			al_describe(a, d1, sizeof(d1));
			al_describe(b, d2, sizeof(d2));
			al_fail("overlap: %s and %s", d1, d2);
		}
	}
}

static void al_drop(int i)
{
	free(live[i].p);
	live[i] = live[--nlive];
}

/* Frees the live blocks bigger than AL_FULL_MAX (or all, with all). */
static void al_release(int all)
{
	for (int i = nlive - 1; i >= 0; i--)
		if (all || live[i].usable > AL_FULL_MAX)
			al_drop(i);
}

static void al_one(enum al_entry e, size_t align, size_t n)
{
	char d[160];
	errno = 0;
	struct al_block b = { al_take(e, align, n), n, 0, align,
			      (unsigned char)(checked * 37 + 11), e };
	checked++;
	if (!b.p) {
		al_fail("%s(align %zu, size %zu) failed: %s", al_name[e], align,
			n, strerror(errno));
		return;
	}
	b.usable = malloc_usable_size(b.p);
	al_describe(&b, d, sizeof(d));
	if ((uintptr_t)b.p % align)
		al_fail("%s: not aligned", d);
	if (b.usable < n) {
		al_fail("%s: usable size below the request", d);
		free(b.p);
		return;
	}
	al_fill(&b);
	if (nlive == AL_MAX_LIVE) {
		al_check_live();
		al_release(1);
	}
	live[nlive++] = b;
}

/* Blocks whose usable size is at most AL_FULL_MAX stay live to the end
 * (hundreds at once); bigger ones live until their alignment is done. */
static void al_grid_pass(void)
{
	for (unsigned k = 0; k <= AL_MAX_SHIFT; k++) {
		size_t a = (size_t)1 << k;
		size_t sizes[] = { 0, 1, a - 1, a, a + 1 };
		for (int e = AL_POSIX; e <= AL_MEMALIGN; e++) {
			if (e == AL_POSIX && a < sizeof(void *))
				continue;
			for (int s = 0; s < 5; s++)
				al_one(e, a, sizes[s]);
		}
		if (a == AL_PAGE) {
			for (int e = AL_VALLOC; e < AL_NENTRY; e++)
				for (int s = 0; s < 5; s++)
					al_one(e, a, sizes[s]);
		}
		al_check_live();
		al_release(0);
	}
	al_check_live();
}

/* realloc of an aligned block keeps its bytes, growing and shrinking. */
static void al_realloc_pass(void)
{
	char d[160];
	for (int i = 0; i < nlive; i++) {
		struct al_block *b = &live[i];
		size_t keep = b->usable;
		size_t sizes[] = { keep * 2 + 1, keep + 5000, keep / 2 + 1 };
		for (int s = 0; s < 3; s++) {
			al_describe(b, d, sizeof(d));
			unsigned char *q = realloc(b->p, sizes[s]);
			if (!q) {
				al_fail("%s: realloc to %zu failed", d,
					sizes[s]);
				return;
			}
			if (sizes[s] < keep)
				keep = sizes[s];
			for (size_t j = 0; j < keep; j++)
				if (q[j] != b->pat) {
					al_fail("%s: realloc to %zu lost bytes",
						d, sizes[s]);
					break;
				}
			b->p = q;
			b->n = sizes[s];
			b->usable = malloc_usable_size(q);
			if (b->usable < sizes[s])
				al_fail("%s: realloc to %zu: usable %zu", d,
					sizes[s], b->usable);
			al_fill(b);
		}
	}
	al_check_live();
}

static int al_grid(void)
{
	/* twice: the second pass reuses what the first one freed */
	for (int pass = 0; pass < 2; pass++) {
		al_grid_pass();
		al_realloc_pass();
		al_release(1);
	}
	printf("grid: %lu aligned blocks checked, %d failures\n", checked,
	       failures);
	return failures != 0;
}

/* What a request that must fail did: "EINVAL", "ENOMEM", or a
 * description of the block it returned (freed here). */
static const char *al_refusal(enum al_entry e, size_t align, size_t n,
			      int *untouched)
{
	static char buf[80];
	void *p = (void *)1;
	int r = 0;
	errno = 0;
	if (e == AL_POSIX) {
		r = posix_memalign(&p, align, n);
		*untouched = p == (void *)1;
		if (!r)
			goto block;
		errno = r;
		p = 0;
	} else {
		p = al_take(e, align, n);
		*untouched = 1;
		if (p)
			goto block;
	}
	return errno == EINVAL ? "EINVAL" : errno == ENOMEM ? "ENOMEM" :
	       strerror(errno);
block:
	snprintf(buf, sizeof(buf), "a block at %p", p);
	free(p);
	return buf;
}

static void al_expect(enum al_entry e, size_t align, size_t n,
		      const char *want)
{
	int untouched;
	const char *got = al_refusal(e, align, n, &untouched);
	if (strcmp(got, want))
		al_fail("%s(align %#zx, size %#zx): %s, expected %s",
			al_name[e], align, n, got, want);
	else if (!untouched)
		al_fail("posix_memalign(align %#zx, size %#zx) failed but wrote its result",
			align, n);
	checked++;
}

/* Invalid alignments: EINVAL. posix_memalign wants a power of two that is
 * a multiple of sizeof(void *); memalign, and aligned_alloc as glibc 2.36
 * serves it, take anything up to SIZE_MAX / 2 + 1 and round it up to a
 * power of two (C17 and glibc 2.38 refuse what is not a power of two:
 * keel keeps the host libc's leniency, which breaks no program). Alignments and
 * sizes no address space holds (and sizes that wrap when the alignment is
 * added): ENOMEM, never a crash. */
static int al_errors(void)
{
	char canary[64];
	unsigned char *keep = malloc(100);
	memset(keep, 0x5a, 100);
	strcpy(canary, "stack still mapped");

	size_t bad_posix[] = { 0, 1, 2, 4, 3, 12, 24, 100, 4097, 65537,
			       ((size_t)1 << 63) + 8, SIZE_MAX };
	for (size_t i = 0; i < sizeof(bad_posix) / sizeof(*bad_posix); i++)
		for (size_t n = 0; n <= 4096; n += 4096)
			al_expect(AL_POSIX, bad_posix[i], n, "EINVAL");
	/* above SIZE_MAX / 2 + 1 no power of two exists to round up to;
	 * below it, the power it rounds up to cannot be met */
	al_expect(AL_MEMALIGN, ((size_t)1 << 63) + 1, 1, "EINVAL");
	al_expect(AL_MEMALIGN, SIZE_MAX, 1, "EINVAL");
	al_expect(AL_MEMALIGN, ((size_t)1 << 62) + 1, 1, "ENOMEM");

	/* memalign rounds an odd alignment up to the next power of two */
	size_t odd[] = { 0, 3, 24, 100, 4097, 65537, (3u << 20) + 1 };
	for (size_t i = 0; i < sizeof(odd) / sizeof(*odd); i++) {
		size_t a = 1;
		while (a < odd[i])
			a <<= 1;
		for (size_t n = 0; n <= 2 * a; n += a) {
			const char *c17 = getenv("ALIGNED_ALLOC_C17");
			for (int f = 0; f < (c17 && *c17 ? 1 : 2); f++) {
				unsigned char *p = f ? aligned_alloc(odd[i], n) :
						       memalign(odd[i], n);
				if (!p || (uintptr_t)p % a ||
				    malloc_usable_size(p) < n)
					al_fail("%s(%zu, %zu) = %p: not a block aligned to %zu",
						f ? "aligned_alloc" : "memalign",
						odd[i], n, (void *)p, a);
				else
					memset(p, 1, n);
				free(p);
				checked++;
			}
		}
	}

	/* alignments no address space holds */
	for (unsigned k = 47; k <= 63; k++) {
		size_t a = (size_t)1 << k;
		size_t sizes[] = { 0, 1, 4096, a };
		for (int s = 0; s < 4; s++)
			for (int e = AL_POSIX; e <= AL_MEMALIGN; e++)
				al_expect(e, a, sizes[s], "ENOMEM");
	}
	/* sizes that wrap with the alignment or cannot be met */
	for (unsigned k = 0; k <= AL_MAX_SHIFT; k++) {
		size_t a = (size_t)1 << k;
		size_t sizes[] = { SIZE_MAX, SIZE_MAX - a + 1, SIZE_MAX - a - 1,
				   SIZE_MAX / 2 + 1, (size_t)1 << 48 };
		for (int s = 0; s < 5; s++)
			for (int e = AL_POSIX; e <= AL_MEMALIGN; e++) {
				if (e == AL_POSIX && a < sizeof(void *))
					continue;
				al_expect(e, a, sizes[s], "ENOMEM");
			}
	}
	size_t page_bad[] = { SIZE_MAX, SIZE_MAX - 4094, (size_t)1 << 48 };
	for (int s = 0; s < 3; s++)
		for (int e = AL_VALLOC; e < AL_NENTRY; e++)
			al_expect(e, AL_PAGE, page_bad[s], "ENOMEM");

	for (int i = 0; i < 100; i++)
		if (keep[i] != 0x5a)
			al_fail("a live block changed during the failed requests");
	free(keep);
	if (strcmp(canary, "stack still mapped"))
		al_fail("the stack changed");
	void *p = malloc(1 << 20);
	if (!p)
		al_fail("malloc after the failed requests failed");
	free(p);
	printf("errors: %lu requests checked, %d failures\n", checked,
	       failures);
	return failures != 0;
}

/* RSS of a take-and-free loop, before and after rounds rounds (counted
 * from a warm-up of 1000, so one-time costs stay out): a page or a
 * descriptor lost per round adds up to MiBs. */
static void al_rss_one(enum al_entry e, size_t align, size_t n, long rounds)
{
	long before = 0;
	for (long i = 0; i < rounds + 1000; i++) {
		if (i == 1000)
			before = rss_kib();
		void *p = al_take(e, align, n);
		if (!p) {
			al_fail("%s(%zu, %zu) failed: %s", al_name[e], align,
				n, strerror(errno));
			return;
		}
		*(volatile char *)p = 1;
		free(p);
	}
	printf("rss %s %zu %zu %ld: %ld KiB -> %ld KiB\n", al_name[e], align,
	       n, rounds, before, rss_kib());
}

static int al_rss(void)
{
	/* the defect: 200,000 x posix_memalign(65536, 0) grew 25 MiB */
	al_rss_one(AL_POSIX, 65536, 0, 200000);
	for (int e = AL_POSIX; e <= AL_MEMALIGN; e++) {
		al_rss_one(e, 8192, 0, 100000);
		al_rss_one(e, 512 << 10, 0, 100000);
		al_rss_one(e, 65536, 1, 100000);
		al_rss_one(e, 4 << 20, 0, 5000);
	}
	for (int e = AL_VALLOC; e < AL_NENTRY; e++)
		al_rss_one(e, AL_PAGE, 0, 100000);
	return failures != 0;
}

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	const char *mode = argc > 1 ? argv[1] : "";
	if (!strcmp(mode, "grid"))
		return al_grid();
	if (!strcmp(mode, "errors"))
		return al_errors();
	if (!strcmp(mode, "rss"))
		return al_rss();
	fputs("usage: aligned grid|errors|rss\n", stderr);
	return 2;
}
