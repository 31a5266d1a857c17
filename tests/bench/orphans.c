/* orphans: how fast PID 1 reaps orphans. As the init's child it leaves N
 * orphans to PID 1, releases them at once and watches the namespace's /proc
 * until only PID 1 and itself remain: "reaped N seconds S" per round.
 * Usage: orphans N ROUNDS */
#include "bench.h"
#include <dirent.h>
#include <sys/wait.h>

/* processes visible in this PID namespace, zombies included */
static int orphans_count(void)
{
	DIR *d = opendir("/proc");
	struct dirent *e;
	int n = 0;

	if (!d)
		return -1;
	while ((e = readdir(d)))
		if (e->d_name[0] >= '1' && e->d_name[0] <= '9')
			n++;
	closedir(d);
	return n;
}

static int orphans_round(int n)
{
	int gate[2];
	pid_t mid;
	double t0, t1;
	char c;

	if (pipe(gate) < 0)
		return -1;
	mid = fork();
	if (mid < 0)
		return -1;
	if (mid == 0) {
		close(gate[1]);
		for (int i = 0; i < n; i++) {
			if (fork() == 0) {
				/* wait for the gate to close, then die */
				if (read(gate[0], &c, 1) < 0)
					_exit(1);
				_exit(0);
			}
		}
		_exit(0);
	}
	close(gate[0]);
	waitpid(mid, NULL, 0);
	/* every child is now an orphan of PID 1: release them together */
	t0 = bench_now();
	close(gate[1]);
	while (orphans_count() > 2)
		usleep(200);
	t1 = bench_now();
	printf("reaped %d seconds %.6f\n", n, t1 - t0);
	fflush(stdout);
	return 0;
}

int main(int argc, char **argv)
{
	int n = bench_arg_int(argc, argv, 1, 500);
	int rounds = bench_arg_int(argc, argv, 2, 5);

	if (getpid() != 2 && getppid() != 1)
		fprintf(stderr, "bench: warning: orphans: not the child of a PID 1\n");
	for (int r = 0; r < rounds; r++)
		if (orphans_round(n) < 0) {
			perror("bench: fatal: orphans: fork");
			return 1;
		}
	return 0;
}
