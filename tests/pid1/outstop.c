/* Test helper: an application that stops keel's output, then checks that
 * keel still reaps. "tty": output of the terminal suspended
 * (tcflow(TCOOFF), as Ctrl-S does); "pipe": stderr, a pipe nobody reads
 * yet, filled by a child of ours. Then an orphan dies (keel -w writes a
 * warning), and another: recorded in the file $2 is "reaped" when keel
 * took the second one within a second, "zombie" when it did not (keel
 * stuck in its write). tty: output resumes, and a third orphan makes keel
 * write again. Usage: outstop tty|pipe FILE */
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include "orphan.h"

int main(int argc, char **argv)
{
	char path[64], big[65536];
	int tty, fd;
	pid_t second;

	if (argc < 3)
		return 2;
	tty = !strcmp(argv[1], "tty");
	if (tty) {
		signal(SIGTTOU, SIG_IGN);
		if (tcflow(STDERR_FILENO, TCOOFF))
			return perror("outstop: tcflow"), 1;
	} else if (fork() == 0) {
		/* blocks once the pipe is full, until someone reads */
		memset(big, 'x', sizeof(big));
		for (int i = 0; i < 16; i++)
			write(STDERR_FILENO, big, sizeof(big));
		_exit(0);
	}
	usleep(200000);
	orphan();
	usleep(300000);
	second = orphan();
	usleep(1000000);
	snprintf(path, sizeof(path), "/proc/%d", (int)second);
	fd = open(argv[2], O_WRONLY | O_CREAT | O_TRUNC, 0644);
	dprintf(fd, "%s\n", access(path, F_OK) ? "reaped" : "zombie");
	close(fd);
	if (tty) {
		tcflow(STDERR_FILENO, TCOON);
		orphan();
		usleep(300000);
	}
	return 0;
}
