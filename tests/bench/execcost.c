/* The cost of the shim's exec wrappers (shim/preload.c), two ways:
 *   execcost call keep|close N   N execve calls that fail (ENOENT): the
 *                                wrapper's own work, in ns per call;
 *   execcost spawn keep|close N  N fork + execve of PROGRAM (argv[4...])
 *                                + wait, in us per child (wall clock,
 *                                and CPU time: this process's, the
 *                                children's, which includes ld.so and
 *                                the shim's constructor).
 * close: fd 1023 is closed before each exec, as a program that closes its
 * descriptors does; the wrapper then puts the library back. */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

static double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

int main(int argc, char **argv)
{
	char *none[] = { "/nonexistent/keel-execcost", NULL };
	int close_fd, n;
	double t0, t;

	if (argc < 4 || (strcmp(argv[1], "call") && argc < 5)) {
		fprintf(stderr, "usage: execcost call|spawn keep|close N [PROGRAM ARGS...]\n");
		return 2;
	}
	close_fd = !strcmp(argv[2], "close");
	n = atoi(argv[3]);
	t0 = now_ns();
	for (int i = 0; i < n; i++) {
		if (!strcmp(argv[1], "call")) {
			if (close_fd)
				close(1023);
			execve(none[0], none, environ);
			continue;
		}
		pid_t pid = fork();
		if (pid == 0) {
			if (close_fd)
				close(1023);
			execve(argv[4], argv + 4, environ);
			_exit(127);
		}
		int st;
		if (pid < 0 || waitpid(pid, &st, 0) < 0 || !WIFEXITED(st) ||
		    WEXITSTATUS(st)) {
			fprintf(stderr, "execcost: %s failed\n", argv[4]);
			return 1;
		}
	}
	t = now_ns() - t0;
	if (!strcmp(argv[1], "call"))
		printf("%.0f ns per call\n", t / n);
	else {
		struct rusage self, kids;
		getrusage(RUSAGE_SELF, &self);
		getrusage(RUSAGE_CHILDREN, &kids);
		printf("%.1f us per child, cpu %.1f us parent + %.1f us child\n",
		       t / n / 1000,
		       (self.ru_utime.tv_sec * 1e6 + self.ru_utime.tv_usec +
			self.ru_stime.tv_sec * 1e6 + self.ru_stime.tv_usec) / n,
		       (kids.ru_utime.tv_sec * 1e6 + kids.ru_utime.tv_usec +
			kids.ru_stime.tv_sec * 1e6 + kids.ru_stime.tv_usec) / n);
	}
	return 0;
}
