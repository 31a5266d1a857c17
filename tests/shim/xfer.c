/* Blocks one thread frees for another wait in the transfer cache
 * (shim/xfer.c) in batches until a thread that allocates takes them, and
 * hold their spans' pages while they wait. A thread allocates 32 MiB of
 * blocks of eight classes, another frees them in random order and exits;
 * then nobody calls the allocator. Prints VmRSS before, after the frees,
 * and after "idle" (1.5 s asleep: the purger must give the batches back
 * to their spans, then the emptied pages to the OS), "busy" (1.5 s of a
 * trickle of blocks of the same classes allocated and freed: batches go
 * in and out at the top, and the purger must still give back the ones
 * nobody takes) or "trim" (malloc_trim at once), and the bytes mallinfo2
 * counts in use after the frees less before (parked blocks are free).
 * Usage: xfer idle|busy|trim */
#include <malloc.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "rss.h"

extern int malloc_trim(size_t pad) __attribute__((weak));

#define XF_BYTES (32u << 20)
static const size_t xf_sizes[] = { 256, 384, 512, 768, 1024, 1536, 2048,
				   3072 };
#define XF_NSIZES (sizeof(xf_sizes) / sizeof(xf_sizes[0]))

static void **xf_blocks;
static void *xf_trickle_blocks[40];
static size_t xf_count;

static void *xf_free_all(void *arg)
{
	(void)arg;
	for (size_t i = 0; i < xf_count; i++)
		free(xf_blocks[i]);
	return 0;
}

/* 1.5 s of 40 blocks of each size allocated and freed every 2 ms: more
 * than half a thread cache's bin, so each round takes batches from the
 * transfer cache and parks them again */
static void xf_trickle(void)
{
	struct timespec pause = { 0, 2 * 1000 * 1000 };
	for (int round = 0; round < 750; round++) {
		for (size_t k = 0; k < XF_NSIZES; k++) {
			for (int i = 0; i < 40; i++) {
				xf_trickle_blocks[i] = malloc(xf_sizes[k]);
				if (xf_trickle_blocks[i])
					memset(xf_trickle_blocks[i], i, 16);
			}
			for (int i = 0; i < 40; i++)
				free(xf_trickle_blocks[i]);
		}
		nanosleep(&pause, 0);
	}
}

/* musl declares no mallinfo2: there the check is skipped */
static size_t xf_in_use(void)
{
#ifdef __GLIBC__
	return mallinfo2().uordblks;
#else
	return 0;
#endif
}

int main(int argc, char **argv)
{
	const char *mode = argc > 1 ? argv[1] : "idle";
	size_t per = XF_BYTES / XF_NSIZES, n = 0;
	pthread_t t;

	for (size_t k = 0; k < XF_NSIZES; k++)
		n += per / xf_sizes[k];
	xf_blocks = malloc(n * sizeof(*xf_blocks));
	if (!xf_blocks)
		return 1;
	long base = rss_kib();
	size_t used0 = xf_in_use();
	for (size_t k = 0; k < XF_NSIZES; k++)
		for (size_t i = 0; i < per / xf_sizes[k]; i++) {
			void *p = malloc(xf_sizes[k]);
			if (!p)
				return 1;
			memset(p, (int)i, xf_sizes[k]);
			xf_blocks[xf_count++] = p;
		}
	long full = rss_kib();
	srand(7);
	for (size_t i = xf_count; i > 1; i--) {
		size_t j = (size_t)rand() % i;
		void *p = xf_blocks[i - 1];
		xf_blocks[i - 1] = xf_blocks[j];
		xf_blocks[j] = p;
	}
	if (pthread_create(&t, 0, xf_free_all, 0) || pthread_join(t, 0))
		return 1;
	size_t used1 = xf_in_use();
	long freed = rss_kib();
	if (!strcmp(mode, "trim")) {
		if (malloc_trim)
			malloc_trim(0);
	} else if (!strcmp(mode, "busy")) {
		xf_trickle();
	} else {
		struct timespec idle = { 1, 500 * 1000 * 1000 };
		nanosleep(&idle, 0);
	}
	printf("base %ld full %ld freed %ld after %ld KiB, in use %ld bytes "
	       "more than before\n", base, full, freed, rss_kib(),
	       (long)(used1 - used0));
	free(xf_blocks);
	return 0;
}
