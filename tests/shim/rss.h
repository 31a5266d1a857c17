/* The test program's own memory and threads as /proc/self gives them,
 * read with plain system calls so the measurement itself allocates
 * nothing (but task_threads, which opens a folder). */
#ifndef TESTS_SHIM_RSS_H
#define TESTS_SHIM_RSS_H

#include <dirent.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Field `field` of /proc/self/statm (0: the size, 1: resident, 5: data
 * and stack) in bytes, or -1. */
static inline long statm_bytes(int field)
{
	char buf[128];
	int fd = open("/proc/self/statm", O_RDONLY);
	ssize_t n = fd < 0 ? -1 : read(fd, buf, sizeof(buf) - 1);
	if (fd >= 0)
		close(fd);
	if (n <= 0)
		return -1;
	buf[n] = 0;
	char *p = buf;
	for (int i = 0; i < field && p; i++)
		if ((p = strchr(p, ' ')))
			p++;
	return p ? atol(p) * sysconf(_SC_PAGESIZE) : -1;
}

static inline long rss_kib(void)
{
	long b = statm_bytes(1);
	return b < 0 ? -1 : b / 1024;
}

/* How many threads the process has: the entries of /proc/self/task. */
static inline int task_threads(void)
{
	DIR *d = opendir("/proc/self/task");
	struct dirent *e;
	int n = 0;

	if (!d)
		return -1;
	while ((e = readdir(d)))
		n += e->d_name[0] != '.';
	closedir(d);
	return n;
}

#endif
