/* A program whose use swings: 32 MiB of 128 KiB blocks written, all freed,
 * a pause past the early purge's grace, then one more free (the point
 * where the freeing thread purges) and the same 32 MiB again. Prints the
 * page faults that writing the second round takes: the freed runs fill
 * the gap to the recent peak in use, so they are still resident
 * (shim/kl_decay.h, kl_dirty_cap). Usage: swing PAUSE_MS */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#define SW_BLOCKS 256
#define SW_SIZE (128u << 10)

static long minor_faults(void)
{
	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	return ru.ru_minflt;
}

static int round_trip(char **b, int fill)
{
	for (int i = 0; i < SW_BLOCKS; i++) {
		b[i] = malloc(SW_SIZE);
		if (!b[i])
			return 1;
		memset(b[i], fill, SW_SIZE);
	}
	return 0;
}

int main(int argc, char **argv)
{
	long pause_ms = argc > 1 ? atol(argv[1]) : 100;
	struct timespec ts = { pause_ms / 1000, pause_ms % 1000 * 1000000 };
	static char *b[SW_BLOCKS];
	char *extra = malloc(SW_SIZE);

	if (!extra || round_trip(b, 1))
		return 1;
	for (int i = 0; i < SW_BLOCKS; i++)
		free(b[i]);
	nanosleep(&ts, 0);
	free(extra);
	long before = minor_faults();
	if (round_trip(b, 2))
		return 1;
	printf("second round: %ld page faults for %u pages\n",
	       minor_faults() - before, SW_BLOCKS * (SW_SIZE / 4096));
	return 0;
}
