/* statshist: the memory of `keel stats --watch` between refreshes (RSS
 * samples per process), from which each row gets its growth per minute
 * and its sparkline. */
#ifndef KEEL_STATSHIST_H
#define KEEL_STATSHIST_H

#include <stddef.h>
#include <stdint.h>

#include "init/statstable.h"

struct statshist_entry {
	uint32_t pid;
	uint64_t start_time;
	int n;
	uint64_t rss[STATS_TREND];
	double when[STATS_TREND];	/* seconds, CLOCK_REALTIME */
};

struct statshist {
	struct statshist_entry *e;	/* sorted by pid */
	size_t n;
};

/* Adds this refresh's RSS of each row and fills the rows' growth and
 * trend. */
void statshist_update(struct statshist *h, struct stats_table *t);
void statshist_free(struct statshist *h);

#endif
