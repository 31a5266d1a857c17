/* Test helper: opens the statistics file a shimmed process publishes in
 * dir, "<pid>.<random hex>" (common/heapstats.h), read-only; its path in
 * path. Returns the descriptor, or -1. Shared by tests/shim/control.c and
 * tests/vm/wakelat.c. */
#ifndef KEEL_TEST_STATSFILE_H
#define KEEL_TEST_STATSFILE_H

#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>

static inline int statsfile_open(const char *dir, int pid, char *path,
				 size_t len)
{
	char prefix[32];
	struct dirent *de;
	DIR *d = opendir(dir);
	int fd = -1;

	if (!d)
		return -1;
	snprintf(prefix, sizeof(prefix), "%d.", pid);
	while (fd < 0 && (de = readdir(d))) {
		if (strncmp(de->d_name, prefix, strlen(prefix)))
			continue;
		snprintf(path, len, "%s/%s", dir, de->d_name);
		fd = open(path, O_RDONLY | O_CLOEXEC);
	}
	closedir(d);
	return fd;
}

#endif
