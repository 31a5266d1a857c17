/* Fork while other threads allocate: the child of each fork allocates,
 * frees, checks its memory and exits; the parent must see every child exit
 * 0 and go on. A deadlock (a lock held across fork) shows as a timeout.
 * Usage: forkstress [forks] [threads]. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static volatile int stop;

static void *churner(void *arg)
{
	unsigned s = (unsigned)(long)arg;
	void *v[64] = { 0 };
	while (!stop) {
		int i = (int)((s = s * 1103515245 + 12345) >> 16) % 64;
		free(v[i]);
		size_t n = ((s >> 8) % 8 == 0) ? 40000 + s % 200000 : s % 2000;
		v[i] = malloc(n + 1);
		memset(v[i], 7, n + 1);
	}
	for (int i = 0; i < 64; i++)
		free(v[i]);
	return NULL;
}

static int child(void)
{
	char *v[100];
	for (int i = 0; i < 100; i++) {
		size_t n = (size_t)(i * 1237 % 70000) + 1;
		v[i] = malloc(n);
		if (!v[i])
			return 2;
		memset(v[i], i, n);
	}
	for (int i = 0; i < 100; i++) {
		size_t n = (size_t)(i * 1237 % 70000) + 1;
		for (size_t j = 0; j < n; j += 512)
			if (v[i][j] != (char)i)
				return 3;
		free(v[i]);
	}
	void *big = malloc(3 << 20);
	memset(big, 1, 3 << 20);
	free(big);
	return 0;
}

int main(int argc, char **argv)
{
	int forks = argc > 1 ? atoi(argv[1]) : 300;
	int nt = argc > 2 ? atoi(argv[2]) : 4;
	pthread_t t[64];
	for (int i = 0; i < nt; i++)
		pthread_create(&t[i], NULL, churner, (void *)(long)(i + 1));
	int failed = 0;
	for (int i = 0; i < forks; i++) {
		pid_t pid = fork();
		if (pid < 0) {
			perror("fork");
			return 1;
		}
		if (pid == 0)
			_exit(child());
		int st;
		waitpid(pid, &st, 0);
		if (!WIFEXITED(st) || WEXITSTATUS(st)) {
			fprintf(stderr, "forkstress: child %d: status %#x\n", i,
				st);
			failed++;
		}
	}
	stop = 1;
	for (int i = 0; i < nt; i++)
		pthread_join(t[i], NULL);
	printf("forkstress: %d forks under %d threads, %d failed\n", forks, nt,
	       failed);
	return failed != 0;
}
