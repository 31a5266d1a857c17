/* grow: a heap that grows from nothing to 256 MiB (times the scale) of
 * blocks of 16 B-64 KiB, log-uniform, each written once, then freed: a
 * service loading its caches at start, a batch job building its data.
 * Every page the heap uses is new, so what the allocator pays to have
 * pages mapped is most of the time. */
#include "bench.h"

int main(int argc, char **argv)
{
	double scale = bench_scale(argc, argv);
	size_t total = (size_t)(256.0 * scale * (1 << 20)), used = 0, n = 0;
	size_t cap = total / 16 + 1;
	unsigned char **block = bench_xmalloc(cap * sizeof(*block));
	uint64_t s = bench_seed(900), sum = 0;

	while (used < total && n < cap) {
		size_t len = bench_size_log(&s, 16, 64 << 10);

		block[n] = bench_xmalloc(len);
		memset(block[n], (int)(n & 0xff), len);
		sum += block[n][len / 2];
		used += len;
		n++;
	}
	for (size_t i = 0; i < n; i++)
		free(block[i]);
	free(block);
	printf("grow: %zu blocks, %zu MiB, checksum %llu\n", n, used >> 20,
	       (unsigned long long)sum);
	return 0;
}
