/* The test program's own VmRSS in KiB, read with plain system calls so
 * the measurement itself allocates nothing. */
#ifndef TESTS_SHIM_RSS_H
#define TESTS_SHIM_RSS_H

#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static long rss_kib(void)
{
	char buf[128];
	int fd = open("/proc/self/statm", O_RDONLY);
	ssize_t n = fd < 0 ? -1 : read(fd, buf, sizeof(buf) - 1);
	if (fd >= 0)
		close(fd);
	if (n <= 0)
		return -1;
	buf[n] = 0;
	char *p = strchr(buf, ' ');
	return p ? atol(p + 1) * (sysconf(_SC_PAGESIZE) / 1024) : -1;
}

#endif
