/* The shutdown sweep (see sweep.h). As PID 1, kill(-1) reaches everything in
 * the namespace but keel. As a subreaper, keel walks /proc for its own
 * descendants so that it never signals processes outside its tree. */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "init/log.h"
#include "init/sweep.h"

struct sweep_proc {
	pid_t pid;
	pid_t ppid;
};

/* The parent pid from /proc/PID/stat; the name field may hold ") ". */
static pid_t sweep_ppid(const char *pid)
{
	char path[64], buf[512];
	ssize_t n;
	int fd;
	char *end;

	snprintf(path, sizeof(path), "/proc/%s/stat", pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -1;
	buf[n] = '\0';
	end = strrchr(buf, ')');
	if (!end || strlen(end) < 5)
		return -1;
	return (pid_t)atoi(end + 4);
}

/* Every pid whose chain of parents leads to keel. */
static int sweep_descendants(int sig)
{
	struct sweep_proc *procs = NULL;
	size_t count = 0, cap = 0;
	struct dirent *d;
	DIR *dir = opendir("/proc");
	int reached = 0;

	if (!dir) {
		warning("unable to list /proc to stop the rest: %s",
			strerror(errno));
		return 0;
	}
	while ((d = readdir(dir))) {
		if (!isdigit((unsigned char)d->d_name[0]))
			continue;
		if (count == cap) {
			size_t ncap = cap ? cap * 2 : 256;
			struct sweep_proc *p = realloc(procs, ncap * sizeof(*p));

			if (!p)
				break;
			procs = p;
			cap = ncap;
		}
		procs[count].pid = (pid_t)atoi(d->d_name);
		procs[count].ppid = sweep_ppid(d->d_name);
		count++;
	}
	closedir(dir);
	for (size_t i = 0; i < count; i++) {
		pid_t p = procs[i].ppid;

		/* Climb at most count steps: /proc may change under us. */
		for (size_t hops = 0; p > 1 && hops < count; hops++) {
			if (p == getpid())
				break;
			size_t j;

			for (j = 0; j < count && procs[j].pid != p; j++)
				;
			p = j < count ? procs[j].ppid : -1;
		}
		if (p == getpid() && kill(procs[i].pid, sig) == 0)
			reached++;
	}
	free(procs);
	return reached;
}

int sweep_signal(int sig)
{
	if (getpid() == 1)
		return kill(-1, sig) == 0 ? 1 : 0;
	return sweep_descendants(sig);
}
