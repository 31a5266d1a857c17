/* faultcost: what this machine charges for memory, which decides how an
 * allocator should trade RSS for speed: microseconds per first write to a
 * fresh anonymous page (a page fault: 3 us on one VM here, 10-16 us under
 * shadow page tables), and per 4 KiB copied between resident buffers.
 * Prints "fault_us X copy_us Y", each the median of 5 rounds of 64 MiB. */
#include "bench.h"
#include <sys/mman.h>

#define FC_BYTES (64ul << 20)
#define FC_PAGE 4096
#define FC_ROUNDS 5

static int fc_cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double fc_median(double *v)
{
	qsort(v, FC_ROUNDS, sizeof(*v), fc_cmp);
	return v[FC_ROUNDS / 2];
}

static char *fc_map(void)
{
	char *p = mmap(NULL, FC_BYTES, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED) {
		perror("bench: fatal: faultcost: mmap");
		exit(1);
	}
	return p;
}

int main(void)
{
	double fault[FC_ROUNDS], copy[FC_ROUNDS], t;
	size_t pages = FC_BYTES / FC_PAGE;
	char *src = fc_map(), *dst = fc_map();

	memset(src, 1, FC_BYTES);
	memset(dst, 2, FC_BYTES);
	/* the copies first: on a PVM guest, unmapping the faulted 64 MiB
	 * made the next touch of every page cost as much as a fault */
	for (int r = 0; r < FC_ROUNDS; r++) {
		t = bench_now();
		memcpy(dst, src, FC_BYTES);
		copy[r] = (bench_now() - t) / pages * 1e6;
	}
	for (int r = 0; r < FC_ROUNDS; r++) {
		char *p = fc_map();

		t = bench_now();
		for (size_t i = 0; i < FC_BYTES; i += FC_PAGE)
			((volatile char *)p)[i] = 1;
		fault[r] = (bench_now() - t) / pages * 1e6;
		munmap(p, FC_BYTES);
	}
	printf("fault_us %.2f copy_us %.2f\n", fc_median(fault),
	       fc_median(copy));
	return dst[FC_BYTES - 1] == 1 ? 0 : 1;
}
