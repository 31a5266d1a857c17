/* sizes: one thread replaces random blocks of a 1024-block working set
 * with blocks of sizes drawn uniformly from 16 B to 1 KiB (a parser's
 * strings, an interpreter's objects): every allocation picks a size class
 * at random, so the class lookup on malloc's fast path cannot be predicted
 * from the last call. */
#include "bench.h"

#define SIZES_SET 1024

int main(int argc, char **argv)
{
	double scale = bench_scale(argc, argv);
	long ops = (long)(40e6 * scale);
	unsigned char *slot[SIZES_SET] = { 0 };
	uint64_t s = bench_seed(900), sum = 0;

	for (long i = 0; i < ops; i++) {
		uint64_t r = bench_rand(&s);
		unsigned k = (unsigned)(r % SIZES_SET);
		size_t n = 16 + (size_t)((r >> 32) % 1009);

		if (slot[k])
			sum += slot[k][0];
		free(slot[k]);
		slot[k] = bench_xmalloc(n);
		slot[k][0] = (unsigned char)i;
	}
	for (unsigned k = 0; k < SIZES_SET; k++)
		free(slot[k]);
	bench_result(sum);
	return 0;
}
