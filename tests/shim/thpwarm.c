/* thpwarm MIB: back MIB of memory with transparent huge pages, then exit.
 * In a virtual machine that reports free memory to its host, a 2 MiB
 * block free for a few seconds is handed back to the host and costs about
 * 50 times as much to back again (shim/hugepage.c); blocks freed just now
 * do not. Run right before a program whose huge pages are counted, this
 * leaves it blocks the host still backs. Exits 0 whatever it could do. */
#include <stdint.h>
#include <stdlib.h>
#include <sys/mman.h>

#ifndef MADV_POPULATE_WRITE
#define MADV_POPULATE_WRITE 23
#endif

int main(int argc, char **argv)
{
	size_t huge = 2u << 20, len = (argc > 1 ? strtoul(argv[1], 0, 10) : 96)
				       << 20;
	char *m = mmap(0, len + huge, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (m == MAP_FAILED)
		return 0;
	char *a = (char *)(((uintptr_t)m + huge - 1) & ~((uintptr_t)huge - 1));
	madvise(a, len, MADV_HUGEPAGE);
	if (madvise(a, len, MADV_POPULATE_WRITE))
		for (size_t i = 0; i < len; i += 4096)
			a[i] = 1;
	return 0;
}
