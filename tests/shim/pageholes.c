/* Holes in partly used spans of classes of a page or less (shim/holes.c):
 * 20000 blocks of 520 B-4 KiB are written, then a random
 * 6 in 7 are freed, so nearly every span keeps a live block and few go
 * back whole, while many of their pages hold only free blocks. Mode
 * "idle" sleeps without calling the allocator; "trim" calls
 * malloc_trim(0). Prints RSS before the blocks, with them, after the frees
 * and after the wait or trim (KiB), and the live bytes. Then, ROUNDS times
 * (3), every free slot is allocated and written again, every block checked
 * (a parked block handed out twice, or a live one on a returned page,
 * shows as lost bytes), and 6 in 7 freed again and returned again: the
 * parked blocks come back on their spans' lists and go again. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "rss.h"

/* musl declares no malloc_trim; the preloaded shim defines it */
extern int malloc_trim(size_t pad) __attribute__((weak));

#define N 20000
#define SIZE_MIN 520
#define SIZE_MAX_ 4096

static unsigned char *b[N];
static size_t len[N];
static uint8_t tag[N];
static uint64_t rng = 0x9e3779b97f4a7c15ull;

static uint64_t rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

/* every free slot gets a block of a random size, filled with its tag */
static int fill(unsigned round)
{
	for (int i = 0; i < N; i++) {
		if (b[i])
			continue;
		len[i] = SIZE_MIN + rnd() % (SIZE_MAX_ - SIZE_MIN + 1);
		if (!(b[i] = malloc(len[i])))
			return 2;
		tag[i] = (uint8_t)(i * 7 + round * 31 + 1);
		memset(b[i], tag[i], len[i]);
	}
	return 0;
}

static int check(const char *when)
{
	for (int i = 0; i < N; i++)
		for (size_t j = 0; b[i] && j < len[i]; j++)
			if (b[i][j] != tag[i]) {
				printf("pageholes: %s: block %d (%zu B) byte %zu lost\n",
				       when, i, len[i], j);
				return 1;
			}
	return 0;
}

/* free 6 in 7 at random; returns the live bytes */
static long thin(void)
{
	long live = 0;
	for (int i = 0; i < N; i++) {
		if (rnd() % 7) {
			free(b[i]);
			b[i] = 0;
		} else {
			live += (long)len[i];
		}
	}
	return live;
}

/* the trim, or a wait past the decay (the first long: RSS is measured
 * after it; the later ones only need some spans returned) */
static int give_back(int trim, unsigned ms)
{
	if (trim && !malloc_trim)
		return 3;
	if (trim)
		malloc_trim(0);
	else
		usleep(ms * 1000);
	return 0;
}

int main(int argc, char **argv)
{
	int trim = argc > 1 && strcmp(argv[1], "trim") == 0;
	int rounds = argc > 2 ? atoi(argv[2]) : 3;
	long base = rss_kib();
	int rc;

	if ((rc = fill(0)))
		return rc;
	long full = rss_kib();
	long live = thin();
	long freed = rss_kib();
	if ((rc = give_back(trim, 1500)))
		return rc;
	long after = rss_kib();
	printf("pageholes: base %ld full %ld freed %ld after %ld live %ld\n",
	       base, full, freed, after, live / 1024);
	if (check("after the pages went back"))
		return 1;
	for (int r = 1; r <= rounds; r++) {
		if ((rc = fill((unsigned)r)))
			return rc;
		if (check("refilled"))
			return 1;
		thin();
		if ((rc = give_back(trim, 500)) || check("returned again"))
			return rc ? rc : 1;
	}
	for (int i = 0; i < N; i++)
		free(b[i]);
	printf("pageholes: ok\n");
	return 0;
}
