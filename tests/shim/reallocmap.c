/* realloc moves a block it grows past 256 KiB to a mapping of its own,
 * where later growth is mremap and never a copy. The bytes survive every
 * move, and when the process may map nothing more (here RLIMIT_AS, in
 * life its map count) the growth is served from the page heap instead of
 * failing. Usage: reallocmap */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <malloc.h>
#include <sys/resource.h>

extern int malloc_trim(size_t pad) __attribute__((weak));

static int rm_fail(const char *what)
{
	fprintf(stderr, "reallocmap: %s\n", what);
	return 1;
}

/* Appends to *buf until it holds to bytes, each byte its own index. */
static int rm_grow(unsigned char **buf, size_t *len, size_t to)
{
	while (*len < to) {
		size_t add = 700 + *len / 200;
		unsigned char *n = realloc(*buf, *len + add);
		if (!n)
			return -1;
		for (size_t i = 0; i < add; i++)
			n[*len + i] = (unsigned char)((*len + i) * 7);
		*buf = n;
		*len += add;
	}
	for (size_t i = 0; i < *len; i++)
		if ((*buf)[i] != (unsigned char)(i * 7))
			return -2;
	return 0;
}

/* The process's address space in bytes (VmSize). */
static long rm_vmsize(void)
{
	FILE *f = fopen("/proc/self/statm", "r");
	long pages = -1;
	if (f) {
		if (fscanf(f, "%ld", &pages) != 1)
			pages = -1;
		fclose(f);
	}
	return pages * 4096;
}

int main(void)
{
	unsigned char *buf = 0;
	size_t len = 0;

	/* page heap to a mapping of its own: the bytes move with it */
	if (rm_grow(&buf, &len, 900u << 10))
		return rm_fail("a growth chain to 900 KiB lost bytes or failed");
	free(buf);
	/* its mapping waits in the cache, where the next growth would find
	 * it without mapping: gone */
	if (malloc_trim)
		malloc_trim(0);

	/* free runs in the page heap, then no room to map anything more */
	void *warm[8];
	for (int i = 0; i < 8; i++)
		if (!(warm[i] = malloc(600u << 10)))
			return rm_fail("malloc failed");
	for (int i = 0; i < 8; i++)
		free(warm[i]);
	/* a page-heap block past 256 KiB (malloc does not map it) */
	len = 300u << 10;
	if (!(buf = malloc(len)))
		return rm_fail("malloc failed");
	for (size_t i = 0; i < len; i++)
		buf[i] = (unsigned char)(i * 7);
	/* a neighbour right after it, so the growth cannot stay in place:
	 * blocks are taken until one lands there */
	void *block[64];
	int nblock = 0, adjacent = 0;
	unsigned char *end = buf + malloc_usable_size(buf);
	while (nblock < 64 && !adjacent) {
		if (!(block[nblock] = malloc(64u << 10)))
			return rm_fail("malloc failed");
		adjacent = block[nblock++] == (void *)end;
	}
	if (!adjacent)
		return rm_fail("setup: no block landed after the buffer");
	unsigned char *before = buf;
	long vm = rm_vmsize();
	struct rlimit rl = { (rlim_t)vm + (256u << 10), (rlim_t)vm + (256u << 10) };
	if (vm <= 0 || setrlimit(RLIMIT_AS, &rl))
		return rm_fail("setrlimit(RLIMIT_AS) failed");
	int r = rm_grow(&buf, &len, 700u << 10);
	if (r == -1)
		return rm_fail("realloc past 256 KiB failed with no room to map: "
			       "the page heap had room");
	if (r)
		return rm_fail("a growth chain with no room to map lost bytes");
	if (buf == before)
		return rm_fail("setup: the block grew in place, it never moved");
	for (int i = 0; i < nblock; i++)
		free(block[i]);
	printf("ok %zu bytes at %p (was %p)\n", len, (void *)buf, (void *)before);
	free(buf);
	return 0;
}
