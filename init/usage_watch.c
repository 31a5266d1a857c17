/* usage_watch: v1's usage threshold event and v2's memory.events, the
 * kernel's ways of waking the guard (see usage_watch.h). */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "init/log.h"
#include "init/usage_watch.h"

int usage_watch_threshold(const char *dir, int usage_fd, uint64_t threshold)
{
	char path[PATH_MAX + 32], line[64];
	int efd, cfd, n, err;

	efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (efd < 0)
		return -errno;
	snprintf(path, sizeof(path), "%s/cgroup.event_control", dir);
	cfd = open(path, O_WRONLY | O_CLOEXEC);
	if (cfd < 0) {
		err = errno;
		close(efd);
		return -err;
	}
	n = snprintf(line, sizeof(line), "%d %d %llu", efd, usage_fd,
		     (unsigned long long)threshold);
	if (write(cfd, line, (size_t)n) != n) {
		err = errno;
		close(cfd);
		close(efd);
		return -err;
	}
	close(cfd);
	return efd;
}

int usage_watch_move(int fd, const char *dir, int usage_fd,
		     uint64_t threshold)
{
	int efd = usage_watch_threshold(dir, usage_fd, threshold), err;

	if (efd < 0)
		return efd;
	if (dup3(efd, fd, O_CLOEXEC) < 0) {
		err = errno;
		close(efd);
		return -err;
	}
	close(efd);
	return 0;
}

int usage_watch_events(const char *dir)
{
	char path[PATH_MAX + 16];

	snprintf(path, sizeof(path), "%s/memory.events", dir);
	return open(path, O_RDONLY | O_CLOEXEC);
}

void usage_watch_drain(int fd, int is_eventfd)
{
	uint64_t count;
	char buf[256];

	if (fd < 0)
		return;
	if (is_eventfd) {
		if (read(fd, &count, sizeof(count)) < 0 && errno != EAGAIN)
			warning("unable to read the memory threshold event: %s",
				strerror(errno));
	} else if (pread(fd, buf, sizeof(buf), 0) < 0) {
		warning("unable to read memory.events: %s", strerror(errno));
	}
}
