/* wakelat: the guard's wake-up sources on a real cgroup v2, measured
 * without changing keel. "guard" is keel's guard reduced to its wake-up:
 * it writes a control file in keel's layout (common/heapstats.h), which a
 * shimmed process maps as under keel, waits on one SOURCE, and on the
 * crossing bumps trim_epoch and wakes every purger, as guard_trim does.
 *   poll50   pread memory.current every 50 ms (what keel does today)
 *   events   poll(POLLPRI) on memory.events, then memory.current
 *   inotify  inotify IN_MODIFY on memory.events, then memory.current
 *   psi      a PSI trigger written to memory.pressure, poll(POLLPRI)
 *   none     no wake-up: the control file only (for the shim's check)
 * "hog" touches 1 MiB steps until the cgroup crosses SOFT and times, from
 * the start of the step that crossed: the trim request (trim_epoch in
 * STATSDIR/control moves: the source's latency, whoever the guard is, keel
 * too), the idle process's trim_epoch_done and its RSS down 2 MiB (as
 * tests/guard/trimlat.c). With "self" it also plays the shim checking
 * usage each time it maps new memory (no guard runs then): it preads
 * memory.current after each step and bumps the epoch itself.
 * usage: wakelat guard SOURCE STATSDIR CGDIR SOFT [PSI_TRIGGER]
 *        wakelat hog PID STATSDIR CGDIR SOFT MIB [self] */
#define _GNU_SOURCE
#include <errno.h>
#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/futex.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "../../common/heapstats.h"
#include "../shim/statsfile.h"

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static unsigned long long pread_num(int fd)
{
	char buf[64];
	ssize_t n = pread(fd, buf, sizeof(buf) - 1, 0);

	if (n <= 0)
		return 0;
	buf[n] = 0;
	return strtoull(buf, NULL, 10);
}

static int open_in(const char *dir, const char *file, int flags)
{
	char path[4096];
	int fd;

	snprintf(path, sizeof(path), "%s/%s", dir, file);
	fd = open(path, flags | O_CLOEXEC);
	if (fd < 0)
		fprintf(stderr, "wakelat: %s: %s\n", path, strerror(errno));
	return fd;
}

/* keel's control file, made as guard_make_control makes it */
static struct keel_control *make_control(const char *dir)
{
	char path[4096];
	struct keel_control *c;
	int fd;

	snprintf(path, sizeof(path), "%s/%s", dir, KEEL_CONTROL_FILE);
	fd = open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0 || ftruncate(fd, sizeof(*c)) < 0)
		return NULL;
	c = mmap(NULL, sizeof(*c), PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	close(fd);
	if (c == MAP_FAILED)
		return NULL;
	c->version = KEEL_STATS_VERSION;
	c->size = sizeof(*c);
	__atomic_store_n(&c->magic, KEEL_CONTROL_MAGIC, __ATOMIC_RELEASE);
	return c;
}

static struct keel_control *map_control(const char *path)
{
	int fd = open(path, O_RDWR | O_CLOEXEC);
	struct keel_control *c;

	if (fd < 0)
		return NULL;
	c = mmap(NULL, sizeof(*c), PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	close(fd);
	return c == MAP_FAILED ? NULL : c;
}

static void trim_all(struct keel_control *c)
{
	__atomic_add_fetch(&c->trim_epoch, 1, __ATOMIC_SEQ_CST);
	syscall(SYS_futex, &c->trim_epoch, FUTEX_WAKE, INT_MAX, NULL, NULL, 0);
}

static int guard(const char *source, const char *dir, const char *cg,
		 unsigned long long soft, const char *trigger)
{
	struct keel_control *c = make_control(dir);
	int usage_fd = open_in(cg, "memory.current", O_RDONLY);
	int fd = -1, wakes = 0;
	short events = POLLPRI;
	char buf[512];
	struct pollfd p;

	if (!c || usage_fd < 0)
		return 1;
	if (!strcmp(source, "events")) {
		fd = open_in(cg, "memory.events", O_RDONLY);
	} else if (!strcmp(source, "inotify")) {
		char path[4096];

		snprintf(path, sizeof(path), "%s/memory.events", cg);
		fd = inotify_init1(IN_CLOEXEC);
		if (fd < 0 || inotify_add_watch(fd, path, IN_MODIFY) < 0)
			return 1;
		events = POLLIN;
	} else if (!strcmp(source, "psi")) {
		fd = open_in(cg, "memory.pressure", O_RDWR | O_NONBLOCK);
		if (fd < 0 || write(fd, trigger, strlen(trigger) + 1) < 0) {
			fprintf(stderr, "wakelat: PSI trigger \"%s\": %s\n",
				trigger, strerror(errno));
			return 1;
		}
	} else if (!strcmp(source, "none")) {
		/* the control file only: the shim's own check trims */
		printf("guard ready none\n");
		fflush(stdout);
		for (;;)
			pause();
	} else if (strcmp(source, "poll50")) {
		fprintf(stderr, "wakelat: unknown source %s\n", source);
		return 2;
	}
	printf("guard ready %s\n", source);
	fflush(stdout);
	for (;;) {
		unsigned long long usage;

		if (fd >= 0) {
			p = (struct pollfd){ .fd = fd, .events = events };
			if (poll(&p, 1, -1) < 0)
				continue;
			wakes++;
			/* re-arm: memory.events is re-read from offset 0, an
			 * inotify fd drained */
			if (!strcmp(source, "events"))
				pread(fd, buf, sizeof(buf), 0);
			else if (!strcmp(source, "inotify"))
				read(fd, buf, sizeof(buf));
		} else {
			usleep(50000);
		}
		usage = pread_num(usage_fd);
		/* a PSI event is itself the signal: pressure, trim now */
		if (usage >= soft || !strcmp(source, "psi")) {
			trim_all(c);
			printf("fired %s usage=%llu wakes=%d\n", source, usage,
			       wakes);
			fflush(stdout);
			pause();
		}
	}
}

/* the trim request: trim_epoch moved since the hog started */
static int requested(const struct keel_control *c, uint32_t epoch0)
{
	return c && __atomic_load_n(&c->trim_epoch, __ATOMIC_ACQUIRE) != epoch0;
}

static int hog(int pid, const char *dir, const char *cg,
	       unsigned long long soft, long mib, int self)
{
	char path[4096], statm[64];
	unsigned long long rss0, rss = 0, usage = 0;
	double t0 = 0, t_fire = -1, t_epoch = -1, t_rss = -1, check_ns = 0;
	int after = 4, fd, usage_fd, statm_fd, checks = 0;
	const struct keel_heap_stats *st;
	struct keel_control *control;
	uint32_t epoch0;

	fd = statsfile_open(dir, pid, path, sizeof(path));
	usage_fd = open_in(cg, "memory.current", O_RDONLY);
	snprintf(statm, sizeof(statm), "/proc/%d/statm", pid);
	statm_fd = open(statm, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || usage_fd < 0 || statm_fd < 0) {
		fprintf(stderr, "wakelat: hog: %s: %s\n", path,
			strerror(errno));
		return 1;
	}
	st = mmap(NULL, sizeof(*st), PROT_READ, MAP_SHARED, fd, 0);
	if (st == MAP_FAILED)
		return 1;
	snprintf(path, sizeof(path), "%s/%s", dir, KEEL_CONTROL_FILE);
	control = map_control(path);
	if (!control)
		return 1;
	epoch0 = __atomic_load_n(&control->trim_epoch, __ATOMIC_ACQUIRE);
	/* statm: "size resident ...": the second field */
	{
		char b[128];
		ssize_t n = pread(statm_fd, b, sizeof(b) - 1, 0);
		b[n > 0 ? n : 0] = 0;
		rss0 = strtoull(strchr(b, ' ') ? strchr(b, ' ') : b, NULL, 10) * 4096;
	}
	for (long i = 0; i < mib; i++) {
		double step = now_ms(), c0;
		char *m = mmap(NULL, 1 << 20, PROT_READ | PROT_WRITE,
			       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

		if (m == MAP_FAILED)
			return 1;
		memset(m, 2, 1 << 20);
		/* the shim's own check: one pread per mapping */
		c0 = now_ms();
		usage = pread_num(usage_fd);
		check_ns += (now_ms() - c0) * 1e6;
		checks++;
		if (self && usage >= soft && !t0)
			trim_all(control);
		if ((usage >= soft || requested(control, epoch0)) && !t0)
			t0 = step;
		if (t0 && t_fire < 0 && requested(control, epoch0))
			t_fire = now_ms() - t0;
		/* a few steps more, as a growing app would, until the trim
		 * was asked for */
		if (t0 && (t_fire >= 0 || --after == 0))
			break;
	}
	if (!t0) {
		fprintf(stderr, "wakelat: usage %llu never crossed %llu\n",
			usage, soft);
		return 1;
	}
	while (now_ms() - t0 < 3000 && (t_epoch < 0 || t_rss < 0)) {
		char b[128];
		ssize_t n;

		if (t_fire < 0 && requested(control, epoch0))
			t_fire = now_ms() - t0;
		if (t_epoch < 0 && __atomic_load_n(&st->trim_epoch_done,
						   __ATOMIC_ACQUIRE))
			t_epoch = now_ms() - t0;
		n = pread(statm_fd, b, sizeof(b) - 1, 0);
		b[n > 0 ? n : 0] = 0;
		rss = strtoull(strchr(b, ' ') ? strchr(b, ' ') : b, NULL, 10) * 4096;
		if (t_rss < 0 && rss + (2 << 20) < rss0)
			t_rss = now_ms() - t0;
		usleep(200);
	}
	printf("crossed usage=%llu soft=%llu idle_rss_before=%llu idle_rss_after=%llu request_ms=%.1f trim_epoch_done_ms=%.1f rss_drop_ms=%.1f check_us=%.1f\n",
	       usage, soft, rss0, rss, t_fire, t_epoch, t_rss,
	       check_ns / checks / 1e3);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc >= 6 && argc <= 7 && !strcmp(argv[1], "guard"))
		return guard(argv[2], argv[3], argv[4],
			     strtoull(argv[5], NULL, 0),
			     argc > 6 ? argv[6] : "some 10000 500000");
	if (argc >= 7 && argc <= 8 && !strcmp(argv[1], "hog"))
		return hog(atoi(argv[2]), argv[3], argv[4],
			   strtoull(argv[5], NULL, 0), atol(argv[6]),
			   argc > 7 && !strcmp(argv[7], "self"));
	fprintf(stderr, "usage: wakelat guard SOURCE STATSDIR CGDIR SOFT [PSI_TRIGGER] | wakelat hog PID STATSDIR CGDIR SOFT MIB [self]\n");
	return 2;
}
