/* threads: N threads, each with its own small-object churn, each writing
 * repeatedly into the blocks it holds. Run at 1, cores and 2x cores threads
 * it shows scaling and false sharing: an allocator that hands neighbouring
 * bytes of one cache line to different threads makes their writes collide. */
#include "bench.h"

#define THR_MAX 64
#define THR_SLOTS 256

static long thr_ops;
static uint64_t thr_sum[THR_MAX];

static void *thr_worker(void *arg)
{
	int t = (int)(intptr_t)arg;
	unsigned char *slot[THR_SLOTS] = { 0 };
	uint64_t s = bench_seed(500 + t), sum = 0;

	for (long i = 0; i < thr_ops; i++) {
		uint64_t r = bench_rand(&s);
		unsigned k = r % THR_SLOTS;
		size_t n = 8 + (r >> 32) % 56;

		free(slot[k]);
		slot[k] = bench_xmalloc(n);
		memset(slot[k], (int)r, n);
		/* several writes per block: a shared cache line would bounce */
		for (int w = 0; w < 8; w++) {
			slot[k][w % n] += (unsigned char)(r >> w);
			sum += slot[k][w % n];
		}
	}
	for (unsigned k = 0; k < THR_SLOTS; k++)
		free(slot[k]);
	thr_sum[t] = sum;
	return NULL;
}

int main(int argc, char **argv)
{
	double scale = bench_scale(argc, argv);
	int n = bench_arg_int(argc, argv, 2, bench_cores());
	pthread_t tid[THR_MAX];
	uint64_t sum = 0;

	if (n < 1 || n > THR_MAX)
		n = 1;
	/* the same work per thread: ideal scaling keeps time flat to cores */
	thr_ops = (long)(25e6 * scale);
	for (int t = 0; t < n; t++)
		pthread_create(&tid[t], NULL, thr_worker, (void *)(intptr_t)t);
	for (int t = 0; t < n; t++) {
		pthread_join(tid[t], NULL);
		sum += thr_sum[t];
	}
	bench_result(sum);
	return 0;
}
