/* A stand-in publisher until libkeel.so publishes: writes "<dir>/<pid>" in
 * the common/heapstats.h layout with the same seqlock protocol, updating it
 * in a loop (so readers meet the seqlock), until it is killed.
 * usage: publish DIR IN_USE_MIB FREE_MIB [bad-magic|bad-version] */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "../../common/heapstats.h"

int main(int argc, char **argv)
{
	char path[4096];
	struct keel_heap_stats *st;
	uint64_t mib = 1 << 20;
	int fd;

	if (argc < 4)
		return 2;
	snprintf(path, sizeof(path), "%s/%d", argv[1], (int)getpid());
	fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0644);
	if (fd < 0 || ftruncate(fd, sizeof(*st)) < 0) {
		perror(path);
		return 1;
	}
	st = mmap(NULL, sizeof(*st), PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (st == MAP_FAILED)
		return 1;
	for (uint64_t tick = 0;; tick++) {
		__atomic_add_fetch(&st->seq, 1, __ATOMIC_ACQ_REL);
		st->magic = KEEL_STATS_MAGIC;
		st->version = KEEL_STATS_VERSION;
		st->size = sizeof(*st);
		if (argc > 4 && strcmp(argv[4], "bad-magic") == 0)
			st->magic = 1;
		if (argc > 4 && strcmp(argv[4], "bad-version") == 0)
			st->version = 99;
		st->pid = (uint32_t)getpid();
		st->threads = 3;
		st->in_use = strtoull(argv[2], 0, 10) * mib;
		st->free_resident = strtoull(argv[3], 0, 10) * mib;
		st->resident = st->in_use + st->free_resident;
		st->returned = 7 * mib;
		st->mapped = st->resident + st->returned;
		st->trims = tick;
		st->nclasses = 2;
		st->classes[0] = (struct keel_class_stats){ 64, 1000, 4096 };
		st->classes[1] = (struct keel_class_stats){ 4096,
			st->in_use / 4096 - 16, 0 };
		__atomic_add_fetch(&st->seq, 1, __ATOMIC_ACQ_REL);
		if (tick == 0) {
			printf("ready\n");
			fflush(stdout);
		}
		usleep(1000);
	}
}
