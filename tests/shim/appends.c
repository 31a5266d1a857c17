/* Huge buffers grown by appends, as the seed pattern grows them: realloc
 * by a few hundred bytes to a few KiB at a time, past 64 KiB and up to
 * 3 MiB, by several threads at once; a grown buffer goes to another
 * thread, which shrinks it, appends to it again and frees it, so freed
 * mappings come back to new buffers with resident pages past the request.
 * After every realloc malloc_usable_size must cover the request and every
 * byte written so far must be there: most of these calls find the block
 * holds the new size already (headroom, a reused mapping's slack), and a
 * size kept wrong shows up here as a short usable size or a corrupt byte.
 * Usage: appends [threads] [buffers per thread]; exit 0 when all held. */
#include <malloc.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define HANDOFF 64

struct buf {
	unsigned char *p;
	size_t n;
	uint32_t seed;
};

static struct buf handoff[HANDOFF];
static pthread_mutex_t handoff_lock = PTHREAD_MUTEX_INITIALIZER;
static volatile int bad;

static uint64_t rnd(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

static unsigned char byte_at(const struct buf *b, size_t i)
{
	return (unsigned char)(b->seed + i * 131 + (i >> 12));
}

static void fail(const char *what, const struct buf *b, size_t i)
{
	fprintf(stderr, "appends: %s: byte %zu of %zu\n", what, i, b->n);
	bad = 1;
}

/* malloc_usable_size covers the request, and the bytes hold: every one
 * from "from" on, one in 61 before (a full check per append would make
 * the test quadratic) */
static int check_from(const struct buf *b, size_t from, const char *what)
{
	size_t have = malloc_usable_size(b->p);
	if (have < b->n) {
		fprintf(stderr, "appends: %s: usable size %zu under %zu\n",
			what, have, b->n);
		bad = 1;
		return -1;
	}
	for (size_t i = 0; i < b->n; i += i < from ? 61 : 1)
		if (b->p[i] != byte_at(b, i)) {
			fail(what, b, i);
			return -1;
		}
	return 0;
}

static int check(const struct buf *b, const char *what)
{
	return check_from(b, b->n > 8192 ? b->n - 8192 : 0, what);
}

/* realloc b to n bytes and fill what is new */
static int resize(struct buf *b, size_t n, const char *what)
{
	unsigned char *q = realloc(b->p, n);
	if (!q) {
		fprintf(stderr, "appends: %s: realloc to %zu failed\n", what, n);
		bad = 1;
		return -1;
	}
	size_t old = b->n;
	b->p = q;
	b->n = n;
	/* the bytes it moved or kept: the last 4 KiB before the new ones */
	struct buf kept = *b;
	kept.n = old < n ? old : n;
	if (kept.n > 4096 && kept.p[kept.n - 4096] != byte_at(&kept, kept.n - 4096))
		fail(what, &kept, kept.n - 4096);
	for (size_t i = kept.n > 64 ? kept.n - 64 : 0; i < kept.n; i++)
		if (kept.p[i] != byte_at(&kept, i))
			fail(what, &kept, i);
	for (size_t i = old; i < n; i++)
		b->p[i] = byte_at(b, i);
	size_t have = malloc_usable_size(b->p);
	if (have < n) {
		fprintf(stderr, "appends: %s: usable size %zu under %zu\n",
			what, have, n);
		bad = 1;
	}
	return bad ? -1 : 0;
}

/* appends to b until it holds target bytes */
static int grow(struct buf *b, size_t target, uint64_t *s)
{
	while (b->n < target && !bad) {
		size_t step = 320 * (1 + rnd(s) % 12);
		if (resize(b, b->n + step, "append"))
			return -1;
	}
	return 0;
}

/* a buffer another thread grew: shrink, grow again, free */
static void finish(struct buf *b, uint64_t *s)
{
	if (check_from(b, 0, "handed over"))
		return;
	if (resize(b, b->n - b->n / (2 + rnd(s) % 8), "shrink") ||
	    grow(b, b->n + (rnd(s) % (256 << 10)), s) || check(b, "regrown"))
		return;
	free(b->p);
}

static void *worker(void *arg)
{
	long count = (long)(intptr_t)arg;
	uint64_t s = (uintptr_t)&s | 1;
	for (long i = 0; i < count && !bad; i++) {
		struct buf b = { 0, 0, (uint32_t)rnd(&s) };
		size_t target = (64 << 10) + rnd(&s) % (3 << 20);
		if (grow(&b, target, &s) || check(&b, "grown"))
			break;
		unsigned k = (unsigned)(rnd(&s) % HANDOFF);
		pthread_mutex_lock(&handoff_lock);
		struct buf theirs = handoff[k];
		handoff[k] = b;
		pthread_mutex_unlock(&handoff_lock);
		if (theirs.p)
			finish(&theirs, &s);
	}
	return NULL;
}

int main(int argc, char **argv)
{
	int threads = argc > 1 ? atoi(argv[1]) : 4;
	long count = argc > 2 ? atol(argv[2]) : 200;
	pthread_t t[64];
	uint64_t s = 7;

	if (threads < 1 || threads > 64)
		threads = 4;
	for (int i = 0; i < threads; i++)
		pthread_create(&t[i], NULL, worker, (void *)(intptr_t)count);
	for (int i = 0; i < threads; i++)
		pthread_join(t[i], NULL);
	for (unsigned k = 0; k < HANDOFF && !bad; k++)
		if (handoff[k].p)
			finish(&handoff[k], &s);
	if (bad)
		return 1;
	printf("appends: %d threads, %ld buffers each: every byte held\n",
	       threads, count);
	return 0;
}
