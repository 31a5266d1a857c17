/* A program whose main thread calls pthread_exit ends when its last thread
 * does. A worker frees 8 MiB (which starts libkeel.so's purger), prints
 * how many threads the process has, and exits 200 ms after main has gone;
 * the process must then end: the purger must not keep it alive. */
#include <dirent.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "rss.h"

static void *worker(void *arg)
{
	enum { N = 64, SIZE = 128 << 10 };
	static char *blocks[N];
	struct timespec pause = { 0, 200 * 1000 * 1000 };

	(void)arg;
	for (int i = 0; i < N; i++) {
		blocks[i] = malloc(SIZE);
		if (!blocks[i])
			exit(1);
		memset(blocks[i], i, SIZE);
	}
	for (int i = 0; i < N; i++)
		free(blocks[i]);
	nanosleep(&pause, 0);
	printf("threads: %d\n", task_threads());
	fflush(stdout);
	nanosleep(&pause, 0);
	return 0;
}

int main(void)
{
	pthread_t t;

	if (pthread_create(&t, 0, worker, 0))
		return 1;
	pthread_exit(0);
}
