/* populate: buffers grown by realloc in appends of 500-1500 bytes, as
 * the seed pattern's audio buffers are, each to 64 KiB-8 MiB and freed;
 * every byte is checked. Prints the pages the appends reached, the page
 * faults the program took meanwhile (the perf event, which counts the
 * exceptions; getrusage counts a system call's faults too), -1 where
 * perf events are not allowed, and whether this kernel has
 * MADV_POPULATE_WRITE (5.14).
 * Usage: populate [TOTAL_MIB] */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <stdint.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "faults.h"

#ifndef MADV_POPULATE_WRITE
#define MADV_POPULATE_WRITE 23
#endif

/* Whether the kernel takes MADV_POPULATE_WRITE (a filter may refuse it:
 * then the shim cannot use it either). */
static int kernel_populates(void)
{
	void *p = mmap(0, 4096, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	int ok;

	if (p == MAP_FAILED)
		return 0;
	ok = madvise(p, 4096, MADV_POPULATE_WRITE) == 0;
	munmap(p, 4096);
	return ok;
}

int main(int argc, char **argv)
{
	size_t total = (size_t)(argc > 1 ? atol(argv[1]) : 256) << 20;
	size_t grown = 0;
	unsigned seed = 12345;
	int fd = fault_counter();
	long before = faults(fd);

	while (grown < total) {
		size_t target = (size_t)64 << (10 + (seed = seed * 1103515245 + 12345) % 8);
		unsigned char *b = 0;
		size_t len = 0;

		while (len < target) {
			size_t step = 500 + (seed = seed * 1103515245 + 12345) % 1001;
			unsigned char *nb = realloc(b, len + step);

			if (!nb) {
				fprintf(stderr, "populate: realloc(%zu): %s\n",
					len + step, strerror(errno));
				return 1;
			}
			for (size_t i = len; i < len + step; i++)
				nb[i] = (unsigned char)(i * 7 + 3);
			b = nb;
			len += step;
		}
		for (size_t i = 0; i < len; i++)
			if (b[i] != (unsigned char)(i * 7 + 3)) {
				fprintf(stderr, "populate: byte %zu of %zu lost\n",
					i, len);
				return 1;
			}
		free(b);
		grown += len;
	}
	long after = faults(fd);

	printf("pages %zu faults %ld populate %d\n", grown / 4096,
	       after < 0 ? -1 : after - before, kernel_populates());
	return 0;
}
