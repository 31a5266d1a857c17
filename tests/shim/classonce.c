/* A program that uses many sizes once each (a shell's strings, a config
 * parser): one block of each size of a geometric series from 16 B to
 * 4 KiB (8 steps per doubling, as size classes go), each written whole
 * and kept. Prints "grew KIB for KIB free-resident KIB": the VmRSS it
 * added, the bytes it asked for, and how much the heap's free resident
 * memory (mallinfo2's fordblks, keel's statistics) grew. A thread cache
 * refill writes every block it takes, so what a first refill takes is
 * resident at once; the rest of a new span is not. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rss.h"

#define CLASSONCE_SIZES 48

/* glibc's struct mallinfo2 (musl has none): ten size_t counters */
struct classonce_info {
	size_t arena, ordblks, smblks, hblks, hblkhd, usmblks, fsmblks,
		uordblks, fordblks, keepcost;
};
extern struct classonce_info mallinfo2(void) __attribute__((weak));

static long classonce_free_kib(void)
{
	return mallinfo2 ? (long)(mallinfo2().fordblks / 1024) : -1;
}

/* 16, 32 ... 128, then 8 steps per doubling up to 4096 */
static size_t classonce_size(unsigned i)
{
	if (i < 8)
		return 16 * (i + 1);
	unsigned k = 7 + (i - 8) / 8, j = (i - 8) % 8;
	return ((size_t)1 << k) + (j + 1) * ((size_t)1 << (k - 3));
}

int main(void)
{
	static void *keep[CLASSONCE_SIZES];
	size_t asked = 0;

	free(malloc(1));	/* the heap's own start-up is not counted */
	long before = rss_kib(), free_before = classonce_free_kib();
	for (unsigned i = 0; i < CLASSONCE_SIZES; i++) {
		size_t n = classonce_size(i);

		keep[i] = malloc(n);
		if (!keep[i]) {
			fprintf(stderr, "classonce: malloc(%zu) failed\n", n);
			return 1;
		}
		memset(keep[i], 1, n);
		asked += n;
	}
	long after = rss_kib(), free_after = classonce_free_kib();
	printf("grew %ld KiB for %zu KiB free-resident %ld KiB\n",
	       after - before, (asked + 1023) / 1024, free_after - free_before);
	for (unsigned i = 0; i < CLASSONCE_SIZES; i++)
		free(keep[i]);
	return 0;
}
