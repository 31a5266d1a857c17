/* For the test helpers: a process whose parent exits at once, so it dies
 * an orphan of keel's (keel -w warns as it reaps it); returns its pid, or
 * -1. */
#ifndef KEEL_TEST_ORPHAN_H
#define KEEL_TEST_ORPHAN_H

#include <sys/wait.h>
#include <unistd.h>

static pid_t orphan(void)
{
	int p[2];
	pid_t pid = -1;

	if (pipe(p))
		return -1;
	if (fork() == 0) {
		pid_t g = fork();

		if (g == 0)
			_exit(0);
		write(p[1], &g, sizeof(g));
		_exit(0);
	}
	close(p[1]);
	if (read(p[0], &pid, sizeof(pid)) != sizeof(pid))
		pid = -1;
	close(p[0]);
	wait(NULL);
	return pid;
}

#endif
