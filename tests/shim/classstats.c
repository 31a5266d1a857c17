/* Fills one small class, frees it all and trims, then does the same with
 * large blocks, printing malloc_stats() after each phase (between "--- small"
 * and "--- large" lines on stderr): the per-class "returned" column must
 * then show each phase's bytes on its own row. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* not in musl: weak, so the musl build links (the shim provides them) */
extern int malloc_trim(size_t pad) __attribute__((weak));
extern void malloc_stats(void) __attribute__((weak));

static void phase(const char *name, size_t count, size_t size)
{
	char **p = malloc(count * sizeof(*p));
	if (!p)
		exit(1);
	for (size_t i = 0; i < count; i++) {
		p[i] = malloc(size);
		if (!p[i])
			exit(1);
		memset(p[i], (int)i, size);	/* make the pages resident */
	}
	for (size_t i = 0; i < count; i++)
		free(p[i]);
	free(p);
	malloc_trim(0);
	fprintf(stderr, "--- %s\n", name);
	fflush(stderr);
	malloc_stats();
}

int main(void)
{
	if (!malloc_trim || !malloc_stats)
		return 77;
	phase("small", 100000, 200);
	phase("large", 200, 64 << 10);
	return 0;
}
