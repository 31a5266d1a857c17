/* vmctr: a container runtime in 90 lines, for the VM suite (tests/vm):
 * runs CMD as PID 1 of a new PID namespace with its own /proc, in a cgroup
 * (the waiting parent stays outside), optionally in a new cgroup
 * namespace rooted there, /sys/fs/cgroup read-only (as Docker and
 * Kubernetes do). Static: it
 * runs in the guest before anything else is there. Exits with CMD's status
 * (128+N for a signal). Busybox's unshare has no cgroup namespace option.
 * usage: vmctr [-C] CGDIR -- CMD [ARGS...] */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/wait.h>
#include <unistd.h>

static void die(const char *what)
{
	fprintf(stderr, "vmctr: fatal: %s: %s\n", what, strerror(errno));
	exit(125);
}

/* Moves this process into the cgroup folder dir ("0": the writer). */
static void join(const char *dir)
{
	char path[4096];
	int fd;

	snprintf(path, sizeof(path), "%s/cgroup.procs", dir);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		die(path);
	if (write(fd, "0\n", 2) != 2)
		die(path);
	close(fd);
}

int main(int argc, char **argv)
{
	int cgns = 0, i = 1, status;
	pid_t child;

	if (i < argc && !strcmp(argv[i], "-C")) {
		cgns = 1;
		i++;
	}
	if (argc - i < 3 || strcmp(argv[i + 1], "--")) {
		fprintf(stderr, "usage: vmctr [-C] CGDIR -- CMD [ARGS...]\n");
		return 125;
	}
	if (unshare(CLONE_NEWNS | CLONE_NEWPID) < 0)
		die("unshare(CLONE_NEWNS|CLONE_NEWPID)");
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
		die("mount --make-rprivate /");
	child = fork();
	if (child < 0)
		die("fork");
	if (child == 0) {
		/* Only the container's process joins the cgroup, as with a
		 * real runtime: a waiting parent in it could be an OOM
		 * kill's second victim */
		join(argv[i]);
		/* the namespace's root is the cgroup it is in now */
		if (cgns && unshare(CLONE_NEWCGROUP) < 0)
			die("unshare(CLONE_NEWCGROUP)");
		/* a cgroup2 mount made inside the namespace shows its root
		 * only */
		if (umount2("/sys/fs/cgroup", MNT_DETACH) < 0)
			die("umount /sys/fs/cgroup");
		if (mount("cgroup2", "/sys/fs/cgroup", "cgroup2",
			  MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC,
			  NULL) < 0)
			die("mount -o ro cgroup2 /sys/fs/cgroup");
		/* PID 1 of the new namespace: its own /proc */
		if (mount("proc", "/proc", "proc",
			  MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) < 0)
			die("mount /proc");
		execvp(argv[i + 2], argv + i + 2);
		fprintf(stderr, "vmctr: fatal: unable to run %s: %s\n",
			argv[i + 2], strerror(errno));
		_exit(127);
	}
	while (waitpid(child, &status, 0) < 0)
		if (errno != EINTR)
			die("waitpid");
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	return WEXITSTATUS(status);
}
