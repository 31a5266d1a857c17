/* statshist: what `keel stats --watch` remembers between refreshes: the
 * last STATS_TREND RSS samples of each process (a pid and its start time,
 * so a reused pid starts afresh), for the growth per minute and the
 * sparkline. Processes that are gone are forgotten at the next refresh. */
#include <stdlib.h>
#include <string.h>

#include "init/statshist.h"

static int statshist_by_pid(const void *a, const void *b)
{
	const struct statshist_entry *x = a, *y = b;

	return (x->pid > y->pid) - (x->pid < y->pid);
}

static double statshist_seconds(const struct timespec *ts)
{
	return (double)ts->tv_sec + (double)ts->tv_nsec / 1e9;
}

/* The growth over the samples kept, and the row's trend. */
static void statshist_row(struct statshist_entry *e, struct stats_row *r)
{
	double dt = e->when[e->n - 1] - e->when[0];

	r->ntrend = e->n;
	memcpy(r->trend, e->rss, sizeof(r->trend));
	r->have_growth = e->n >= 2 && dt > 0;
	if (r->have_growth)
		r->growth_per_min = ((double)e->rss[e->n - 1] -
				     (double)e->rss[0]) / dt * 60;
}

void statshist_update(struct statshist *h, struct stats_table *t)
{
	struct statshist_entry *next, key, *old;
	double now = statshist_seconds(&t->time);

	next = calloc(t->nrows ? t->nrows : 1, sizeof(*next));
	if (!next)
		return;	/* no trend this time; the figures still print */
	for (size_t i = 0; i < t->nrows; i++) {
		struct stats_row *r = &t->rows[i];
		struct statshist_entry *e = &next[i];

		key.pid = r->pid;
		old = h->n ? bsearch(&key, h->e, h->n, sizeof(*h->e),
				     statshist_by_pid) : NULL;
		if (old && old->start_time == r->start_time)
			*e = *old;
		e->pid = r->pid;
		e->start_time = r->start_time;
		if (e->n == STATS_TREND) {
			memmove(e->rss, e->rss + 1,
				(STATS_TREND - 1) * sizeof(e->rss[0]));
			memmove(e->when, e->when + 1,
				(STATS_TREND - 1) * sizeof(e->when[0]));
			e->n--;
		}
		e->rss[e->n] = r->rss;
		e->when[e->n] = now;
		e->n++;
		statshist_row(e, r);
	}
	if (t->nrows)
		qsort(next, t->nrows, sizeof(*next), statshist_by_pid);
	free(h->e);
	h->e = next;
	h->n = t->nrows;
}

void statshist_free(struct statshist *h)
{
	free(h->e);
	h->e = NULL;
	h->n = 0;
}
