/* hugepages: a heap that grows to TOTAL_MIB in blocks of 4-100 KB (runs
 * of the page heap), every byte written and then checked. Prints the
 * page faults the writes took (the perf event, -1 where perf events are
 * not allowed), VmRSS and AnonHugePages in KiB after the growth. With
 * USAGE_FILE (a cgroup's memory.usage_in_bytes or memory.current), three
 * blocks in four are freed first and malloc_trim(0) returns what it can;
 * then VmRSS and the cgroup's usage in KiB after that are printed too.
 * With "regrow" instead, three blocks in four are freed and returned the
 * same way, and the heap at once grows by TOTAL_MIB more: the KiB of huge
 * pages that second growth added are printed too. With "churn", one
 * block in four is freed as soon as it is written, as the heap grows.
 * Usage: hugepages TOTAL_MIB [USAGE_FILE|regrow|churn] */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "faults.h"

/* glibc's and keel's; musl has none */
extern int malloc_trim(size_t pad) __attribute__((weak));

/* The value in KiB of a "Name:  N kB" line of a /proc file, or -1. */
static long kib(const char *path, const char *name)
{
	char line[256];
	size_t n = strlen(name);
	long v = -1;
	FILE *f = fopen(path, "r");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, name, n) && line[n] == ':')
			v = atol(line + n + 1);
	fclose(f);
	return v;
}

static uint64_t s = 88172645463325252ull;

/* Blocks of 4-100 KB from block[n] on, written, until they add up to
 * total (with churn, one in four freed at once); returns the new n, or 0
 * when malloc fails. */
static size_t grow(unsigned char **block, size_t *len, size_t n, size_t cap,
		   size_t total, int churn)
{
	size_t used = 0;

	while (used < total && n < cap) {
		s ^= s << 13, s ^= s >> 7, s ^= s << 17;
		len[n] = 4096 + s % 96000;
		block[n] = malloc(len[n]);
		if (!block[n]) {
			fprintf(stderr, "hugepages: malloc failed\n");
			return 0;
		}
		memset(block[n], (int)(n & 0xff), len[n]);
		used += len[n];
		if (churn && n % 4 == 3) {
			free(block[n]);
			block[n] = 0;
		}
		n++;
	}
	return n;
}

/* Three blocks in four freed, then what can go returned. */
static void free_most(unsigned char **block, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (i % 4) {
			free(block[i]);
			block[i] = 0;
		}
	if (malloc_trim)
		malloc_trim(0);
}

int main(int argc, char **argv)
{
	size_t total = (size_t)atol(argc > 1 ? argv[1] : "64") << 20;
	int regrow = argc > 2 && !strcmp(argv[2], "regrow");
	int churn = argc > 2 && !strcmp(argv[2], "churn");
	int usage_file = argc > 2 && !regrow && !churn;
	size_t cap = (regrow ? 2 : 1) * (total / 4096 + 1), n;
	unsigned char **block = malloc(cap * sizeof(*block));
	size_t *len = malloc(cap * sizeof(*len));
	int fd = fault_counter();
	long before = faults(fd);

	if (!block || !len || !(n = grow(block, len, 0, cap, total, churn)))
		return 1;
	long after = faults(fd);
	long rss = kib("/proc/self/status", "VmRSS");
	long huge = kib("/proc/self/smaps_rollup", "AnonHugePages");
	long trimmed_rss = -1, usage = -1, regrown = -1;
	if (regrow) {
		free_most(block, n);
		long trimmed = kib("/proc/self/smaps_rollup", "AnonHugePages");
		if (!(n = grow(block, len, n, cap, total, 0)))
			return 1;
		regrown = kib("/proc/self/smaps_rollup", "AnonHugePages") -
			  trimmed;
	} else if (usage_file) {
		free_most(block, n);
		trimmed_rss = kib("/proc/self/status", "VmRSS");
		FILE *f = fopen(argv[2], "r");
		if (!f || fscanf(f, "%ld", &usage) != 1) {
			fprintf(stderr, "hugepages: cannot read %s\n", argv[2]);
			return 1;
		}
		fclose(f);
		usage /= 1024;
	}
	for (size_t i = 0; i < n; i++) {
		if (!block[i])
			continue;
		for (size_t j = 0; j < len[i]; j++)
			if (block[i][j] != (unsigned char)(i & 0xff)) {
				fprintf(stderr, "hugepages: block %zu byte %zu changed\n",
					i, j);
				return 1;
			}
		free(block[i]);
	}
	printf("faults %ld rss %ld hugepages %ld",
	       before < 0 || after < 0 ? -1 : after - before, rss, huge);
	if (regrow)
		printf(" regrown_hugepages %ld", regrown);
	else if (usage_file)
		printf(" trimmed_rss %ld usage %ld", trimmed_rss, usage);
	printf("\n");
	return 0;
}
