/* Test helper: a process that holds a kernel lock keel needs, with a page
 * fault that never ends. A page registered with userfaultfd that nobody
 * fills makes any copy to or from it wait inside the kernel, and the
 * copy holds the lock it was made under:
 *   holder fifo    writes to keel's wake FIFO from such a page: the
 *                  FIFO's lock is held, and keel's next read of it waits;
 *   holder folder  lists keel's statistics folder into such a page: the
 *                  folder's lock is held, and keel's next unlink in it
 *                  (the sweep of a dead process's file, which the helper
 *                  leaves there) waits;
 *   holder stderr  writes to its stderr from such a page: where that is
 *                  keel's too (one pipe, as under Docker), the pipe's lock
 *                  is held, and keel's next line (a reap it reports, with
 *                  KEEL_WARN_ON_REAP) waits.
 * An orphan that exits 300 ms later wakes keel (it reaps, then sweeps)
 * once the lock is held: the stuck write itself wakes no reader.
 * Prints "holding" and stays in the kernel until killed. Exits 77 where
 * userfaultfd is refused (it takes CAP_SYS_PTRACE for kernel faults). */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/userfaultfd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

static void die(const char *what)
{
	fprintf(stderr, "holder: %s: %s\n", what, strerror(errno));
	exit(1);
}

/* Two pages; the second never faults in. */
static char *holder_pages(void)
{
	long page = sysconf(_SC_PAGESIZE);
	struct uffdio_api api = { .api = UFFD_API };
	struct uffdio_register reg;
	char *p;
	int uffd = (int)syscall(SYS_userfaultfd, O_CLOEXEC);

	if (uffd < 0) {
		fprintf(stderr, "holder: userfaultfd: %s\n", strerror(errno));
		exit(77);
	}
	if (ioctl(uffd, UFFDIO_API, &api) < 0)
		die("UFFDIO_API");
	p = mmap(NULL, 2 * page, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		die("mmap");
	memset(p, ' ', (size_t)page - 1);	/* a blank line in a log */
	p[page - 1] = '\n';
	reg.range.start = (unsigned long)(p + page);
	reg.range.len = page;
	reg.mode = UFFDIO_REGISTER_MODE_MISSING;
	if (ioctl(uffd, UFFDIO_REGISTER, &reg) < 0)
		die("UFFDIO_REGISTER");
	return p;	/* uffd stays open: the fault waits for it */
}

/* A process keel reaps (an orphan) that exits after ms. */
static void holder_orphan(int ms)
{
	pid_t mid = fork();

	if (mid < 0)
		die("fork");
	if (mid == 0) {
		if (fork() == 0) {
			usleep((useconds_t)ms * 1000);
			_exit(0);
		}
		_exit(0);
	}
	waitpid(mid, NULL, 0);
}

int main(int argc, char **argv)
{
	const char *dir = getenv("KEEL_STATS_DIR");
	long page = sysconf(_SC_PAGESIZE);
	char path[4096], *p;
	int fd;

	if (argc != 2 || !dir)
		return 2;
	p = holder_pages();
	if (!strcmp(argv[1], "fifo")) {
		snprintf(path, sizeof(path), "%s/wake", dir);
		fd = open(path, O_WRONLY | O_NONBLOCK);
		if (fd < 0)
			die(path);
		holder_orphan(300);
		printf("holding\n");
		fflush(stdout);
		/* the first page goes into the pipe (keel's poll sees it),
		 * the second holds the lock */
		write(fd, p, (size_t)(2 * page));
	} else if (!strcmp(argv[1], "folder")) {
		fd = open(dir, O_RDONLY | O_DIRECTORY);
		if (fd < 0)
			die(dir);
		/* a file of a pid no process can have: the sweep removes it */
		snprintf(path, sizeof(path), "%s/2147483646.1", dir);
		if (close(open(path, O_WRONLY | O_CREAT, 0600)) < 0)
			die(path);
		holder_orphan(300);
		printf("holding\n");
		fflush(stdout);
		syscall(SYS_getdents64, fd, p + page, (size_t)page);
	} else if (!strcmp(argv[1], "stderr")) {
		holder_orphan(300);
		printf("holding\n");
		fflush(stdout);
		write(2, p, (size_t)(2 * page));
	} else {
		return 2;
	}
	fprintf(stderr, "holder: the copy ended: %s\n", strerror(errno));
	return 1;
}
