/* grower: the fast grower of the guard tests. "grow" mallocs BLOCK-byte
 * blocks (1 MiB: page runs in 4 MiB segments; more: direct mappings) and
 * touches them as fast as it can, N times, reading cgroup usage after each
 * step to say when it crossed the soft limit (CLOCK_MONOTONIC, in us) and
 * at what rate it grew, and, given another process's statistics file, how
 * far past the crossing it got before that process had trimmed; on ENOMEM
 * it frees everything and exits 0. "watch" waits for a process to serve a
 * trim (trim_epoch_done in its statistics file) and says when. "now"
 * prints CLOCK_MONOTONIC in us.
 * usage: grower grow N BLOCK USAGEFILE SOFT [STATSFILE] |
 *        grower watch STATSFILE | grower now */
#include <errno.h>
#include <stdarg.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "../../common/heapstats.h"

static long long now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000ll + ts.tv_nsec / 1000;
}

/* One line at once, unbuffered: the process may be SIGKILLed next. */
static void say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void say(const char *fmt, ...)
{
	char buf[256];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (n > 0)
		write(1, buf, (size_t)n < sizeof(buf) ? (size_t)n :
		      sizeof(buf));
}

static unsigned long long read_usage(int fd)
{
	char buf[32];
	ssize_t n = pread(fd, buf, sizeof(buf) - 1, 0);

	if (n <= 0)
		return 0;
	buf[n] = 0;
	return strtoull(buf, NULL, 10);
}

/* A process's statistics file, mapped to watch its trim_epoch_done. */
static const struct keel_heap_stats *map_stats(const char *path)
{
	int fd = open(path, O_RDONLY);
	const struct keel_heap_stats *st;

	if (fd < 0) {
		perror("grower: statistics file");
		exit(2);
	}
	st = mmap(NULL, sizeof(*st), PROT_READ, MAP_SHARED, fd, 0);
	close(fd);
	if (st == MAP_FAILED)
		exit(2);
	return st;
}

static uint32_t trims_served(const struct keel_heap_stats *st)
{
	return __atomic_load_n(&st->trim_epoch_done, __ATOMIC_ACQUIRE);
}

static int grow(long n, size_t block, const char *usage_file,
		unsigned long long soft, const char *other)
{
	char **p = calloc(n, sizeof(*p));
	int fd = open(usage_file, O_RDONLY);
	const struct keel_heap_stats *st = other ? map_stats(other) : NULL;
	uint32_t e0 = st ? trims_served(st) : 0;
	long long t0, step;
	long crossed = -1, seen = -1;

	if (!p || fd < 0) {
		perror("grower");
		return 2;
	}
	t0 = now_us();
	for (long i = 0; i < n; i++) {
		step = now_us();
		p[i] = malloc(block);
		if (!p[i]) {
			int e = errno;
			unsigned long long u = read_usage(fd);

			for (long j = 0; j < i; j++)
				free(p[j]);
			say("ENOMEM after %ld blocks (%.1f MiB), errno %d, usage %llu MiB\n",
			    i, i * (double)block / (1 << 20), e, u >> 20);
			return e == ENOMEM ? 0 : 1;
		}
		memset(p[i], 1, block);
		if (crossed < 0 && read_usage(fd) >= soft) {
			/* from the start of the step that crossed */
			crossed = i;
			say("crossed at_us=%lld block=%ld rate_mib_s=%.0f\n",
			    step, i, (i + 1) * (double)block / (1 << 20) /
			    ((now_us() - t0) / 1e6));
		}
		/* the other process trimmed: how far past the crossing */
		if (st && seen < 0 && trims_served(st) != e0) {
			seen = i;
			say("other trimmed, seen at block=%ld, %.1f MiB after the crossing\n",
			    i, crossed < 0 ? 0 : (i - crossed) * (double)block /
			    (1 << 20));
		}
	}
	say("grew %ld blocks in %.1f ms\n", n, (now_us() - t0) / 1e3);
	return 0;
}

static int watch(const char *stats)
{
	const struct keel_heap_stats *st = map_stats(stats);
	uint32_t e0 = trims_served(st);

	for (long long t = now_us(); now_us() - t < 20000000;) {
		if (trims_served(st) != e0) {
			say("trimmed at_us=%lld\n", now_us());
			return 0;
		}
		usleep(100);
	}
	say("not trimmed\n");
	return 1;
}

int main(int argc, char **argv)
{
	if ((argc == 6 || argc == 7) && !strcmp(argv[1], "grow"))
		return grow(atol(argv[2]), strtoull(argv[3], NULL, 0), argv[4],
			    strtoull(argv[5], NULL, 0),
			    argc == 7 ? argv[6] : NULL);
	if (argc == 3 && !strcmp(argv[1], "watch"))
		return watch(argv[2]);
	if (argc == 2 && !strcmp(argv[1], "now")) {
		say("%lld\n", now_us());
		return 0;
	}
	fprintf(stderr, "usage: grower grow N BLOCK USAGEFILE SOFT [STATSFILE] | grower watch STATSFILE | grower now\n");
	return 2;
}
