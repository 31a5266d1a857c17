/* forks: a shell's or a pre-forking server's pattern. After THREADS
 * threads have allocated (each cache takes its own arena), the program
 * forks again and again; each child allocates a few blocks, frees them
 * and exits, and the parent waits for it. The time is mostly the fork's:
 * the pages an allocator's fork handlers write are copied, in the parent
 * and in the child. Usage: forks [SCALE [THREADS]]. */
#include "bench.h"
#include <sys/wait.h>

static void *forks_thread(void *arg)
{
	uint64_t s = bench_seed((uint64_t)(uintptr_t)arg);
	void *v[256];

	for (int i = 0; i < 256; i++) {
		size_t n = bench_size_log(&s, 16, 16 << 10);

		v[i] = bench_xmalloc(n);
		bench_touch(v[i], n, s);
	}
	for (int i = 0; i < 256; i++)
		free(v[i]);
	return NULL;
}

int main(int argc, char **argv)
{
	double scale = bench_scale(argc, argv);
	int threads = bench_arg_int(argc, argv, 2, 4);
	int n = (int)(2000 * scale) < 1 ? 1 : (int)(2000 * scale);
	pthread_t t[64];
	uint64_t sum = 0;

	if (threads < 0 || threads > 64)
		threads = 4;
	for (int i = 0; i < threads; i++)
		if (pthread_create(&t[i], NULL, forks_thread,
				   (void *)(uintptr_t)(900 + i))) {
			fprintf(stderr, "bench: fatal: pthread_create\n");
			return 1;
		}
	for (int i = 0; i < threads; i++)
		pthread_join(t[i], NULL);
	for (int i = 0; i < n; i++) {
		int status;
		pid_t c = fork();

		if (c < 0) {
			perror("bench: fatal: fork");
			return 1;
		}
		if (c == 0) {
			char *p = malloc(64 + (size_t)i % 512);

			if (p)
				p[0] = 1;
			free(p);
			_exit(p ? 0 : 1);
		}
		if (waitpid(c, &status, 0) != c || !WIFEXITED(status) ||
		    WEXITSTATUS(status)) {
			fprintf(stderr, "bench: fatal: a child failed\n");
			return 1;
		}
		sum++;
	}
	bench_result(sum);
	return 0;
}
