/* The caches of idle threads (shim/tcache.c): THREADS threads each write
 * and free about 400 KiB of 16 B-4 KiB blocks, which stay in the thread's
 * cache, keep four live blocks, then wait without calling the allocator.
 * Mode "idle" sleeps; "trim" calls malloc_trim(0) from the main thread.
 * Prints RSS (KiB) before the threads, once all are idle, and after the
 * wait or trim. Then every thread works again for ROUNDS rounds: write
 * and check a burst of blocks, check its live ones, and sleep 0-40 ms,
 * so with a short KEEL_DECAY_MS the purger claims caches while their
 * owners wake. Mode "race" has the threads work without sleeping while
 * the main thread calls malloc_trim(0) over and over, which claims every
 * cache, busy or not. A block handed out twice, or a live block freed,
 * shows as a byte that is not what its owner wrote.
 * Usage: idlethreads idle|trim|race [THREADS [ROUNDS]] */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "rss.h"

/* musl declares no malloc_trim; the preloaded shim defines it */
extern int malloc_trim(size_t pad) __attribute__((weak));

#define MAX_THREADS 1000
#define BURST 200
#define LIVE 4

struct worker {
	pthread_t tid;
	unsigned id;
	uint64_t rng;
	unsigned char *live[LIVE];
	size_t live_len[LIVE];
	int bad;
};

static struct worker workers[MAX_THREADS];
static int rounds;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cond = PTHREAD_COND_INITIALIZER;
static int idle_count, go, racing, done_count;

static uint64_t next_rand(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

static unsigned char tag(const struct worker *w, unsigned i)
{
	return (unsigned char)(w->id * 31 + i * 7 + 1);
}

/* a burst: every block written with its own tag and checked before it
 * is freed (a block another thread also holds has been overwritten) */
static int burst(struct worker *w)
{
	unsigned char *b[BURST];
	size_t len[BURST];
	for (unsigned i = 0; i < BURST; i++) {
		len[i] = 16 + next_rand(&w->rng) % 4081;
		if (!(b[i] = malloc(len[i])))
			return 1;
		memset(b[i], tag(w, i), len[i]);
	}
	int bad = 0;
	for (unsigned i = 0; i < BURST; i++) {
		for (size_t j = 0; j < len[i]; j++)
			bad |= b[i][j] != tag(w, i);
		free(b[i]);
	}
	return bad;
}

static int check_live(const struct worker *w)
{
	for (unsigned i = 0; i < LIVE; i++)
		for (size_t j = 0; j < w->live_len[i]; j++)
			if (w->live[i][j] != tag(w, 1000 + i))
				return 1;
	return 0;
}

static void *run(void *arg)
{
	struct worker *w = arg;
	for (unsigned i = 0; i < LIVE; i++) {
		w->live_len[i] = 64 + i * 500;
		if (!(w->live[i] = malloc(w->live_len[i]))) {
			w->bad = 1;
			return 0;
		}
		memset(w->live[i], tag(w, 1000 + i), w->live_len[i]);
	}
	w->bad |= burst(w);
	pthread_mutex_lock(&lock);
	idle_count++;
	pthread_cond_broadcast(&cond);
	while (!go)
		pthread_cond_wait(&cond, &lock);
	pthread_mutex_unlock(&lock);
	for (int r = 0; r < rounds && !w->bad; r++) {
		w->bad |= burst(w) | check_live(w);
		if (!racing)
			usleep((useconds_t)(next_rand(&w->rng) % 40000));
	}
	__atomic_fetch_add(&done_count, 1, __ATOMIC_RELEASE);
	w->bad |= check_live(w);
	for (unsigned i = 0; i < LIVE; i++)
		free(w->live[i]);
	return 0;
}

int main(int argc, char **argv)
{
	int trim = argc > 1 && strcmp(argv[1], "trim") == 0;
	racing = argc > 1 && strcmp(argv[1], "race") == 0;
	int n = argc > 2 ? atoi(argv[2]) : 200;
	rounds = argc > 3 ? atoi(argv[3]) : 20;
	if (n < 1 || n > MAX_THREADS)
		return 2;
	pthread_attr_t attr;
	pthread_attr_init(&attr);
	pthread_attr_setstacksize(&attr, 64 << 10);
	long base = rss_kib();
	for (int i = 0; i < n; i++) {
		workers[i].id = (unsigned)i;
		workers[i].rng = 0x9e3779b97f4a7c15ull * (unsigned)(i + 1);
		if (pthread_create(&workers[i].tid, &attr, run, &workers[i]))
			return 2;
	}
	pthread_mutex_lock(&lock);
	while (idle_count < n)
		pthread_cond_wait(&cond, &lock);
	pthread_mutex_unlock(&lock);
	long full = rss_kib();
	if (trim && malloc_trim)
		malloc_trim(0);
	else if (trim)
		return 3;
	else
		usleep(2000 * 1000);
	long after = rss_kib();
	printf("idlethreads: base %ld full %ld after %ld threads %d\n", base,
	       full, after, n);
	fflush(stdout);
	pthread_mutex_lock(&lock);
	go = 1;
	pthread_cond_broadcast(&cond);
	pthread_mutex_unlock(&lock);
	long trims = 0;
	while (racing && malloc_trim &&
	       __atomic_load_n(&done_count, __ATOMIC_ACQUIRE) < n) {
		malloc_trim(0);
		trims++;
	}
	if (racing)
		printf("idlethreads: %ld trims\n", trims);
	int bad = 0;
	for (int i = 0; i < n; i++) {
		pthread_join(workers[i].tid, 0);
		if (workers[i].bad) {
			printf("idlethreads: thread %d: a block lost its bytes\n", i);
			bad = 1;
		}
	}
	return bad;
}
