/* The seed pattern (DESIGN.md): receivers grow per-connection buffers by
 * realloc appends, copy a slice out of each full one, hand both to workers
 * that check and free them. Prints RSS/live (final, max of the second half)
 * and the RSS slope, sampled while every receiver appends (the last
 * sample once came after the others had freed 3/4 of live, mid-purge:
 * a transient the decay tests cover, not the steady state).
 * Usage: seed [appends in millions] [connections] */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "rss.h"

#define RECEIVERS 4
#define WORKERS 4
#define QCAP 256

struct item {
	unsigned char *p;
	size_t n;
};

static struct item queue[QCAP];
static int qhead, qtail, qlen, done_recv;
static pthread_mutex_t qlock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t qnotfull = PTHREAD_COND_INITIALIZER;
static pthread_cond_t qnotempty = PTHREAD_COND_INITIALIZER;
static long live;		/* bytes held by the program */
static long appends_per_recv;
static int nconn;
static volatile int corrupt;
/* receivers still appending: the steady state ends when the first one
 * stops and frees its connections' buffers at once */
static int receiving = RECEIVERS;


static uint64_t rnd(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

static void put(unsigned char *p, size_t n)
{
	pthread_mutex_lock(&qlock);
	while (qlen == QCAP)
		pthread_cond_wait(&qnotfull, &qlock);
	queue[qtail] = (struct item){ p, n };
	qtail = (qtail + 1) % QCAP;
	qlen++;
	pthread_cond_signal(&qnotempty);
	pthread_mutex_unlock(&qlock);
}

static void *worker(void *arg)
{
	(void)arg;
	for (;;) {
		pthread_mutex_lock(&qlock);
		while (!qlen && !done_recv)
			pthread_cond_wait(&qnotempty, &qlock);
		if (!qlen) {
			pthread_mutex_unlock(&qlock);
			return NULL;
		}
		struct item it = queue[qhead];
		qhead = (qhead + 1) % QCAP;
		qlen--;
		pthread_cond_signal(&qnotfull);
		pthread_mutex_unlock(&qlock);
		/* audio frames: byte i holds (i & 0xff) ^ 0x5a */
		for (size_t i = 0; i < it.n; i += 997)
			if (it.p[i] != (unsigned char)((i & 0xff) ^ 0x5a))
				corrupt = 1;
		free(it.p);
		__atomic_fetch_sub(&live, (long)it.n, __ATOMIC_RELAXED);
	}
}

struct conn {
	unsigned char *buf;
	size_t len, target;
};

static long samples_rss[4096], samples_live[4096];
static int nsamples;
static pthread_mutex_t slock = PTHREAD_MUTEX_INITIALIZER;

static void *receiver(void *arg)
{
	long id = (long)arg;
	uint64_t s = (uint64_t)id * 0x9e3779b97f4a7c15ull + 7;
	int per = nconn / RECEIVERS;
	struct conn *c = calloc((size_t)per, sizeof(*c));
	for (long op = 0; op < appends_per_recv; op++) {
		struct conn *k = &c[rnd(&s) % (uint64_t)per];
		if (!k->target) /* heavy-tailed message sizes, 16 KiB..1.5 MiB */
			k->target = 16384 + (rnd(&s) % 4 == 0
				? rnd(&s) % (1536 * 1024) : rnd(&s) % 262144);
		size_t chunk = 320 + rnd(&s) % 3840; /* one websocket frame */
		unsigned char *nb = realloc(k->buf, k->len + chunk);
		if (!nb) {
			corrupt = 1;
			break;
		}
		k->buf = nb;
		for (size_t i = k->len; i < k->len + chunk; i++)
			nb[i] = (unsigned char)((i & 0xff) ^ 0x5a);
		k->len += chunk;
		__atomic_fetch_add(&live, (long)chunk, __ATOMIC_RELAXED);
		if (k->len >= k->target) {
			/* a slice is copied out; both go to a worker */
			size_t off = (k->len / 3) & ~(size_t)255;
			size_t sl = k->len / 2;
			unsigned char *slice = malloc(sl);
			memcpy(slice, k->buf + off, sl);
			for (size_t i = 0; i < sl; i++)
				slice[i] = (unsigned char)((i & 0xff) ^ 0x5a);
			__atomic_fetch_add(&live, (long)sl, __ATOMIC_RELAXED);
			put(k->buf, k->len);
			put(slice, sl);
			k->buf = NULL;
			k->len = 0;
			k->target = 0;
		}
		if (id == 0 && op % 20000 == 0 &&
		    __atomic_load_n(&receiving, __ATOMIC_RELAXED) == RECEIVERS) {
			pthread_mutex_lock(&slock);
			if (nsamples < 4096) {
				samples_rss[nsamples] = (rss_kib() * 1024);
				samples_live[nsamples] =
					__atomic_load_n(&live, __ATOMIC_RELAXED);
				nsamples++;
			}
			pthread_mutex_unlock(&slock);
		}
	}
	__atomic_fetch_sub(&receiving, 1, __ATOMIC_RELAXED);
	for (int i = 0; i < per; i++)
		if (c[i].buf) {
			free(c[i].buf);
			__atomic_fetch_sub(&live, (long)c[i].len,
					   __ATOMIC_RELAXED);
		}
	free(c);
	return NULL;
}

int main(int argc, char **argv)
{
	double millions = argc > 1 ? atof(argv[1]) : 2;
	nconn = argc > 2 ? atoi(argv[2]) : 2000;
	appends_per_recv = (long)(millions * 1e6 / RECEIVERS);
	pthread_t r[RECEIVERS], w[WORKERS];
	for (long i = 0; i < WORKERS; i++)
		pthread_create(&w[i], NULL, worker, NULL);
	for (long i = 0; i < RECEIVERS; i++)
		pthread_create(&r[i], NULL, receiver, (void *)i);
	for (int i = 0; i < RECEIVERS; i++)
		pthread_join(r[i], NULL);
	pthread_mutex_lock(&qlock);
	done_recv = 1;
	pthread_cond_broadcast(&qnotempty);
	pthread_mutex_unlock(&qlock);
	for (int i = 0; i < WORKERS; i++)
		pthread_join(w[i], NULL);

	/* second half: the steady state */
	int h = nsamples / 2;
	double maxr = 0, sx = 0, sy = 0, sxx = 0, sxy = 0;
	for (int i = h; i < nsamples; i++) {
		double ratio = (double)samples_rss[i] / (double)samples_live[i];
		if (ratio > maxr)
			maxr = ratio;
		double x = i * 20000.0 * RECEIVERS / 1e6;
		double y = samples_rss[i] / 1048576.0;
		sx += x, sy += y, sxx += x * x, sxy += x * y;
	}
	double m = nsamples - h;
	double slope = m > 1 ? (m * sxy - sx * sy) / (m * sxx - sx * sx) : 0;
	int l = nsamples - 1;
	printf("seed: samples %d live %.1f MiB rss %.1f MiB ratio %.3f max-ratio %.3f slope %.2f MiB/M-appends%s\n",
	       nsamples, samples_live[l] / 1048576.0,
	       samples_rss[l] / 1048576.0,
	       (double)samples_rss[l] / (double)samples_live[l], maxr, slope,
	       corrupt ? " CORRUPT" : "");
	return corrupt;
}
