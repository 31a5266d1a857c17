/* realloc's moves of big blocks the program has not touched for a while:
 * past 64 MiB of big blocks handed out since, the copy bypasses the cache
 * (kl_copy_cold). Many buffers grown side by side in small appends, the
 * seed's shape, with 100 MiB of other blocks taken and freed between their
 * moves, and appends that end anywhere in a page: every byte
 * survives every move. Prints how many moves of 64 KiB or more it saw.
 * Usage: coldcopy */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CC_BUFFERS 24
#define CC_CHURN (100ul << 20)	/* between two rounds of appends */

/* the byte at offset i of buffer b */
static unsigned char cc_byte(unsigned b, size_t i)
{
	return (unsigned char)(i * 31 + b * 7 + (i >> 12));
}

static int cc_check(unsigned b, const unsigned char *p, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		if (p[i] != cc_byte(b, i)) {
			fprintf(stderr, "coldcopy: buffer %u byte %zu of %zu: %u, not %u\n",
				b, i, len, p[i], cc_byte(b, i));
			return -1;
		}
	}
	return 0;
}

/* takes and frees CC_CHURN bytes of 1 MiB and 300 KiB blocks, each
 * written, so the buffers' bytes leave the cache */
static int cc_churn(void)
{
	for (size_t done = 0; done < CC_CHURN;) {
		size_t n = (done / 4096) % 2 ? 1ul << 20 : 300ul << 10;
		unsigned char *p = malloc(n);
		if (!p)
			return -1;
		memset(p, 0x5a, n);
		free(p);
		done += n;
	}
	return 0;
}

int main(void)
{
	unsigned char *buf[CC_BUFFERS] = { 0 };
	size_t len[CC_BUFFERS] = { 0 };
	unsigned long moves = 0;

	for (int round = 0; round < 40; round++) {
		for (unsigned b = 0; b < CC_BUFFERS; b++) {
			/* 1-3 MiB at the end, in steps that end anywhere in
			 * a page */
			size_t add = 4096 * (1 + (b + round) % 16) + (b * 13 + round) % 64;
			unsigned char *n = realloc(buf[b], len[b] + add);
			if (!n) {
				fprintf(stderr, "coldcopy: realloc to %zu failed\n",
					len[b] + add);
				return 1;
			}
			if (n != buf[b] && len[b] >= (64u << 10))
				moves++;
			if (cc_check(b, n, len[b]))
				return 1;
			for (size_t i = 0; i < add; i++)
				n[len[b] + i] = cc_byte(b, len[b] + i);
			buf[b] = n;
			len[b] += add;
		}
		if (round % 4 == 3 && cc_churn()) {
			fprintf(stderr, "coldcopy: malloc failed\n");
			return 1;
		}
	}
	for (unsigned b = 0; b < CC_BUFFERS; b++) {
		if (cc_check(b, buf[b], len[b]))
			return 1;
		free(buf[b]);
	}
	printf("moves of 64 KiB or more: %lu\n", moves);
	return 0;
}
