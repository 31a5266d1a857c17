/* handoff: the shape of rpmalloc's rptest. Each thread replaces random
 * blocks of its working set (16 B-16 KiB, log-uniform) and, every few
 * hundred operations, swaps a batch of its blocks with a mailbox another
 * thread filled: some blocks are freed by a thread that did not allocate
 * them, most at home. */
#include "bench.h"

#define HO_MAX 16
#define HO_SET 2048
#define HO_BATCH 256
#define HO_EVERY 768	/* operations between handoffs */

struct ho_box {
	pthread_mutex_t lock;
	unsigned char *p[HO_BATCH];
	size_t n[HO_BATCH];
};

static struct ho_box ho_box[HO_MAX];
static int ho_threads;
static long ho_ops;
static uint64_t ho_sum[HO_MAX];
static volatile unsigned char ho_sink;

static void *ho_worker(void *arg)
{
	int t = (int)(intptr_t)arg;
	unsigned char *slot[HO_SET] = { 0 };
	size_t len[HO_SET] = { 0 };
	uint64_t s = bench_seed(900 + t), sum = 0;

	for (long i = 0; i < ho_ops; i++) {
		uint64_t r = bench_rand(&s);
		unsigned k = r % HO_SET;

		/* the block may be another thread's: read, but not summed
		 * (which blocks cross depends on timing) */
		if (slot[k])
			ho_sink = slot[k][len[k] - 1];
		free(slot[k]);
		len[k] = bench_size_log(&s, 16, 16384);
		sum += len[k];
		slot[k] = bench_xmalloc(len[k]);
		bench_touch(slot[k], len[k], r);
		if (i % HO_EVERY != HO_EVERY - 1)
			continue;
		/* swap a run of slots with a mailbox: each round's box is
		 * the one another thread filled the round before */
		struct ho_box *out = &ho_box[(t + i / HO_EVERY) % ho_threads];
		unsigned at = (unsigned)(r >> 40) % (HO_SET - HO_BATCH);
		pthread_mutex_lock(&out->lock);
		for (int j = 0; j < HO_BATCH; j++) {
			unsigned char *p = out->p[j];
			size_t n = out->n[j];
			out->p[j] = slot[at + j];
			out->n[j] = len[at + j];
			slot[at + j] = p;
			len[at + j] = n;
		}
		pthread_mutex_unlock(&out->lock);
	}
	for (unsigned k = 0; k < HO_SET; k++)
		free(slot[k]);
	ho_sum[t] = sum;
	return NULL;
}

int main(int argc, char **argv)
{
	double scale = bench_scale(argc, argv);
	pthread_t tid[HO_MAX];
	uint64_t sum = 0;

	ho_threads = bench_arg_int(argc, argv, 2, bench_cores());
	if (ho_threads < 2 || ho_threads > HO_MAX)
		ho_threads = 2;
	ho_ops = (long)(8e6 * scale);	/* per thread */
	for (int t = 0; t < ho_threads; t++)
		pthread_mutex_init(&ho_box[t].lock, NULL);
	for (int t = 0; t < ho_threads; t++)
		pthread_create(&tid[t], NULL, ho_worker, (void *)(intptr_t)t);
	for (int t = 0; t < ho_threads; t++) {
		pthread_join(tid[t], NULL);
		sum += ho_sum[t];
	}
	for (int t = 0; t < ho_threads; t++)
		for (int j = 0; j < HO_BATCH; j++)
			free(ho_box[t].p[j]);
	bench_result(sum);
	return 0;
}
