/* faultcost: what this machine charges for memory, which decides how an
 * allocator should trade RSS for speed. Per 4 KiB page, each the median of
 * 5 rounds of 64 MiB:
 *   fault_us      the first write to a fresh anonymous page (a page fault)
 *   copy_us       4 KiB copied between resident buffers
 *   populate_us   MADV_POPULATE_WRITE of fresh pages, 64 KiB a call
 *   touch_us      the first write to a page so populated: near 0 on bare
 *                 metal; where the hypervisor shadows page tables it fills
 *                 its own entry then, and that is most of a fault's price
 *   hugepage_us   a 2 MiB transparent huge page populated and written, per
 *                 4 KiB of it (-1 where the kernel offers none)
 * Prints "fault_us X copy_us Y populate_us Z touch_us T hugepage_us H". */
#include "bench.h"
#include <sys/mman.h>

#ifndef MADV_POPULATE_WRITE
#define MADV_POPULATE_WRITE 23
#endif

#define FC_BYTES (64ul << 20)
#define FC_PAGE 4096
#define FC_CHUNK (64ul << 10)
#define FC_HUGE (2ul << 20)
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

static char *fc_map(size_t len)
{
	char *p = mmap(NULL, len, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED) {
		perror("bench: fatal: faultcost: mmap");
		exit(1);
	}
	return p;
}

/* microseconds per page to write one byte of every page of p */
static double fc_touch(char *p)
{
	double t = bench_now();

	for (size_t i = 0; i < FC_BYTES; i += FC_PAGE)
		((volatile char *)p)[i] = 1;
	return (bench_now() - t) / (FC_BYTES / FC_PAGE) * 1e6;
}

/* microseconds per page to populate p, chunk bytes a call; -1 if refused */
static double fc_populate(char *p, size_t chunk)
{
	double t = bench_now();

	for (size_t off = 0; off < FC_BYTES; off += chunk)
		if (madvise(p + off, chunk, MADV_POPULATE_WRITE) != 0)
			return -1;
	return (bench_now() - t) / (FC_BYTES / FC_PAGE) * 1e6;
}

/* Whether the kernel hands out transparent huge pages on request. */
static int fc_thp_offered(void)
{
	char buf[128] = "";
	FILE *f = fopen("/sys/kernel/mm/transparent_hugepage/enabled", "r");

	if (!f)
		return 0;
	if (!fgets(buf, sizeof(buf), f))
		buf[0] = 0;
	fclose(f);
	return strstr(buf, "[always]") || strstr(buf, "[madvise]");
}

/* populated and written as 2 MiB huge pages, per 4 KiB; -1 if refused */
static double fc_hugepage(void)
{
	char *raw = fc_map(FC_BYTES + FC_HUGE);
	char *p = (char *)(((uintptr_t)raw + FC_HUGE - 1) & ~(FC_HUGE - 1));
	double t = bench_now();

	if (madvise(p, FC_BYTES, MADV_HUGEPAGE) != 0 ||
	    fc_populate(p, FC_HUGE) < 0) {
		munmap(raw, FC_BYTES + FC_HUGE);
		return -1;
	}
	fc_touch(p);
	t = (bench_now() - t) / (FC_BYTES / FC_PAGE) * 1e6;
	munmap(raw, FC_BYTES + FC_HUGE);
	return t;
}

int main(void)
{
	double fault[FC_ROUNDS], copy[FC_ROUNDS], pop[FC_ROUNDS],
	       touch[FC_ROUNDS], huge[FC_ROUNDS], t;
	size_t pages = FC_BYTES / FC_PAGE;
	char *src = fc_map(FC_BYTES), *dst = fc_map(FC_BYTES);
	int thp = fc_thp_offered();

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
		char *p = fc_map(FC_BYTES);

		madvise(p, FC_BYTES, MADV_NOHUGEPAGE);
		fault[r] = fc_touch(p);
		munmap(p, FC_BYTES);
		p = fc_map(FC_BYTES);
		madvise(p, FC_BYTES, MADV_NOHUGEPAGE);
		pop[r] = fc_populate(p, FC_CHUNK);
		touch[r] = pop[r] < 0 ? -1 : fc_touch(p);
		munmap(p, FC_BYTES);
		huge[r] = thp ? fc_hugepage() : -1;
	}
	printf("fault_us %.2f copy_us %.2f populate_us %.2f touch_us %.2f "
	       "hugepage_us %.2f\n", fc_median(fault), fc_median(copy),
	       fc_median(pop), fc_median(touch), fc_median(huge));
	return dst[FC_BYTES - 1] == 1 ? 0 : 1;
}
