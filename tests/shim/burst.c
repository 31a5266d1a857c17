/* burst: a program that frees a burst and takes it back a moment later,
 * as a garbage-collected runtime does with its native buffers
 * (tests/shim/burst.sh, tests/guard/burst_near.sh). Mallocs
 * MIB MiB in 64 KiB blocks and writes every page, frees them all, waits
 * WAIT_MS, frees one more block (the free that lets the allocator purge
 * early), then mallocs and writes as much again, and prints how many pages
 * that second pass wrote and how many page faults it took.
 * usage: burst MIB WAIT_MS */
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <time.h>

#define BLOCK (64 << 10)
#define PAGE 4096

static long minflt(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return ru.ru_minflt;
}

static void fill(char **b, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		b[i] = malloc(BLOCK);
		if (!b[i]) {
			fprintf(stderr, "burst: out of memory\n");
			exit(1);
		}
		for (size_t o = 0; o < BLOCK; o += PAGE)
			b[i][o] = (char)i;
	}
}

int main(int argc, char **argv)
{
	if (argc != 3) {
		fprintf(stderr, "usage: burst MIB WAIT_MS\n");
		return 2;
	}
	size_t n = (size_t)atol(argv[1]) * (1 << 20) / BLOCK;
	long wait_ms = atol(argv[2]);
	char **b = calloc(n, sizeof(*b));
	char *last = malloc(BLOCK);

	if (!b || !last)
		return 1;
	last[0] = 1;
	fill(b, n);
	for (size_t i = 0; i < n; i++)
		free(b[i]);
	nanosleep(&(struct timespec){ wait_ms / 1000,
				      wait_ms % 1000 * 1000000 }, 0);
	free(last);
	long before = minflt();
	fill(b, n);
	printf("pages %zu faults %ld\n", n * (BLOCK / PAGE), minflt() - before);
	return 0;
}
