/* Holes in partly used spans (shim/holes.c): 2000 blocks of 20 KiB are
 * written, then every block but one in eight is freed, so nearly every
 * span keeps a live block and none can go back whole. Mode "idle" sleeps
 * without calling the allocator; "trim" calls malloc_trim(0). Prints RSS
 * before the frees, after them and after the wait or trim (KiB), then
 * writes every free block again through malloc and checks the live ones
 * kept their bytes, so returned pages are usable and nothing live lost. */
#include <stdio.h>
#include <string.h>

#include "rss.h"

/* musl declares no malloc_trim; the preloaded shim defines it */
extern int malloc_trim(size_t pad) __attribute__((weak));

#define N 2000
#define SIZE 20000

int main(int argc, char **argv)
{
	static unsigned char *b[N];
	int trim = argc > 1 && strcmp(argv[1], "trim") == 0;
	long base = rss_kib();
	for (int i = 0; i < N; i++) {
		if (!(b[i] = malloc(SIZE)))
			return 2;
		memset(b[i], i & 0xff, SIZE);
	}
	long full = rss_kib();
	for (int i = 0; i < N; i++)
		if (i % 8) {
			free(b[i]);
			b[i] = 0;
		}
	long freed = rss_kib();
	if (trim && malloc_trim)
		malloc_trim(0);
	else if (trim)
		return 3;
	else
		usleep(1500 * 1000);
	long after = rss_kib();
	printf("holes: base %ld full %ld freed %ld after %ld live %ld\n",
	       base, full, freed, after, (long)(N / 8) * SIZE / 1024);
	for (int i = 0; i < N; i++)
		if (!b[i]) {
			if (!(b[i] = malloc(SIZE)))
				return 2;
			memset(b[i], 0x5a, SIZE);
		}
	for (int i = 0; i < N; i += 8)
		for (int j = 0; j < SIZE; j++)
			if (b[i][j] != (i & 0xff)) {
				printf("holes: block %d byte %d lost\n", i, j);
				return 1;
			}
	for (int i = 0; i < N; i++)
		free(b[i]);
	return 0;
}
