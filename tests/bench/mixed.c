/* mixed: sizes log-uniform from 16 bytes to 4 MiB across two threads, each
 * block touched once per page. Small, medium and huge blocks share one heap,
 * so it shows page reuse versus fresh mmap faults and the cost of large
 * blocks next to small long-lived ones. */
#include "bench.h"

#define MIX_SLOTS 64
#define MIX_PAGE 4096

static long mix_ops;
static uint64_t mix_sum[2];

static void *mix_worker(void *arg)
{
	int t = (int)(intptr_t)arg;
	unsigned char *slot[MIX_SLOTS] = { 0 };
	size_t len[MIX_SLOTS] = { 0 };
	uint64_t s = bench_seed(400 + t), sum = 0;

	for (long i = 0; i < mix_ops; i++) {
		uint64_t r = bench_rand(&s);
		unsigned k = r % MIX_SLOTS;

		if (slot[k]) {
			sum += slot[k][len[k] - 1];
			free(slot[k]);
		}
		len[k] = bench_size_log(&s, 16, 4 << 20);
		slot[k] = bench_xmalloc(len[k]);
		/* one write per page: what a program that uses its memory pays */
		for (size_t off = 0; off < len[k]; off += MIX_PAGE)
			slot[k][off] = (unsigned char)r;
		slot[k][len[k] - 1] = (unsigned char)(r >> 8);
	}
	for (unsigned k = 0; k < MIX_SLOTS; k++)
		free(slot[k]);
	mix_sum[t] = sum;
	return NULL;
}

int main(int argc, char **argv)
{
	double scale = bench_scale(argc, argv);
	pthread_t tid[2];

	mix_ops = (long)(80e3 * scale);
	for (int t = 0; t < 2; t++)
		pthread_create(&tid[t], NULL, mix_worker, (void *)(intptr_t)t);
	for (int t = 0; t < 2; t++)
		pthread_join(tid[t], NULL);
	bench_result(mix_sum[0] + mix_sum[1]);
	return 0;
}
