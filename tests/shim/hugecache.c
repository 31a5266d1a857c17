/* The cache of freed huge mappings: a mapping cut for a smaller block
 * keeps its tail resident for the next block (no page faulted in again),
 * which frees like any other; a block the page heap would serve takes a
 * cached mapping it fits, resident too; a buffer realloc grows into one
 * keeps room to grow with no fault, and a huge buffer it grows past its
 * mapping moves into a cached one by copying; a full cache keeps its 256
 * newest mappings (hugecache full); a huge block freed and asked for again
 * comes back with its old contents gone where calloc promises zeros, a
 * growth chain through huge sizes keeps its bytes, a realloc to a size
 * that would wrap fails, and malloc_trim(0) or the decay time hands the
 * cached mappings back to the OS.
 * Usage: hugecache trim|idle|full */
#include <fcntl.h>
#include <sys/resource.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "rss.h"

extern int malloc_trim(size_t pad) __attribute__((weak));

#define HC_SIZE (3u << 20)


static int hc_fail(const char *what)
{
	fprintf(stderr, "hugecache: %s\n", what);
	return 1;
}

static long hc_faults(void)
{
	struct rusage ru;
	return getrusage(RUSAGE_SELF, &ru) ? -1 : ru.ru_minflt;
}

/* A 6 MiB block, every byte set, freed; 1 MiB taken from its mapping;
 * then 4 MiB, which the tail can hold. Prints the faults that touching
 * the 4 MiB took (1024 if its pages were fresh). Its header page held
 * the 6 MiB block's bytes: its free must still find a huge block. */
static int hc_tail(void)
{
	unsigned char *big = malloc(6u << 20);
	if (!big)
		return hc_fail("malloc failed");
	memset(big, 0xff, 6u << 20);
	free(big);
	unsigned char *head = malloc((1u << 20) + 4096);
	long before = hc_faults();
	unsigned char *tail = malloc(4u << 20);
	if (!head || !tail)
		return hc_fail("malloc failed");
	memset(tail, 1, 4u << 20);
	printf("tail faults %ld\n", hc_faults() - before);
	free(tail);
	free(head);
	/* the measurements below start from an empty cache */
	if (malloc_trim)
		malloc_trim(0);
	return 0;
}

/* A 2 MiB block (a mapping of its own) shrunk by realloc to 600 KiB,
 * written and freed; then a 600 KiB malloc, which the page heap would
 * serve with fresh pages. Prints the faults that writing it took (150 if
 * its pages were fresh). */
static int hc_fit(void)
{
	unsigned char *buf = malloc(2u << 20);
	if (!buf || !(buf = realloc(buf, 600u << 10)))
		return hc_fail("malloc or realloc failed");
	memset(buf, 7, 600u << 10);
	free(buf);
	long before = hc_faults();
	unsigned char *p = malloc(600u << 10);
	if (!p)
		return hc_fail("malloc failed");
	memset(p, 8, 600u << 10);
	printf("fit faults %ld\n", hc_faults() - before);
	free(p);
	if (malloc_trim)
		malloc_trim(0);
	return 0;
}

/* A 2 MiB block written and freed; a 1000-byte buffer that realloc grows
 * to 300 KiB (a move: a small block cannot grow in place) takes that
 * mapping, and keeps half its size or more past it
 * (KEEL_DECAY_MS at 500 ms and up). Prints the faults that growing it on
 * to 480 KiB took, writing every byte (about 40 if cut to the request). */
static int hc_grow(void)
{
	unsigned char *big = malloc(2u << 20), *buf;
	if (!big)
		return hc_fail("malloc failed");
	memset(big, 5, 2u << 20);
	free(big);
	if (!(buf = malloc(1000)) || !(buf = realloc(buf, 300u << 10)))
		return hc_fail("malloc or realloc failed");
	memset(buf, 6, 300u << 10);
	long before = hc_faults();
	for (size_t len = 300u << 10; len < (480u << 10); len += 4096) {
		if (!(buf = realloc(buf, len + 4096)))
			return hc_fail("realloc failed");
		memset(buf + len, 6, 4096);
	}
	printf("grow faults %ld\n", hc_faults() - before);
	free(buf);
	if (malloc_trim)
		malloc_trim(0);
	return 0;
}

/* A 1.1 MiB buffer in a mapping of its own, and a block of spare bytes
 * written and freed (cached, resident); realloc grows the buffer to
 * 1.3 MiB, past its mapping: it moves into the cached one by copying, not
 * by mremap's fresh pages, whether the cached one fits it (1.6 MiB) or is
 * far bigger and cut (4 MiB). Prints "WHAT faults N": the faults that
 * growing it and writing the new bytes took (about 50 when the pages were
 * fresh). */
#define HC_MOVE_FROM (1100u << 10)
#define HC_MOVE_TO (1300u << 10)
static int hc_move(const char *what, size_t spare_len)
{
	unsigned char *buf = malloc(HC_MOVE_FROM), *spare = malloc(spare_len);
	if (!buf || !spare)
		return hc_fail("malloc failed");
	memset(buf, 9, HC_MOVE_FROM);
	memset(spare, 4, spare_len);
	free(spare);
	long before = hc_faults();
	unsigned char *p = realloc(buf, HC_MOVE_TO);
	if (!p)
		return hc_fail("realloc failed");
	memset(p + HC_MOVE_FROM, 10, HC_MOVE_TO - HC_MOVE_FROM);
	printf("%s faults %ld\n", what, hc_faults() - before);
	for (size_t i = 0; i < HC_MOVE_FROM; i++)
		if (p[i] != 9)
			return hc_fail("a buffer moved into a cached mapping lost bytes");
	free(p);
	if (malloc_trim)
		malloc_trim(0);
	return 0;
}

/* 264 blocks just over 1 MiB, touched and freed beside a 1 GiB block in
 * use (untouched: at KEEL_DECAY_MS 8000 and up it raises the free-resident
 * cap, half the bytes in use, past all 264): the cache keeps 256 mappings
 * and unmaps the oldest. Prints the KiB of the 264 that stay resident
 * (256 x 1032 = 264192), then takes 264 again, whose bytes must hold. */
#define HC_FULL_N 264
#define HC_FULL_SIZE ((1u << 20) + 4096)
static int hc_full(void)
{
	unsigned char *big = malloc(1ul << 30), *b[HC_FULL_N];
	if (!big)
		return hc_fail("malloc failed");
	long base = rss_kib();
	for (int i = 0; i < HC_FULL_N; i++) {
		if (!(b[i] = malloc(HC_FULL_SIZE)))
			return hc_fail("malloc failed");
		memset(b[i], i, HC_FULL_SIZE);
	}
	for (int i = 0; i < HC_FULL_N; i++)
		free(b[i]);
	printf("full kept %ld\n", rss_kib() - base);
	for (int i = 0; i < HC_FULL_N; i++) {
		if (!(b[i] = malloc(HC_FULL_SIZE)))
			return hc_fail("malloc failed");
		memset(b[i], i + 1, HC_FULL_SIZE);
	}
	for (int i = 0; i < HC_FULL_N; i++) {
		for (size_t k = 0; k < HC_FULL_SIZE; k += 4096)
			if (b[i][k] != (unsigned char)(i + 1))
				return hc_fail("a block from a full cache lost bytes");
		free(b[i]);
	}
	free(big);
	if (malloc_trim)
		malloc_trim(0);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc > 1 && !strcmp(argv[1], "full"))
		return hc_full();
	int trim = argc > 1 && !strcmp(argv[1], "trim");
	if (hc_tail() || hc_fit() || hc_grow() ||
	    hc_move("move", 1600u << 10) || hc_move("bigmove", 4096u << 10))
		return 1;
	unsigned char *p = malloc(HC_SIZE);
	if (!p)
		return hc_fail("malloc failed");
	memset(p, 0xab, HC_SIZE);
	free(p);
	/* calloc of about the same size: zeros, whether reused or fresh */
	unsigned char *q = calloc(1, HC_SIZE - 4096);
	if (!q)
		return hc_fail("calloc failed");
	for (size_t i = 0; i < HC_SIZE - 4096; i++)
		if (q[i])
			return hc_fail("calloc returned a dirty byte");
	printf("reused %d\n", p == q);
	/* a size that overflows when rounded: NULL, the block untouched */
	q[0] = 42;
	size_t absurd = (size_t)-1 - 100;
	void *r = realloc(q, absurd);
	if (r || q[0] != 42)
		return hc_fail("realloc to an absurd size did not fail cleanly");
	free(q);

	/* a growth chain from 512 KiB to 6 MiB keeps its bytes */
	unsigned char *g = 0;
	size_t len = 0;
	while (len < (6u << 20)) {
		size_t add = 1000 + len / 64;
		unsigned char *n = realloc(g, len + add);
		if (!n)
			return hc_fail("realloc failed");
		for (size_t i = 0; i < add; i++)
			n[len + i] = (unsigned char)(len + i);
		g = n;
		len += add;
	}
	for (size_t i = 0; i < len; i++)
		if (g[i] != (unsigned char)i)
			return hc_fail("realloc chain lost bytes");

	/* several huge blocks, touched and freed: they sit in the cache */
	void *b[4];
	long base = rss_kib();
	for (int i = 0; i < 4; i++) {
		b[i] = malloc(HC_SIZE);
		if (!b[i])
			return hc_fail("malloc failed");
		memset(b[i], i + 1, HC_SIZE);
	}
	long peak = rss_kib();
	for (int i = 0; i < 4; i++)
		free(b[i]);
	free(g);
	int ret = -1;
	if (trim) {
		ret = malloc_trim ? malloc_trim(0) : -1;
	} else {
		struct timespec ts = { 1, 500000000 };
		nanosleep(&ts, 0);
	}
	long after = rss_kib();
	printf("base %ld peak %ld after %ld trim %d\n", base, peak, after, ret);
	return 0;
}
