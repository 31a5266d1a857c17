/* Every request from 0 B to 32 KiB gets the smallest size class that holds
 * it, as malloc_usable_size reports: 16 to 128 bytes in steps of 16, then
 * 8 classes per doubling (docs/how-it-works.md). The rule is computed here
 * on its own; the shim finds the class of sizes up to 1 KiB in a table, so
 * a wrong entry shows as a size that gets too small or too big a block.
 * Prints "sizes N" or the first sizes that differ. */
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CLASSSIZES_MAX 32768

static size_t classsizes_rule(size_t n)
{
	if (n <= 128)
		return n <= 16 ? 16 : (n + 15) & ~(size_t)15;
	size_t pow = 128;
	while (pow * 2 < n)
		pow *= 2;
	size_t step = pow / 8;
	return pow + (n - pow + step - 1) / step * step;
}

int main(void)
{
	int bad = 0;

	for (size_t n = 0; n <= CLASSSIZES_MAX; n++) {
		unsigned char *p = malloc(n);
		if (!p) {
			printf("malloc(%zu) failed\n", n);
			return 1;
		}
		size_t got = malloc_usable_size(p), want = classsizes_rule(n);
		memset(p, 0xa5, got);	/* all of it is the caller's */
		if (got != want && bad++ < 5)
			printf("malloc(%zu): usable %zu, class %zu\n", n, got,
			       want);
		free(p);
	}
	if (bad)
		return 1;
	printf("sizes %d\n", CLASSSIZES_MAX + 1);
	return 0;
}
