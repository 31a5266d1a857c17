/* prodcons: producer threads allocate messages, consumer threads read and
 * free them, through bounded queues. Every block crosses threads, the
 * pattern of a pipeline or a connection handler feeding a worker pool. */
#include "bench.h"

#define PC_BATCH 64	/* pointers per queue item: keeps locking cheap */
#define PC_DEPTH 32	/* queue length in batches */
#define PC_PAIRS_MAX 16

struct pc_batch {
	unsigned char *p[PC_BATCH];
	size_t n[PC_BATCH];
};

struct pc_queue {
	pthread_mutex_t lock;
	pthread_cond_t not_empty, not_full;
	struct pc_batch *item[PC_DEPTH];
	unsigned head, count;
};

static struct pc_queue pc_queue[PC_PAIRS_MAX];
static long pc_batches;
static uint64_t pc_sum[PC_PAIRS_MAX];

static void pc_push(struct pc_queue *q, struct pc_batch *b)
{
	pthread_mutex_lock(&q->lock);
	while (q->count == PC_DEPTH)
		pthread_cond_wait(&q->not_full, &q->lock);
	q->item[(q->head + q->count++) % PC_DEPTH] = b;
	pthread_cond_signal(&q->not_empty);
	pthread_mutex_unlock(&q->lock);
}

static struct pc_batch *pc_pop(struct pc_queue *q)
{
	struct pc_batch *b;

	pthread_mutex_lock(&q->lock);
	while (q->count == 0)
		pthread_cond_wait(&q->not_empty, &q->lock);
	b = q->item[q->head];
	q->head = (q->head + 1) % PC_DEPTH;
	q->count--;
	pthread_cond_signal(&q->not_full);
	pthread_mutex_unlock(&q->lock);
	return b;
}

static void *pc_producer(void *arg)
{
	int t = (int)(intptr_t)arg;
	uint64_t s = bench_seed(200 + t);

	for (long i = 0; i < pc_batches; i++) {
		struct pc_batch *b = bench_xmalloc(sizeof(*b));

		for (int j = 0; j < PC_BATCH; j++) {
			uint64_t r = bench_rand(&s);

			b->n[j] = bench_size_log(&s, 16, 4096);
			b->p[j] = bench_xmalloc(b->n[j]);
			bench_touch(b->p[j], b->n[j], r);
		}
		pc_push(&pc_queue[t], b);
	}
	return NULL;
}

static void *pc_consumer(void *arg)
{
	int t = (int)(intptr_t)arg;
	uint64_t sum = 0;

	for (long i = 0; i < pc_batches; i++) {
		struct pc_batch *b = pc_pop(&pc_queue[t]);

		for (int j = 0; j < PC_BATCH; j++) {
			sum += b->p[j][0] + b->p[j][b->n[j] - 1];
			free(b->p[j]);
		}
		free(b);
	}
	pc_sum[t] = sum;
	return NULL;
}

int main(int argc, char **argv)
{
	double scale = bench_scale(argc, argv);
	int pairs = bench_arg_int(argc, argv, 2, bench_cores());
	pthread_t prod[PC_PAIRS_MAX], cons[PC_PAIRS_MAX];
	uint64_t sum = 0;

	if (pairs < 1 || pairs > PC_PAIRS_MAX)
		pairs = 2;
	pc_batches = (long)(5e6 * scale / PC_BATCH / pairs);
	for (int t = 0; t < pairs; t++) {
		pthread_mutex_init(&pc_queue[t].lock, NULL);
		pthread_cond_init(&pc_queue[t].not_empty, NULL);
		pthread_cond_init(&pc_queue[t].not_full, NULL);
		pthread_create(&prod[t], NULL, pc_producer, (void *)(intptr_t)t);
		pthread_create(&cons[t], NULL, pc_consumer, (void *)(intptr_t)t);
	}
	for (int t = 0; t < pairs; t++) {
		pthread_join(prod[t], NULL);
		pthread_join(cons[t], NULL);
		sum += pc_sum[t];
	}
	bench_result(sum);
	return 0;
}
