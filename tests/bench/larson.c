/* larson: the larson server simulation. Each thread replaces blocks in a
 * shared table at random, and the rows rotate between threads every round,
 * so most blocks are freed by a thread other than the one that allocated
 * them: the case that strands memory in per-thread caches and arenas. */
#include "bench.h"

#define LARSON_ROWS_MAX 64
#define LARSON_SLOTS 4096

struct larson_row {
	unsigned char *p[LARSON_SLOTS];
	size_t n[LARSON_SLOTS];
};

static struct larson_row larson_table[LARSON_ROWS_MAX];
static pthread_barrier_t larson_barrier;
static int larson_threads, larson_rounds;
static long larson_ops;
static uint64_t larson_sum[LARSON_ROWS_MAX];

static void *larson_worker(void *arg)
{
	int t = (int)(intptr_t)arg;
	uint64_t s = bench_seed(100 + t), sum = 0;

	for (int round = 0; round < larson_rounds; round++) {
		struct larson_row *row =
			&larson_table[(t + round) % larson_threads];

		for (long i = 0; i < larson_ops; i++) {
			uint64_t r = bench_rand(&s);
			unsigned k = r % LARSON_SLOTS;

			if (row->p[k]) {
				sum += row->p[k][0];
				free(row->p[k]);
			}
			row->n[k] = 16 + (r >> 32) % 1008;
			row->p[k] = bench_xmalloc(row->n[k]);
			bench_touch(row->p[k], row->n[k], r);
		}
		/* hand the row on: the next thread frees what this one made */
		pthread_barrier_wait(&larson_barrier);
	}
	larson_sum[t] = sum;
	return NULL;
}

int main(int argc, char **argv)
{
	double scale = bench_scale(argc, argv);
	pthread_t tid[LARSON_ROWS_MAX];
	uint64_t sum = 0;

	larson_threads = bench_arg_int(argc, argv, 2, bench_cores());
	if (larson_threads < 1 || larson_threads > LARSON_ROWS_MAX)
		larson_threads = 2;
	larson_rounds = 100;
	larson_ops = (long)(12e6 * scale / larson_rounds / larson_threads);
	pthread_barrier_init(&larson_barrier, NULL, larson_threads);
	for (int t = 0; t < larson_threads; t++)
		pthread_create(&tid[t], NULL, larson_worker, (void *)(intptr_t)t);
	for (int t = 0; t < larson_threads; t++) {
		pthread_join(tid[t], NULL);
		sum += larson_sum[t];
	}
	for (int t = 0; t < larson_threads; t++)
		for (int k = 0; k < LARSON_SLOTS; k++)
			free(larson_table[t].p[k]);
	bench_result(sum);
	return 0;
}
