/* siglat: signal forwarding latency, kill(2) to the child's handler. The
 * child (under the init) writes each SIGUSR1's arrival time to a FIFO; the
 * sender signals PID 1 and writes one latency (us) per line to OUT.
 * Usage: siglat child FIFO | siglat send PID N FIFO OUT */
#include "bench.h"
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>

static int siglat_fd = -1;

static uint64_t siglat_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* clock_gettime and write are async-signal-safe */
static void siglat_on_usr1(int sig)
{
	uint64_t t = siglat_now_ns();

	(void)sig;
	if (write(siglat_fd, &t, sizeof(t)) != sizeof(t))
		_exit(3);
}

static void siglat_on_term(int sig)
{
	(void)sig;
	_exit(0);
}

static int siglat_child(const char *fifo)
{
	struct sigaction sa = { 0 };
	sigset_t usr1;

	sa.sa_handler = siglat_on_usr1;
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = SA_RESTART;
	sigaction(SIGUSR1, &sa, NULL);
	sa.sa_handler = siglat_on_term;
	sigaction(SIGTERM, &sa, NULL);
	/* blocks until the sender opens the reading end, and the sender
	 * signals at once: hold SIGUSR1 until the descriptor is stored */
	sigemptyset(&usr1);
	sigaddset(&usr1, SIGUSR1);
	sigprocmask(SIG_BLOCK, &usr1, NULL);
	siglat_fd = open(fifo, O_WRONLY);
	if (siglat_fd < 0) {
		perror("bench: fatal: siglat: fifo");
		return 1;
	}
	sigprocmask(SIG_UNBLOCK, &usr1, NULL);
	for (;;)
		pause();
}

static int siglat_send(pid_t pid, int n, const char *fifo, const char *path)
{
	int fd = open(fifo, O_RDONLY);
	FILE *out = fopen(path, "w");

	if (fd < 0 || !out) {
		perror("bench: fatal: siglat: open");
		return 1;
	}
	for (int i = 0; i < n; i++) {
		uint64_t t0 = siglat_now_ns(), t1;
		ssize_t r;

		if (kill(pid, SIGUSR1) < 0) {
			perror("bench: fatal: siglat: kill");
			return 1;
		}
		do
			r = read(fd, &t1, sizeof(t1));
		while (r < 0 && errno == EINTR);
		if (r != sizeof(t1)) {
			fprintf(stderr, "bench: fatal: siglat: no receipt for signal %d: %s\n",
				i, r < 0 ? strerror(errno) : "the child closed the fifo");
			return 1;
		}
		fprintf(out, "%.3f\n", (double)(t1 - t0) / 1000.0);
		usleep(1000);	/* let the init go back to sleep */
	}
	fclose(out);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc == 3 && !strcmp(argv[1], "child"))
		return siglat_child(argv[2]);
	if (argc == 6 && !strcmp(argv[1], "send"))
		return siglat_send((pid_t)atoi(argv[2]), atoi(argv[3]),
				   argv[4], argv[5]);
	fprintf(stderr, "usage: siglat child FIFO | siglat send PID N FIFO OUT\n");
	return 2;
}
