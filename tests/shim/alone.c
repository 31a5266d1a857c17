/* A single-threaded program while the shim's purger runs: as fork returns,
 * the parent counts one thread in /proc/self/stat, as CPython 3.12 on
 * does before it warns of a multi-threaded fork; it enters the namespaces
 * a process may enter only with a single thread: setns into its own mount
 * and time namespaces, the same through syscall() in a child, then
 * unshare(CLONE_NEWUSER). Each must succeed,
 * the purger must come back after each (a free starts it), and give
 * memory back in the new user namespace; a call the kernel refuses for
 * its arguments keeps its errno. Usage: alone; prints what it saw, exits
 * 0, or 1 naming what broke. */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "rss.h"

#define ALONE_FUTEX_WAIT_PRIVATE 128	/* linux/futex.h; musl has none */

#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME 0x00000080
#endif

#define ALONE_BLOCKS 64
#define ALONE_BLOCK (256u << 10)

/* Field 20 of /proc/self/stat, the kernel's count of the process's
 * threads, read the way CPython reads it after a fork */
static int alone_stat_threads(void)
{
	char buf[1024] = { 0 };
	int fd = open("/proc/self/stat", O_RDONLY);
	if (fd < 0)
		return -1;
	ssize_t n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	char *end = n > 0 ? strrchr(buf, ')') : NULL;	/* past the name */
	int field = 2, threads = -1;
	for (char *at = end; at && *at; at++)
		if (*at == ' ' && ++field == 20)
			threads = atoi(at + 1);
	return threads;
}

/* 16 MiB taken, written and freed: the heap has pages to give back, so
 * the purger starts; waits until it has (2 s at most) */
static int alone_churn(void)
{
	void *p[ALONE_BLOCKS];

	for (int i = 0; i < ALONE_BLOCKS; i++) {
		if (!(p[i] = malloc(ALONE_BLOCK)))
			return -1;
		memset(p[i], i, ALONE_BLOCK);
	}
	for (int i = 0; i < ALONE_BLOCKS; i++)
		free(p[i]);
	for (int ms = 0; ms < 2000 && task_threads() < 2; ms += 10)
		usleep(10000);
	return task_threads();
}

static int alone_fail(const char *what)
{
	fprintf(stderr, "alone: %s\n", what);
	return 1;
}

/* In a child (a user namespace is entered once: the next needs a uid map),
 * with the purger started: syscall(SYS_setns) into the mount namespace and
 * syscall(SYS_unshare, CLONE_NEWUSER), the way a program with its own
 * wrappers enters them; then other numbers through syscall(), which must
 * behave as libc's: six arguments, -1 and the kernel's errno. */
static int alone_raw(void)
{
	if (alone_churn() != 2)
		return alone_fail("raw: the purger did not start in the child");
	int fd = open("/proc/self/ns/mnt", O_RDONLY | O_CLOEXEC);
	if (fd < 0 || syscall(SYS_setns, fd, CLONE_NEWNS) != 0)
		return alone_fail(errno == EINVAL ?
			"syscall(SYS_setns, CLONE_NEWNS): EINVAL: the purger was in the way" :
			strerror(errno));
	close(fd);
	if (alone_churn() != 2)
		return alone_fail("raw: the purger did not start again");
	if (syscall(SYS_unshare, CLONE_NEWUSER) != 0)
		return alone_fail(errno == EINVAL ?
			"syscall(SYS_unshare, CLONE_NEWUSER): EINVAL: the purger was in the way" :
			strerror(errno));
	if (syscall(SYS_getpid) != getpid())
		return alone_fail("syscall(SYS_getpid) is not getpid()");
	char *m = (char *)syscall(SYS_mmap, 0, 4096, PROT_READ | PROT_WRITE,
				  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (m == MAP_FAILED)
		return alone_fail("syscall(SYS_mmap) with six arguments failed");
	m[0] = 1;
	errno = 0;
	if (syscall(SYS_unshare, CLONE_NEWUSER | 0x1) != -1 || errno != EINVAL)
		return alone_fail("syscall(SYS_unshare) with a bad flag: not EINVAL");
	errno = 0;
	if (syscall(SYS_close, -1) != -1 || errno != EBADF)
		return alone_fail("syscall(SYS_close, -1): not EBADF");
	/* a futex, as Rust's standard library waits on one: the word has
	 * moved (EAGAIN), then a wait of 1 ms runs out (ETIMEDOUT) */
	unsigned word = 1;
	struct timespec ms = { 0, 1000000 };
	errno = 0;
	if (syscall(SYS_futex, &word, ALONE_FUTEX_WAIT_PRIVATE, 0, NULL, NULL,
		    0) != -1 || errno != EAGAIN)
		return alone_fail("syscall(SYS_futex) on a moved word: not EAGAIN");
	errno = 0;
	if (syscall(SYS_futex, &word, ALONE_FUTEX_WAIT_PRIVATE, 1, &ms, NULL,
		    0) != -1 || errno != ETIMEDOUT)
		return alone_fail("syscall(SYS_futex) with a timeout: not ETIMEDOUT");
	return 0;
}

int main(void)
{
	if (alone_churn() != 2)
		return alone_fail("setup: the purger did not start");
	pid_t child = fork();
	if (child == 0)
		_exit(0);
	int after_fork = alone_stat_threads();
	if (child < 0 || waitpid(child, NULL, 0) != child)
		return alone_fail("fork failed");
	if (after_fork != 1) {
		fprintf(stderr, "alone: %d threads as fork returned\n",
			after_fork);
		return 1;
	}
	printf("fork: 1 thread as it returned\n");

	/* fork at once after a free has started the purger, before it waits
	 * for its next tick: a stop it missed would hold each fork a whole
	 * tick (250 ms under keel, where it waits on keel's shared word).
	 * 20 such forks take a few ms; 2 s is a stall, not a slow machine. */
	struct timespec t0, t1;
	double stalled = 0;
	for (int i = 0; i < 20; i++) {
		void *p[ALONE_BLOCKS];
		for (int j = 0; j < ALONE_BLOCKS; j++) {
			if (!(p[j] = malloc(ALONE_BLOCK)))
				return alone_fail("malloc failed");
			memset(p[j], j, ALONE_BLOCK);
		}
		for (int j = 0; j < ALONE_BLOCKS; j++)
			free(p[j]);
		clock_gettime(CLOCK_MONOTONIC, &t0);
		child = fork();
		if (child == 0)
			_exit(0);
		clock_gettime(CLOCK_MONOTONIC, &t1);
		if (child < 0 || waitpid(child, NULL, 0) != child)
			return alone_fail("fork failed");
		stalled += (double)(t1.tv_sec - t0.tv_sec) +
			   (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	}
	if (stalled > 2.0) {
		fprintf(stderr, "alone: 20 forks right after the purger "
			"started took %.1f s\n", stalled);
		return 1;
	}
	printf("fork right after the purger started: no stall\n");

	if (alone_churn() != 2)
		return alone_fail("the purger did not start again after fork");
	int fd = open("/proc/self/ns/mnt", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return alone_fail("open /proc/self/ns/mnt failed");
	if (setns(fd, CLONE_NEWNS))
		return alone_fail(errno == EINVAL ?
			"setns(CLONE_NEWNS): EINVAL: the purger was in the way" :
			strerror(errno));
	close(fd);
	printf("setns(CLONE_NEWNS) ok with the purger running\n");

	/* a time namespace (Linux 5.6 on) refuses with EUSERS instead */
	fd = open("/proc/self/ns/time", O_RDONLY | O_CLOEXEC);
	if (fd >= 0) {
		if (alone_churn() != 2)
			return alone_fail("the purger did not start again");
		if (setns(fd, CLONE_NEWTIME))
			return alone_fail(errno == EUSERS ?
				"setns(CLONE_NEWTIME): EUSERS: the purger was in the way" :
				strerror(errno));
		close(fd);
		printf("setns(CLONE_NEWTIME) ok with the purger running\n");
	}

	child = fork();
	if (child == 0)
		_exit(alone_raw());
	int status;
	if (child < 0 || waitpid(child, &status, 0) != child ||
	    !WIFEXITED(status) || WEXITSTATUS(status))
		return alone_fail("raw system calls failed in the child");
	printf("syscall(SYS_setns), syscall(SYS_unshare, CLONE_NEWUSER) ok "
	       "with the purger running; other numbers as libc's\n");

	if (alone_churn() != 2)
		return alone_fail("the purger did not start again after setns");
	if (unshare(CLONE_NEWUSER))
		return alone_fail(errno == EINVAL ?
			"unshare(CLONE_NEWUSER): EINVAL: the purger was in the way" :
			strerror(errno));
	printf("unshare(CLONE_NEWUSER) ok with the purger running\n");

	/* the purger again, and memory given back without an allocator call */
	if (alone_churn() != 2)
		return alone_fail("the purger did not start again after unshare");
	long busy = rss_kib(), idle = busy;
	for (int ms = 0; ms < 3000 && idle > busy - 8192; ms += 50) {
		usleep(50000);
		idle = rss_kib();
	}
	if (idle > busy - 8192)
		return alone_fail("no memory given back in the new namespace");
	printf("purger back: RSS %ld KiB -> %ld KiB idle\n", busy, idle);

	/* refused for its arguments: the errno is the kernel's */
	errno = 0;
	if (unshare(CLONE_NEWUSER | 0x1) != -1 || errno != EINVAL)
		return alone_fail("unshare with a bad flag did not fail with EINVAL");
	if (setns(-1, CLONE_NEWNS) != -1 || errno != EBADF)
		return alone_fail("setns(-1) did not fail with EBADF");
	printf("bad arguments: EINVAL and EBADF\n");
	return 0;
}
