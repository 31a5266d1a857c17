/* realloc: growth chains. Buffers grow by small appends through realloc up
 * to a random size between 64 KiB and 4 MiB, then are freed and restarted:
 * the shape of string builders and of the seed's audio buffers. An
 * allocator that grows in place (or with mremap) avoids the copies. */
#include "bench.h"

#define RC_CHAINS 32

int main(int argc, char **argv)
{
	double scale = bench_scale(argc, argv);
	long appends = (long)(400e3 * scale);
	unsigned char *buf[RC_CHAINS] = { 0 };
	size_t len[RC_CHAINS] = { 0 }, cap[RC_CHAINS];
	uint64_t s = bench_seed(300), sum = 0;

	for (int c = 0; c < RC_CHAINS; c++)
		cap[c] = bench_size_log(&s, 64 << 10, 4 << 20);
	for (long i = 0; i < appends; i++) {
		uint64_t r = bench_rand(&s);
		int c = r % RC_CHAINS;
		size_t add = 1 + (r >> 20) % 2048;
		unsigned char *p = realloc(buf[c], len[c] + add);

		if (!p) {
			fprintf(stderr, "bench: fatal: realloc: out of memory\n");
			return 1;
		}
		memset(p + len[c], (int)(r >> 8), add);
		buf[c] = p;
		len[c] += add;
		if (len[c] >= cap[c]) {
			sum += buf[c][len[c] / 3] + len[c];
			free(buf[c]);
			buf[c] = NULL;
			len[c] = 0;
			cap[c] = bench_size_log(&s, 64 << 10, 4 << 20);
		}
	}
	for (int c = 0; c < RC_CHAINS; c++)
		free(buf[c]);
	bench_result(sum);
	return 0;
}
