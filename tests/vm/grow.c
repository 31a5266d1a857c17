/* grow: live data that only grows, for the VM suite's OOM tests. Mallocs
 * STEP_KIB blocks, touches them and keeps them all, DELAY_US apart (0: as
 * fast as the machine goes), up to MAX_MIB, then sleeps SLEEP_MS and exits.
 * When malloc fails (KEEL_ON_LIMIT=fail) it says so, frees everything, and
 * shows it can allocate again. Prints its rate every 16 MiB.
 * usage: grow STEP_KIB DELAY_US MAX_MIB [SLEEP_MS] */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

int main(int argc, char **argv)
{
	if (argc < 4) {
		fprintf(stderr, "usage: grow STEP_KIB DELAY_US MAX_MIB [SLEEP_MS]\n");
		return 2;
	}
	size_t step = (size_t)atol(argv[1]) << 10;
	long delay = atol(argv[2]);
	size_t max = (size_t)atol(argv[3]) << 20;
	long sleep_ms = argc > 4 ? atol(argv[4]) : 0;
	size_t n = max / step + 1, kept = 0, total = 0, mark = 16 << 20;
	char **keep = calloc(n, sizeof(*keep));
	double t0 = now_ms();

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (!keep)
		return 1;
	while (total < max) {
		char *p = malloc(step);

		if (!p) {
			printf("ENOMEM after %zu MiB\n", total >> 20);
			for (size_t i = 0; i < kept; i++)
				free(keep[i]);
			usleep(500000);
			/* below the limit again: growth is allowed once more */
			for (int i = 0; i < 8; i++) {
				p = malloc(1 << 20);
				if (!p) {
					printf("still ENOMEM after the load was shed\n");
					return 1;
				}
				memset(p, 3, 1 << 20);
			}
			printf("allocating again: ok\n");
			return 0;
		}
		memset(p, 1, step);
		keep[kept++] = p;
		total += step;
		if (total >= mark) {
			double ms = now_ms() - t0;
			printf("grown %zu MiB in %.0f ms (%.0f MiB/s)\n",
			       total >> 20, ms, (total >> 20) / (ms / 1e3));
			mark += 16 << 20;
		}
		if (delay)
			usleep(delay);
	}
	printf("done %zu MiB\n", total >> 20);
	if (sleep_ms)
		usleep(sleep_ms * 1000);
	return 0;
}
