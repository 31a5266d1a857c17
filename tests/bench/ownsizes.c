/* ownsizes: the shape of glibc's bench-malloc-thread. Each thread replaces
 * random blocks of its own 1024-block working set with blocks of random
 * sizes (4 B-32 KiB, inverse-square: most are tiny, a few are big). No
 * block crosses threads: an allocator that lets two threads carve the same
 * span makes their free-list writes share cache lines. */
#include "bench.h"

#define OWN_MAX 64
#define OWN_SET 1024

static long own_ops;
static uint64_t own_sum[OWN_MAX];

/* inverse-square density on [4, 32768]: n = 1 / (1/4 - u (1/4 - 1/32768)) */
static size_t own_size(uint64_t *s)
{
	double u = (double)(bench_rand(s) >> 11) / (double)(1ull << 53);
	double inv = 0.25 - u * (0.25 - 1.0 / 32768);
	size_t n = (size_t)(1.0 / inv);

	return n < 4 ? 4 : n > 32768 ? 32768 : n;
}

static void *own_worker(void *arg)
{
	int t = (int)(intptr_t)arg;
	unsigned char *slot[OWN_SET] = { 0 };
	uint64_t s = bench_seed(700 + t), sum = 0;

	for (long i = 0; i < own_ops; i++) {
		unsigned k = bench_rand(&s) % OWN_SET;
		size_t n = own_size(&s);

		if (slot[k])
			sum += slot[k][0];
		free(slot[k]);
		slot[k] = bench_xmalloc(n);
		slot[k][0] = (unsigned char)i;
	}
	for (unsigned k = 0; k < OWN_SET; k++)
		free(slot[k]);
	own_sum[t] = sum;
	return NULL;
}

int main(int argc, char **argv)
{
	double scale = bench_scale(argc, argv);
	int n = bench_arg_int(argc, argv, 2, bench_cores());
	pthread_t tid[OWN_MAX];
	uint64_t sum = 0;

	if (n < 1 || n > OWN_MAX)
		n = 1;
	own_ops = (long)(20e6 * scale);	/* per thread */
	for (int t = 0; t < n; t++)
		pthread_create(&tid[t], NULL, own_worker, (void *)(intptr_t)t);
	for (int t = 0; t < n; t++) {
		pthread_join(tid[t], NULL);
		sum += own_sum[t];
	}
	bench_result(sum);
	return 0;
}
