/* RSS tracking: a live set interleaved with a burst that is freed, then an
 * idle wait with no allocator call ("idle") or malloc_trim(0) ("trim"); prints
 * RSS (KiB) at base, peak, after the free and each 100 ms, and live KiB.
 * Usage: decay idle|trim [wait ms] [burst blocks, at most 3000] */
#include <fcntl.h>
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "rss.h"

#ifdef __GLIBC__
#define HAVE_TRIM 1
#else
extern int malloc_trim(size_t pad) __attribute__((weak)); /* not in musl */
#define HAVE_TRIM (malloc_trim != NULL)
#endif


#define LIVE 3000
#define BURST 3000

static void *live[LIVE], *burst[BURST];

int main(int argc, char **argv)
{
	int trim = argc > 1 && !strcmp(argv[1], "trim");
	long wait_ms = argc > 2 ? atol(argv[2]) : 1500;
	int nburst = argc > 3 ? atoi(argv[3]) : BURST;
	setvbuf(stdout, NULL, _IOLBF, 0);
	long base = rss_kib();
	size_t live_bytes = 0;
	/* a live set (about 65 MiB) interleaved with a burst (about
	 * 450 MiB, mostly large and huge blocks) that is freed: the freed
	 * memory is not at the top of the heap */
	for (int i = 0; i < nburst; i++) {
		size_t n = i % 50 == 0 ? (3u << 20)
			 : i % 4 == 0 ? (size_t)(i * 53 % 2000) + 16
			 : 40000 + (size_t)(i % 7) * 25000;
		burst[i] = malloc(n);
		memset(burst[i], 2, n);
		n = i % 10 == 0 ? 200000 : (size_t)(i * 37 % 4000) + 16;
		live[i] = malloc(n);
		memset(live[i], 1, n);
		live_bytes += n;
	}
	long peak = rss_kib();
	for (int i = 0; i < nburst; i++)
		free(burst[i]);
	long after_free = rss_kib();
	int ret = -1;
	if (trim && HAVE_TRIM)
		ret = malloc_trim(0);
	long now = rss_kib();
	printf("base %ld peak %ld freed %ld live %zu trim %d\n", base, peak,
	       after_free, live_bytes / 1024, ret);
	printf("t 0 %ld\n", now);
	for (long t = 100; t <= wait_ms; t += 100) {
		struct timespec ts = { 0, 100 * 1000000L };
		nanosleep(&ts, NULL);
		printf("t %ld %ld\n", t, rss_kib());
	}
	for (int i = 0; i < nburst; i++)
		free(live[i]);
	return 0;
}
