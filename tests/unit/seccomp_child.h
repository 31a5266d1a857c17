/* Helpers for the seccomp tests: a filter is loaded for good, so each
 * case runs in a forked child and reports through its exit status. */
#ifndef KEEL_SECCOMP_CHILD_H
#define KEEL_SECCOMP_CHILD_H

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

/* In a forked child: the first failed expectation exits with its line. */
#define EXPECT(cond)                                                         \
	do {                                                                 \
		if (!(cond)) {                                               \
			dprintf(seccomp_test_fd, "  child: line %d: %s (errno %d)\n", \
				__LINE__, #cond, errno);                     \
			_exit(100);                                          \
		}                                                            \
	} while (0)
#define EXPECT_ERR(call, err) EXPECT((call) == -1 && errno == (err))

static int seccomp_test_fd = 2;

/* Forks, runs fn in the child under a 10 s alarm, returns the wait status.
 * With out != NULL the child's stderr is captured there. */
static inline int seccomp_test_run(void (*fn)(void), char *out, size_t out_size)
{
	int fds[2] = { -1, -1 };
	int status = -1;

	fflush(stdout);
	if (out && pipe(fds) < 0)
		return -1;
	pid_t pid = fork();
	if (pid == 0) {
		alarm(10);
		if (out) {
			seccomp_test_fd = dup(2);
			dup2(fds[1], 2);
			close(fds[0]);
			close(fds[1]);
		}
		fn();
		_exit(0);
	}
	if (out) {
		size_t n = 0;
		ssize_t r;
		close(fds[1]);
		while (n + 1 < out_size &&
		       (r = read(fds[0], out + n, out_size - 1 - n)) > 0)
			n += (size_t)r;
		out[n] = '\0';
		close(fds[0]);
	}
	waitpid(pid, &status, 0);
	return status;
}

static inline bool seccomp_test_exited_ok(int status)
{
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		return true;
	printf("  child status 0x%x\n", status);
	return false;
}

#if defined(__x86_64__)
/* An i386 system call through int 0x80 from this 64-bit process. */
static inline long seccomp_test_int80(long nr, long a, long b, long c)
{
	long ret;
	__asm__ volatile("int $0x80"
			 : "=a"(ret)
			 : "a"(nr), "b"(a), "c"(b), "d"(c)
			 : "memory", "r8", "r9", "r10", "r11");
	return ret;
}

/* Whether int 0x80 works here: a kernel may build ia32 emulation in and
 * still deliver SIGSEGV for it (a PVM guest does), so the probe runs in a
 * child of its own, before any filter. */
static inline bool seccomp_test_has_int80(void)
{
	int status;
	pid_t pid = fork();

	if (pid == 0) {
		/* a plain death: no sanitizer's report in the test's output */
		signal(SIGSEGV, SIG_DFL);
		int null = open("/dev/null", O_WRONLY);
		if (null >= 0)
			dup2(null, 2);
		_exit(seccomp_test_int80(20, 0, 0, 0) == getpid() ? 0 : 1);
	}
	return pid > 0 && waitpid(pid, &status, 0) == pid &&
	       WIFEXITED(status) && WEXITSTATUS(status) == 0;
}
#endif

/* Reads docs/seccomp.md, found from the runner: build/unit -> docs/.
 * Returns 0, or -1 (doc[] then holds an empty string). */
static inline int seccomp_test_read_doc(char *doc, size_t size)
{
	char path[4096];
	ssize_t n = readlink("/proc/self/exe", path, sizeof(path) - 32);

	doc[0] = '\0';
	if (n <= 0)
		return -1;
	path[n] = '\0';
	for (int up = 0; up < 2; up++) {
		char *slash = strrchr(path, '/');
		if (!slash)
			return -1;
		*slash = '\0';
	}
	strcat(path, "/docs/seccomp.md");
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	n = read(fd, doc, size - 1);
	close(fd);
	if (n <= 0)
		return -1;
	doc[n] = '\0';
	return 0;
}

#endif
