/* Blocks a program allocates one after another come out in ascending
 * address order (shim/small.c, the carve): a program that walks them in
 * the order it made them (the objects of a parsed JSON array, a vector of
 * pointers) then reads memory upwards, a line at a time, as the hardware
 * prefetcher expects. So do blocks allocated again after the program
 * freed a structure of them in another order (a tree torn down in key
 * order and rebuilt): the free blocks past what the caches hold go back
 * to their spans (shim/xfer.c), not out in the order they were freed.
 * For each size, allocates BLOCKS blocks in a fresh process and prints
 * how many sit right after the one before; then frees them in a shuffled
 * order, allocates them again and prints how many sit near the one
 * before (in the same span, whose free list runs in the order its blocks
 * were freed). */
#include <malloc.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#define BLOCKS 20000

static void *blocks[BLOCKS];
static unsigned perm[BLOCKS];

/* blocks right after the one before (at its address plus its usable size) */
static unsigned next_to_previous(void)
{
	unsigned next = 0;
	for (int i = 1; i < BLOCKS; i++) {
		uintptr_t prev = (uintptr_t)blocks[i - 1];
		if ((uintptr_t)blocks[i] ==
		    prev + malloc_usable_size(blocks[i - 1]))
			next++;
	}
	return next;
}

/* blocks less than a page plus a block from the one before: in the same
 * span, where a free list need not run upwards */
static unsigned near_previous(void)
{
	unsigned near = 0;
	for (int i = 1; i < BLOCKS; i++) {
		intptr_t d = (intptr_t)blocks[i] - (intptr_t)blocks[i - 1];
		size_t reach = 4096 + malloc_usable_size(blocks[i - 1]);
		if ((size_t)(d < 0 ? -d : d) < reach)
			near++;
	}
	return near;
}

static int allocate(size_t size)
{
	for (int i = 0; i < BLOCKS; i++)
		if (!(blocks[i] = malloc(size)))
			return -1;
	return 0;
}

/* free every block in a random order (Fisher-Yates, xorshift) */
static void free_shuffled(uint64_t *s)
{
	for (unsigned i = 0; i < BLOCKS; i++)
		perm[i] = i;
	for (unsigned i = BLOCKS - 1; i > 0; i--) {
		*s ^= *s << 13;
		*s ^= *s >> 7;
		*s ^= *s << 17;
		unsigned j = (unsigned)(*s % (i + 1)), t = perm[i];
		perm[i] = perm[j];
		perm[j] = t;
	}
	for (unsigned i = 0; i < BLOCKS; i++)
		free(blocks[perm[i]]);
}

int main(void)
{
	static const size_t sizes[] = { 24, 48, 392, 2000 };
	uint64_t seed = 88172645463325252ull;

	for (size_t k = 0; k < sizeof(sizes) / sizeof(sizes[0]); k++) {
		if (allocate(sizes[k]))
			return 2;
		unsigned fresh = next_to_previous();
		free_shuffled(&seed);
		if (allocate(sizes[k]))
			return 2;
		printf("size %zu: %u of %d next to the one before; after a "
		       "shuffled free %u near it\n", sizes[k], fresh,
		       BLOCKS - 1, near_previous());
	}
	return 0;
}
