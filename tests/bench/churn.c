/* churn: single-thread small-object churn, the shape of an interpreter or a
 * request parser: a pool of live small blocks, each freed and replaced at
 * random. It measures the allocator's fast path and its size-class reuse. */
#include "bench.h"

#define CHURN_SLOTS 8192

int main(int argc, char **argv)
{
	double scale = bench_scale(argc, argv);
	long ops = (long)(30e6 * scale);
	unsigned char *slot[CHURN_SLOTS] = { 0 };
	size_t len[CHURN_SLOTS] = { 0 };
	uint64_t s = bench_seed(1), sum = 0;

	for (long i = 0; i < ops; i++) {
		uint64_t r = bench_rand(&s);
		unsigned k = r % CHURN_SLOTS;

		if (slot[k]) {
			sum += slot[k][0] + slot[k][len[k] - 1];
			free(slot[k]);
		}
		/* mostly tiny, sometimes up to 1 KiB */
		len[k] = (r >> 32) % 8 ? 8 + (r >> 40) % 120 : 128 + (r >> 40) % 896;
		slot[k] = bench_xmalloc(len[k]);
		bench_touch(slot[k], len[k], r);
	}
	for (unsigned k = 0; k < CHURN_SLOTS; k++)
		free(slot[k]);
	bench_result(sum);
	return 0;
}
