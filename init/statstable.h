/* statstable: what `keel stats` prints, collected once per refresh into
 * one table: the container's memory (cgroup usage, limit, memory.stat
 * split, keel's soft limit and guard state) and a row for every process
 * of the PID namespace, with its heap when one is published, or why not.
 * The formatters (statstext.c, statsjson.c, statsprom.c) only print it. */
#ifndef KEEL_STATSTABLE_H
#define KEEL_STATSTABLE_H

#include <stdint.h>
#include <time.h>

#include "common/heapstats.h"
#include "init/cgroup.h"

#define STATS_MAX_KEELS 8
#define STATS_TREND 16		/* RSS samples kept for the sparkline */

/* A live keel instance found in a statistics folder. */
struct stats_keel {
	uint32_t pid;
	struct keel_control ctl;	/* a copy of its control file */
};

struct stats_row {
	uint32_t pid, ppid;
	uint32_t keel_pid;	/* the keel it descends from, 0 = none */
	uint64_t start_time;
	char command[32];	/* cleaned (procinfo.h) */
	uint64_t rss, rss_anon, rss_file, rss_shmem;
	uint64_t pss;
	int have_pss;		/* smaps_rollup was ours to read */
	uint32_t threads;
	/* the heap, when published: figures as the shim published them,
	 * except in_use and free_resident, cut to what the kernel counts
	 * resident (rss_anon); the cut part is not_resident */
	int have_heap;
	struct keel_heap_stats heap;
	uint64_t in_use, free_resident, not_resident;
	double fragmentation;	/* (in_use + free_resident) / in_use, 0 */
	const char *no_heap;	/* why there is none (static text) */
	const char *rejected;	/* heapfile_why of its rejected file, or NULL */
	/* --watch only (statshist.c): RSS growth, and the last samples */
	int have_growth;
	double growth_per_min;	/* bytes */
	int ntrend;
	uint64_t trend[STATS_TREND];
};

struct stats_table {
	struct timespec time;	/* CLOCK_REALTIME of the collection */
	int cgroup_version;	/* 0: no memory cgroup found */
	uint64_t usage, limit;	/* limit 0: none */
	int have_memory_stat;
	struct keel_memory_stat ms;
	int have_oom_kills;
	uint64_t oom_kills;	/* the cgroup's OOM kills so far */
	int nkeels;
	struct stats_keel keels[STATS_MAX_KEELS];
	size_t nrows, cap;
	struct stats_row *rows;	/* sorted by RSS, largest first */
	/* sums over the rows */
	uint64_t rss, pss, rss_anon, in_use, free_resident;
	unsigned heaps;		/* rows with a published heap */
};

/* Fills t (zeroed first; statstable_free after). with_pss: read
 * smaps_rollup (a walk of each address space; PID 1 does without).
 * Returns 0, or -1 when nothing could be read: no cgroup and no process. */
int statstable_collect(struct stats_table *t, int with_pss);
void statstable_free(struct stats_table *t);

/* The instance of a keel pid in t, or NULL. */
const struct stats_keel *statstable_keel(const struct stats_table *t,
					 uint32_t pid);

/* One process from /proc (keel_pid and the heap left empty): 0, or -1
 * when it is gone, a zombie or a kernel thread (no memory to show). */
int statstable_row(struct stats_row *r, uint32_t pid, int with_pss);

/* A row's heap figures from a published file and the process's RSS:
 * in_use + free_resident never exceed rss_anon (statstable.c). A row
 * without RSS (a process that is gone) takes the figures as published. */
void statstable_set_heap(struct stats_row *r, const struct keel_heap_stats *st);

/* Finds every live keel instance of this PID namespace (KEEL_STATS_DIR or
 * the default folders) and calls fn with its pid and open folder, which
 * fn must not close (statsfind.c). Returns how many were found. */
typedef void (*statsfind_fn)(uint32_t keel_pid, int dirfd,
			     const struct keel_control *ctl, void *arg);
int statsfind_each(statsfind_fn fn, void *arg);

#endif
