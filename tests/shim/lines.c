/* Two threads never share a cache line of small blocks (shim/small.c,
 * arenas): thread A allocates 2000 blocks of 48 bytes and frees every other
 * one, leaving holes in its spans; while A is alive, thread B allocates
 * 1000 blocks of the same class. Prints how many 64-byte lines hold bytes
 * of both threads' blocks (a shared heap fills A's holes with B's blocks,
 * and every write either thread makes to its block bounces the line). */
#include <pthread.h>
#include <semaphore.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#define NA 2000
#define NB 1000
#define SIZE 48

static void *a_blocks[NA], *b_blocks[NB];
static sem_t a_done, b_done;

static void *thread_a(void *arg)
{
	(void)arg;
	for (int i = 0; i < NA; i++)
		if (!(a_blocks[i] = malloc(SIZE)))
			exit(2);
	for (int i = 1; i < NA; i += 2) {
		free(a_blocks[i]);
		a_blocks[i] = 0;
	}
	sem_post(&a_done);
	sem_wait(&b_done);	/* stay alive while B allocates */
	return 0;
}

static void *thread_b(void *arg)
{
	(void)arg;
	for (int i = 0; i < NB; i++)
		if (!(b_blocks[i] = malloc(SIZE)))
			exit(2);
	return 0;
}

static int cmp(const void *x, const void *y)
{
	uintptr_t a = *(const uintptr_t *)x, b = *(const uintptr_t *)y;
	return a < b ? -1 : a > b;
}

/* the 64-byte lines a block covers, appended to out */
static size_t lines_of(void **blocks, int n, uintptr_t *out)
{
	size_t k = 0;
	for (int i = 0; i < n; i++) {
		if (!blocks[i])
			continue;
		uintptr_t p = (uintptr_t)blocks[i];
		for (uintptr_t l = p / 64; l <= (p + SIZE - 1) / 64; l++)
			out[k++] = l;
	}
	return k;
}

int main(void)
{
	static uintptr_t la[NA * 2], lb[NB * 2];
	pthread_t a, b;
	sem_init(&a_done, 0, 0);
	sem_init(&b_done, 0, 0);
	pthread_create(&a, 0, thread_a, 0);
	sem_wait(&a_done);
	pthread_create(&b, 0, thread_b, 0);
	pthread_join(b, 0);
	sem_post(&b_done);
	pthread_join(a, 0);

	size_t na = lines_of(a_blocks, NA, la), nb = lines_of(b_blocks, NB, lb);
	qsort(la, na, sizeof(*la), cmp);
	size_t shared = 0;
	for (size_t i = 0; i < nb; i++)
		if (bsearch(&lb[i], la, na, sizeof(*la), cmp))
			shared++;
	printf("lines: %zu of B's %zu cache lines hold A's blocks too\n",
	       shared, nb);
	return 0;
}
