/* A counter of the test program's own page faults: the perf event, which
 * counts the exceptions (getrusage counts a system call's faults too). */
#ifndef TESTS_SHIM_FAULTS_H
#define TESTS_SHIM_FAULTS_H

#include <stdint.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

/* A counter of this process's page faults, or -1: perf_event_open with
 * the first version of its attributes (64 bytes, which every kernel
 * takes; musl's headers have no linux/perf_event.h). */
static int fault_counter(void)
{
	struct {
		uint32_t type, size;
		uint64_t config, period, sample_type, read_format, flags;
		uint32_t wakeup, bp_type;
		uint64_t bp_addr;
	} a;

	memset(&a, 0, sizeof(a));
	a.size = sizeof(a);
	a.type = 1;	/* PERF_TYPE_SOFTWARE */
	a.config = 2;	/* PERF_COUNT_SW_PAGE_FAULTS */
	return (int)syscall(SYS_perf_event_open, &a, 0, -1, -1, 0);
}

/* The faults counted so far, or -1 where perf events are not allowed. */
static long faults(int fd)
{
	long long n;

	if (fd < 0 || read(fd, &n, sizeof(n)) != sizeof(n))
		return -1;
	return (long)n;
}

#endif
