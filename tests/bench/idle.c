/* idle: four threads (or THREADS, 1-256) burst about 400 MiB of 1-256 KiB
 * blocks between them, free 90% of them, then sleep without another
 * allocator call while the main thread samples VmRSS every 100 ms for 3 s;
 * with THREADS 1 the main thread does the burst itself, a single-threaded
 * program. An allocator that holds nothing when idle falls to live +
 * baseline on its own. With "small", 100 MiB of 64 B-4 KiB blocks (objects
 * of a program like CPython's): a page that keeps one live block stays, so
 * no allocator that never moves a block comes near live + baseline; with
 * many threads (a pool of workers gone idle), each one's share is what
 * its own cache may keep. Prints the samples and the ratio RSS / (live +
 * baseline) at 1 s and at the end. Usage: idle [SCALE [THREADS [small]]] */
#include "bench.h"

#include <fcntl.h>

#define IDLE_THREADS 4
#define IDLE_THREADS_MAX 256
#define IDLE_SAMPLES 30

static size_t idle_bytes;	/* per thread */
static size_t idle_min = 1024, idle_max = 262144;	/* block sizes */
static int idle_threads = IDLE_THREADS;
static size_t idle_live[IDLE_THREADS_MAX];
static pthread_barrier_t idle_done, idle_end;

/* VmRSS in bytes, read with plain system calls: no allocator call */
static size_t idle_rss(void)
{
	char buf[128];
	int fd = open("/proc/self/statm", O_RDONLY);
	ssize_t n = fd >= 0 ? read(fd, buf, sizeof(buf) - 1) : -1;
	if (fd >= 0)
		close(fd);
	if (n <= 0)
		return 0;
	buf[n] = 0;
	char *p = buf;
	while (*p && *p != ' ')
		p++;
	return strtoull(p, NULL, 10) * (size_t)sysconf(_SC_PAGESIZE);
}

static void *idle_worker(void *arg)
{
	int t = (int)(intptr_t)arg;
	uint64_t s = bench_seed(1100 + t);
	size_t cap = idle_bytes / idle_min + 1, n = 0, total = 0, live = 0;
	unsigned char **p = bench_xmalloc(cap * sizeof(*p));
	size_t *len = bench_xmalloc(cap * sizeof(*len));

	while (total < idle_bytes && n < cap) {
		len[n] = bench_size_log(&s, idle_min, idle_max);
		p[n] = bench_xmalloc(len[n]);
		memset(p[n], (int)n, len[n]);
		total += len[n++];
	}
	for (size_t i = 0; i < n; i++) {
		if (bench_rand(&s) % 10) {
			free(p[i]);
		} else {
			live += len[i];
		}
	}
	/* the two arrays, as far as they were written */
	idle_live[t] = live + n * (sizeof(*p) + sizeof(*len));
	if (idle_threads > 1) {
		pthread_barrier_wait(&idle_done);
		pthread_barrier_wait(&idle_end);	/* idle: no allocator call */
	}
	return NULL;
}

int main(int argc, char **argv)
{
	double scale = bench_scale(argc, argv);
	static pthread_t tid[IDLE_THREADS_MAX];
	size_t rss[IDLE_SAMPLES + 1], live = 0;

	idle_threads = bench_arg_int(argc, argv, 2, IDLE_THREADS);
	if (idle_threads < 1 || idle_threads > IDLE_THREADS_MAX)
		idle_threads = IDLE_THREADS;
	double mib = 400;
	if (argc > 3 && strcmp(argv[3], "small") == 0) {
		idle_min = 64;
		idle_max = 4096;
		mib = 100;
	}
	idle_bytes = (size_t)(mib / idle_threads * scale * (1 << 20));
	pthread_barrier_init(&idle_done, NULL, (unsigned)idle_threads + 1);
	pthread_barrier_init(&idle_end, NULL, (unsigned)idle_threads + 1);
	/* baseline: the program before the burst */
	size_t base = idle_rss();
	if (idle_threads == 1) {
		idle_worker(0);
	} else {
		for (int t = 0; t < idle_threads; t++)
			pthread_create(&tid[t], NULL, idle_worker,
				       (void *)(intptr_t)t);
		pthread_barrier_wait(&idle_done);
	}
	for (int t = 0; t < idle_threads; t++)
		live += idle_live[t];
	rss[0] = idle_rss();
	for (int i = 1; i <= IDLE_SAMPLES; i++) {
		usleep(100000);
		rss[i] = idle_rss();
	}
	if (idle_threads > 1) {
		pthread_barrier_wait(&idle_end);
		for (int t = 0; t < idle_threads; t++)
			pthread_join(tid[t], NULL);
	}
	printf("idle: baseline %zu live %zu\n", base, live);
	for (int i = 0; i <= IDLE_SAMPLES; i++)
		printf("sample %.1f %zu\n", i / 10.0, rss[i]);
	printf("ratio 1s %.2f end %.2f\n",
	       (double)rss[10] / (double)(live + base),
	       (double)rss[IDLE_SAMPLES] / (double)(live + base));
	bench_result(live);
	return 0;
}
