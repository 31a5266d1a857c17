/* Page reuse: a large block that no free resident run can hold is built
 * from the biggest resident run and the returned pages next to it, so only
 * the difference faults in (shim/page.c, run_find_join). Frees a 400 KiB
 * block it has written, asks for 480 KiB, and prints the page faults that
 * writing the new block takes. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

static long minor_faults(void)
{
	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	return ru.ru_minflt;
}

int main(void)
{
	size_t old = 400 << 10, want = 480 << 10;
	char *a = malloc(old);
	if (!a)
		return 1;
	memset(a, 1, old);
	free(a);
	long before = minor_faults();
	char *b = malloc(want);
	if (!b)
		return 1;
	memset(b, 2, want);
	long faults = minor_faults() - before;
	printf("reuse: freed %zu KiB, wrote %zu KiB (%zu pages): %ld page faults\n",
	       old >> 10, want >> 10, want >> 12, faults);
	free(b);
	return 0;
}
