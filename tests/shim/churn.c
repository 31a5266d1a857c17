/* Thread churn: many short-lived threads allocate small blocks, free most,
 * leave some in their cache at exit and hand one to a later thread. Prints
 * VmRSS after the first tenth and at the end: RSS must not grow with the
 * number of threads. Usage: churn [threads] */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "rss.h"

static void *handoff[64];


static void *life(void *arg)
{
	long id = (long)arg;
	void *v[200];
	for (int i = 0; i < 200; i++) {
		size_t n = (size_t)(16 + (i * 97 + id * 13) % 3000);
		v[i] = malloc(n);
		memset(v[i], (int)i, n);
	}
	for (int i = 0; i < 200; i += 1 + (i % 3 == 0))
		free(v[i]), v[i] = NULL;
	for (int i = 0; i < 200; i++)
		free(v[i]);
	/* a block from a previous thread is freed here, one is left */
	void *mine = malloc(100 + (size_t)id % 900);
	void *old = __atomic_exchange_n(&handoff[id % 64], mine,
					__ATOMIC_ACQ_REL);
	free(old);
	return NULL;
}

int main(int argc, char **argv)
{
	long n = argc > 1 ? atol(argv[1]) : 100000;
	long early = 0;
	for (long i = 0; i < n; i += 2) {
		pthread_t a, b;
		if (pthread_create(&a, NULL, life, (void *)i) ||
		    pthread_create(&b, NULL, life, (void *)(i + 1))) {
			fprintf(stderr, "churn: pthread_create failed\n");
			return 1;
		}
		pthread_join(a, NULL);
		pthread_join(b, NULL);
		if (i == n / 10)
			early = rss_kib();
	}
	long late = rss_kib();
	printf("churn: %ld threads, rss after %ld: %ld KiB, at end: %ld KiB\n",
	       n, n / 10, early, late);
	return 0;
}
