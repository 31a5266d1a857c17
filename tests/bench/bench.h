/* bench.h: the helpers every allocation workload shares (seeded RNG, scale
 * argument, clock, result line), so each workload file holds only its shape.
 * Every workload prints "checksum N" so the runner can see that all
 * allocators did the same work from the same seed. */
#ifndef KEEL_BENCH_H
#define KEEL_BENCH_H

#include <inttypes.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define BENCH_SEED 0x6b65656cULL	/* "keel": the same seed everywhere */

/* xorshift64*: fast, deterministic, one state per thread */
static inline uint64_t bench_rand(uint64_t *s)
{
	uint64_t x = *s;

	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	*s = x;
	return x * 0x2545f4914f6cdd1dULL;
}

static inline uint64_t bench_seed(uint64_t n)
{
	return (BENCH_SEED + n) * 0x9e3779b97f4a7c15ULL | 1;
}

/* a size from lo to hi, log-uniform so small sizes dominate like real heaps */
static inline size_t bench_size_log(uint64_t *s, size_t lo, size_t hi)
{
	unsigned bits_lo = 63 - __builtin_clzll(lo);
	unsigned bits_hi = 63 - __builtin_clzll(hi);
	unsigned b = bits_lo + bench_rand(s) % (bits_hi - bits_lo + 1);
	size_t base = (size_t)1 << b;
	size_t n = base + bench_rand(s) % base;

	return n < lo ? lo : n > hi ? hi : n;
}

/* argv[1] scales the amount of work: 1.0 is the full run, ~0.2 the quick */
static inline double bench_scale(int argc, char **argv)
{
	double s = argc > 1 ? strtod(argv[1], NULL) : 1.0;

	return s > 0 ? s : 1.0;
}

static inline int bench_arg_int(int argc, char **argv, int i, int def)
{
	return argc > i ? atoi(argv[i]) : def;
}

static inline double bench_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static inline int bench_cores(void)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);

	return n > 0 ? (int)n : 1;
}

/* write the ends and the middle so the block is really touched */
static inline void bench_touch(unsigned char *p, size_t n, uint64_t v)
{
	p[0] = (unsigned char)v;
	p[n / 2] = (unsigned char)(v >> 8);
	p[n - 1] = (unsigned char)(v >> 16);
}

static inline void bench_result(uint64_t checksum)
{
	printf("checksum %" PRIu64 "\n", checksum);
}

static inline void *bench_xmalloc(size_t n)
{
	void *p = malloc(n);

	if (!p) {
		fprintf(stderr, "bench: fatal: malloc(%zu): out of memory\n", n);
		exit(1);
	}
	return p;
}

#endif
