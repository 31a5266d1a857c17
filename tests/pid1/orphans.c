/* Test helper: makes N orphans (double fork) that all exit at the same
 * moment, then waits up to 10 s for PID 1 to reap them, counting zombies in
 * /proc. Prints the zombies left and exits 0 only when none is. */
#include <ctype.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static int count_zombies(void)
{
	DIR *d = opendir("/proc");
	struct dirent *e;
	int zombies = 0;

	while (d && (e = readdir(d))) {
		char path[300], buf[512], *p;
		FILE *f;

		if (!isdigit((unsigned char)e->d_name[0]))
			continue;
		snprintf(path, sizeof(path), "/proc/%s/stat", e->d_name);
		f = fopen(path, "r");
		if (!f)
			continue;
		if (fgets(buf, sizeof(buf), f) && (p = strrchr(buf, ')')) &&
		    p[2] == 'Z')
			zombies++;
		fclose(f);
	}
	if (d)
		closedir(d);
	return zombies;
}

int main(int argc, char **argv)
{
	int n = argc > 1 ? atoi(argv[1]) : 1000, gate[2], zombies = -1;
	char c;

	if (pipe(gate))
		return 2;
	for (int i = 0; i < n; i++) {
		pid_t pid = fork();

		if (pid < 0)
			return 2;
		if (pid == 0) {
			if (fork() == 0) {
				close(gate[1]);
				/* Blocks until the gate closes: all exit at once. */
				while (read(gate[0], &c, 1) < 0)
					;
				_exit(0);
			}
			_exit(0);
		}
		waitpid(pid, NULL, 0);
	}
	close(gate[1]);
	for (int tries = 0; tries < 200; tries++) {
		struct timespec ts = { 0, 50 * 1000000 };

		zombies = count_zombies();
		if (zombies == 0)
			break;
		nanosleep(&ts, NULL);
	}
	printf("zombies: %d\n", zombies);
	return zombies == 0 ? 0 : 1;
}
