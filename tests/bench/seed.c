/* seed: the production case keel exists for, in C: audio buffers grown by
 * realloc, handed through 20-deep queues to workers that copy, slice and
 * free them, connections opening and closing. It counts its live bytes and
 * samples VmRSS. Usage: seed SECONDS SAMPLES_FILE [GROUPS [CONNS]]: GROUPS
 * receiver/worker pairs (4), CONNS open connections per receiver (32; live
 * grows with it: about 55 MiB at 4 x 32, 450 MiB at 4 x 320). */
#include "bench.h"
#include <stdatomic.h>

#define SEED_GROUPS_MAX 16
#define SEED_CONNS_MAX 65536
#define SEED_QUEUE 20		/* queue.Queue(maxsize=20) in the service */
#define SEED_HISTORY 48		/* small records a connection keeps */
#define SEED_RING 16		/* slices a worker keeps in flight */
#define SEED_SAMPLES_MAX 100000

struct seed_counter {
	_Atomic long long live;	/* bytes requested and not yet freed */
	_Atomic long long ops;
	char pad[48];		/* one counter per cache line */
};

struct seed_msg {
	unsigned char *buf;
	size_t len;
};

struct seed_queue {
	pthread_mutex_t lock;
	pthread_cond_t not_empty, not_full;
	struct seed_msg item[SEED_QUEUE];
	unsigned head, count;
};

struct seed_conn {
	char *name;			/* long-lived: lives as long as the conn */
	unsigned char *session;
	size_t name_len, session_len;
	char *history[SEED_HISTORY];	/* small records, oldest replaced */
	size_t history_len[SEED_HISTORY];
	unsigned history_next;
	unsigned char *buf;		/* the growing audio buffer */
	size_t len, target;
};

static struct seed_queue seed_queue[SEED_GROUPS_MAX];
static struct seed_counter seed_count[2 * SEED_GROUPS_MAX];
static atomic_int seed_stop;
static int seed_conns = 32;	/* open connections per receiver */

static void seed_live(int who, long long delta)
{
	atomic_fetch_add_explicit(&seed_count[who].live, delta,
				  memory_order_relaxed);
}

static void seed_push(struct seed_queue *q, struct seed_msg m)
{
	pthread_mutex_lock(&q->lock);
	while (q->count == SEED_QUEUE)
		pthread_cond_wait(&q->not_full, &q->lock);
	q->item[(q->head + q->count++) % SEED_QUEUE] = m;
	pthread_cond_signal(&q->not_empty);
	pthread_mutex_unlock(&q->lock);
}

static struct seed_msg seed_pop(struct seed_queue *q)
{
	struct seed_msg m;

	pthread_mutex_lock(&q->lock);
	while (q->count == 0)
		pthread_cond_wait(&q->not_empty, &q->lock);
	m = q->item[q->head];
	q->head = (q->head + 1) % SEED_QUEUE;
	q->count--;
	pthread_cond_signal(&q->not_full);
	pthread_mutex_unlock(&q->lock);
	return m;
}

static void seed_conn_open(struct seed_conn *c, uint64_t *s, int who)
{
	memset(c, 0, sizeof(*c));
	c->name_len = 32 + bench_rand(s) % 224;
	c->name = bench_xmalloc(c->name_len);
	memset(c->name, 'c', c->name_len);
	c->session_len = 1024 + bench_rand(s) % 3072;
	c->session = bench_xmalloc(c->session_len);
	memset(c->session, 0, c->session_len);
	c->target = bench_size_log(s, 8 << 10, 1 << 20);
	seed_live(who, (long long)(c->name_len + c->session_len));
}

static void seed_conn_close(struct seed_conn *c, int who)
{
	long long freed = (long long)(c->name_len + c->session_len + c->len);

	for (int i = 0; i < SEED_HISTORY; i++) {
		freed += (long long)c->history_len[i];
		free(c->history[i]);
	}
	free(c->name);
	free(c->session);
	free(c->buf);
	seed_live(who, -freed);
}

/* a small record per message, kept until replaced: interleaves long-lived
 * small blocks with the big transient buffers, as the service did */
static void seed_conn_note(struct seed_conn *c, uint64_t *s, int who)
{
	unsigned i = c->history_next++ % SEED_HISTORY;
	size_t n = 48 + bench_rand(s) % 160;

	seed_live(who, (long long)n - (long long)c->history_len[i]);
	free(c->history[i]);
	c->history[i] = bench_xmalloc(n);
	memset(c->history[i], 'h', n);
	c->history_len[i] = n;
}

static void *seed_receiver(void *arg)
{
	int g = (int)(intptr_t)arg;
	struct seed_conn *conn = bench_xmalloc((size_t)seed_conns * sizeof(*conn));
	uint64_t s = bench_seed(700 + g);

	for (int i = 0; i < seed_conns; i++)
		seed_conn_open(&conn[i], &s, g);
	while (!atomic_load_explicit(&seed_stop, memory_order_relaxed)) {
		uint64_t r = bench_rand(&s);
		struct seed_conn *c = &conn[r % (uint64_t)seed_conns];
		/* 10 to 120 ms of 16 kHz 16-bit audio */
		size_t chunk = 320 * (1 + (r >> 32) % 12);
		unsigned char *p = realloc(c->buf, c->len + chunk);

		if (!p) {
			fprintf(stderr, "bench: fatal: realloc: out of memory\n");
			exit(1);
		}
		memset(p + c->len, (int)r, chunk);
		c->buf = p;
		c->len += chunk;
		seed_live(g, (long long)chunk);
		atomic_fetch_add_explicit(&seed_count[g].ops, 1,
					  memory_order_relaxed);
		if (c->len < c->target)
			continue;
		/* the utterance is complete: hand it to the worker */
		seed_conn_note(c, &s, g);
		seed_push(&seed_queue[g], (struct seed_msg){ c->buf, c->len });
		c->buf = NULL;
		c->len = 0;
		c->target = bench_size_log(&s, 8 << 10, 1 << 20);
		if (bench_rand(&s) % 8 == 0) {
			seed_conn_close(c, g);
			seed_conn_open(c, &s, g);
		}
	}
	for (int i = 0; i < seed_conns; i++)
		seed_conn_close(&conn[i], g);
	free(conn);
	seed_push(&seed_queue[g], (struct seed_msg){ NULL, 0 });
	return NULL;
}

static void *seed_worker(void *arg)
{
	int g = (int)(intptr_t)arg, who = SEED_GROUPS_MAX + g;
	unsigned char *ring[SEED_RING] = { 0 };
	size_t ring_len[SEED_RING] = { 0 };
	unsigned next = 0;
	uint64_t s = bench_seed(800 + g);

	for (;;) {
		struct seed_msg m = seed_pop(&seed_queue[g]);
		unsigned char *copy;

		if (!m.buf)
			break;
		/* bytes(buf): a full copy, then the original goes away */
		copy = bench_xmalloc(m.len);
		memcpy(copy, m.buf, m.len);
		seed_live(who, (long long)m.len);
		free(m.buf);
		seed_live(who, -(long long)m.len);
		/* slices for sending: kept in flight for a while */
		for (size_t off = 0; off < m.len;) {
			size_t n = 4096 + bench_rand(&s) % 61440;
			unsigned i = next++ % SEED_RING;

			if (n > m.len - off)
				n = m.len - off;
			seed_live(who, (long long)n - (long long)ring_len[i]);
			free(ring[i]);
			ring[i] = bench_xmalloc(n);
			memcpy(ring[i], copy + off, n);
			ring_len[i] = n;
			off += n;
		}
		free(copy);
		seed_live(who, -(long long)m.len);
	}
	for (int i = 0; i < SEED_RING; i++) {
		seed_live(who, -(long long)ring_len[i]);
		free(ring[i]);
	}
	return NULL;
}

static long long seed_rss(void)
{
	long long size, resident;
	FILE *f = fopen("/proc/self/statm", "r");
	int ok;

	if (!f)
		return 0;
	ok = fscanf(f, "%lld %lld", &size, &resident) == 2;
	fclose(f);
	return ok ? resident * sysconf(_SC_PAGESIZE) : 0;
}

static long long seed_sum(int field_ops, int groups)
{
	long long sum = 0;

	for (int g = 0; g < groups; g++) {
		if (field_ops) {
			sum += atomic_load(&seed_count[g].ops);
		} else {
			sum += atomic_load(&seed_count[g].live);
			sum += atomic_load(&seed_count[SEED_GROUPS_MAX + g].live);
		}
	}
	return sum;
}

int main(int argc, char **argv)
{
	double seconds = argc > 1 ? strtod(argv[1], NULL) : 10;
	const char *path = argc > 2 ? argv[2] : "/dev/null";
	int groups = bench_arg_int(argc, argv, 3, 4);
	pthread_t rx[SEED_GROUPS_MAX], wk[SEED_GROUPS_MAX];
	FILE *out = fopen(path, "w");
	double start, t;

	if (!out) {
		perror("bench: fatal: seed: samples file");
		return 1;
	}
	if (groups < 1 || groups > SEED_GROUPS_MAX)
		groups = 4;
	seed_conns = bench_arg_int(argc, argv, 4, 32);
	if (seed_conns < 1 || seed_conns > SEED_CONNS_MAX)
		seed_conns = 32;
	start = bench_now();
	for (int g = 0; g < groups; g++) {
		pthread_mutex_init(&seed_queue[g].lock, NULL);
		pthread_cond_init(&seed_queue[g].not_empty, NULL);
		pthread_cond_init(&seed_queue[g].not_full, NULL);
		pthread_create(&wk[g], NULL, seed_worker, (void *)(intptr_t)g);
		pthread_create(&rx[g], NULL, seed_receiver, (void *)(intptr_t)g);
	}
	/* the sampler: what a monitoring agent would see, every 100 ms */
	while ((t = bench_now() - start) < seconds) {
		fprintf(out, "%.3f %lld %lld\n", t, seed_rss(),
			seed_sum(0, groups));
		fflush(out);	/* readable while the run goes on */
		usleep(100000);
	}
	fprintf(out, "%.3f %lld %lld\n", bench_now() - start, seed_rss(),
		seed_sum(0, groups));
	fclose(out);
	atomic_store(&seed_stop, 1);
	for (int g = 0; g < groups; g++) {
		pthread_join(rx[g], NULL);
		pthread_join(wk[g], NULL);
	}
	printf("ops %lld seconds %.3f live_end %lld\n", seed_sum(1, groups),
	       bench_now() - start, seed_sum(0, groups));
	return 0;
}
