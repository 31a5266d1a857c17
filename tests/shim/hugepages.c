/* hugepages: a heap that grows to TOTAL_MIB in blocks of 4-100 KB (runs
 * of the page heap), every byte written and then checked. Prints the
 * page faults the writes took (the perf event, -1 where perf events are
 * not allowed), VmRSS and AnonHugePages in KiB after the growth. With
 * USAGE_FILE (a cgroup's memory.usage_in_bytes or memory.current), three
 * blocks in four are freed first and malloc_trim(0) returns what it can;
 * then VmRSS and the cgroup's usage in KiB after that are printed too.
 * Usage: hugepages TOTAL_MIB [USAGE_FILE] */
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

int main(int argc, char **argv)
{
	size_t total = (size_t)atol(argc > 1 ? argv[1] : "64") << 20, used = 0;
	size_t cap = total / 4096 + 1, n = 0;
	unsigned char **block = malloc(cap * sizeof(*block));
	size_t *len = malloc(cap * sizeof(*len));
	uint64_t s = 88172645463325252ull;
	int fd = fault_counter();
	long before = faults(fd);

	if (!block || !len)
		return 1;
	while (used < total && n < cap) {
		s ^= s << 13, s ^= s >> 7, s ^= s << 17;
		len[n] = 4096 + s % 96000;
		block[n] = malloc(len[n]);
		if (!block[n]) {
			fprintf(stderr, "hugepages: malloc failed\n");
			return 1;
		}
		memset(block[n], (int)(n & 0xff), len[n]);
		used += len[n++];
	}
	long after = faults(fd);
	long rss = kib("/proc/self/status", "VmRSS");
	long huge = kib("/proc/self/smaps_rollup", "AnonHugePages");
	long trimmed_rss = -1, usage = -1;
	if (argc > 2) {
		for (size_t i = 0; i < n; i++)
			if (i % 4) {
				free(block[i]);
				block[i] = 0;
			}
		if (malloc_trim)
			malloc_trim(0);
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
	if (argc > 2)
		printf(" trimmed_rss %ld usage %ld", trimmed_rss, usage);
	printf("\n");
	return 0;
}
