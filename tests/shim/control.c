/* keel's side of the statistics files, for the tests: creates the control
 * file, asks for a trim and waits until a process served it, sets
 * deny_growth, and reads a process's published statistics; for the check
 * at growth, sets the soft limit and the usage file and answers the wake
 * FIFO for MS milliseconds as keel does (at once: no trim, no report).
 * "alloc" and "timed" are the shimmed side: one malloc.
 * Usage: control DIR create | trim PID | deny 0|1 | read PID |
 *        limit BYTES USAGEFILE | serve MS | alloc BYTES | timed BYTES */
#include <errno.h>
#include <poll.h>
#include <sys/stat.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "../../common/heapstats.h"
#include "statsfile.h"

#define FUTEX_WAKE 1 /* <linux/futex.h> is not there for musl builds */

static struct keel_control *map_control(const char *dir, int create)
{
	char path[512];
	snprintf(path, sizeof(path), "%s/control", dir);
	int fd = open(path, O_RDWR | (create ? O_CREAT | O_TRUNC : 0), 0644);
	if (fd < 0 || (create && ftruncate(fd, sizeof(struct keel_control)))) {
		perror(path);
		exit(1);
	}
	struct keel_control *c = mmap(NULL, sizeof(*c), PROT_READ | PROT_WRITE,
				      MAP_SHARED, fd, 0);
	close(fd);
	if (c == MAP_FAILED) {
		perror("mmap");
		exit(1);
	}
	return c;
}

/* A consistent copy of a process's statistics (seqlock), from its file
 * "<dir>/<pid>.<random>". */
static int read_stats(const char *dir, const char *pid,
		      struct keel_heap_stats *out)
{
	char path[512];
	int fd = statsfile_open(dir, atoi(pid), path, sizeof(path));

	if (fd < 0)
		return -1;
	struct keel_heap_stats *s = mmap(NULL, sizeof(*s), PROT_READ,
					 MAP_SHARED, fd, 0);
	close(fd);
	if (s == MAP_FAILED)
		return -1;
	for (;;) {
		uint64_t a = __atomic_load_n(&s->seq, __ATOMIC_ACQUIRE);
		memcpy(out, s, sizeof(*out));
		__atomic_thread_fence(__ATOMIC_ACQUIRE);
		if (!(a & 1) && a == __atomic_load_n(&s->seq, __ATOMIC_RELAXED))
			break;
	}
	munmap(s, sizeof(*s));
	return out->magic == KEEL_STATS_MAGIC && out->size == sizeof(*out) ? 0
									    : -1;
}

static void print_stats(const struct keel_heap_stats *s)
{
	printf("pid %u threads %u mapped %lu resident %lu in_use %lu free_resident %lu returned %lu huge %lu trims %lu epoch_done %u classes %u\n",
	       s->pid, s->threads, (unsigned long)s->mapped,
	       (unsigned long)s->resident, (unsigned long)s->in_use,
	       (unsigned long)s->free_resident, (unsigned long)s->returned,
	       (unsigned long)s->huge_in_use, (unsigned long)s->trims,
	       s->trim_epoch_done, s->nclasses);
}

int main(int argc, char **argv)
{
	if (argc < 3) {
		fprintf(stderr, "usage: control DIR create|trim PID|deny N|read PID|alloc BYTES\n");
		return 2;
	}
	const char *dir = argv[1], *cmd = argv[2];
	if (!strcmp(cmd, "alloc")) {
		void *p = malloc(strtoull(argv[3], NULL, 0));
		printf("%s\n", p ? "allocated" : "NULL");
		return 0;
	}
	if (!strcmp(cmd, "timed")) {
		struct timespec a, b;
		clock_gettime(CLOCK_MONOTONIC, &a);
		void *p = malloc(strtoull(argv[3], NULL, 0));
		int e = errno;
		clock_gettime(CLOCK_MONOTONIC, &b);
		printf("%s %d %.0f\n", p ? "allocated" : "NULL", p ? 0 : e,
		       (b.tv_sec - a.tv_sec) * 1e3 +
		       (b.tv_nsec - a.tv_nsec) / 1e6);
		return 0;
	}
	if (!strcmp(cmd, "limit") && argc == 5) {
		struct keel_control *c = map_control(dir, 0);
		c->limit_bytes = strtoull(argv[3], NULL, 0);
		c->trim_usage = 0;
		snprintf(c->usage_path, sizeof(c->usage_path), "%s", argv[4]);
		return 0;
	}
	if (!strcmp(cmd, "serve") && argc == 4) {
		char path[512], buf[4096];
		struct keel_control *c = map_control(dir, 0);
		struct timespec t0, t;
		unsigned served = 0;
		snprintf(path, sizeof(path), "%s/wake", dir);
		if (mkfifo(path, 0622) < 0 && errno != EEXIST) {
			perror(path);
			return 1;
		}
		struct pollfd pfd = { .fd = open(path, O_RDWR | O_NONBLOCK),
				      .events = POLLIN };
		printf("serving\n");
		fflush(stdout);
		clock_gettime(CLOCK_MONOTONIC, &t0);
		do {
			if (poll(&pfd, 1, 10) == 1 &&
			    read(pfd.fd, buf, sizeof(buf)) > 0) {
				/* trimmed at this usage, as keel says */
				FILE *u = fopen(c->usage_path, "r");
				unsigned long long v = 0;
				if (u && fscanf(u, "%llu", &v) == 1 &&
				    v >= c->limit_bytes)
					c->trim_usage = v;
				if (u)
					fclose(u);
				served++;
				__atomic_add_fetch(&c->wake_served, 1,
						   __ATOMIC_SEQ_CST);
				syscall(SYS_futex, &c->wake_served, FUTEX_WAKE,
					INT32_MAX, NULL, NULL, 0);
			}
			clock_gettime(CLOCK_MONOTONIC, &t);
		} while ((t.tv_sec - t0.tv_sec) * 1000 +
			 (t.tv_nsec - t0.tv_nsec) / 1000000 < atol(argv[3]));
		printf("served %u\n", served);
		return 0;
	}
	if (!strcmp(cmd, "create")) {
		struct keel_control *c = map_control(dir, 1);
		c->magic = KEEL_CONTROL_MAGIC;
		c->version = KEEL_STATS_VERSION;
		c->size = sizeof(*c);
		return 0;
	}
	if (!strcmp(cmd, "deny")) {
		map_control(dir, 0)->deny_growth = (uint32_t)atoi(argv[3]);
		return 0;
	}
	struct keel_heap_stats s;
	if (!strcmp(cmd, "read")) {
		if (read_stats(dir, argv[3], &s))
			return 1;
		print_stats(&s);
		return 0;
	}
	if (!strcmp(cmd, "trim")) {
		struct keel_control *c = map_control(dir, 0);
		uint32_t e = __atomic_add_fetch(&c->trim_epoch, 1,
						__ATOMIC_RELEASE);
		syscall(SYS_futex, &c->trim_epoch, FUTEX_WAKE, INT32_MAX, NULL,
			NULL, 0);
		for (int i = 0; i < 500; i++) {
			if (read_stats(dir, argv[3], &s) == 0 &&
			    s.trim_epoch_done == e) {
				print_stats(&s);
				return 0;
			}
			struct timespec ts = { 0, 10000000 };
			nanosleep(&ts, NULL);
		}
		fprintf(stderr, "control: trim epoch %u not served\n", e);
		return 1;
	}
	return 2;
}
