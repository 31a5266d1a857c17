/* Test helper: records every signal it receives, one number per line, in
 * the file $1; touches $1.ready once its handlers are in place; exits 0 on
 * SIGTERM after recording it. Used by the forwarding and storm tests. */
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static int out_fd = -1;
static volatile sig_atomic_t got_term;

static void on_signal(int sig)
{
	char buf[16];
	int n = snprintf(buf, sizeof(buf), "%d\n", sig);

	write(out_fd, buf, (size_t)n);
	if (sig == SIGTERM)
		got_term = 1;
}

int main(int argc, char **argv)
{
	struct sigaction sa;
	char ready[4096];

	if (argc < 2)
		return 2;
	out_fd = open(argv[1], O_WRONLY | O_CREAT | O_APPEND | O_TRUNC, 0644);
	if (out_fd < 0)
		return 2;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigfillset(&sa.sa_mask);
	for (int sig = 1; sig < NSIG; sig++)
		if (sig != SIGKILL && sig != SIGSTOP && sig != SIGCHLD)
			sigaction(sig, &sa, NULL);
	snprintf(ready, sizeof(ready), "%s.ready", argv[1]);
	close(open(ready, O_WRONLY | O_CREAT, 0644));
	while (!got_term)
		pause();
	return 0;
}
