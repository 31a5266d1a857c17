/* A stand-in for libkeel.so's purger until the shim lands: maps
 * "<dir>/control" read-only as the shim does, publishes "<dir>/<pid>",
 * holds FREE_MIB of touched "free-resident" memory, and on every trim
 * epoch gives it back (madvise) and says when. With "grow" it then takes
 * 1 MiB more every 10 ms, as live data that really exceeds the limit.
 * With PURGER_USAGE_FILE and PURGER_SOFT (bytes) it notes when the cgroup
 * crossed the soft limit, to measure crossing -> trim -> pages returned.
 * usage: purger DIR FREE_MIB [grow] */
#include <fcntl.h>
#include <limits.h>
#include <linux/futex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "../../common/heapstats.h"

static struct keel_heap_stats *st;

static long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void publish(uint64_t in_use, uint64_t free_res, uint64_t returned,
		    uint32_t epoch)
{
	__atomic_add_fetch(&st->seq, 1, __ATOMIC_ACQ_REL);
	st->magic = KEEL_STATS_MAGIC;
	st->version = KEEL_STATS_VERSION;
	st->size = sizeof(*st);
	st->pid = (uint32_t)getpid();
	st->threads = 1;
	st->in_use = in_use;
	st->free_resident = free_res;
	st->returned = returned;
	st->resident = in_use + free_res;
	st->mapped = st->resident + returned;
	st->trim_epoch_done = epoch;
	st->nclasses = 1;
	st->classes[0] = (struct keel_class_stats){ 1 << 20, in_use >> 20, 0 };
	__atomic_add_fetch(&st->seq, 1, __ATOMIC_ACQ_REL);
}

int main(int argc, char **argv)
{
	const struct keel_control *ctl;
	char path[4096];
	uint64_t mib = 1 << 20, free_bytes, in_use = 0, returned = 0;
	int grow = argc > 3 && strcmp(argv[3], "grow") == 0;
	uint32_t seen, deny = 0;
	int fd;

	if (argc < 3)
		return 2;
	snprintf(path, sizeof(path), "%s/%s", argv[1], KEEL_CONTROL_FILE);
	fd = open(path, O_RDONLY);
	if (fd < 0) {
		perror(path);
		return 1;
	}
	ctl = mmap(NULL, sizeof(*ctl), PROT_READ, MAP_SHARED, fd, 0);
	if (ctl == MAP_FAILED || ctl->magic != KEEL_CONTROL_MAGIC)
		return 1;
	snprintf(path, sizeof(path), "%s/%d", argv[1], (int)getpid());
	fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0644);
	if (fd < 0 || ftruncate(fd, sizeof(*st)) < 0)
		return 1;
	st = mmap(NULL, sizeof(*st), PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (st == MAP_FAILED)
		return 1;

	free_bytes = strtoull(argv[2], 0, 10) * mib;
	char *buf = mmap(NULL, free_bytes, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (buf == MAP_FAILED)
		return 1;
	seen = __atomic_load_n(&ctl->trim_epoch, __ATOMIC_ACQUIRE);
	publish(0, free_bytes, 0, seen);
	const char *ufile = getenv("PURGER_USAGE_FILE");
	uint64_t soft = getenv("PURGER_SOFT") ? strtoull(getenv("PURGER_SOFT"), 0, 10) : 0;
	int ufd = ufile ? open(ufile, O_RDONLY) : -1;
	long cross_ms = 0;
	/* touch 1 MiB at a time, watching usage and the trim epoch */
	for (uint64_t off = 0; off < free_bytes; off += mib) {
		long step_ms = now_ms();
		memset(buf + off, 1, mib);
		char num[32];
		ssize_t n = ufd >= 0 ? pread(ufd, num, sizeof(num) - 1, 0) : -1;
		if (!cross_ms && n > 0) {
			num[n] = 0;
			if (strtoull(num, 0, 10) >= soft)
				cross_ms = now_ms();
		}
		if (__atomic_load_n(&ctl->trim_epoch, __ATOMIC_ACQUIRE) !=
		    seen) {
			/* trimmed before we saw usage over: the crossing was
			 * in this step (the earliest time, so the latency
			 * measured is an upper bound) */
			if (!cross_ms && ufd >= 0)
				cross_ms = step_ms;
			break;
		}
	}
	printf("ready at %ld epoch=%u crossed at %ld\n", now_ms(), seen, cross_ms);
	fflush(stdout);
	for (;;) {
		/* idle: asleep in the kernel until keel wakes the futex */
		struct timespec ts = { 0, grow ? 10000000 : 100000000 };
		syscall(SYS_futex, &ctl->trim_epoch, FUTEX_WAIT, seen, &ts,
			NULL, 0);
		uint32_t e = __atomic_load_n(&ctl->trim_epoch,
					     __ATOMIC_ACQUIRE);
		if (e != seen) {
			long t = now_ms();
			madvise(buf, free_bytes, MADV_DONTNEED);
			returned += free_bytes;
			free_bytes = 0;
			seen = e;
			publish(in_use, 0, returned, e);
			printf("trim epoch=%u seen at %ld returned at %ld\n", e, t,
			       now_ms());
			fflush(stdout);
		}
		if (ctl->deny_growth != deny) {
			deny = ctl->deny_growth;
			printf("deny_growth=%u at %ld\n", deny, now_ms());
			fflush(stdout);
		}
		if (grow && !deny) {
			char *p = mmap(NULL, mib, PROT_READ | PROT_WRITE,
				       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
			if (p != MAP_FAILED) {
				memset(p, 2, mib);
				in_use += mib;
				publish(in_use, free_bytes, returned, seen);
			}
		}
	}
}
