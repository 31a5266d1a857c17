/* A program that uses many sizes once each (a shell's strings, a config
 * parser): one block of each size of a geometric series from 16 B to
 * 4 KiB (8 steps per doubling, as size classes go), each written whole
 * and kept. Prints "grew KIB for KIB": the VmRSS it added and the bytes it
 * asked for. A thread cache refill writes every block it takes, so what a
 * first refill takes is resident at once. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rss.h"

#define CLASSONCE_SIZES 48

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
	long before = rss_kib();
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
	long after = rss_kib();
	printf("grew %ld KiB for %zu KiB\n", after - before, (asked + 1023) / 1024);
	for (unsigned i = 0; i < CLASSONCE_SIZES; i++)
		free(keep[i]);
	return 0;
}
