/* statsfind: which keel instances `keel stats` reads. Any process in the
 * container can write into the statistics folders, so an instance counts
 * only by the control file its keel alone can write, naming a keel that
 * still runs (pid and start time) in this PID namespace. */
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/heapstats.h"
#include "init/procinfo.h"
#include "init/statstable.h"

/* Whether folder name in dirfd is a live keel's instance: its control
 * file belongs to the folder's owner, who alone can write it, and names a
 * keel that is still running. 0 with a copy of the control file and the
 * folder's descriptor, or -1. */
static int statsfind_instance(int dirfd, const char *name,
			      struct keel_control *ctl, int *out_fd)
{
	struct keel_proc_stat ps;
	struct stat dsb, fsb;
	int fd, cfd, ok = 0;

	fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
		    O_CLOEXEC);
	if (fd < 0)
		return -1;
	cfd = openat(fd, KEEL_CONTROL_FILE, O_RDONLY | O_NONBLOCK |
		     O_NOFOLLOW | O_CLOEXEC | O_NOCTTY);
	if (cfd >= 0) {
		ok = fstat(fd, &dsb) == 0 && fstat(cfd, &fsb) == 0 &&
		     S_ISREG(fsb.st_mode) && fsb.st_uid == dsb.st_uid &&
		     !(fsb.st_mode & 022) &&
		     fsb.st_size == (off_t)sizeof(*ctl) &&
		     pread(cfd, ctl, sizeof(*ctl), 0) == (ssize_t)sizeof(*ctl) &&
		     ctl->magic == KEEL_CONTROL_MAGIC &&
		     ctl->size == sizeof(*ctl) && ctl->keel_pid &&
		     ctl->keel_pid <= 0x7fffffff &&
		     proc_stat((pid_t)ctl->keel_pid, &ps) == 0 &&
		     ps.state != 'Z' && ps.start_time == ctl->keel_start_time;
		close(cfd);
	}
	if (!ok) {
		close(fd);
		return -1;
	}
	*out_fd = fd;
	return 0;
}

/* Every live instance in base that belongs to this PID namespace: its
 * name starts with the namespace's number. */
static int statsfind_base(const char *base, statsfind_fn fn, void *arg)
{
	struct keel_control ctl;
	char prefix[32];
	struct dirent *de;
	int basefd, fd, n = 0;
	DIR *d;

	basefd = open(base, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (basefd < 0)
		return 0;
	d = fdopendir(basefd);
	if (!d) {
		close(basefd);
		return 0;
	}
	snprintf(prefix, sizeof(prefix), "%llu.",
		 (unsigned long long)proc_pid_namespace());
	while ((de = readdir(d))) {
		if (strncmp(de->d_name, prefix, strlen(prefix)) ||
		    statsfind_instance(basefd, de->d_name, &ctl, &fd) < 0)
			continue;
		fn(ctl.keel_pid, fd, &ctl, arg);
		close(fd);
		n++;
	}
	closedir(d);
	return n;
}

/* KEEL_STATS_DIR: keel's instance itself (the variable as the child got
 * it), or a base folder to search; otherwise every default base. */
int statsfind_each(statsfind_fn fn, void *arg)
{
	static const char *const defaults[] = KEEL_STATS_DIR_DEFAULTS;
	const char *dir = getenv(KEEL_STATS_DIR_ENV);
	struct keel_control ctl;
	int fd, n = 0;

	if (dir && *dir) {
		if (statsfind_instance(AT_FDCWD, dir, &ctl, &fd) == 0) {
			fn(ctl.keel_pid, fd, &ctl, arg);
			close(fd);
			return 1;
		}
		return statsfind_base(dir, fn, arg);
	}
	for (size_t i = 0; i < sizeof(defaults) / sizeof(defaults[0]); i++)
		n += statsfind_base(defaults[i], fn, arg);
	return n;
}
