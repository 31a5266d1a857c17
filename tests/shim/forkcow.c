/* The pages a fork costs: after threads have allocated (each with its
 * arena), the program forks ROUNDS times and each child, before anything
 * else, reads its own minor faults: the pages the fork handlers wrote,
 * copied on write. Prints "faults MAX" (the most of any child).
 * Usage: forkcow [threads [rounds]]. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

static void *worker(void *arg)
{
	void *v[64];

	(void)arg;
	for (int i = 0; i < 64; i++) {
		v[i] = malloc((size_t)(16 + i * 300));
		if (!v[i])
			return arg;
		memset(v[i], 1, 16);
	}
	for (int i = 0; i < 64; i++)
		free(v[i]);
	return NULL;
}

int main(int argc, char **argv)
{
	int threads = argc > 1 ? atoi(argv[1]) : 4;
	int rounds = argc > 2 ? atoi(argv[2]) : 20;
	pthread_t t[64];
	long most = 0;

	if (threads < 0 || threads > 64 || rounds < 1) {
		fprintf(stderr, "usage: forkcow [threads (0-64) [rounds]]\n");
		return 2;
	}
	for (int i = 0; i < threads; i++)
		if (pthread_create(&t[i], NULL, worker, NULL)) {
			perror("forkcow: pthread_create");
			return 2;
		}
	for (int i = 0; i < threads; i++)
		pthread_join(t[i], NULL);
	free(malloc(100));
	for (int r = 0; r < rounds; r++) {
		int fd[2];
		long faults = -1;

		if (pipe(fd)) {
			perror("forkcow: pipe");
			return 2;
		}
		pid_t c = fork();
		if (c < 0) {
			perror("forkcow: fork");
			return 2;
		}
		if (c == 0) {
			struct rusage ru;

			getrusage(RUSAGE_SELF, &ru);
			faults = ru.ru_minflt;
			_exit(write(fd[1], &faults, sizeof(faults)) ==
			      sizeof(faults) ? 0 : 1);
		}
		close(fd[1]);
		if (read(fd[0], &faults, sizeof(faults)) != sizeof(faults)) {
			fprintf(stderr, "forkcow: no count from the child\n");
			return 2;
		}
		close(fd[0]);
		waitpid(c, NULL, 0);
		if (faults > most)
			most = faults;
	}
	printf("faults %ld\n", most);
	return 0;
}
