/* Test helper: an application that lowers its init's open-file limit to
 * nothing (prlimit on PID 1, allowed to a process of the same user), then
 * checks that keel still reaps: an orphan dies, and "reaped" or "zombie"
 * goes to the file $1. Then waits for SIGTERM, records "term", exits 0. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <sys/resource.h>
#include <unistd.h>

#include "orphan.h"

static int out = -1;

static void on_term(int sig)
{
	(void)sig;
	write(out, "term\n", 5);
	_exit(0);
}

int main(int argc, char **argv)
{
	struct rlimit none = { 0, 0 };
	char path[64];
	pid_t dead;

	if (argc < 2)
		return 2;
	out = open(argv[1], O_WRONLY | O_CREAT | O_APPEND, 0644);
	signal(SIGTERM, on_term);
	if (prlimit(1, RLIMIT_NOFILE, &none, NULL))
		return perror("limiter: prlimit"), 1;
	/* keel's timers bring it back to its wait, now refused */
	sleep(2);
	dead = orphan();
	usleep(500000);
	snprintf(path, sizeof(path), "/proc/%d", (int)dead);
	dprintf(out, "%s\n", access(path, F_OK) ? "reaped" : "zombie");
	for (;;)
		pause();
}
