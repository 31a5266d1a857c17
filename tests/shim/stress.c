/* Multithreaded stress with content verification: heavy-tailed sizes, realloc
 * chains, and half the blocks freed by another thread through a shared
 * exchange; every byte is checked before it is freed.
 * Usage: stress [threads] [ops per thread]; exit 0 when every byte held. */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SLOTS 512
#define XCHG 4096

struct blk {
	unsigned char *p;
	size_t n;
	uint32_t seed;
};

static struct blk xchg[XCHG];
static pthread_mutex_t xlock[64];
static long ops = 200000;
static volatile int bad;

static uint64_t rnd(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

/* mostly small, a tail of large, a rare huge block */
static size_t pick_size(uint64_t *s)
{
	uint64_t r = rnd(s) % 1000;
	if (r < 700)
		return rnd(s) % 256 + 1;
	if (r < 930)
		return rnd(s) % 4096 + 1;
	if (r < 990)
		return rnd(s) % 65536 + 1;
	if (r < 999)
		return rnd(s) % (1 << 20) + 1;
	return rnd(s) % (4 << 20) + 1;
}

static void fill(struct blk *b, size_t from)
{
	for (size_t i = from; i < b->n; i++)
		b->p[i] = (unsigned char)(b->seed + i * 31);
}

static void check(const struct blk *b, const char *what)
{
	for (size_t i = 0; i < b->n; i++)
		if (b->p[i] != (unsigned char)(b->seed + i * 31)) {
			fprintf(stderr, "stress: %s: byte %zu of %zu corrupt\n",
				what, i, b->n);
			bad = 1;
			return;
		}
}

static void *worker(void *arg)
{
	uint64_t s = (uintptr_t)arg * 0x9e3779b97f4a7c15ull + 1;
	struct blk mine[SLOTS];
	memset(mine, 0, sizeof(mine));
	for (long i = 0; i < ops && !bad; i++) {
		struct blk *b = &mine[rnd(&s) % SLOTS];
		uint64_t r = rnd(&s) % 10;
		if (b->p && r < 3) {
			/* realloc: contents up to the old length survive */
			size_t old = b->n, n = pick_size(&s);
			unsigned char *q = realloc(b->p, n);
			if (!q) {
				bad = 1;
				break;
			}
			b->p = q;
			b->n = n;
			struct blk t = *b;
			t.n = old < n ? old : n;
			check(&t, "realloc");
			fill(b, t.n);
			continue;
		}
		if (b->p) {
			check(b, "own");
			if (r < 6) {
				free(b->p);
			} else {
				/* swap with the exchange: another thread frees it */
				size_t x = rnd(&s) % XCHG;
				pthread_mutex_t *l = &xlock[x % 64];
				pthread_mutex_lock(l);
				struct blk o = xchg[x];
				xchg[x] = *b;
				pthread_mutex_unlock(l);
				if (o.p) {
					check(&o, "exchanged");
					free(o.p);
				}
			}
			b->p = NULL;
		}
		b->n = pick_size(&s);
		b->seed = (uint32_t)rnd(&s);
		b->p = rnd(&s) % 4 ? malloc(b->n) : calloc(1, b->n);
		if (!b->p) {
			bad = 1;
			break;
		}
		fill(b, 0);
	}
	for (int i = 0; i < SLOTS; i++)
		if (mine[i].p) {
			check(&mine[i], "final");
			free(mine[i].p);
		}
	return NULL;
}

int main(int argc, char **argv)
{
	int nt = argc > 1 ? atoi(argv[1]) : 8;
	if (argc > 2)
		ops = atol(argv[2]);
	for (int i = 0; i < 64; i++)
		pthread_mutex_init(&xlock[i], NULL);
	pthread_t t[256];
	for (int i = 0; i < nt; i++)
		pthread_create(&t[i], NULL, worker, (void *)(uintptr_t)(i + 1));
	for (int i = 0; i < nt; i++)
		pthread_join(t[i], NULL);
	for (int i = 0; i < XCHG; i++)
		if (xchg[i].p) {
			check(&xchg[i], "left");
			free(xchg[i].p);
		}
	printf("stress: %d threads x %ld ops: %s\n", nt, ops,
	       bad ? "CORRUPT" : "ok");
	return bad;
}
