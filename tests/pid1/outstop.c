/* Test helper: an application that stops keel's output, then checks that
 * keel still reaps. "tty": output of the terminal suspended
 * (tcflow(TCOOFF), as Ctrl-S does); "pipe": stderr, a pipe nobody reads
 * yet, filled by a child of ours. Then an orphan dies (keel -w writes a
 * warning), and another: recorded in the file $2 is "reaped" when keel
 * took the second one within a second, "zombie" when it did not (keel
 * stuck in its write). tty: output resumes, and a third orphan makes keel
 * write again.
 * "refill": stderr, a pipe that keel may not open again, unread but for
 * one page that the test's reader takes once we filled it. The first
 * orphan makes keel write while there is room; a child of ours fills that
 * room 200 ms later (the test holds keel's poll(2) longer than that under
 * strace: a write after a poll for room would then block); the second
 * orphan dies 700 ms later. With stderr a socket, "refill" fills it until
 * it takes no more, waits for the reader to empty it, and the child fills
 * it again likewise. Usage: outstop tty|pipe|refill FILE */
#include <errno.h>
#include <fcntl.h>
#include <linux/sockios.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include "orphan.h"

/* "reaped" or "zombie" into file, as main does for pid */
static void record(const char *file, pid_t pid)
{
	char path[64];
	int fd;

	snprintf(path, sizeof(path), "/proc/%d", (int)pid);
	fd = open(file, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	dprintf(fd, "%s\n", access(path, F_OK) ? "reaped" : "zombie");
	close(fd);
}

/* Sends to socket stderr until it takes no more; whether it filled. */
static int fill_socket(const char *page)
{
	for (;;) {
		if (send(STDERR_FILENO, page, 4096, MSG_DONTWAIT) < 0)
			return errno == EAGAIN;
	}
}

static int refill(const char *file)
{
	static char page[65536];
	int queued = sizeof(page);
	struct stat st;
	int sock = !fstat(STDERR_FILENO, &st) && S_ISSOCK(st.st_mode);

	memset(page, 'x', sizeof(page));
	if (sock ? !fill_socket(page) :
		   write(STDERR_FILENO, page, sizeof(page)) != sizeof(page))
		return perror("outstop: filling stderr"), 1;
	/* the reader takes one page (a socket: all it holds) */
	if (sock) {
		while (!ioctl(STDERR_FILENO, SIOCOUTQ, &queued) && queued)
			usleep(10000);
	} else {
		while (!ioctl(STDERR_FILENO, FIONREAD, &queued) &&
		       queued == sizeof(page))
			usleep(10000);
	}
	orphan();
	usleep(200000);
	if (fork() == 0) {
		if (sock)
			fill_socket(page);
		else
			write(STDERR_FILENO, page, 4096);
		_exit(0);
	}
	usleep(700000);
	pid_t second = orphan();
	usleep(1000000);
	record(file, second);
	return 0;
}

int main(int argc, char **argv)
{
	char big[65536];
	int tty;
	pid_t second;

	if (argc < 3)
		return 2;
	tty = !strcmp(argv[1], "tty");
	if (!strcmp(argv[1], "refill"))
		return refill(argv[2]);
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
	record(argv[2], second);
	if (tty) {
		tcflow(STDERR_FILENO, TCOON);
		orphan();
		usleep(300000);
	}
	return 0;
}
