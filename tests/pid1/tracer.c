/* Test helper: an application that tries to take over its init, PID 1,
 * the ways a process of the same user can: ptrace it (seize, attach),
 * write its memory through /proc/1/mem or process_vm_writev. Prints one
 * line per way ("blocked" or "OPEN") and whether this process itself is
 * still dumpable (a debugger must still attach to the application).
 * Exits 0 when every way is blocked and it is dumpable, 1 otherwise. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/uio.h>
#include <unistd.h>

static int open_ways;

static void way(const char *what, int failed)
{
	printf("%s: %s\n", what, failed ? "blocked" : "OPEN");
	if (!failed)
		open_ways++;
}

int main(void)
{
	char byte = 0;
	struct iovec local = { &byte, 1 }, remote = { (void *)0x400000, 1 };
	int fd;

	if (getpid() == 1) {
		fprintf(stderr, "tracer: must run under an init\n");
		return 2;
	}
	/* each success is undone at once: PID 1 must not stay stopped */
	if (ptrace(PTRACE_SEIZE, 1, 0, 0) == 0) {
		way("ptrace seize", 0);
		ptrace(PTRACE_DETACH, 1, 0, 0);
	} else {
		way("ptrace seize", 1);
	}
	if (ptrace(PTRACE_ATTACH, 1, 0, 0) == 0) {
		way("ptrace attach", 0);
		ptrace(PTRACE_DETACH, 1, 0, 0);
	} else {
		way("ptrace attach", 1);
	}
	fd = open("/proc/1/mem", O_RDWR);
	way("open /proc/1/mem for writing", fd < 0);
	if (fd >= 0)
		close(fd);
	/* an unmapped address: the permission check comes first (EPERM),
	 * an allowed call fails on the address (EFAULT) and writes nothing */
	way("process_vm_writev",
	    process_vm_writev(1, &local, 1, &remote, 1, 0) < 0 &&
	    errno == EPERM);
	printf("application dumpable: %d\n", prctl(PR_GET_DUMPABLE));
	if (prctl(PR_GET_DUMPABLE) != 1)
		open_ways++;
	return open_ways ? 1 : 0;
}
