/* Out of address space from the first allocation on: the process sets
 * RLIMIT_AS to its size now plus EXTRA KiB (or RLIMIT_DATA, which private
 * writable mappings count against, to its data's size now plus EXTRA KiB)
 * before it allocates anything,
 * then takes blocks of every kind (small, page heap, a mapping of its own)
 * until malloc says no. Every block it got must be its own and writable,
 * and free, realloc and malloc_usable_size must take them back as blocks of
 * the heap: with the heap's mappings half made (a segment mapped, its
 * bookkeeping not), a block handed out would be refused by free as foreign.
 * Freed, the address space must serve about as many blocks again. Usage: nomap
 * as|data EXTRA_KIB; prints "blocks N N", exits 0, or 1 naming what broke. */
#include <fcntl.h>
#include <malloc.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "rss.h"

#define NOMAP_MAX 40000

static const size_t nomap_size[] = { 24, 200, 3000, 40000, 300000, 2000000 };

static int nomap_fail(const char *what, int i)
{
	fprintf(stderr, "nomap: %s (block %d)\n", what, i);
	return -1;
}

/* Takes blocks of the six kinds in turn until each kind failed once more
 * (a smaller kind may still fit), checks them, grows each by half where it
 * can, frees them all; returns how many it got, or -1. */
static int nomap_pass(void)
{
	static unsigned char *block[NOMAP_MAX];
	static size_t len[NOMAP_MAX];
	int n = 0, got = 0;

	for (int miss = 0; n < NOMAP_MAX && miss < 6; n++) {
		size_t want = nomap_size[n % 6];
		unsigned char *p = malloc(want);
		block[n] = p;
		if (!p) {
			miss++;
			continue;
		}
		memset(p, n & 0xff, want);
		if (malloc_usable_size(p) < want)
			return nomap_fail("malloc_usable_size below the request: "
					  "not a block of the heap", n);
		len[n] = want;
		got++;
	}
	for (int i = 0; i < n; i++) {
		if (!block[i])
			continue;
		for (size_t j = 0; j < len[i]; j += 997)
			if (block[i][j] != (unsigned char)(i & 0xff))
				return nomap_fail("a block's bytes changed: two "
						  "blocks overlap", i);
		/* growth that may move: the bytes come along or it fails */
		unsigned char *q = realloc(block[i], len[i] + len[i] / 2);
		if (q) {
			block[i] = q;
			if (q[len[i] - 1] != (unsigned char)(i & 0xff))
				return nomap_fail("realloc lost bytes", i);
		}
	}
	for (int i = 0; i < n; i++)
		free(block[i]);
	return got;
}

/* 2 MB blocks until malloc says no, all freed, then 3000-byte blocks: the
 * freed mappings wait in the heap's cache, and must give their address
 * space to the small blocks' regions (with none given, 84 MiB of big
 * blocks were followed by 3.9 MiB of small ones). */
static int nomap_big_then_small(void)
{
	static void *block[NOMAP_MAX];
	size_t big = 0, small = 0;
	int n = 0;

	while (n < NOMAP_MAX && (block[n] = malloc(2000000))) {
		memset(block[n++], 1, 4096);
		big += 2000000;
	}
	while (n > 0)
		free(block[--n]);
	while (n < NOMAP_MAX && small < big && (block[n] = malloc(3000))) {
		n++;
		small += 3000;
	}
	while (n > 0)
		free(block[--n]);
	if (big >= (16u << 20) && small < big / 2) {
		fprintf(stderr, "nomap: %zu MiB of big blocks freed, then only "
			"%zu MiB of small ones\n", big >> 20, small >> 20);
		return -1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	int data = argc > 1 && !strcmp(argv[1], "data");
	long extra = argc > 2 ? strtol(argv[2], NULL, 10) : 0;
	long now = statm_bytes(data ? 5 : 0);
	struct rlimit rl = { (rlim_t)(now + extra * 1024),
			     (rlim_t)(now + extra * 1024) };

	if (now <= 0 || setrlimit(data ? RLIMIT_DATA : RLIMIT_AS, &rl)) {
		nomap_fail("setrlimit failed", 0);
		return 1;
	}
	int first = nomap_pass();
	if (first < 0)
		return 1;
	/* what was freed serves again, as much of it */
	int second = nomap_pass();
	if (second < 0)
		return 1;
	/* a few fewer: the purger's stack (a thread the shim starts once it
	 * has memory to give back) may have taken their room */
	if (second < first - 6 || (first && !second)) {
		fprintf(stderr, "nomap: %d blocks, then %d once all were "
			"freed\n", first, second);
		return 1;
	}
	if (nomap_big_then_small() < 0)
		return 1;
	printf("blocks %d %d\n", first, second);
	return 0;
}
