/* Blocks a program allocates one after another come out in ascending
 * address order (shim/small.c, the carve): a program that walks them in
 * the order it made them (the objects of a parsed JSON array, a vector of
 * pointers) then reads memory upwards, a line at a time, as the hardware
 * prefetcher expects. For each size, allocates BLOCKS blocks in a fresh
 * process and prints how many of them sit right after the one before
 * (at the previous block's address plus its usable size). */
#include <malloc.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#define BLOCKS 20000

static void *blocks[BLOCKS];

int main(void)
{
	static const size_t sizes[] = { 24, 48, 392, 2000 };

	for (size_t k = 0; k < sizeof(sizes) / sizeof(sizes[0]); k++) {
		unsigned next = 0;
		for (int i = 0; i < BLOCKS; i++)
			if (!(blocks[i] = malloc(sizes[k])))
				return 2;
		for (int i = 1; i < BLOCKS; i++) {
			uintptr_t prev = (uintptr_t)blocks[i - 1];
			if ((uintptr_t)blocks[i] ==
			    prev + malloc_usable_size(blocks[i - 1]))
				next++;
		}
		printf("size %zu: %u of %d next to the one before\n",
		       sizes[k], next, BLOCKS - 1);
	}
	return 0;
}
