/* Test helper: a parent and a child in one process group; each appends
 * "parent TERM" or "child TERM" to $1 when SIGTERM reaches it, and $1.ready
 * appears once both listen. Used to tell group mode from child-only mode. */
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static int out_fd;
static const char *role = "parent";
static pid_t child_pid;

static void on_term(int sig)
{
	char buf[32];
	int n = snprintf(buf, sizeof(buf), "%s TERM\n", role);

	(void)sig;
	write(out_fd, buf, (size_t)n);
	/* The parent gives its child 1 s to record its own SIGTERM (group
	 * mode), then ends it, so the record never races keel's sweep. */
	for (int i = 0; child_pid && i < 100; i++) {
		struct timespec ts = { 0, 10 * 1000000 };

		if (waitpid(child_pid, NULL, WNOHANG) == child_pid)
			_exit(0);
		nanosleep(&ts, NULL);
	}
	if (child_pid)
		kill(child_pid, SIGKILL);
	_exit(0);
}

int main(int argc, char **argv)
{
	char ready[4096];
	int sync[2];
	char c;
	pid_t pid;

	if (argc < 2 || pipe(sync))
		return 2;
	out_fd = open(argv[1], O_WRONLY | O_CREAT | O_APPEND | O_TRUNC, 0644);
	signal(SIGTERM, on_term);
	pid = fork();
	if (pid == 0) {
		role = "child";
		write(sync[1], "x", 1);
		for (int i = 0; i < 300; i++)
			sleep(1);
		_exit(1);
	}
	child_pid = pid;
	read(sync[0], &c, 1);
	snprintf(ready, sizeof(ready), "%s.ready", argv[1]);
	close(open(ready, O_WRONLY | O_CREAT, 0644));
	waitpid(pid, NULL, 0);
	return 0;
}
