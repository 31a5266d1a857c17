/* trimlat: measures the guard's reaction time on a real cgroup. "idle"
 * mallocs SIZE-byte blocks (64000) and frees all but one in KEEP (4): what
 * the allocator keeps of those pages (under a long decay) is resident
 * until a trim,
 * and sleeps; "hog" touches fresh pages until the cgroup crosses the soft
 * limit, then watches the idle process's published trim_epoch_done and
 * RSS, and prints the times from the crossing in milliseconds.
 * usage: trimlat idle MIB [KEEP [SIZE]] | trimlat hog PID STATSFILE USAGEFILE SOFT MIB */
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "../../common/heapstats.h"

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static unsigned long long read_num(const char *path, int field)
{
	unsigned long long v[2] = { 0, 0 };
	FILE *f = fopen(path, "r");

	if (!f)
		return 0;
	if (fscanf(f, "%llu %llu", &v[0], &v[1]) < field + 1)
		v[field] = 0;
	fclose(f);
	return v[field];
}

static int idle(long mib, long keep, long size)
{
	long n = (mib << 20) / size;
	char **p = malloc(n * sizeof(*p));

	for (long i = 0; i < n; i++) {
		p[i] = malloc(size);
		memset(p[i], 1, size);
	}
	/* keep one block in KEEP: the slabs stay, their free pages are
	 * what only a trim (or the decay) gives back */
	for (long i = 0; i < n; i++)
		if (i % keep)
			free(p[i]);
	printf("ready\n");
	fflush(stdout);
	pause();
	return 0;
}

static int hog(int pid, const char *stats, const char *usage_file,
	       unsigned long long soft, long mib)
{
	char statm[64];
	unsigned long long rss0, rss, usage = 0, epoch = 0;
	double t0 = 0, t_epoch = -1, t_rss = -1;
	int after_crossing = 4;
	const struct keel_heap_stats *st;
	int fd = open(stats, O_RDONLY);

	if (fd < 0) {
		perror("trimlat: stats file");
		return 1;
	}
	st = mmap(NULL, sizeof(*st), PROT_READ, MAP_SHARED, fd, 0);
	if (st == MAP_FAILED)
		return 1;
	snprintf(statm, sizeof(statm), "/proc/%d/statm", pid);
	/* the idle process's RSS before the hog grows: the kernel may signal
	 * the crossing (and keel trim) before this process's own reading of
	 * the usage file shows it, so no later reading is a fair baseline */
	rss0 = read_num(statm, 1) * 4096;
	for (long i = 0; i < mib; i++) {
		/* the crossing happened during this step: time from its start,
		 * which overstates the reaction time by at most one step */
		double step = now_ms();
		char *m = mmap(NULL, 1 << 20, PROT_READ | PROT_WRITE,
			       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (m == MAP_FAILED)
			return 1;
		memset(m, 2, 1 << 20);
		usage = read_num(usage_file, 0);
		epoch = __atomic_load_n(&st->trim_epoch_done, __ATOMIC_ACQUIRE);
		if ((usage >= soft || epoch) && !t0)
			t0 = step;
		/* a few steps more, as a growing app would: the kernel checks
		 * v1 thresholds only every 128 page charges per CPU; stop
		 * once the trim is seen so the hog does not outgrow it */
		if (t0 && (epoch || --after_crossing == 0))
			break;
	}
	if (!t0) {
		fprintf(stderr, "trimlat: usage %llu never crossed %llu\n",
			usage, soft);
		return 1;
	}
	/* the RSS drop: 2 MiB below the idle process's RSS at the crossing */
	while (now_ms() - t0 < 3000 && (t_epoch < 0 || t_rss < 0)) {
		if (t_epoch < 0 && __atomic_load_n(&st->trim_epoch_done,
						   __ATOMIC_ACQUIRE))
			t_epoch = now_ms() - t0;
		rss = read_num(statm, 1) * 4096;
		if (t_rss < 0 && rss + (2 << 20) < rss0)
			t_rss = now_ms() - t0;
		usleep(200);
	}
	printf("crossed usage=%llu soft=%llu idle_rss_before=%llu idle_rss_after=%llu trim_epoch_done_ms=%.1f rss_drop_ms=%.1f\n",
	       usage, soft, rss0, read_num(statm, 1) * 4096, t_epoch, t_rss);
	return t_epoch < 0 || t_rss < 0;
}

int main(int argc, char **argv)
{
	if (argc >= 3 && argc <= 5 && !strcmp(argv[1], "idle"))
		return idle(atol(argv[2]), argc > 3 ? atol(argv[3]) : 4,
			    argc > 4 ? atol(argv[4]) : 64000);
	if (argc == 7 && !strcmp(argv[1], "hog"))
		return hog(atoi(argv[2]), argv[3], argv[4],
			   strtoull(argv[5], NULL, 0), atol(argv[6]));
	fprintf(stderr, "usage: trimlat idle MIB [KEEP [SIZE]] | trimlat hog PID STATSFILE USAGEFILE SOFT MIB\n");
	return 2;
}
